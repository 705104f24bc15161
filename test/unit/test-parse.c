/* Parsing: slot records, supervise/status, gateway_state.json, schema helpers (SPEC 3, 5, 9.5). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s6/supervise.h>
#include <skalibs/uint64.h>

#include "scan.h"
#include "schema.h"
#include "state.h"
#include "supervise.h"
#include "record.h"
#include "unit.h"

#define D64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
               c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define DA D64("a")
#define DB D64("b")
#define DC D64("c")

static int parse(char const *text, struct live_slot *l)
{
  memset(l, 0, sizeof *l);
  l->autostart = -1;
  return scan_parse_record(text, strlen(text), l);
}

START_TEST(test_record_valid)
{
  struct live_slot l;
  ck_assert_int_eq(parse("hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\n", &l), 0);
  ck_assert_int_eq(l.has_record, 1);
  ck_assert_str_eq(l.digest[HR_PART_RUN], DA);
  ck_assert_str_eq(l.digest[HR_PART_CTL], DB);
  ck_assert_str_eq(l.digest[HR_PART_LOG], DC);
  ck_assert_int_eq(l.has_log, 1);
  ck_assert_int_eq(l.autostart, HR_AUTOSTART_NO);
  ck_assert_int_eq(parse("hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog -\nautostart yes\n", &l), 0);
  ck_assert_int_eq(l.has_log, 0);
  ck_assert_int_eq(l.autostart, HR_AUTOSTART_YES);
  ck_assert_int_eq(parse("hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog -\nautostart state\n", &l), 0);
  ck_assert_int_eq(l.autostart, HR_AUTOSTART_STATE);
  /* version 1, of the program before: read, no inputs known, a restart may be pending */
  ck_assert_str_eq(l.from, "");
  ck_assert_int_eq(l.restart_maybe, 1);
  ck_assert_int_eq(parse("hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog -\nautostart no\nrestart -\nfrom " DC "\n", &l), 0);
  ck_assert_str_eq(l.from, DC);
  ck_assert_int_eq(l.restart_maybe, 0);
  ck_assert_int_eq(parse("hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog -\nautostart no\nrestart pending\nfrom -\n", &l), 0);
  ck_assert_str_eq(l.from, "");
  ck_assert_int_eq(l.restart_maybe, 1);
  /* before version 3: under which policy the event directories were made is not known */
  ck_assert_int_eq(l.events_made, HR_EVENTS_UNKNOWN);
  ck_assert_int_eq(parse("hermes-reconcile 3\nrun " DA "\nctl " DB "\nlog -\nautostart no\nrestart -\nfrom " DC "\nevents public\n", &l), 0);
  ck_assert_int_eq(l.events_made, HR_EVENTS_PUBLIC);
  ck_assert_int_eq(parse("hermes-reconcile 3\nrun " DA "\nctl " DB "\nlog -\nautostart no\nrestart -\nfrom " DC "\nevents root\n", &l), 0);
  ck_assert_int_eq(l.events_made, HR_EVENTS_ROOT);
  ck_assert_int_eq(parse("hermes-reconcile 3\nrun " DA "\nctl " DB "\nlog -\nautostart no\nrestart -\nfrom " DC "\nevents -\n", &l), 0);
  ck_assert_int_eq(l.events_made, HR_EVENTS_UNKNOWN);
}
END_TEST

