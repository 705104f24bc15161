/* Planning: plan_make over hand-built live sets and loaded, rendered profiles (SPEC 4, 6, 9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "record.h"
#include "unit.h"

#define W_MAX 8

/* A desired state (profiles and their renders) and a live scandir, built in name order. */
struct world {
  struct profile_set set;
  struct slot_render rbuf[W_MAX];
  struct slot_render *renders[W_MAX];
  struct live_set live;
  struct plan plan;
  struct hr_errors errs;       /* the plan's */
};

static void w_init(struct world *w)
{
  memset(w, 0, sizeof *w);
  w->set.v = calloc(W_MAX, sizeof *w->set.v);
  w->set.cap = W_MAX;
  w->live.v = calloc(W_MAX, sizeof *w->live.v);
  w->live.cap = W_MAX;
}

/* Add profile name (names in increasing order) from text; rendered if valid and enabled. */
static struct profile *w_profile(struct world *w, char const *name, char const *text)
{
  ck_assert_uint_lt(w->set.n, W_MAX);
  if (w->set.n) ck_assert_str_lt(w->set.v[w->set.n - 1].name, name);
  struct hr_errors errs = { 0 };
  size_t i = w->set.n++;
  struct profile *p = w->set.v + i;
  t_load(name, text, 0, p, &errs);
  errors_free(&errs);
  if (p->valid && p->enabled) {
    render_slot(p, &t_rctx, w->rbuf + i);
    w->renders[i] = w->rbuf + i;
  }
  return p;
}

/* Add a live entry (names in increasing order). */
static struct live_slot *w_live(struct world *w, char const *name, enum live_kind kind)
{
  ck_assert_uint_lt(w->live.n, W_MAX);
  if (w->live.n) ck_assert_str_lt(w->live.v[w->live.n - 1].name, name);
  struct live_slot *l = w->live.v + w->live.n++;
  memset(l, 0, sizeof *l);
  l->name = strdup(name);
  l->kind = kind;
  l->autostart = -1;
  return l;
}

/*
 * A supervised live slot gateway-<name>, recorded as made from profile text by an earlier pass,
 * its event directories made for the policy the scan read (events_trusted, as the scan says).
 */
static struct live_slot *w_live_made(struct world *w, char const *name, char const *text)
{
  struct profile p;
  struct slot_render r;
  char slot[300];
  t_load_ok(name, text, 0, &p);
  render_slot(&p, &t_rctx, &r);
  snprintf(slot, sizeof slot, "gateway-%s", name);
  struct live_slot *l = w_live(w, slot, LIVE_SLOT);
  char *rec = record_text(&r, p.autostart, 0, HR_EVENTS_UNKNOWN);
  ck_assert_int_eq(scan_parse_record(rec, strlen(rec), l), 0);
  l->events_trusted = 1;
  l->supervised = 1;
  l->log_supervised = r.has_log;
  free(rec);
  render_free(&r);
  profile_free(&p);
  return l;
}

static void w_plan(struct world *w)
{
  plan_make(&w->set, w->renders, &w->live, &w->plan, &w->errs);
}

static void w_free(struct world *w)
{
  plan_free(&w->plan);
  errors_free(&w->errs);
  for (size_t i = 0; i < w->set.n; i++) if (w->renders[i]) render_free(w->renders[i]);
  profile_set_free(&w->set);
  live_set_free(&w->live);
}

static struct plan_item const *w_item(struct world const *w, char const *slot)
{
  for (size_t i = 0; i < w->plan.n; i++) if (!strcmp(w->plan.v[i].slot, slot)) return w->plan.v + i;
  ck_abort_msg("no plan item for %s", slot);
  return 0;
}

