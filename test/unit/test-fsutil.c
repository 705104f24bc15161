/*
 * fsutil and state on a scratch directory: iterative deletion (SPEC 11.3), opening without
 * following links or blocking (11.2), adoption of an object in place or by replacement (11.1),
 * the state file read without following a link (11.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "state.h"
#include "unit.h"

static char scratch[64];
static int sfd = -1;

static void setup(void)
{
  strcpy(scratch, "/tmp/hr-unit-fs.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(scratch));
  sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge(sfd, 0);
}

static void teardown(void)
{
  fs_rm_tree_at(AT_FDCWD, scratch, 0);
  if (sfd >= 0) close(sfd);
}

static void put(int dirfd, char const *name, char const *text, mode_t mode)
{
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, mode);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ck_assert_int_eq(fchmodat(dirfd, name, mode, 0), 0);
}

/* A chain of depth directories "d" below dirfd/name, each with a file and a link out. */
static void chain(int dirfd, char const *name, int depth)
{
  ck_assert_int_eq(mkdirat(dirfd, name, 0755), 0);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
  for (int i = 0; i < depth; i++) {
    put(fd, "f", "x", 0644);
    if (i % 100 == 0) ck_assert_int_eq(symlinkat(scratch, fd, "out"), 0);
    ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
    int next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(next, 0);
    close(fd);
    fd = next;
  }
  close(fd);
}

START_TEST(test_rm_tree_deep_few_fds)
{
  struct rlimit lim = { 16, 16 };
  put(sfd, "keep", "outside", 0600);
  chain(sfd, "tomb", 3000);
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
  ck_assert_int_eq(fs_rm_tree_at(sfd, "tomb", 0), 0);
  ck_assert_int_eq(faccessat(sfd, "tomb", F_OK, AT_SYMLINK_NOFOLLOW), -1);
  ck_assert_int_eq(faccessat(sfd, "keep", F_OK, 0), 0);   /* the links out were not followed */
}
END_TEST

START_TEST(test_rm_tree_deadline)
{
  chain(sfd, "tomb", 50);
  errno = 0;
  ck_assert_int_eq(fs_rm_tree_at(sfd, "tomb", 1), -1);   /* a deadline long past */
  ck_assert_int_eq(errno, ETIMEDOUT);
  ck_assert_int_eq(fs_rm_tree_at(sfd, "tomb", 0), 0);   /* the next call finishes it */
  ck_assert_int_eq(faccessat(sfd, "tomb", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}
END_TEST

START_TEST(test_rm_tree_link_top)
{
  ck_assert_int_eq(mkdirat(sfd, "target", 0755), 0);
  ck_assert_int_eq(symlinkat("target", sfd, "tomb"), 0);
  ck_assert_int_eq(fs_rm_tree_at(sfd, "tomb", 0), 0);
  ck_assert_int_eq(faccessat(sfd, "target", F_OK, 0), 0);
}
END_TEST

static void test_open_typed_body(void)
{
  ck_assert_int_eq(mkdirat(sfd, "sv", 0711), 0);
  ck_assert_int_eq(mkfifoat(sfd, "sv/lock", 0644), 0);
  ck_assert_int_eq(symlinkat("/etc/passwd", sfd, "sv/status"), 0);
  ck_assert_int_eq(symlinkat("sv", sfd, "svlink"), 0);
  errno = 0;
  ck_assert_int_eq(fs_open_typed(sfd, "sv/lock", O_RDONLY, S_IFREG, 0), -1);   /* no hang on a FIFO */
  ck_assert_int_eq(errno, HR_EWRONGTYPE);
  ck_assert_int_eq(fs_open_typed(sfd, "sv/status", O_RDONLY, S_IFREG, 0), -1);
  ck_assert_int_eq(errno, ELOOP);
  ck_assert_int_eq(fs_open_beneath(sfd, "svlink/lock", O_RDONLY), -1);          /* no link on the way */
  ck_assert(errno == ENOTDIR || errno == ELOOP);
  int fd = fs_open_typed(sfd, "sv/lock", O_RDONLY, S_IFIFO, 0);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(mkdirat(sfd, "sv/d", 0755), 0);
  ck_assert_int_eq(symlinkat("../..", sfd, "sv/d/up"), 0);
  ck_assert_int_eq(fs_open_beneath(sfd, "sv/d/up/x", O_RDONLY), -1);           /* no way out by a link */
  ck_assert(errno == ENOTDIR || errno == ELOOP);
  fd = fs_open_beneath(sfd, "./sv/d", O_PATH | O_DIRECTORY);                      /* "." and O_PATH */
  ck_assert_int_ge(fd, 0);
  close(fd);
  /* no way out by "..", nor from the root, whatever is there */
  static char const *const out[] = { "..", "../x", "sv/../..", "sv/d/..", "sv/../sv/lock", "/etc/passwd", "//etc" };
  for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
    errno = 0;
    ck_assert_msg(fs_open_beneath(sfd, out[i], O_RDONLY) == -1 && errno == EXDEV, "%s", out[i]);
  }
  /* names that merely hold two dots are names */
  ck_assert_int_eq(mkdirat(sfd, "sv/..a", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "sv/a..", 0755), 0);
  ck_assert_int_eq(mkdirat(sfd, "sv/...", 0755), 0);
  static char const *const in[] = { "sv/..a", "sv/a..", "sv/..." };
  for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
    fd = fs_open_beneath(sfd, in[i], O_PATH | O_DIRECTORY);
    ck_assert_msg(fd >= 0, "%s: %s", in[i], strerror(errno));
    close(fd);
  }
}

