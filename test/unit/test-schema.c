/*
 * The schema as the single source (schema/profile-keys.def): every key reaches the built
 * profile, costs a live slot what the .def (and so the manual) says, and has a valid default.
 * A key that nothing uses, or a new key whose cost column is wrong, fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "record.h"
#include "unit.h"

#define FREE_FORM_NAME "HR_TEST_VAR"

/* A value for k other than its default, that the fake user and group databases accept. */
static char const *other_value(struct hr_key const *k)
{
  static char num[32];
  int b = 1;
  switch (k->type) {
    case HR_T_BOOL:
      if (k->dflt) schema_parse_bool(k->dflt, &b);
      return b ? "no" : "yes";
    case HR_T_ENUM: return k->dflt && !strcmp(k->dflt, k->choices[0]) ? k->choices[1] : k->choices[0];
    case HR_T_INT:
      snprintf(num, sizeof num, "%ld", k->dflt && atol(k->dflt) == k->min ? k->max : k->min);
      return num;
    case HR_T_PATH: return "/srv/other";
    case HR_T_LOGDIR: return "/var/log/other";
    case HR_T_PROGRAM: return "hermes-other";
    case HR_T_TEXT: case HR_T_WORDS: case HR_T_ENV: return "other words";
    case HR_T_USER: return "alice";
    case HR_T_GROUP: return "staff";
    case HR_T_SIGNAL: return "HUP";
  }
  return 0;
}

/* "[section]\nkey = value\n" for k, in a buffer that lives until the next call. */
static char const *file_setting(struct hr_key const *k, char const *value)
{
  static char text[256];
  snprintf(text, sizeof text, "[%s]\n%s = %s\n", k->section, k->type == HR_T_ENV ? FREE_FORM_NAME : k->key, value);
  return text;
}

static int field_differs(struct hr_key const *k, struct profile const *a, struct profile const *b)
{
  size_t off = profile_field[k - hr_keys];
  void const *fa = (char const *)a + off, *fb = (char const *)b + off;
  char *const *sa = fa, *const *sb = fb;
  switch (k->type) {
    case HR_T_BOOL: case HR_T_ENUM: return *(int const *)fa != *(int const *)fb;
    case HR_T_INT: return *(long const *)fa != *(long const *)fb;
    case HR_T_SIGNAL: return strcmp(fa, fb) != 0;
    case HR_T_WORDS: return a->nargs != b->nargs;
    case HR_T_ENV: return a->nenv != b->nenv;
    default: return !*sa != !*sb || (*sa && strcmp(*sa, *sb));
  }
}

/* What rendering b rather than a changes: the parts that a live slot's update would act on. */
struct rendered_change {
  int run, ctl, log, slot, record, from;
};

static struct rendered_change rendered_change(struct profile const *a, struct profile const *b)
{
  struct slot_render ra = { 0 }, rb = { 0 };
  render_slot(a, &t_rctx, &ra);
  render_slot(b, &t_rctx, &rb);
  char *reca = record_text(&ra, a->autostart, 0, HR_EVENTS_UNKNOWN);
  char *recb = record_text(&rb, b->autostart, 0, HR_EVENTS_UNKNOWN);
  struct rendered_change c = {
    .run = !!strcmp(ra.digest[HR_PART_RUN], rb.digest[HR_PART_RUN]),
    .ctl = !!strcmp(ra.digest[HR_PART_CTL], rb.digest[HR_PART_CTL]),
    .log = ra.has_log && rb.has_log && strcmp(ra.digest[HR_PART_LOG], rb.digest[HR_PART_LOG]),
    .slot = ra.has_log != rb.has_log || a->enabled != b->enabled,
    .record = !!strcmp(reca, recb),
    .from = !!strcmp(ra.from, rb.from),
  };
  /* what the render read (render_recall) differs whenever what it wrote does: never a changed slot called unchanged */
  ck_assert_msg(c.from || !(c.run || c.ctl || c.log || strcmp(ra.slot, rb.slot) || ra.gid != rb.gid),
                "the render's inputs digest missed a change of its output");
  free(reca);
  free(recb);
  render_free(&ra);
  render_free(&rb);
  return c;
}