/* The plan is exactly one item: slot, action, changes. */
static struct plan_item const *w_only(struct world const *w, char const *slot, enum hr_action a, unsigned int changes)
{
  ck_assert_uint_eq(w->plan.n, 1);
  struct plan_item const *it = w_item(w, slot);
  ck_assert_msg(it->action == a, "%s: %s, want %s", slot, plan_action_name(it->action), plan_action_name(a));
  ck_assert_msg(it->changes == changes, "%s: changes %#x, want %#x", slot, it->changes, changes);
  ck_assert_int_eq(it->leftover, 0);
  return it;
}

START_TEST(test_add)
{
  struct world w;
  w_init(&w);
  struct profile *p = w_profile(&w, "alpha", "");
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_ADD, 0);
  ck_assert_ptr_eq(it->profile, p);
  ck_assert_ptr_eq(it->render, w.renders[0]);
  ck_assert_ptr_null(it->live);
  ck_assert_int_eq(w.plan.need_scan, 1);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  ck_assert_uint_eq(w.errs.n, 0);
  w_free(&w);
}
END_TEST

START_TEST(test_keep)
{
  struct world w;
  w_init(&w);
  char const *text = "[gateway]\nargs = --x\nautostart = no\n[env]\nA = 1\n";
  w_profile(&w, "alpha", text);
  struct live_slot *l = w_live_made(&w, "alpha", text);
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_KEEP, 0);
  ck_assert_ptr_eq(it->live, l);
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 0);
  w_free(&w);

  /* without a logger too */
  w_init(&w);
  w_profile(&w, "alpha", "[log]\nenabled = no\n");
  l = w_live_made(&w, "alpha", "[log]\nenabled = no\n");
  ck_assert_int_eq(l->log_supervised, 0);
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_KEEP, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 0);
  w_free(&w);

  /* the same slot, its event directories not said by its record to be made for this policy: the record alone */
  w_init(&w);
  w_profile(&w, "alpha", text);
  l = w_live_made(&w, "alpha", text);
  l->events_trusted = 0;
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_RECORD);
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  w_free(&w);
}
END_TEST

/* A slot made from text was, and text2 is wanted: update with changes, nothing to rescan. */
static void update_case(char const *was, char const *now, unsigned int changes)
{
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", now);
  w_live_made(&w, "alpha", was);
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_UPDATE, changes);
  ck_assert_ptr_eq(it->render, w.renders[0]);
  ck_assert_ptr_nonnull(it->live);
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  w_free(&w);
}

START_TEST(test_update_changes)
{
  update_case("", "[gateway]\nargs = --new\n", HR_CH_RUN);
  update_case("", "[env]\nTOKEN = x\n", HR_CH_RUN);
  update_case("", "[gateway]\nnotification_fd = 3\n", HR_CH_RUN);
  update_case("", "[gateway]\nrestart = never\n", HR_CH_CONTROL);
  update_case("", "[gateway]\ntimeout_finish = 1\n", HR_CH_CONTROL);
  update_case("", "[log]\nmax_files = 2\n", HR_CH_LOG);
  update_case("", "[gateway]\nautostart = yes\n", HR_CH_AUTOSTART);
  update_case("[gateway]\nautostart = no\n", "[gateway]\nautostart = state\n", HR_CH_AUTOSTART);
  update_case("", "[gateway]\nargs = --new\nrestart = always\n[log]\nto_stdout = no\n",
              HR_CH_RUN | HR_CH_CONTROL | HR_CH_LOG);
  update_case("", "[gateway]\ngroup = staff\n", HR_CH_RUN | HR_CH_LOG);
}
END_TEST

START_TEST(test_logger_added_dropped)
{
  static char const *const texts[2] = { "[log]\nenabled = no\n", "[log]\nenabled = yes\n" };
  for (int i = 0; i < 2; i++) {
    struct world w;
    w_init(&w);
    w_profile(&w, "alpha", texts[i]);
    w_live_made(&w, "alpha", texts[!i]);
    w_plan(&w);
    w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_LOGGER);
    ck_assert_int_eq(w.plan.need_scan, 1);
    ck_assert_int_eq(w.plan.need_prune, 1);
    w_free(&w);
  }
}
END_TEST

