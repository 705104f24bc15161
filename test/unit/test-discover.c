/* SPEC 10: the implicit profiles added over the profile files (discover.c, its pure half). */
#include <errno.h>
#include <string.h>

#include "discover.h"
#include "hr.h"
#include "unit.h"

static struct hr_settings defaults_of(char const *text)
{
  struct hr_settings d = { 0 };
  struct hr_errors errs = { 0 };
  ck_assert_uint_eq(load_defaults_buffer(T_DIR "/_defaults.ini", text, strlen(text), &t_lctx, &d, &errs), 0);
  errors_free(&errs);
  return d;
}

/* A set holding the profile files names (empty ones), as load_profiles leaves it. */
static void files(struct profile_set *set, char const *const *names, size_t n)
{
  struct hr_errors errs = { 0 };
  memset(set, 0, sizeof *set);
  for (size_t i = 0; i < n; i++) {
    hr_grow(&set->v, sizeof *set->v, set->n, &set->cap);
    load_profile_buffer(names[i], t_file(names[i]), "", 0, 0, &t_lctx, set->v + set->n++, &errs);
  }
  t_errors_n(&errs, 0);
  errors_free(&errs);
}

static void dirs(struct disc_list *l, char const *const *names, size_t n)
{
  memset(l, 0, sizeof *l);
  l->home_known = 1;
  l->home_owner = 0;
  for (size_t i = 0; i < n; i++) disc_list_add(l, names[i], 1000, 0);
  disc_list_sort(l);
}

static int contributes(struct profile const *p, uid_t owner)
{
  for (size_t i = 0; i < p->ncontributors; i++) if (p->contributors[i] == owner) return 1;
  return 0;
}

/* SPEC 11.5: a directory another user made cannot give its profile the hermes user. */
START_TEST(test_directory_owner_refused)
{
  struct profile_set set;
  struct disc_list l = { 0 };
  struct hr_errors errs = { 0 };
  files(&set, 0, 0);
  l.home_known = 1;
  disc_list_add(&l, "mallory", 1001, 0);
  disc_list_sort(&l);
  discover_add(&set, &l, 64, 0, &t_lctx, &errs);
  struct profile const *p = profile_set_find(&set, "mallory");
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p->valid, 0);
  ck_assert_ptr_nonnull(t_error(&errs, T_HOME "/profiles/mallory", 0, "its directory belongs to uid 1001"));
  ck_assert_int_eq(profile_set_find(&set, "default")->valid, 1);
  profile_set_free(&set);
  disc_list_free(&l);
  errors_free(&errs);
}
END_TEST

START_TEST(test_settings)
{
  int on;
  long max;
  discover_settings(0, &on, &max);
  ck_assert_int_eq(on, 0);
  ck_assert_int_eq(max, 64);
  struct hr_settings d = defaults_of("[discover]\nprofiles = yes\nmax = 3\n");
  discover_settings(&d, &on, &max);
  ck_assert_int_eq(on, 1);
  ck_assert_int_eq(max, 3);
  settings_free(&d);
}
END_TEST

START_TEST(test_discover_only_in_defaults)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load("x", "[discover]\nprofiles = yes\n", 0, &p, &errs), 0);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("x"), 2, "allowed only in _defaults.ini"));
  profile_free(&p);
  errors_free(&errs);
}
END_TEST

START_TEST(test_implicit_profiles)
{
  static char const *const f[] = { "beta" };
  static char const *const d[] = { "beta", "alpha", "Bad_Name", "default" };
  struct profile_set set;
  struct disc_list l;
  struct hr_errors errs = { 0 };
  files(&set, f, 1);
  dirs(&l, d, 4);
  discover_add(&set, &l, 64, 0, &t_lctx, &errs);
  ck_assert_uint_eq(set.n, 4);   /* Bad_Name alpha beta default */
  struct profile const *p = profile_set_find(&set, "alpha");
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p->discovered, HR_DISCOVERED);
  ck_assert_int_eq(p->valid, 1);
  ck_assert_str_eq(p->home, T_HOME "/profiles/alpha");
  ck_assert_str_eq(p->file, T_HOME "/profiles/alpha");
  ck_assert(contributes(p, 1000));              /* its directory's owner (SPEC 11.5) */
  p = profile_set_find(&set, "beta");
  ck_assert_int_eq(p->discovered, 0);           /* the file replaces the directory */
  ck_assert(!contributes(p, 1000));
  p = profile_set_find(&set, "default");
  ck_assert_int_eq(p->discovered, HR_DISCOVERED);
  ck_assert_str_eq(p->home, T_HOME);
  ck_assert(contributes(p, 0));                 /* the hermes home's owner, root here */
  p = profile_set_find(&set, "Bad_Name");
  ck_assert_int_eq(p->valid, 0);
  ck_assert_ptr_nonnull(t_error(&errs, T_HOME "/profiles/Bad_Name", 0, "invalid profile name"));
  t_errors_n(&errs, 1);
  profile_set_free(&set);
  disc_list_free(&l);
  errors_free(&errs);
}
END_TEST

