/*
 * home.c (SPEC 9.1, 11.4, 11.11, 11.12): a home is judged as its gateway's user meets it. Run as
 * root, the user is nobody (65534) and the pass's own view must not leak into the answer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "home.h"
#include "unit.h"

static char scratch[64];

static void setup(void)
{
  strcpy(scratch, "/tmp/hr-unit-home.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(scratch));
  ck_assert_int_eq(chmod(scratch, 0755), 0);
}

static void teardown(void)
{
  fs_rm_rf_at(AT_FDCWD, scratch);
}

/* Is scratch/rel a usable home for nobody? */
static int reachable(char const *rel)
{
  char home[128];
  gid_t none[1] = { 65534 };
  snprintf(home, sizeof home, "%s/%s", scratch, rel);
  struct profile p;
  memset(&p, 0, sizeof p);
  p.home = home;
  p.uid = 65534;
  p.gid = 65534;
  p.groups = none;
  p.ngroups = 1;
  p.ids_resolved = 1;
  unsigned char want = 1, r;
  homes_reachable(&p, 1, &want, &r);
  return r;
}

static void dir(char const *rel, mode_t mode)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  ck_assert_int_eq(chmod(path, mode), 0);
}

static void judged_as_the_user(void)
{
  dir("open", 0755);
  ck_assert(reachable("open"));
  ck_assert(!reachable("missing"));
  char target[128], link[128];
  snprintf(target, sizeof target, "%s/open", scratch);
  snprintf(link, sizeof link, "%s/link", scratch);
  ck_assert_int_eq(symlink(target, link), 0);
  ck_assert(!reachable("link"));            /* a final link counts as missing (SPEC 11.12) */
  if (geteuid() != 0) return;               /* the rest needs another user than the pass's */
  uid_t fsuid_before = (uid_t)setfsuid((uid_t)-1);
  dir("closed", 0700);
  dir("closed/inside", 0755);
  ck_assert(!reachable("closed/inside"));   /* exists, but not for nobody: as missing */
  ck_assert(!reachable("closed"));          /* reachable, not enterable */
  ck_assert(!reachable("closed/nothing"));
  dir("x", 0711);
  dir("x/y", 0755);
  ck_assert(reachable("x/y"));              /* search permission on the way suffices */
  /* the pass is itself again afterwards, its groups included */
  ck_assert_uint_eq((uid_t)setfsuid((uid_t)-1), fsuid_before);
  char probe[128];
  snprintf(probe, sizeof probe, "%s/closed/inside", scratch);
  ck_assert_int_eq(access(probe, X_OK), 0);
}

START_TEST(test_judged_as_the_user)
{
  judged_as_the_user();
}
END_TEST

/* Without faccessat2 (HR_NO_FACCESSAT2, read once per process): "." looked up below, the same answers. */
START_TEST(test_judged_without_faccessat2)
{
  ck_assert_int_eq(setenv("HR_NO_FACCESSAT2", "1", 1), 0);
  judged_as_the_user();
}
END_TEST

static void as_user(struct profile *p, char *home, uid_t id, gid_t *group)
{
  memset(p, 0, sizeof *p);
  p->home = home;
  p->uid = id;
  p->gid = *group;
  p->groups = group;
  p->ngroups = 1;
  p->ids_resolved = 1;
}

/* homes_reachable: users interleaved, each home judged as its own user, whatever the order */
START_TEST(test_each_identity_once)
{
  if (geteuid() != 0) return;               /* needs two users other than the pass's */
  dir("nobody", 0700);
  dir("daemon", 0700);
  char a[128], b[128];
  snprintf(a, sizeof a, "%s/nobody", scratch);
  snprintf(b, sizeof b, "%s/daemon", scratch);
  ck_assert_int_eq(chown(a, 65534, 65534), 0);
  ck_assert_int_eq(chown(b, 1, 1), 0);
  dir("shut", 0700);
  dir("shut/in", 0755);
  char c[128], d[128];
  snprintf(c, sizeof c, "%s/shut/in", scratch);
  snprintf(d, sizeof d, "%s/shut/gone", scratch);
  gid_t gn = 65534, gd = 1;
  struct profile v[8];
  as_user(v + 0, a, 65534, &gn);
  as_user(v + 1, a, 1, &gd);
  as_user(v + 2, b, 65534, &gn);
  as_user(v + 3, b, 1, &gd);
  as_user(v + 4, a, 65534, &gn);
  as_user(v + 5, c, 65534, &gn);            /* its directory not searchable: opened once, for both */
  as_user(v + 6, d, 65534, &gn);
  as_user(v + 7, a, 65534, &gn);            /* back to the first directory */
  unsigned char want[8] = { 1, 1, 1, 1, 0, 1, 1, 1 }, r[8];
  uid_t fsuid_before = (uid_t)setfsuid((uid_t)-1);
  homes_reachable(v, 8, want, r);
  ck_assert(r[0] && !r[1] && !r[2] && r[3]);
  ck_assert(!r[4]);                         /* not asked: not judged */
  ck_assert(!r[5] && !r[6] && r[7]);
  ck_assert_uint_eq((uid_t)setfsuid((uid_t)-1), fsuid_before);
}
END_TEST