START_TEST(test_unsupervised)
{
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", "");
  w_live_made(&w, "alpha", "")->supervised = 0;
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_RESCAN);
  ck_assert_int_eq(w.plan.need_scan, 1);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  w_free(&w);

  /* the logger's supervisor missing counts too */
  w_init(&w);
  w_profile(&w, "alpha", "[gateway]\nargs = --x\n");
  w_live_made(&w, "alpha", "")->log_supervised = 0;
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_RESCAN | HR_CH_RUN);
  ck_assert_int_eq(w.plan.need_scan, 1);
  w_free(&w);
}
END_TEST

START_TEST(test_restart_record)
{
  static int const recorded[] = { HR_RESTART_RUN, HR_RESTART_LOG, HR_RESTART_RUN | HR_RESTART_LOG };
  for (int i = 0; i < 3; i++) {
    struct world w;
    w_init(&w);
    w_profile(&w, "alpha", "");
    w_live_made(&w, "alpha", "")->restart = recorded[i];
    w_plan(&w);
    w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_RESTART);
    ck_assert_int_eq(w.plan.need_scan, 0);
    ck_assert_int_eq(plan_pending(&w.plan), 1);
    w_free(&w);
  }
}
END_TEST

START_TEST(test_unrecorded)
{
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", "");
  struct live_slot *l = w_live(&w, "gateway-alpha", LIVE_SLOT);
  l->has_log = l->supervised = l->log_supervised = 1;
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_UPDATE,
         HR_CH_UNRECORDED | HR_CH_RUN | HR_CH_CONTROL | HR_CH_LOG | HR_CH_AUTOSTART);
  ck_assert_int_eq(w.plan.need_scan, 0);
  w_free(&w);

  w_init(&w);
  w_profile(&w, "alpha", "[log]\nenabled = no\n");
  l = w_live(&w, "gateway-alpha", LIVE_SLOT);
  l->supervised = 1;
  w_plan(&w);
  w_only(&w, "gateway-alpha", HR_UPDATE, HR_CH_UNRECORDED | HR_CH_RUN | HR_CH_CONTROL | HR_CH_AUTOSTART);
  w_free(&w);
}
END_TEST

START_TEST(test_remove_orphan)
{
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", "");
  w_live_made(&w, "alpha", "");
  struct live_slot *l = w_live_made(&w, "old", "");
  w_plan(&w);
  ck_assert_uint_eq(w.plan.n, 2);
  ck_assert_int_eq(w_item(&w, "gateway-alpha")->action, HR_KEEP);
  struct plan_item const *it = w_item(&w, "gateway-old");
  ck_assert_int_eq(it->action, HR_REMOVE);
  ck_assert_ptr_null(it->profile);
  ck_assert_ptr_eq(it->live, l);
  ck_assert_int_eq(it->leftover, 0);
  ck_assert_int_eq(w.plan.need_scan, 1);
  ck_assert_int_eq(w.plan.need_prune, 1);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  w_free(&w);

  /* with no profile file at all, every slot goes */
  w_init(&w);
  w_live(&w, "gateway-a", LIVE_SLOT);
  w_live(&w, "gateway-b", LIVE_SLOT);
  w_plan(&w);
  ck_assert_uint_eq(w.plan.n, 2);
  ck_assert_int_eq(w_item(&w, "gateway-a")->action, HR_REMOVE);
  ck_assert_int_eq(w_item(&w, "gateway-b")->action, HR_REMOVE);
  w_free(&w);
}
END_TEST

