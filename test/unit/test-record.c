/* record.c: each dot file's writer and reader, side by side, round-trip; slot.c: the names of the layout. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hr.h"
#include "ledger.h"
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

static char const REC_A[] = "hermes-reconcile 3\nrun x\n";
static char const REC_B[] = "hermes-reconcile 3\nfrom y\nevents -\n";

/* The ledger of two slots, packed and parsed: the same entries, the records' line ends kept. */
START_TEST(test_ledger_round_trip)
{
  static char const inputs[] = "\x01\n\0 gateway-z 1 2 3 4 5\n";   /* any bytes, a line end and a NUL too */
  struct ledger_entry in[] = {
    { "/a.ini", 2049, 40, 1700000000, 6, REC_B, sizeof REC_B - 1, 0, 0 },   /* a profile file */
    { "gateway-a", 2049, 12, 1700000000, 5, REC_A, sizeof REC_A - 1, inputs, sizeof inputs },
    { "gateway-b", 0, 18446744073709551615ull, 0, 999999999, REC_B, sizeof REC_B - 1, 0, 0 },
    { "gateway-c d", 1, 1, 1, 1, REC_A, sizeof REC_A - 1, 0, 0 },   /* a name it cannot hold: left out */
  };
  size_t len;
  static char const pass[] = "\x14 the pass's own\n";
  char *text = ledger_pack(pass, sizeof pass, in, 4, &len);
  ck_assert_int_eq(text[len], 0);   /* its length as packed: the inputs may hold a NUL */
  struct ledger l;
  ck_assert_int_eq(ledger_parse(text, len, &l), 0);
  ck_assert_uint_eq(l.plen, sizeof pass);
  ck_assert_mem_eq(l.pass, pass, sizeof pass);
  ck_assert_uint_eq(l.n, 3);
  ck_assert_uint_eq(l.nfiles, 1);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_str_eq(l.v[i].name, in[i].name);
    ck_assert_uint_eq(l.v[i].dev, in[i].dev);
    ck_assert_uint_eq(l.v[i].ino, in[i].ino);
    ck_assert_int_eq(l.v[i].sec, in[i].sec);
    ck_assert_int_eq(l.v[i].nsec, in[i].nsec);
    ck_assert_uint_eq(l.v[i].len, in[i].len);
    ck_assert_mem_eq(l.v[i].record, in[i].record, in[i].len);
    ck_assert_uint_eq(l.v[i].ilen, in[i].ilen);
    if (in[i].ilen) ck_assert_mem_eq(l.v[i].inputs, in[i].inputs, in[i].ilen);
  }
  ck_assert_ptr_eq(ledger_find(&l, "gateway-b"), l.v + 2);
  ck_assert_ptr_eq(ledger_find(&l, "/a.ini"), l.v);
  ck_assert_ptr_null(ledger_find(&l, "gateway-c d"));
  ck_assert_ptr_null(ledger_find(&l, "gateway-"));
  ledger_free(&l);
  free(text);
}
END_TEST

START_TEST(test_ledger_refused)
{
  static char const *const bad[] = {
    "",
    "hermes-reconcile-ledger 1 0\n\n",                                 /* version 1: its entries have no device */
    "hermes-reconcile-ledger 3 0\n",
    "hermes-reconcile-ledger 2\n",                                    /* no pass part */
    "hermes-reconcile-ledger 2 5\nabc",                              /* shorter than it says */
    "hermes-reconcile-ledger 2 3\nabcd",                             /* no line end after it */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 4 0\nab",               /* shorter than it says */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 1 2\nab",               /* its inputs too */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 1 2 3 0 0\n",                  /* a number missing */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 1000000000 0 0\n",        /* nanoseconds past a second */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 x 0 0\n",
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 99999999999999999999 2 3 0 0\n", /* past 64 bits */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 18446744073709551616 1 2 3 0 0\n",
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 9223372036854775808 9223372036854775808 3 0 0\n",
    "hermes-reconcile-ledger 2 0\n\ngateway-b 9 1 2 3 0 0\n\ngateway-a 9 1 2 3 0 0\n\n", /* not sorted */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 0 0\n\ngateway-a 9 1 2 3 0 0\n\n", /* twice */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 0 0\n\n/a.ini 9 1 2 3 0 0\n\n", /* a file after a slot */
    "hermes-reconcile-ledger 2 0\n\n 9 1 2 3 0 0\n",                         /* no name */
    "hermes-reconcile-ledger 2 0\n\ngateway-a\n9 1 2 3 0 0\n\n",
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 1 1\nab",              /* no line end after its inputs */
    "hermes-reconcile-ledger 2 0\n\ngateway-a 9 1 2 3 1 1\nabc",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct ledger l;
    ck_assert_msg(ledger_parse(bad[i], strlen(bad[i]), &l) == -1, "%s", bad[i]);
    ck_assert_uint_eq(l.n, 0);
    ledger_free(&l);
  }
  struct ledger l;
  char const *empty = "hermes-reconcile-ledger 2 0\n\n";
  ck_assert_int_eq(ledger_parse(empty, strlen(empty), &l), 0);   /* no slot: a ledger all the same */
  ck_assert_uint_eq(l.n, 0);
  ck_assert_ptr_null(ledger_find(&l, "gateway-a"));
  ledger_free(&l);
}
END_TEST

