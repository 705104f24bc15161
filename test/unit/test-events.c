/*
 * events.c (SPEC 11.7): which way the event directories go, read from the two sysctls (through
 * HERMES_RECONCILE_PROC_FS here), and a slot's event directories made so, emptied of what was
 * planted in them without following it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "fsutil.h"
#include "unit.h"

static char scratch[64];
static int sfd = -1;

static void setup(void)
{
  strcpy(scratch, "/tmp/hr-unit-ev.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(scratch));
  sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge(sfd, 0);
}

static void teardown(void)
{
  fs_rm_rf_at(AT_FDCWD, scratch);
  close(sfd);
  unsetenv(HR_EVENTS_PROC_FS_ENV);
}

/* The fake proc dir says symlinks and hardlinks ("" leaves that file out). */
static void sysctls(char const *symlinks, char const *hardlinks)
{
  char path[128];
  mkdirat(sfd, "proc", 0755);
  char const *v[2] = { symlinks, hardlinks }, *name[2] = { "protected_symlinks", "protected_hardlinks" };
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/proc/%s", scratch, name[i]);
    unlink(path);
    if (!*v[i]) continue;
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(v[i], f);
    fclose(f);
  }
  snprintf(path, sizeof path, "%s/proc", scratch);
  setenv(HR_EVENTS_PROC_FS_ENV, path, 1);
}

/* events_look, then events_seen_ok: what a pass decides for dirfd/dir (log/ looked for). */
static int slot_ok(int dirfd, char const *dir, struct events_policy const *pol)
{
  struct events_seen seen;
  events_look(dirfd, dir, -1, &seen);
  return events_seen_ok(&seen, pol);
}

START_TEST(test_policy)
{
  struct events_policy pol;
  sysctls("1\n", "1\n");
  events_policy_read(&pol);
  ck_assert(pol.public);
  ck_assert_str_eq(events_policy_name(&pol), "public");
  sysctls("0\n", "1\n");
  events_policy_read(&pol);
  ck_assert(!pol.public);
  ck_assert_int_eq(pol.symlinks, 0);
  ck_assert_str_eq(events_policy_name(&pol), "root");
  sysctls("1\n", "2\n");
  events_policy_read(&pol);
  ck_assert(!pol.public);
  sysctls("1\n", "");
  events_policy_read(&pol);
  ck_assert(!pol.public);
  ck_assert_int_eq(pol.hardlinks, -1);
  sysctls("x", "1");
  events_policy_read(&pol);
  ck_assert_int_eq(pol.symlinks, -1);
}
END_TEST