START_TEST(test_remove_disabled)
{
  struct world w;
  w_init(&w);
  struct profile *p = w_profile(&w, "alpha", "[profile]\nenabled = no\n");
  ck_assert_ptr_null(w.renders[0]);
  w_live_made(&w, "alpha", "");
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_REMOVE, 0);
  ck_assert_ptr_eq(it->profile, p);
  ck_assert_ptr_nonnull(it->live);
  ck_assert_int_eq(w.plan.need_scan, 1);
  ck_assert_int_eq(w.plan.need_prune, 1);
  w_free(&w);

  /* disabled and not live: nothing at all */
  w_init(&w);
  w_profile(&w, "alpha", "[profile]\nenabled = no\n");
  w_plan(&w);
  ck_assert_uint_eq(w.plan.n, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 0);
  ck_assert_int_eq(w.plan.need_scan, 0);
  w_free(&w);
}
END_TEST

START_TEST(test_invalid_profile)
{
  static char const *const bad[] = { "[gateway]\nrestart = sometimes\n", "[profile]\nenabled = no\nbogus = 1\n" };
  for (int i = 0; i < 2; i++) {
    struct world w;
    w_init(&w);
    struct profile *p = w_profile(&w, "alpha", bad[i]);
    ck_assert_int_eq(p->valid, 0);
    ck_assert_ptr_null(w.renders[0]);
    struct live_slot *l = w_live_made(&w, "alpha", "[gateway]\nargs = --old\n");
    l->supervised = 0;   /* not even a rescan is sent for it */
    w_plan(&w);
    struct plan_item const *it = w_only(&w, "gateway-alpha", HR_SKIP, 0);
    ck_assert_ptr_eq(it->profile, p);
    ck_assert_ptr_eq(it->live, l);
    ck_assert_ptr_null(it->render);
    ck_assert_int_eq(w.plan.need_scan, 0);
    ck_assert_int_eq(w.plan.need_prune, 0);
    ck_assert_int_eq(plan_pending(&w.plan), 0);
    w_free(&w);
  }

  /* invalid and not live: still reported as skipped */
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", "[gateway]\nuser = root\n");
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_SKIP, 0);
  ck_assert_ptr_null(it->live);
  w_free(&w);
}
END_TEST

START_TEST(test_defaults_invalid)
{
  struct world w;
  w_init(&w);
  w.set.defaults_invalid = 1;
  /* load_profiles marks every profile invalid then */
  w_profile(&w, "alpha", "")->valid = 0;
  render_free(w.renders[0]);
  w.renders[0] = 0;
  w_profile(&w, "beta", "[profile]\nenabled = no\n")->valid = 0;
  w_live_made(&w, "alpha", "");
  w_live_made(&w, "beta", "");
  w_live_made(&w, "orphan", "");
  w_live(&w, "gateway-zz", LIVE_TAKEN);
  w_plan(&w);
  ck_assert_uint_eq(w.plan.n, 3);
  for (size_t i = 0; i < w.plan.n; i++) ck_assert_int_eq(w.plan.v[i].action, HR_SKIP);
  ck_assert_ptr_nonnull(w_item(&w, "gateway-orphan")->live);
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 0);
  w_free(&w);
}
END_TEST

START_TEST(test_name_taken)
{
  struct world w;
  w_init(&w);
  struct profile *p = w_profile(&w, "alpha", "");
  w_profile(&w, "beta", "[profile]\nenabled = no\n");
  struct live_slot *l = w_live(&w, "gateway-alpha", LIVE_TAKEN);
  w_live(&w, "gateway-beta", LIVE_TAKEN);
  w_live(&w, "gateway-other", LIVE_TAKEN);
  w_plan(&w);
  struct plan_item const *it = w_only(&w, "gateway-alpha", HR_SKIP, 0);
  ck_assert_ptr_eq(it->profile, p);
  ck_assert_ptr_eq(it->live, l);
  t_errors_n(&w.errs, 1);
  ck_assert_ptr_nonnull(t_error(&w.errs, t_file("alpha"), 0, "gateway-alpha exists in the scandir"));
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 0);
  w_free(&w);
}
END_TEST