START_TEST(test_record_roundtrip)
{
  for (int a = HR_AUTOSTART_YES; a <= HR_AUTOSTART_STATE; a++) {
    static char const *const texts[] = { "", "[log]\nenabled = no\n" };
    for (int i = 0; i < 2; i++) {
      struct profile p;
      struct slot_render r;
      struct live_slot l;
      t_load_ok("alpha", texts[i], 0, &p);
      render_slot(&p, &t_rctx, &r);
      char *rec = record_text(&r, a, 0, HR_EVENTS_UNKNOWN);
      ck_assert_int_eq(parse(rec, &l), 0);
      ck_assert_int_eq(l.autostart, a);
      ck_assert_int_eq(l.has_log, r.has_log);
      ck_assert_str_eq(l.digest[HR_PART_RUN], r.digest[HR_PART_RUN]);
      ck_assert_str_eq(l.digest[HR_PART_CTL], r.digest[HR_PART_CTL]);
      if (r.has_log) ck_assert_str_eq(l.digest[HR_PART_LOG], r.digest[HR_PART_LOG]);
      free(rec);
      render_free(&r);
      profile_free(&p);
    }
  }
}
END_TEST

START_TEST(test_record_garbage)
{
  static char const *const bad[] = {
    "",
    "garbage\n",
    "hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\n",
    "hermes-reconcile 3\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart -\nfrom -\n",
    "hermes-reconcile 4\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart -\nfrom -\nevents -\n",
    "hermes-reconcile 3\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart -\nfrom -\nevents all\n",
    "hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart -\nfrom -\nevents -\n",
    "hermes-reconcile 0\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\n",
    "hermes-reconcile 12\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\n",
    "hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart maybe\nfrom -\n",
    "hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nrestart -\nfrom abc\n",
    "hermes-reconcile 2\nrun " DA "\nctl " DB "\nlog " DC "\nautostart no\nfrom -\nrestart -\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "\nautostart maybe\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "\nautostart Yes\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "\nautostart stateful\n",
    "hermes-reconcile 1\nrun abc\nctl " DB "\nlog " DC "\nautostart no\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "x\nlog " DC "\nautostart no\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog " DC "c\nautostart no\n",
    "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog --\nautostart no\n",
    "hermes-reconcile 1\nctl " DB "\nrun " DA "\nlog " DC "\nautostart no\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct live_slot l;
    ck_assert_msg(parse(bad[i], &l) == -1, "accepted record %zu", i);
    ck_assert_int_eq(l.has_record, 0);
  }
  /* too long for a record, and not NUL-terminated at len */
  char *big = malloc(4096);
  memset(big, ' ', 4096);
  struct live_slot l;
  memset(&l, 0, sizeof l);
  ck_assert_int_eq(scan_parse_record(big, 4096, &l), -1);
  free(big);
  /* only len bytes count */
  char const *rec = "hermes-reconcile 1\nrun " DA "\nctl " DB "\nlog -\nautostart no\n";
  ck_assert_int_eq(scan_parse_record(rec, strlen(rec) - 4, &l), -1);
}
END_TEST

/* A status file as s6 2.11 writes it, through libs6 itself. */
static void status35(char *buf, pid_t pid, int paused, int finishing, int wantup, int ready)
{
  s6_svstatus_t st = S6_SVSTATUS_ZERO;
  st.pid = pid;
  st.wstat = 0x100;
  st.flagpaused = paused;
  st.flagfinishing = finishing;
  st.flagwantup = wantup;
  st.flagready = ready;
  memset(buf, 0x55, 35);
  s6_svstatus_pack(buf, &st);
}

/* The 43-byte s6 2.13 layout: stamp, readystamp, pid, pgid, wstat, flags. */
static void status43(char *buf, pid_t pid, unsigned char flags)
{
  memset(buf, 0x7f, 24);
  uint64_pack_big(buf + 24, (uint64_t)pid);
  uint64_pack_big(buf + 32, (uint64_t)(pid + 1));
  buf[40] = 0x01;
  buf[41] = (char)0xff;
  buf[42] = (char)flags;
}

/* buf of len bytes parses as a status with these fields (ready < 0: not looked at). */
static void parses_as(char const *buf, size_t len, pid_t pid, int wantup, int finishing, int ready)
{
  struct sv_status st;
  memset(&st, 0xee, sizeof st);
  ck_assert_int_eq(sv_status_parse(buf, len, &st), 0);
  ck_assert_int_eq(st.pid, pid);
  ck_assert_int_eq(st.wantup, wantup);
  ck_assert_int_eq(st.finishing, finishing);
  if (ready >= 0) ck_assert_int_eq(st.ready, ready);
}