/* Each of rels (below scratch) judged for nobody in one call, as a pass judges its homes. */
static void judge(char const *const *rels, size_t n, unsigned char *r)
{
  static char homes[16][128];
  gid_t none = 65534;
  struct profile v[16];
  unsigned char want[16];
  ck_assert_uint_le(n, 16);
  for (size_t i = 0; i < n; i++) {
    snprintf(homes[i], sizeof homes[i], "%s/%s", scratch, rels[i]);
    as_user(v + i, homes[i], 65534, &none);
    want[i] = 1;
  }
  homes_reachable(v, n, want, r);
}

/*
 * A watch on the directory rel (below scratch; "" for scratch) for its listing: IN_ACCESS on a
 * directory is a read of its entries; an O_PATH open and the lookups below it make none.
 */
static int watch_listing(char const *rel)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ck_assert_int_ge(in, 0);
  ck_assert_int_ge(inotify_add_watch(in, path, IN_ACCESS | IN_ONLYDIR), 0);
  return in;
}

/* Was it listed since watch_listing? The watch closed. */
static int listed(int in)
{
  char buf[4096];
  ssize_t r = read(in, buf, sizeof buf);
  close(in);
  return r > 0;
}

static void file(char const *rel, mode_t mode)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(chmod(path, mode), 0);
}

static void link_to(char const *rel, char const *target)
{
  char path[128], to[128];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  snprintf(to, sizeof to, "%s/%s", scratch, target);
  ck_assert_int_eq(symlink(to, path), 0);
}

/*
 * Homes side by side in one directory the user may list: judged from its listing (faccessat2 by
 * name for the directories, nothing for the rest) unless want_listing is 0 (HR_NO_FACCESSAT2):
 * the same answers either way.
 */
static void siblings(int want_listing)
{
  dir("dir", 0755);
  link_to("link", "dir");                   /* a link to a directory: as missing (SPEC 11.12) */
  file("file", 0755);                       /* searchable by its mode, not a directory */
  char fifo[128];
  snprintf(fifo, sizeof fifo, "%s/fifo", scratch);
  ck_assert_int_eq(mkfifo(fifo, 0777), 0);
  int root = geteuid() == 0;
  if (root) dir("shut", 0700);              /* root's: a directory nobody cannot search */
  char const *rels[] = { "dir", "missing", "link", "file", "fifo", "dir", root ? "shut" : "missing" };
  unsigned char r[7];
  int in = watch_listing("");
  judge(rels, 7, r);
  ck_assert_int_eq(listed(in), want_listing);
  ck_assert(r[0] && !r[1] && !r[2] && !r[3] && !r[4] && r[5] && !r[6]);
}

START_TEST(test_siblings_listed)
{
  siblings(1);
}
END_TEST

START_TEST(test_siblings_without_faccessat2)
{
  ck_assert_int_eq(setenv("HR_NO_FACCESSAT2", "1", 1), 0);
  siblings(0);
}
END_TEST

/*
 * A directory nobody may search but not list (0711): the listing cannot be read, each home judged
 * the exact way; one it may list but not search (0744): listed, and still no way in.
 */
START_TEST(test_directory_not_listable)
{
  if (geteuid() != 0) return;               /* needs another user than the pass's */
  dir("x", 0711);
  dir("x/open", 0755);
  dir("x/shut", 0700);
  link_to("x/link", "x/open");
  file("x/file", 0755);
  char const *rels[] = { "x/open", "x/shut", "x/link", "x/file", "x/missing", "x/open" };
  unsigned char r[6];
  int in = watch_listing("x");
  judge(rels, 6, r);
  ck_assert(!listed(in));
  ck_assert(r[0] && !r[1] && !r[2] && !r[3] && !r[4] && r[5]);
  dir("y", 0744);
  dir("y/open", 0755);
  char const *behind[] = { "y/open", "y/missing" };
  in = watch_listing("y");
  judge(behind, 2, r);
  ck_assert(listed(in));
  ck_assert(!r[0] && !r[1]);
}
END_TEST

/* A directory of many entries: the listing read at most so far, the homes not found by then judged the exact way. */
START_TEST(test_crowded_directory)
{
  dir("crowd", 0755);
  char name[128];
  for (int i = 0; i < 2000; i++) {
    snprintf(name, sizeof name, "crowd/%090d", i);
    file(name, 0644);
  }
  dir("crowd/home", 0755);
  char const *rels[] = { "crowd/home", "crowd/missing" };
  unsigned char r[2];
  judge(rels, 2, r);
  ck_assert(r[0] && !r[1]);
}
END_TEST

Suite *suite_home(void)
{
  Suite *s = suite_create("home");
  TCase *tc = tcase_create("homes_reachable");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_judged_as_the_user);
  tcase_add_test(tc, test_judged_without_faccessat2);
  tcase_add_test(tc, test_each_identity_once);
  tcase_add_test(tc, test_siblings_listed);
  tcase_add_test(tc, test_siblings_without_faccessat2);
  tcase_add_test(tc, test_directory_not_listable);
  tcase_add_test(tc, test_crowded_directory);
  suite_add_tcase(s, tc);
  return s;
}