START_TEST(test_leftovers)
{
  struct world w;
  w_init(&w);
  struct live_slot *stage = w_live(&w, ".hr-stage.12.1", LIVE_LEFTOVER);
  struct live_slot *tomb = w_live(&w, ".hr-tomb.12.2", LIVE_LEFTOVER);
  tomb->is_symlink = 1;
  w_plan(&w);
  ck_assert_uint_eq(w.plan.n, 2);
  struct plan_item const *it = w_item(&w, ".hr-stage.12.1");
  ck_assert_int_eq(it->action, HR_REMOVE);
  ck_assert_int_eq(it->leftover, 1);
  ck_assert_ptr_eq(it->live, stage);
  ck_assert_ptr_null(it->profile);
  it = w_item(&w, ".hr-tomb.12.2");
  ck_assert_int_eq(it->action, HR_REMOVE);
  ck_assert_int_eq(it->leftover, 1);
  ck_assert_ptr_eq(it->live, tomb);
  /* nobody supervises them: nothing to tell s6-svscan */
  ck_assert_int_eq(w.plan.need_scan, 0);
  ck_assert_int_eq(w.plan.need_prune, 0);
  ck_assert_int_eq(plan_pending(&w.plan), 1);
  w_free(&w);

  static int const sv[2][2] = { { 1, 0 }, { 0, 1 } };
  for (int i = 0; i < 2; i++) {
    w_init(&w);
    struct live_slot *t = w_live(&w, ".hr-tomb.9.9", LIVE_LEFTOVER);
    t->supervised = sv[i][0];
    t->log_supervised = sv[i][1];
    w_plan(&w);
    ck_assert_int_eq(w.plan.v[0].leftover, 1);
    ck_assert_int_eq(w.plan.need_scan, 1);
    ck_assert_int_eq(w.plan.need_prune, 1);
    w_free(&w);
  }
}
END_TEST

START_TEST(test_sorted)
{
  struct world w;
  w_init(&w);
  w_profile(&w, "alpha", "");                          /* add */
  w_profile(&w, "delta", "[gateway]\nargs = -x\n");    /* update */
  w_profile(&w, "gamma", "[gateway]\nuser = nobody\n"); /* skip */
  w_profile(&w, "zeta", "");                           /* keep */
  w_live(&w, ".hr-stage.1.1", LIVE_LEFTOVER);
  w_live(&w, ".hr-tomb.1.1", LIVE_LEFTOVER);
  w_live_made(&w, "beta", "");                         /* remove */
  w_live_made(&w, "delta", "");
  w_live_made(&w, "epsilon", "");                      /* remove */
  w_live_made(&w, "zeta", "");
  w_plan(&w);
  static struct { char const *slot; enum hr_action a; } const want[] = {
    { "gateway-alpha", HR_ADD }, { "gateway-beta", HR_REMOVE }, { "gateway-delta", HR_UPDATE },
    { "gateway-epsilon", HR_REMOVE }, { "gateway-gamma", HR_SKIP }, { "gateway-zeta", HR_KEEP },
    { ".hr-stage.1.1", HR_REMOVE }, { ".hr-tomb.1.1", HR_REMOVE },
  };
  ck_assert_uint_eq(w.plan.n, sizeof want / sizeof *want);
  for (size_t i = 0; i < w.plan.n; i++) {
    ck_assert_str_eq(w.plan.v[i].slot, want[i].slot);
    ck_assert_int_eq(w.plan.v[i].action, want[i].a);
  }
  ck_assert_int_eq(w.plan.need_scan, 1);
  ck_assert_int_eq(w.plan.need_prune, 1);
  w_free(&w);
}
END_TEST