START_TEST(test_status35)
{
  char buf[64];
  status35(buf, 4242, 0, 0, 1, 1);
  parses_as(buf, 35, 4242, 1, 0, 1);
  status35(buf, 0, 1, 1, 0, 0);
  parses_as(buf, 35, 0, 0, 1, 0);
  status35(buf, 0x7fffffff, 1, 0, 1, 0);
  parses_as(buf, 35, 0x7fffffff, 1, 0, -1);
}
END_TEST

START_TEST(test_status43)
{
  char buf[64];
  status43(buf, 77, 4 | 8);
  parses_as(buf, 43, 77, 1, 0, 1);
  status43(buf, 0, 2 | 1);
  parses_as(buf, 43, 0, 0, 1, 0);
  /* byte 34 of a 43-byte status is inside the pgid: it must not be taken for the flags */
  status43(buf, 0x01000000, 0);
  buf[34] = 0x0f;
  parses_as(buf, 43, 0x01000000, 0, 0, -1);
}
END_TEST

START_TEST(test_status_sizes)
{
  char buf[64] = { 0 };
  struct sv_status st = { .pid = 9, .wantup = 9 };
  static size_t const sizes[] = { 0, 1, 34, 36, 42, 44, 64 };
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    ck_assert_msg(sv_status_parse(buf, sizes[i], &st) == -1, "size %zu accepted", sizes[i]);
  ck_assert_int_eq(st.pid, 9);
}
END_TEST

static int up(char const *json)
{
  return state_says_up(json, strlen(json));
}

START_TEST(test_state)
{
  ck_assert_int_eq(up("{\"gateway_state\": \"running\"}"), 1);
  ck_assert_int_eq(up("{\"gateway_state\": \"draining\"}"), 1);
  ck_assert_int_eq(up("{\"gateway_state\": \"degraded\"}"), 1);
  ck_assert_int_eq(up("{\"gateway_state\": \"stopped\"}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": \"starting\"}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": \"Running\"}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": \"\"}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": 1}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": [\"running\"]}"), 0);
  ck_assert_int_eq(up("{}"), 0);
  ck_assert_int_eq(up("{\"state\": \"running\"}"), 0);
  /* desired_state wins over gateway_state, both ways */
  ck_assert_int_eq(up("{\"gateway_state\": \"running\", \"desired_state\": \"stopped\"}"), 0);
  ck_assert_int_eq(up("{\"desired_state\": \"stopped\", \"gateway_state\": \"running\"}"), 0);
  ck_assert_int_eq(up("{\"gateway_state\": \"stopped\", \"desired_state\": \"running\"}"), 1);
  ck_assert_int_eq(up("{\"desired_state\": \"degraded\"}"), 1);
  ck_assert_int_eq(up("{\"desired_state\": \"draining\", \"pid\": 12, \"nested\": {\"gateway_state\": \"x\"}}"), 1);
  /* white space around the object is fine (a file ends with a newline) */
  ck_assert_int_eq(up("\n  {\"gateway_state\":\"running\"}\n"), 1);
}
END_TEST

START_TEST(test_state_malformed)
{
  static char const *const bad[] = {
    "", " ", "{", "{\"gateway_state\": \"running\"", "{\"gateway_state\": running}", "\"running\"", "[\"running\"]",
    "[{\"gateway_state\": \"running\"}]", "null", "1",
    "{\"gateway_state\": \"running\"} x", "{\"gateway_state\": \"running\"}{}", "{\"gateway_state\": \"running\"},",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) ck_assert_msg(up(bad[i]) == 0, "up: %s", bad[i]);
  /* only len bytes are read */
  char const *s = "{\"gateway_state\": \"running\"}";
  ck_assert_int_eq(state_says_up(s, strlen(s) - 1), 0);
  /* a NUL inside the text is not the end of it */
  static char const nul[] = "{\"gateway_state\": \"running\"}\0garbage";
  ck_assert_int_eq(state_says_up(nul, sizeof nul - 1), 0);
}
END_TEST