/* An entry stands for a slot only if its directory is the same (inode, ctime) and older than the ledger. */
START_TEST(test_ledger_vouches)
{
  struct ledger l = { .sec = 100, .nsec = 500 };
  struct ledger_entry e = { "gateway-a", 3, 7, 100, 400, REC_A, sizeof REC_A - 1, 0, 0 };
  struct stat st;
  memset(&st, 0, sizeof st);
  st.st_mode = S_IFDIR | 0755;
  st.st_dev = 3;
  st.st_ino = 7;
  st.st_ctim.tv_sec = 100;
  st.st_ctim.tv_nsec = 400;
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 1);
  st.st_ctim.tv_nsec = 401;                           /* changed since */
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);
  st.st_ctim.tv_nsec = 400;
  st.st_ino = 8;                                      /* another directory of that name */
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);
  st.st_ino = 7;
  st.st_dev = 4;                                      /* the same inode number on another file system */
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);
  st.st_dev = 3;
  st.st_mode = S_IFREG | 0644;
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);
  st.st_mode = S_IFDIR | 0755;
  /* seen in the very tick the ledger was written: a change in that tick may have kept the ctime */
  l.nsec = 400;
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);
  l.sec = 99;
  l.nsec = 999999999;
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 0);  /* a ledger older than what it says it saw */
  l.sec = 101;
  l.nsec = 0;
  ck_assert_int_eq(ledger_vouches(&l, &e, &st), 1);
}
END_TEST

/* A profile file's entry stands for it only while it is the same regular file: device, inode, ctime, size. */
START_TEST(test_ledger_file)
{
  static char const text[] = "hermes-reconcile-ledger 2 0\n\n/a.ini 3 7 100 400 5 0\n[x]\n\n\n"
                             "gateway-a 3 8 100 400 0 0\n\n";
  struct ledger l;
  ck_assert_int_eq(ledger_parse(text, sizeof text - 1, &l), 0);
  ck_assert_uint_eq(l.nfiles, 1);
  struct stat st;
  memset(&st, 0, sizeof st);
  st.st_mode = S_IFREG | 0644;
  st.st_dev = 3;
  st.st_ino = 7;
  st.st_size = 5;
  st.st_ctim.tv_sec = 100;
  st.st_ctim.tv_nsec = 400;
  struct ledger_entry const *e = ledger_file(&l, "a.ini", &st);
  ck_assert_ptr_nonnull(e);
  ck_assert_mem_eq(e->record, "[x]\n\n", 5);
  ck_assert_ptr_null(ledger_file(&l, "b.ini", &st));         /* another name */
  ck_assert_ptr_null(ledger_file(&l, "/a.ini", &st));
  ck_assert_ptr_null(ledger_file(&l, "gateway-a", &st));     /* a slot's entry is no file's */
  struct { struct stat st; char const *what; } changed[5];
  for (size_t i = 0; i < 5; i++) changed[i].st = st;
  changed[0].st.st_ctim.tv_nsec = 401, changed[0].what = "ctime";
  changed[1].st.st_ino = 9, changed[1].what = "inode";
  changed[2].st.st_dev = 4, changed[2].what = "device";
  changed[3].st.st_size = 6, changed[3].what = "size";
  changed[4].st.st_mode = S_IFLNK | 0777, changed[4].what = "type (a link)";
  for (size_t i = 0; i < 5; i++) ck_assert_msg(!ledger_file(&l, "a.ini", &changed[i].st), "%s", changed[i].what);
  ledger_free(&l);
}
END_TEST

/* Only a ctime more than 2 s older than the clock read before the file was seen may go into a ledger. */
START_TEST(test_ledger_file_keepable)
{
  struct stat st;
  memset(&st, 0, sizeof st);
  struct timespec now = { 1000, 500 };
  st.st_ctim.tv_sec = 997;
  st.st_ctim.tv_nsec = 999999999;
  ck_assert_int_eq(ledger_file_keepable(&st, &now), 1);
  st.st_ctim.tv_sec = 998;
  st.st_ctim.tv_nsec = 499;
  ck_assert_int_eq(ledger_file_keepable(&st, &now), 1);
  st.st_ctim.tv_nsec = 500;                            /* exactly 2 s: a change on a 2 s grain could keep it */
  ck_assert_int_eq(ledger_file_keepable(&st, &now), 0);
  st.st_ctim.tv_sec = 999;
  ck_assert_int_eq(ledger_file_keepable(&st, &now), 0);
  st.st_ctim.tv_sec = 1001;                            /* from the future: never */
  ck_assert_int_eq(ledger_file_keepable(&st, &now), 0);
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
  tcase_add_test(tc, test_ledger_round_trip);
  tcase_add_test(tc, test_ledger_refused);
  tcase_add_test(tc, test_ledger_vouches);
  tcase_add_test(tc, test_ledger_file);
  tcase_add_test(tc, test_ledger_file_keepable);
  tcase_add_test(tc, test_slot_names);
  tcase_add_test(tc, test_slot_optional_files);
  suite_add_tcase(s, tc);
  return s;
}