START_TEST(test_names)
{
  ck_assert_str_eq(plan_action_name(HR_KEEP), "keep");
  ck_assert_str_eq(plan_action_name(HR_ADD), "add");
  ck_assert_str_eq(plan_action_name(HR_UPDATE), "update");
  ck_assert_str_eq(plan_action_name(HR_REMOVE), "remove");
  ck_assert_str_eq(plan_action_name(HR_SKIP), "skip");
  ck_assert_str_eq(plan_change_name(HR_CH_RUN), "run");
  ck_assert_str_eq(plan_change_name(HR_CH_CONTROL), "control");
  ck_assert_str_eq(plan_change_name(HR_CH_LOG), "log");
  ck_assert_str_eq(plan_change_name(HR_CH_AUTOSTART), "autostart");
  ck_assert_str_eq(plan_change_name(HR_CH_LOGGER), "logger");
  ck_assert_str_eq(plan_change_name(HR_CH_RESCAN), "rescan");
  ck_assert_str_eq(plan_change_name(HR_CH_RESTART), "restart");
  ck_assert_str_eq(plan_change_name(HR_CH_UNRECORDED), "unrecorded");
  ck_assert_str_eq(plan_change_name(HR_CH_RUN | HR_CH_LOG), "?");
}
END_TEST

/*
 * SPEC 10, [discover] max = 2: the incumbents b and c keep their slots; a newcomer that sorts first
 * (a) does not displace them, it is over the cap, with an error naming it, and so is d. One more
 * place (max = 3) goes to a, the first newcomer in name order. A disabled newcomer takes none.
 */
START_TEST(test_discover_max)
{
  static char const *const names[] = { "a", "b", "c", "d", "e" };
  for (long max = 2; max <= 3; max++) {
    struct world w;
    w_init(&w);
    for (size_t i = 0; i < 5; i++)
      w_profile(&w, names[i], i == 4 ? "[profile]\nenabled = no\n" : "")->discovered = HR_DISCOVERED;
    w.set.discover_max = max;
    w_live_made(&w, "b", "");
    w_live_made(&w, "c", "");
    w_plan(&w);
    ck_assert_uint_eq(w.plan.n, 4);
    ck_assert_int_eq(w_item(&w, "gateway-a")->action, max == 2 ? HR_SKIP : HR_ADD);
    ck_assert_int_eq(w_item(&w, "gateway-b")->action, HR_KEEP);
    ck_assert_int_eq(w_item(&w, "gateway-c")->action, HR_KEEP);
    ck_assert_int_eq(w_item(&w, "gateway-d")->action, HR_SKIP);
    ck_assert_ptr_nonnull(t_error(&w.errs, T_DIR "/d.ini", 0, "more discovered profiles than [discover] max"));
    if (max == 2) ck_assert_ptr_nonnull(t_error(&w.errs, T_DIR "/a.ini", 0, "[discover] max = 2"));
    ck_assert_uint_eq(w.errs.n, (size_t)(max == 2 ? 2 : 1));
    w_free(&w);
  }
}
END_TEST

Suite *suite_plan(void)
{
  Suite *s = suite_create("plan");
  TCase *tc = tcase_create("actions");
  tcase_add_test(tc, test_add);
  tcase_add_test(tc, test_keep);
  tcase_add_test(tc, test_update_changes);
  tcase_add_test(tc, test_logger_added_dropped);
  tcase_add_test(tc, test_unsupervised);
  tcase_add_test(tc, test_restart_record);
  tcase_add_test(tc, test_unrecorded);
  tcase_add_test(tc, test_remove_orphan);
  tcase_add_test(tc, test_remove_disabled);
  suite_add_tcase(s, tc);
  tc = tcase_create("safety");
  tcase_add_test(tc, test_invalid_profile);
  tcase_add_test(tc, test_defaults_invalid);
  tcase_add_test(tc, test_name_taken);
  tcase_add_test(tc, test_leftovers);
  tcase_add_test(tc, test_sorted);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_discover_max);
  suite_add_tcase(s, tc);
  return s;
}
