/* record.c: each dot file's writer and reader, side by side, round-trip; slot.c: the names of the layout. */
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "record.h"
#include "slot.h"
#include "unit.h"

static void digest_of(char *d, char c)
{
  memset(d, c, 64);
  d[64] = 0;
}

static struct slot_record sample(int has_log, int autostart)
{
  struct slot_record rec;
  memset(&rec, 0, sizeof rec);
  digest_of(rec.digest[HR_PART_RUN], 'a');
  digest_of(rec.digest[HR_PART_CTL], '0');
  if (has_log) digest_of(rec.digest[HR_PART_LOG], 'f');
  else strcpy(rec.digest[HR_PART_LOG], "-");
  rec.has_log = has_log;
  rec.autostart = autostart;
  if (autostart != HR_AUTOSTART_NO) digest_of(rec.from, 'b');   /* else unknown: "" */
  rec.restart_pending = has_log;
  rec.events = (enum record_events)((has_log + autostart) % 3);
  return rec;
}

START_TEST(test_record_round_trip)
{
  for (int has_log = 0; has_log < 2; has_log++)
    for (int a = HR_AUTOSTART_YES; a <= HR_AUTOSTART_STATE; a++) {
      struct slot_record in = sample(has_log, a), out;
      memset(&out, 0x55, sizeof out);
      char *text = record_pack(&in);
      ck_assert_int_eq(record_unpack(text, strlen(text), &out), 0);
      for (int i = 0; i < HR_NPARTS_DIGESTED; i++) ck_assert_str_eq(out.digest[i], in.digest[i]);
      ck_assert_int_eq(out.has_log, has_log);
      ck_assert_int_eq(out.autostart, a);
      ck_assert_str_eq(out.from, in.from);
      ck_assert_int_eq(out.restart_pending, in.restart_pending);
      ck_assert_int_eq(out.events, in.events);
      free(text);
    }
}
END_TEST

/* A render's record is its digests, the logger's "-" when it has none. */
START_TEST(test_record_of_render)
{
  struct profile p;
  struct slot_render r;
  struct slot_record rec;
  t_load_ok("alpha", "[log]\nenabled = no\n", 0, &p);
  render_slot(&p, &t_rctx, &r);
  record_of_render(&r, HR_AUTOSTART_NO, &rec);
  ck_assert_str_eq(rec.digest[HR_PART_RUN], r.digest[HR_PART_RUN]);
  ck_assert_str_eq(rec.digest[HR_PART_LOG], "-");
  ck_assert_int_eq(rec.has_log, 0);
  ck_assert_int_eq(rec.autostart, HR_AUTOSTART_NO);
  render_free(&r);
  profile_free(&p);
}
END_TEST

START_TEST(test_record_refused)
{
  struct slot_record in = sample(1, HR_AUTOSTART_STATE), out = sample(0, HR_AUTOSTART_YES), before = out;
  char *good = record_pack(&in);
  size_t len = strlen(good);
  char const *const bad[] = {
    "hermes-reconcile 4\n",                                       /* a later version */
    "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_assert_int_eq(record_unpack(bad[i], strlen(bad[i]), &out), -1);
  ck_assert_int_eq(record_unpack(good, len - 1, &out), -1);       /* no final line end */
  ck_assert_int_eq(record_unpack(good, len - 20, &out), -1);      /* cut short */
  char *extra = hr_asprintf("%sx\n", good);
  ck_assert_int_eq(record_unpack(extra, strlen(extra), &out), -1); /* something after it */
  char *upper = hr_strdup(good);
  upper[strlen("hermes-reconcile 1\nrun ")] = 'A';                  /* not lowercase hex */
  ck_assert_int_eq(record_unpack(upper, len, &out), -1);
  char *start = hr_strdup(good);
  memcpy(strstr(start, "autostart state"), "autostart sTate", 15);  /* not a choice */
  ck_assert_int_eq(record_unpack(start, len, &out), -1);
  ck_assert_mem_eq(&out, &before, sizeof out);                     /* untouched by every refusal */
  free(good);
  free(extra);
  free(upper);
  free(start);
}
END_TEST

START_TEST(test_restart_round_trip)
{
  static int const whats[] = { HR_RESTART_RUN, HR_RESTART_LOG, HR_RESTART_RUN | HR_RESTART_LOG };
  for (size_t i = 0; i < sizeof whats / sizeof *whats; i++) {
    char const *text = restart_pack(whats[i]);
    ck_assert_int_eq(restart_unpack(text, strlen(text)), whats[i]);
  }
  /* exact lines only: a file that merely contains the words is not a record */
  ck_assert_int_eq(restart_unpack("running\n", 8), -1);
  ck_assert_int_eq(restart_unpack("run", 3), -1);
  ck_assert_int_eq(restart_unpack("log\nrun\n", 8), -1);
  ck_assert_int_eq(restart_unpack("", 0), -1);
}
END_TEST

START_TEST(test_slot_names)
{
  char *slot = slot_name("work");
  ck_assert_str_eq(slot, "gateway-work");
  ck_assert_str_eq(slot_profile(slot), "work");
  free(slot);
  ck_assert_ptr_null(slot_profile("gateway-"));
  ck_assert_ptr_null(slot_profile("gatewayx"));
  ck_assert_ptr_null(slot_profile("log"));
}
END_TEST

static int optional(char const *name)
{
  size_t i = 0;
  for (char const *f; (f = slot_optional_file(&i));)
    if (!strcmp(f, name)) return 1;
  return 0;
}

/* What a pass drops when a key no longer renders it: s6's optional files, never run or a directory. */
START_TEST(test_slot_optional_files)
{
  static char const *const rendered_by_keys[] = {
    "notification-fd", "timeout-finish", "timeout-kill", "down-signal", "max-death-tally",
  };
  for (size_t i = 0; i < sizeof rendered_by_keys / sizeof *rendered_by_keys; i++)
    ck_assert_msg(optional(rendered_by_keys[i]), "%s", rendered_by_keys[i]);
  static char const *const kept[] = { "run", "env", "data", "template", "log", "type", "down", "supervise", "event" };
  for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) ck_assert_msg(!optional(kept[i]), "%s", kept[i]);
}
END_TEST

Suite *suite_record(void)
{
  Suite *s = suite_create("record");
  TCase *tc = tcase_create("pack and unpack");
  tcase_add_test(tc, test_record_round_trip);
  tcase_add_test(tc, test_record_of_render);
  tcase_add_test(tc, test_record_refused);
  tcase_add_test(tc, test_restart_round_trip);
  tcase_add_test(tc, test_slot_names);
  tcase_add_test(tc, test_slot_optional_files);
  suite_add_tcase(s, tc);
  return s;
}
