#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>

#include "deadline.h"
#include "execute.h"
#include "fsutil.h"
#include "home.h"
#include "hr.h"
#include "load.h"
#include "outhold.h"
#include "pipeline.h"
#include "plan.h"
#include "render.h"
#include "report.h"
#include "scan.h"

/*
 * Which homes of the profiles want chooses their gateways' users can reach (SPEC 11.11): a
 * malloc'd flag per profile of the set, each user's identity taken once for all its homes.
 */
static unsigned char *judge_homes(struct profile_set const *set, int (*want)(struct profile const *))
{
  unsigned char *chosen = hr_alloc(set->n + 1), *reachable = hr_alloc(set->n + 1);
  for (size_t i = 0; i < set->n; i++) chosen[i] = !!want(set->v + i);
  homes_reachable(set->v, set->n, chosen, reachable);
  for (size_t i = 0; i < set->n; i++) reachable[i] |= !chosen[i];
  free(chosen);
  return reachable;
}

static int published(struct profile const *p)
{
  return p->valid && p->enabled;
}

/*
 * SPEC 9.1: a profile whose home does not exist is not published. SPEC 11.4, 11.11: the home is
 * judged as the gateway's user will meet it, a final link counting as missing; a home that user
 * cannot reach is reported as one that does not exist, whether or not it does.
 */
static void check_homes(struct pipeline *pl)
{
  unsigned char *ok = judge_homes(&pl->set, published);
  for (size_t i = 0; i < pl->set.n; i++) {
    struct profile *p = pl->set.v + i;
    if (ok[i]) continue;
    errors_add(&pl->errs, p->file, 0, "home %s does not exist", p->home);
    p->valid = 0;
  }
  free(ok);
}

static int load_and_check(struct hr_options const *o, struct pipeline *pl)
{
  /* what inih read, kept by the same build only: the key indexes are the program's */
  struct load_ctx lctx = { o->hermes_home, &ids_system, &pl->ledger,
                           pl->ledger_same_pass && render_pass_names_program() };
  pl->set.discover = LOAD_DISCOVER_AS_SET;
  if (load_profiles(o->config_dir, 0, 0, &lctx, &pl->set, &pl->errs) < 0) {
    errors_sys(&pl->errs, o->config_dir, "read the config dir");
    return -1;
  }
  check_homes(pl);
  return 0;
}

/*
 * The slot of every valid, enabled profile, once the scandir is read: a slot that records being
 * made from the same inputs by this very program is recalled (its digests), not rendered again
 * (docs/design.md, "What a no-op pass reads").
 */
static void render_profiles(struct hr_options const *o, struct pipeline *pl)
{
  struct render_ctx rctx = { o->hermes_home, o->bindir };
  int same_pass = pl->ledger_same_pass;
  pl->renders = hr_alloc(sizeof *pl->renders * (pl->set.n + 1));
  for (size_t i = 0; i < pl->set.n; i++) {
    struct profile const *p = pl->set.v + i;
    if (!p->valid || !p->enabled) continue;
    struct slot_render *r = pl->renders[i] = hr_alloc(sizeof **pl->renders);
    char *slot = slot_name(p->name);
    struct live_slot const *l = live_set_find(&pl->live, slot);
    free(slot);
    if (l && l->has_record && same_pass && l->kept && l->kept->ilen
        && render_recall_inputs(p, l->kept->inputs, l->kept->ilen, l->from, l->digest, r))
      continue;
    if (!l || !l->has_record || !render_recall(p, &rctx, l->from, l->digest, r)) render_slot(p, &rctx, r);
  }
}

/* A recalled slot that the plan changes after all (its autostart, a rescan...) is rendered whole. */
static void render_planned(struct hr_options const *o, struct pipeline *pl)
{
  struct render_ctx rctx = { o->hermes_home, o->bindir };
  for (size_t j = 0; j < pl->plan.n; j++) {
    struct plan_item const *it = pl->plan.v + j;
    if (it->action == HR_KEEP || !it->render || !it->render->recalled) continue;
    struct slot_render *r = pl->renders[it->profile - pl->set.v];
    render_free(r);
    render_slot(it->profile, &rctx, r);
  }
}

/*
 * Should the ledger be written again for the profile files: one read that it could hold, one read
 * anew of what it holds (another build's), or one it holds gone?
 */
static int sources_stale(struct profile_set const *set, struct ledger const *ledger)
{
  size_t recalled = 0;
  for (size_t i = 0; i < set->nsrc; i++) {
    if (!set->src[i].recalled || set->src[i].own_pack) return 1;
    recalled++;
  }
  return recalled != ledger->nfiles;
}