static mode_t mode_of(char const *path)
{
  struct stat st;
  ck_assert_int_eq(fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
  return st.st_mode & 07777;
}

static int exists(char const *path)
{
  struct stat st;
  return fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

#define PLANT "ftrig1:@abcdefghijklmnopqrstuvwxyz01234"

START_TEST(test_slot_fix)
{
  struct events_policy pol;
  ck_assert_int_eq(mkdirat(sfd, "s", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "s/log", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "s/event", 0700), 0);
  ck_assert_int_eq(fchmodat(sfd, "s/event", 03730, 0), 0);
  /* what a group with write access planted: a link, a file, a tree, a hard link, and a listener */
  ck_assert_int_eq(symlinkat("/etc/passwd", sfd, "s/event/" PLANT), 0);
  ck_assert_int_eq(mkfifoat(sfd, "s/victim", 0600), 0);
  ck_assert_int_eq(linkat(sfd, "s/victim", sfd, "s/event/ftrig1:@hardlinkhardlinkhardlinkhardlinkhar", 0), 0);
  ck_assert_int_eq(mkdirat(sfd, "s/event/d", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "s/event/d/e", 0755), 0);
  ck_assert_int_eq(mkfifoat(sfd, "s/event/ftrig1:@listenerlistenerlistenerlistenerl", 0600), 0);
  int slot = fs_opendir_at(sfd, "s");
  ck_assert_int_ge(slot, 0);
  sysctls("1", "1");
  events_policy_read(&pol);
  ck_assert(!slot_ok(sfd, "s", &pol));   /* log/event is missing, event/ is 03730 */
  ck_assert_int_eq(events_slot_fix(slot, &pol, 0, 0), 0);
  ck_assert(slot_ok(sfd, "s", &pol));
  ck_assert_uint_eq(mode_of("s/event"), 01733);
  ck_assert_uint_eq(mode_of("s/log/event"), 01733);
  ck_assert(!exists("s/event/" PLANT));
  ck_assert(!exists("s/event/ftrig1:@hardlinkhardlinkhardlinkhardlinkhar"));
  ck_assert(!exists("s/event/d"));
  ck_assert(exists("s/event/ftrig1:@listenerlistenerlistenerlistenerl"));
  ck_assert(exists("/etc/passwd") && exists("s/victim"));
  /* the host changes its mind: root's only at the next pass */
  sysctls("0", "1");
  events_policy_read(&pol);
  ck_assert(!slot_ok(sfd, "s", &pol));
  ck_assert_int_eq(events_slot_fix(slot, &pol, 0, 0), 0);
  ck_assert_uint_eq(mode_of("s/event"), 03730);
  ck_assert_uint_eq(mode_of("s/log/event"), 03730);
  ck_assert(slot_ok(sfd, "s", &pol));
  /* the scan's look through the slot's own descriptor, log/ known from the record */
  struct events_seen seen;
  events_look(slot, 0, 1, &seen);
  ck_assert(events_seen_ok(&seen, &pol));
  ck_assert_int_eq(fchmodat(sfd, "s/log/event", 0755, 0), 0);
  events_look(slot, 0, 1, &seen);
  ck_assert(!events_seen_ok(&seen, &pol));      /* log/event/ is looked at */
  events_look(slot, 0, 0, &seen);
  ck_assert(events_seen_ok(&seen, &pol));       /* a record saying no log/: only event/ */
  close(slot);
}
END_TEST

/*
 * A directory already as the policy wants, a link left in it (an earlier pass's emptying cut short by
 * its deadline): left as it is unless always_empty, emptied with it.
 */
START_TEST(test_slot_fix_always_empty)
{
  struct events_policy pol;
  sysctls("0", "0");
  events_policy_read(&pol);
  ck_assert_int_eq(mkdirat(sfd, "s", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "s/event", 0700), 0);
  ck_assert_int_eq(fchmodat(sfd, "s/event", 03730, 0), 0);
  ck_assert_int_eq(fchownat(sfd, "s/event", pol.uid, pol.gid, AT_SYMLINK_NOFOLLOW), 0);
  ck_assert_int_eq(symlinkat("/etc/passwd", sfd, "s/event/" PLANT), 0);
  ck_assert_int_eq(mkfifoat(sfd, "s/event/ftrig1:@listenerlistenerlistenerlistenerl", 0600), 0);
  int slot = fs_opendir_at(sfd, "s");
  ck_assert_int_ge(slot, 0);
  ck_assert(slot_ok(sfd, "s", &pol));
  ck_assert_int_eq(events_slot_fix(slot, &pol, 0, 0), 0);
  ck_assert(exists("s/event/" PLANT));
  ck_assert_int_eq(events_slot_fix(slot, &pol, 1, 0), 0);
  ck_assert(!exists("s/event/" PLANT));
  ck_assert(exists("s/event/ftrig1:@listenerlistenerlistenerlistenerl"));
  ck_assert_uint_eq(mode_of("s/event"), 03730);
  close(slot);
}
END_TEST

Suite *suite_events(void)
{
  Suite *s = suite_create("events");
  TCase *tc = tcase_create("event directories");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_policy);
  tcase_add_test(tc, test_slot_fix);
  tcase_add_test(tc, test_slot_fix_always_empty);
  suite_add_tcase(s, tc);
  return s;
}