START_TEST(test_signals)
{
  static char const *const term[] = { "TERM", "SIGTERM", "term", "sigterm", "SigTerm" };
  char buf[16];
  for (size_t i = 0; i < 5; i++) {
    memset(buf, 0, sizeof buf);
    ck_assert_int_eq(schema_parse_signal(term[i], buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "SIGTERM");
  }
  ck_assert_int_eq(schema_parse_signal("HUP", buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "SIGHUP");
  ck_assert_int_eq(schema_parse_signal("sigusr1", buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "SIGUSR1");
  ck_assert_int_eq(schema_parse_signal("KILL", buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "SIGKILL");
  static char const *const bad[] = { "", "SIG", "BOGUS", "SIGBOGUS", "15", "-15", "TERM ", " TERM", "SIG TERM", "TE-RM",
                                     "SIGSIGTERM", "TERMTERMTERMTERMTERMTERMTERMTERMTERMTERM" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    strcpy(buf, "unchanged");
    ck_assert_msg(schema_parse_signal(bad[i], buf, sizeof buf) == -1, "accepted %s", bad[i]);
    ck_assert_msg(strcmp(buf, "unchanged") == 0, "%s: a rejected name wrote \"%s\" into the buffer", bad[i], buf);
  }
  /* a buffer too small for the canonical name */
  char small[7];
  ck_assert_int_eq(schema_parse_signal("TERM", small, sizeof small), -1);
  char exact[8];
  ck_assert_int_eq(schema_parse_signal("TERM", exact, sizeof exact), 0);
  ck_assert_str_eq(exact, "SIGTERM");
}
END_TEST

START_TEST(test_profile_name_bounds)
{
  char name[300];
  memset(name, 'a', sizeof name);
  name[1] = 0;
  ck_assert_int_eq(schema_valid_profile_name(name), 1);
  name[1] = 'a';
  name[243] = 0;
  ck_assert_int_eq(schema_valid_profile_name(name), 1);
  name[243] = 'a';
  name[244] = 0;
  ck_assert_int_eq(schema_valid_profile_name(name), 0);
  ck_assert_int_eq(schema_valid_profile_name(""), 0);
  static char const *const good[] = { "default", "a", "0", "9lives", "a-b_c", "a--", "a__" };
  static char const *const bad[] = { "A", "-a", "_a", "a.b", "a/b", "a b", "a\tb", "\xc3\xa9t\xc3\xa9", "a\n", "..", "." };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) ck_assert_msg(schema_valid_profile_name(good[i]), "%s", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) ck_assert_msg(!schema_valid_profile_name(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(test_schema_helpers)
{
  ck_assert_int_eq(schema_valid_env_name("A"), 1);
  ck_assert_int_eq(schema_valid_env_name("_"), 1);
  ck_assert_int_eq(schema_valid_env_name("a_B9"), 1);
  ck_assert_int_eq(schema_valid_env_name(""), 0);
  ck_assert_int_eq(schema_valid_env_name("9A"), 0);
  ck_assert_int_eq(schema_valid_env_name("A-B"), 0);
  ck_assert_int_eq(schema_valid_env_name("A.B"), 0);
  ck_assert_int_eq(schema_valid_env_name("\xc3\xa9"), 0);
  ck_assert_int_eq(schema_env_reserved("HOME"), 1);
  ck_assert_int_eq(schema_env_reserved("HERMES_SUPERVISED_CHILD"), 1);
  ck_assert_int_eq(schema_env_reserved("PATH"), 0);
  ck_assert_int_eq(schema_valid_program("hermes"), 1);
  ck_assert_int_eq(schema_valid_program("python3.11"), 1);
  ck_assert_int_eq(schema_valid_program("/opt/my bin/hermes"), 1);
  ck_assert_int_eq(schema_valid_program(""), 0);
  ck_assert_int_eq(schema_valid_program("bin/hermes"), 0);
  ck_assert_int_eq(schema_valid_program("/opt/x\n"), 0);
  ck_assert_int_eq(schema_valid_path("/"), 1);
  ck_assert_int_eq(schema_valid_path("relative"), 0);
  ck_assert_int_eq(schema_valid_path(""), 0);
  ck_assert_int_eq(schema_valid_path("/a\tb"), 0);
  ck_assert_int_eq(schema_valid_logdir("$HERMES_HOME"), 1);
  ck_assert_int_eq(schema_valid_logdir("$HERMES_HOME/logs/x"), 1);
  ck_assert_int_eq(schema_valid_logdir("/var/log/x"), 1);
  ck_assert_int_eq(schema_valid_logdir("$HERMES_HOMEx"), 0);
  ck_assert_int_eq(schema_valid_logdir("/x/$HERMES_HOME"), 0);
  ck_assert_int_eq(schema_valid_logdir("logs"), 0);
  struct hr_key const *k = schema_find("log", "max_files");
  ck_assert_ptr_nonnull(k);
  long n = -7;
  ck_assert_int_eq(schema_parse_int(k, "1", &n), 0);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(schema_parse_int(k, "0001000", &n), 0);
  ck_assert_int_eq(n, 1000);
  n = -7;
  static char const *const badint[] = { "", "0", "1001", "+5", "-5", " 5", "5 ", "5x", "0x10", "1e3" };
  for (size_t i = 0; i < sizeof badint / sizeof *badint; i++)
    ck_assert_msg(schema_parse_int(k, badint[i], &n) == -1, "accepted %s", badint[i]);
  ck_assert_int_eq(n, -7);
  ck_assert_ptr_nonnull(schema_find("env", "ANYTHING"));
  ck_assert_ptr_null(schema_find("gateway", "nope"));
  ck_assert_ptr_null(schema_find("nope", "enabled"));
  ck_assert_int_eq(schema_section_known("log"), 1);
  ck_assert_int_eq(schema_section_known("Log"), 0);
  int e = -1;
  ck_assert_int_eq(schema_parse_enum(schema_find("gateway", "restart"), "never", &e), 0);
  ck_assert_int_eq(e, HR_RESTART_NEVER);
  ck_assert_int_eq(schema_parse_enum(schema_find("gateway", "restart"), "on-fail", &e), -1);
  ck_assert_int_eq(schema_parse_enum(schema_find("gateway", "restart"), "", &e), -1);
  ck_assert_int_eq(schema_parse_enum(schema_find("log", "timestamp"), "none", &e), 0);
  ck_assert_int_eq(e, HR_TS_NONE);
}
END_TEST

Suite *suite_parse(void)
{
  Suite *s = suite_create("parse");
  TCase *tc = tcase_create("record");
  tcase_add_test(tc, test_record_valid);
  tcase_add_test(tc, test_record_roundtrip);
  tcase_add_test(tc, test_record_garbage);
  suite_add_tcase(s, tc);
  tc = tcase_create("status");
  tcase_add_test(tc, test_status35);
  tcase_add_test(tc, test_status43);
  tcase_add_test(tc, test_status_sizes);
  suite_add_tcase(s, tc);
  tc = tcase_create("state");
  tcase_add_test(tc, test_state);
  tcase_add_test(tc, test_state_malformed);
  suite_add_tcase(s, tc);
  tc = tcase_create("schema");
  tcase_add_test(tc, test_signals);
  tcase_add_test(tc, test_profile_name_bounds);
  tcase_add_test(tc, test_schema_helpers);
  suite_add_tcase(s, tc);
  return s;
}