/* The ledger's entries for the profile files of set, after the n of v (room for them all); their names in keys. */
static size_t source_entries(struct profile_set const *set, struct ledger_entry *v, size_t n, stralloc *keys)
{
  size_t *at = hr_alloc(sizeof *at * (set->nsrc + 1));
  for (size_t i = 0; i < set->nsrc; i++) {
    at[i] = keys->len;
    if (!stralloc_cats(keys, LEDGER_FILE_MARK) || !stralloc_cats(keys, set->src[i].name) || !stralloc_0(keys))
      hr_die_nomem();
  }
  for (size_t i = 0; i < set->nsrc; i++) {
    struct load_source const *s = set->src + i;
    v[n++] = (struct ledger_entry){ keys->s + at[i], s->dev, s->ino, s->sec, s->nsec, s->bytes, s->len, s->pack,
                                    s->plen };
  }
  free(at);
  return n;
}

/*
 * After a pass that changed no slot, still under its lock: the ledger of what it saw, when it read
 * a record or a profile file the ledger did not vouch for (or the ledger holds some that are gone).
 * Losing it costs the next pass its shortcut, nothing else: a failure is said, and is no failure of
 * the pass.
 */
static void keep_ledger(struct hr_options const *o, struct pipeline *pl)
{
  if (!scan_ledger_stale(&pl->live, &pl->ledger) && !sources_stale(&pl->set, &pl->ledger)) return;
  struct ledger_entry *v = hr_alloc(sizeof *v * (pl->live.n + pl->set.nsrc + 1));
  size_t n = scan_ledger_entries(&pl->live, v);
  /*
   * with each its profile's inputs, whose digest its record's from is (nothing was pending: every
   * rendered profile's slot was kept as it was made), one after the other in all, offsets first
   */
  stralloc all = STRALLOC_ZERO;
  size_t *at = hr_alloc(sizeof *at * (n + 1));
  for (size_t i = 0; i < n; i++) {
    struct profile const *p = profile_set_find(&pl->set, slot_profile(v[i].name));
    at[i] = all.len;
    if (p && pl->renders[p - pl->set.v]) render_inputs_own(p, &all);
    v[i].ilen = all.len - at[i];
  }
  for (size_t i = 0; i < n; i++) v[i].inputs = all.s + at[i];
  stralloc keys = STRALLOC_ZERO;
  n = source_entries(&pl->set, v, n, &keys);
  ledger_sort(v, n);   /* the files' marked names before the slots' */
  if (ledger_write(pl->scandirfd, pl->pass_inputs.s, pl->pass_inputs.len, v, n) < 0)
    strerr_warnwusys("write ", o->scandir, "/" HR_LEDGER_FILE);
  stralloc_free(&all);
  stralloc_free(&keys);
  free(at);
  free(v);
}