START_TEST(test_same_as_empty_file)
{
  static char const *const d[] = { "alpha" };
  struct profile_set set = { 0 };
  struct disc_list l;
  struct hr_errors errs = { 0 };
  struct profile file;
  char const *text = "[gateway]\nuser = alice\nargs = --x\n[discover]\nprofiles = yes\n";
  struct hr_settings def = defaults_of(text);
  dirs(&l, d, 1);
  l.v[0].owner = 1001;                           /* alice's directory may run alice's gateway */
  discover_add(&set, &l, 64, &def, &t_lctx, &errs);
  t_errors_n(&errs, 0);
  t_load_ok("alpha", "", text, &file);
  struct profile const *p = profile_set_find(&set, "alpha");
  struct slot_render a, b;
  render_slot(p, &t_rctx, &a);
  render_slot(&file, &t_rctx, &b);
  for (int i = 0; i < HR_NPARTS_DIGESTED; i++) ck_assert_str_eq(a.digest[i], b.digest[i]);
  render_free(&a);
  render_free(&b);
  profile_free(&file);
  settings_free(&def);
  profile_set_free(&set);
  disc_list_free(&l);
  errors_free(&errs);
}
END_TEST

/* discover_cap's question, answered by a bit per name of the set: bit i, the i-th profile's slot is live. */
struct livebits {
  struct profile_set const *set;
  unsigned int bits;
};

static int live_bit(void const *ctx, char const *name)
{
  struct livebits const *lb = ctx;
  for (size_t i = 0; i < lb->set->n; i++)
    if (!strcmp(lb->set->v[i].name, name)) return !!(lb->bits & (1u << i));
  ck_abort_msg("asked about %s, not in the set", name);
  return 0;
}

/*
 * SPEC 10, [discover] max, exhaustively over six candidates (the file b, the directories a, c, d, e,
 * and default) and Bad (an invalid name): for every set of live slots and every max, an incumbent
 * always keeps its slot, the newcomers fill what is left in name order, the rest are over, and the
 * discovered slots (default aside) after the pass are never more than max, unless there were more
 * incumbents than that already.
 */
START_TEST(test_max)
{
  static char const *const f[] = { "b" };
  static char const *const d[] = { "e", "d", "c", "b", "a", "Bad", "default" };
  struct profile_set set;
  struct disc_list l;
  struct hr_errors errs = { 0 };
  files(&set, f, 1);
  dirs(&l, d, 7);
  discover_add(&set, &l, 2, 0, &t_lctx, &errs);
  ck_assert_int_eq(set.discover_max, 2);
  t_errors_n(&errs, 1);   /* Bad: the cap is the plan's, with the live slots */
  ck_assert_uint_eq(set.n, 7);   /* Bad a b c d default e */
  unsigned char over[8];
  for (long max = 0; max <= 6; max++) {
    set.discover_max = max;
    for (unsigned int bits = 0; bits < 1u << set.n; bits++) {
      struct livebits lb = { &set, bits };
      size_t n = discover_cap(&set, live_bit, &lb, over);
      long incumbents = 0, newcomers = 0, kept_new = 0;
      size_t nover = 0;
      int seen_over = 0;
      for (size_t i = 0; i < set.n; i++) {
        struct profile const *p = set.v + i;
        int live = !!(bits & (1u << i)), counts = p->discovered && strcmp(p->name, "default");
        nover += over[i];
        if (!counts || !p->valid) {
          ck_assert_msg(!over[i], "%s is never over the cap", p->name);
          if (counts && live) incumbents++;
          continue;
        }
        if (live) {
          ck_assert_msg(!over[i], "max %ld, live %#x: incumbent %s keeps its slot", max, bits, p->name);
          incumbents++;
          continue;
        }
        newcomers++;
        if (over[i]) seen_over = 1;
        else {
          ck_assert_msg(!seen_over, "max %ld, live %#x: %s published after one over the cap", max, bits, p->name);
          kept_new++;
        }
      }
      long room = max - incumbents > 0 ? max - incumbents : 0;
      ck_assert_uint_eq(n, nover);
      ck_assert_int_eq(kept_new, newcomers < room ? newcomers : room);
      ck_assert_int_le(incumbents + kept_new, incumbents > max ? incumbents : max);
    }
  }
  profile_set_free(&set);
  disc_list_free(&l);
  errors_free(&errs);
}
END_TEST

/* SPEC 10: an entry of profiles/ that cannot be looked into is its own error, with its cause. */
START_TEST(test_unreadable_entry)
{
  struct profile_set set;
  struct disc_list l = { 0 };
  struct hr_errors errs = { 0 };
  files(&set, 0, 0);
  l.home_known = 1;
  disc_list_add(&l, "alpha", 1000, 0);
  disc_list_add(&l, "locked", 1000, EACCES);
  disc_list_sort(&l);
  discover_add(&set, &l, 64, 0, &t_lctx, &errs);
  ck_assert_int_eq(profile_set_find(&set, "alpha")->valid, 1);
  ck_assert_int_eq(profile_set_find(&set, "default")->valid, 1);
  struct profile const *p = profile_set_find(&set, "locked");
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p->valid, 0);   /* its live slot, if any, is left as it is */
  ck_assert_int_eq(p->discovered, HR_DISCOVERED);
  ck_assert_ptr_nonnull(t_error(&errs, T_HOME "/profiles/locked", 0, "cannot look into: Permission denied"));
  t_errors_n(&errs, 1);
  profile_set_free(&set);
  disc_list_free(&l);
  errors_free(&errs);
}
END_TEST

Suite *suite_discover(void)
{
  Suite *s = suite_create("discover");
  TCase *tc = tcase_create("implicit profiles");
  tcase_add_test(tc, test_settings);
  tcase_add_test(tc, test_discover_only_in_defaults);
  tcase_add_test(tc, test_implicit_profiles);
  tcase_add_test(tc, test_directory_owner_refused);
  tcase_add_test(tc, test_same_as_empty_file);
  tcase_add_test(tc, test_max);
  tcase_add_test(tc, test_unreadable_entry);
  suite_add_tcase(s, tc);
  return s;
}