/* The change of k's value costs what the .def's cost column says, and no more. */
static void check_cost(struct hr_key const *k, struct rendered_change c)
{
  char const *what = k->key;
  switch (k->cost) {
    case HR_COST_RESTART:
      ck_assert_msg(c.run && !c.slot, "%s: restarts the gateway, but run/env did not change", what);
      break;
    case HR_COST_NEXT_USE:
      ck_assert_msg(c.ctl && !c.run && !c.log && !c.slot, "%s: only s6-supervise's files may change", what);
      break;
    case HR_COST_LOGGER:
      ck_assert_msg(c.log && !c.run && !c.ctl && !c.slot, "%s: only the logger may change", what);
      break;
    case HR_COST_DOWN:
      ck_assert_msg(c.record && !c.run && !c.ctl && !c.log && !c.slot, "%s: only the autostart record may change", what);
      break;
    case HR_COST_SLOT:
      ck_assert_msg(c.slot, "%s: neither the slot nor its logger came or went", what);
      break;
    case HR_COST_NONE:
      /* nothing in the slot reads it: only status shows description; any other such key is unused */
      ck_assert_msg(k == hr_keys + HR_K_profile_description, "%s: nothing uses it", what);
      ck_assert_msg(!c.record && !c.slot, "%s: costs nothing, but the slot changed", what);
      break;
  }
}

START_TEST(test_every_key_used)
{
  for (size_t i = 0; i < HR_NKEYS; i++) {
    struct hr_key const *k = hr_keys + i;
    if (k->where == HR_IN_DEFAULTS) {
      ck_assert_uint_eq(profile_field[i], PROFILE_NO_FIELD);
      continue;
    }
    struct profile plain, changed;
    t_load_ok("alpha", "", 0, &plain);
    t_load_ok("alpha", file_setting(k, other_value(k)), 0, &changed);
    ck_assert_msg(field_differs(k, &plain, &changed), "[%s] %s = %s does not change the profile", k->section,
                  k->key, other_value(k));
    check_cost(k, rendered_change(&plain, &changed));
    profile_free(&plain);
    profile_free(&changed);
  }
}
END_TEST

START_TEST(test_defaults_valid)
{
  for (size_t i = 0; i < HR_NKEYS; i++) {
    struct hr_key const *k = hr_keys + i;
    if (!k->dflt || k->where == HR_IN_DEFAULTS) continue;
    /* written out, the default is a valid value, and builds the same profile as no value */
    struct profile plain, explicit;
    t_load_ok("alpha", "", 0, &plain);
    t_load_ok("alpha", file_setting(k, k->dflt), 0, &explicit);
    ck_assert_msg(!field_differs(k, &plain, &explicit), "[%s] %s: default %s is not what the profile gets",
                  k->section, k->key, k->dflt);
    profile_free(&plain);
    profile_free(&explicit);
  }
}
END_TEST

/* The enums of profile.h index the .def's choices. */
START_TEST(test_choices_order)
{
  char const *const *a = hr_keys[HR_K_gateway_autostart].choices;
  ck_assert_str_eq(a[HR_AUTOSTART_YES], "yes");
  ck_assert_str_eq(a[HR_AUTOSTART_NO], "no");
  ck_assert_str_eq(a[HR_AUTOSTART_STATE], "state");
  char const *const *r = hr_keys[HR_K_gateway_restart].choices;
  ck_assert_str_eq(r[HR_RESTART_ON_FAILURE], "on-failure");
  ck_assert_str_eq(r[HR_RESTART_ALWAYS], "always");
  ck_assert_str_eq(r[HR_RESTART_NEVER], "never");
  char const *const *t = hr_keys[HR_K_log_timestamp].choices;
  ck_assert_str_eq(t[HR_TS_ISO], "iso");
  ck_assert_str_eq(t[HR_TS_TAI64N], "tai64n");
  ck_assert_str_eq(t[HR_TS_NONE], "none");
}
END_TEST

START_TEST(test_ids_and_lookup)
{
  for (size_t i = 0; i < HR_NKEYS; i++) {
    struct hr_key const *k = hr_keys + i;
    ck_assert_ptr_eq(schema_find(k->section, k->type == HR_T_ENV ? FREE_FORM_NAME : k->key), k);
    ck_assert_uint_eq(schema_index(k), i);
    ck_assert_int_eq(schema_section_known(k->section), 1);
  }
  ck_assert_str_eq(hr_keys[HR_K_log_max_size].key, "max_size");
  /* each key has a field of its own */
  for (size_t i = 0; i < HR_NKEYS; i++)
    for (size_t j = i + 1; j < HR_NKEYS; j++)
      ck_assert_msg(profile_field[i] == PROFILE_NO_FIELD || profile_field[i] != profile_field[j],
                    "%s and %s fill the same field", hr_keys[i].key, hr_keys[j].key);
  for (size_t i = 0; i < hr_nreserved_env; i++) ck_assert_int_eq(schema_env_reserved(hr_reserved_env[i]), 1);
}
END_TEST

Suite *suite_schema(void)
{
  Suite *s = suite_create("schema");
  TCase *tc = tcase_create("keys");
  tcase_add_test(tc, test_every_key_used);
  tcase_add_test(tc, test_defaults_valid);
  tcase_add_test(tc, test_choices_order);
  tcase_add_test(tc, test_ids_and_lookup);
  suite_add_tcase(s, tc);
  return s;
}