/* SPEC 4, Concurrency: one pass at a time, a second one waits up to the timeout. */
static int take_lock(struct hr_options const *o, struct pipeline *pl)
{
  pl->lockfd = openat(pl->scandirfd, HR_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (pl->lockfd < 0) {
    errors_sys(&pl->errs, o->scandir, "open the pass lock " HR_LOCK_FILE " in");
    return -1;
  }
  long long deadline = deadline_now_ms() + o->timeout_ms;
  unsigned int step = 0;
  for (;;) {
    int r = fd_lock(pl->lockfd, 1, 1);
    if (r > 0) return 0;
    if (r < 0) {
      errors_sys(&pl->errs, o->scandir, "lock " HR_LOCK_FILE " in");
      return -1;
    }
    if (deadline_now_ms() >= deadline) {
      errors_add(&pl->errs, o->scandir, 0, "another pass holds " HR_LOCK_FILE ": gave up after the timeout");
      pl->errs.nsys++;
      return -1;
    }
    deadline_backoff(&step);
  }
}

/* Release pl's lock (SPEC 11.9: before anything is said) and its descriptors. */
static void pipeline_close(struct pipeline *pl)
{
  if (pl->scandirfd >= 0) close(pl->scandirfd);
  if (pl->lockfd >= 0) close(pl->lockfd);
  pl->scandirfd = pl->lockfd = -1;
}

void pipeline_free(struct pipeline *pl)
{
  if (pl->renders)
    for (size_t i = 0; i < pl->set.n; i++) {
      if (!pl->renders[i]) continue;
      render_free(pl->renders[i]);
      free(pl->renders[i]);
    }
  free(pl->renders);
  plan_free(&pl->plan);
  live_set_free(&pl->live);
  ledger_free(&pl->ledger);
  stralloc_free(&pl->pass_inputs);
  profile_set_free(&pl->set);
  errors_free(&pl->errs);
  pipeline_close(pl);
}

int pipeline_prepare(struct hr_options const *o, enum pass_mode mode, struct pipeline *pl)
{
  pl->scandirfd = open(o->scandir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pl->scandirfd < 0) {
    errors_sys(&pl->errs, o->scandir, "open the scandir");
    return -1;
  }
  if (mode == PASS_APPLY && take_lock(o, pl) < 0) return -1;
  ledger_read(pl->scandirfd, &pl->ledger);
  render_inputs_pass(&(struct render_ctx){ o->hermes_home, o->bindir }, &pl->pass_inputs);
  /* what the ledger kept of the inputs and of the files is this pass's when its own part is the same */
  pl->ledger_same_pass = pl->ledger.pass && pl->ledger.plen == pl->pass_inputs.len
                         && !memcmp(pl->ledger.pass, pl->pass_inputs.s, pl->pass_inputs.len);
  if (load_and_check(o, pl) < 0) return -1;
  events_policy_read(&pl->events);
  if (scan_scandir(pl->scandirfd, &pl->events, pl->look_events, &pl->ledger, &pl->live) < 0) {
    errors_sys(&pl->errs, o->scandir, "read the scandir");
    return -1;
  }
  render_profiles(o, pl);
  plan_make(&pl->set, pl->renders, &pl->live, &pl->plan, &pl->errs);
  render_planned(o, pl);
  return 0;
}

static int pass_run(struct hr_options const *o, enum pass_mode mode, struct pass_waits *w, int last);

int pass_once(struct hr_options const *o, enum pass_mode mode)
{
  return pass_run(o, mode, 0, 1);
}

static int enabled_with_home(struct profile const *p)
{
  return p->enabled && p->home;
}

/* watch (SPEC 10): the homes of the enabled profiles that cannot be entered (SPEC 9.1, 11.12), for w. */
static void homes_waited_for(struct pipeline const *pl, struct pass_waits *w)
{
  /* SPEC 11.12: judged as check_homes judges it, so a home that is a link is waited for too */
  unsigned char *ok = judge_homes(&pl->set, enabled_with_home);
  for (size_t i = 0; i < pl->set.n; i++) {
    if (ok[i]) continue;
    hr_grow(&w->homes, sizeof *w->homes, w->n, &w->cap);
    w->homes[w->n++] = hr_strdup(pl->set.v[i].home);
  }
  free(ok);
}

void pass_waits_free(struct pass_waits *w)
{
  for (size_t i = 0; i < w->n; i++) free(w->homes[i]);
  free(w->homes);
  w->homes = 0;
  w->n = w->cap = 0;
}

/*
 * SPEC 11.9: nothing reaches stdout or stderr (a client's, through the trigger) while the lock is
 * held; what the pass says is held back and written, bounded by --timeout, once the lock is released.
 */
int pass_once_waits(struct hr_options const *o, enum pass_mode mode, struct pass_waits *w)
{
  return pass_run(o, mode, w, 0);
}

struct pipeline *pipeline_left_to_exit;

/* The process ends after pl's pass: its lock and descriptors released, its memory left. */
static void pipeline_leave(struct pipeline *pl)
{
  pipeline_close(pl);
  pipeline_left_to_exit = hr_alloc(sizeof *pl);
  *pipeline_left_to_exit = *pl;
}

/* pass_once_waits; last: the process ends after this pass (pipeline_left_to_exit). */
static int pass_run(struct hr_options const *o, enum pass_mode mode, struct pass_waits *w, int last)
{
  struct pipeline pl = PIPELINE_ZERO;
  struct outhold held;
  int code;
  outhold_begin(&held);
  if (pipeline_prepare(o, mode, &pl) < 0) code = HR_EXIT_SYSTEM;
  else if (mode == PASS_PLAN) code = pl.errs.n ? HR_EXIT_INVALID : plan_pending(&pl.plan) ? HR_EXIT_PENDING : HR_EXIT_OK;
  else {
    struct exec_ctx ctx = { o->scandir, pl.scandirfd, o->timeout_ms, &pl.events };
    code = execute_plan(&pl.plan, &ctx);
    if (code == HR_EXIT_OK && !plan_pending(&pl.plan)) keep_ledger(o, &pl);
    if (code == HR_EXIT_OK && pl.errs.n) code = HR_EXIT_INVALID;
  }
  report_plan(mode, &pl.plan, &pl.errs, o->json, o->verbosity, code);
  if (w) homes_waited_for(&pl, w);
  if (last) pipeline_leave(&pl);
  else pipeline_free(&pl);
  /* a report the client did not take within the bound is a failed write (SPEC 11, Output) */
  if (outhold_end(&held, o->timeout_ms) < 0) code = HR_EXIT_SYSTEM;
  return code;
}