START_TEST(test_open_typed)
{
  ck_assert_int_eq(fs_beneath_openat2(), getenv("HR_NO_OPENAT2") ? 0 : 1);   /* this kernel has it */
  test_open_typed_body();
}
END_TEST

/* The component walk, as on a kernel without openat2: the same answers (HR_NO_OPENAT2, read once per process). */
START_TEST(test_open_typed_walk)
{
  ck_assert_int_eq(setenv("HR_NO_OPENAT2", "1", 1), 0);
  ck_assert_int_eq(fs_beneath_openat2(), 0);
  test_open_typed_body();
}
END_TEST

START_TEST(test_read_sized)
{
  char buf[64];
  put(sfd, "f", "hello\n", 0644);
  ck_assert_int_eq(fs_read_file_at(sfd, "f", buf, sizeof buf), 6);
  ck_assert_mem_eq(buf, "hello\n", 6);
  ck_assert_int_eq(fs_read_file_at(sfd, "f", buf, 3), 3);          /* at most max */
  ck_assert_int_eq(mkfifoat(sfd, "fifo", 0644), 0);
  ck_assert_int_eq(fs_read_file_at(sfd, "fifo", buf, sizeof buf), -1); /* no hang on a FIFO */
  ck_assert_int_eq(errno, HR_EWRONGTYPE);
  ck_assert_int_eq(symlinkat("f", sfd, "link"), 0);
  ck_assert_int_eq(fs_read_file_at(sfd, "link", buf, sizeof buf), -1);
  ck_assert_int_eq(errno, ELOOP);
}
END_TEST

START_TEST(test_fix_in_place_and_replace)
{
  struct stat st, st2;
  ck_assert_int_eq(mkfifoat(sfd, "control", 0660), 0);
  ck_assert_int_eq(fstatat(sfd, "control", &st, 0), 0);
  ck_assert_int_eq(fs_fix_at(sfd, "control", S_IFIFO, 0620, geteuid(), HR_KEEP_GID), 0);
  ck_assert_int_eq(fstatat(sfd, "control", &st2, AT_SYMLINK_NOFOLLOW), 0);
  ck_assert_uint_eq(st2.st_ino, st.st_ino);                 /* the same FIFO, in place */
  ck_assert_uint_eq(st2.st_mode & 07777, 0620);
  put(sfd, "victim", "v", 0666);
  ck_assert_int_eq(linkat(sfd, "victim", sfd, "status", 0), 0);
  ck_assert_int_eq(fs_fix_at(sfd, "status", S_IFREG, 0644, geteuid(), HR_KEEP_GID), 1);
  ck_assert_int_eq(fstatat(sfd, "victim", &st, 0), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0666);              /* the other name's object is untouched */
  ck_assert_uint_eq(st.st_nlink, 1);
  ck_assert_int_eq(symlinkat("victim", sfd, "lock"), 0);
  ck_assert_int_eq(fs_fix_at(sfd, "lock", S_IFREG, 0644, geteuid(), HR_KEEP_GID), 1);
  ck_assert_int_eq(fstatat(sfd, "lock", &st, AT_SYMLINK_NOFOLLOW), 0);
  ck_assert(S_ISREG(st.st_mode));
  ck_assert_int_eq(fs_fix_at(sfd, "missing", S_IFDIR, 0711, geteuid(), HR_KEEP_GID), 1);
}
END_TEST

START_TEST(test_state_file_links)
{
  char path[128];
  put(sfd, "secret.json", "{\"gateway_state\": \"running\"}", 0600);
  ck_assert_int_eq(mkdirat(sfd, "home", 0755), 0);
  snprintf(path, sizeof path, "%s/home", scratch);
  ck_assert_int_eq(state_home_says_up(path), 0);
  ck_assert_int_eq(symlinkat("../secret.json", sfd, "home/gateway_state.json"), 0);
  ck_assert_int_eq(state_home_says_up(path), 0);          /* a link is not followed */
  ck_assert_int_eq(unlinkat(sfd, "home/gateway_state.json", 0), 0);
  ck_assert_int_eq(mkfifoat(sfd, "home/gateway_state.json", 0644), 0);
  ck_assert_int_eq(state_home_says_up(path), 0);          /* nor a FIFO blocked on */
  ck_assert_int_eq(unlinkat(sfd, "home/gateway_state.json", 0), 0);
  put(sfd, "home/gateway_state.json", "{\"gateway_state\": \"running\"}", 0644);
  ck_assert_int_eq(state_home_says_up(path), 1);
  ck_assert_int_eq(symlinkat("home", sfd, "homelink"), 0);
  snprintf(path, sizeof path, "%s/homelink", scratch);
  ck_assert_int_eq(state_home_says_up(path), 0);          /* nor a home that is a link */
}
END_TEST

Suite *suite_fsutil(void)
{
  Suite *s = suite_create("fsutil");
  TCase *tc = tcase_create("fsutil");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_rm_tree_deep_few_fds);
  tcase_add_test(tc, test_rm_tree_deadline);
  tcase_add_test(tc, test_rm_tree_link_top);
  tcase_add_test(tc, test_open_typed);
  tcase_add_test(tc, test_open_typed_walk);
  tcase_add_test(tc, test_read_sized);
  tcase_add_test(tc, test_fix_in_place_and_replace);
  tcase_add_test(tc, test_state_file_links);
  suite_add_tcase(s, tc);
  return s;
}
