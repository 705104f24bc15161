#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "hr.h"
#include "home.h"

/*
 * faccessat2(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS): search permission on the directory fd
 * itself, for the file-system identity taken, in one call (Linux 5.8). The system call itself:
 * glibc's faccessat, where the kernel lacks it, would judge AT_EACCESS from the euid, root's.
 * 1 searchable, 0 not, -2 the call cannot be used (none, a seccomp filter's EPERM, or
 * HR_NO_FACCESSAT2 set in the environment, read once: the tests force the other way with it).
 */
static int faccessat2_state;   /* 0 not known yet, 1 used, -1 not available */

static int searchable_fd(int fd)
{
#ifdef SYS_faccessat2
  if (!faccessat2_state) {
    char const *no = getenv("HR_NO_FACCESSAT2");
    faccessat2_state = no && *no ? -1 : 1;
  }
  if (faccessat2_state > 0) {
    if (!syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS)) return 1;
    if (errno != ENOSYS && errno != EPERM && errno != EINVAL) return 0;
    faccessat2_state = -1;
  }
#else
  (void)fd;
#endif
  return -2;
}

/* Without faccessat2: "." looked up below fd needs search permission on it, as chdir does. */
static int searchable_by_lookup(int fd)
{
  int in = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (in < 0) return 0;
  close(in);
  return 1;
}

#define HOME_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/*
 * The directory holding the last home opened, itself opened once (O_PATH, as the walk to a home
 * would reach it) for the consecutive homes of one identity that share it, /.../profiles/ for
 * all of them as a rule: the lookup of each home's last component from it is the walk's last step
 * (search permission on it checked, as every time). fd -1: its open failed, for them all alike.
 */
struct home_parent {
  char path[4096];
  size_t len;            /* 0: none opened yet */
  int fd;
};

/* home, opened as HOME_FLAGS say, its last component looked up from its directory's descriptor. */
static int open_home(struct home_parent *hp, char const *home)
{
  char const *slash = strrchr(home, '/');
  size_t n = slash ? (size_t)(slash - home) : 0;
  /* "name", "/name", "dir/", or a directory too long to keep: the whole path, as it is */
  if (!n || !slash[1] || n >= sizeof hp->path) return open(home, HOME_FLAGS);
  if (hp->len != n || memcmp(hp->path, home, n)) {
    if (hp->len && hp->fd >= 0) close(hp->fd);
    memcpy(hp->path, home, n);
    hp->path[n] = 0;
    hp->len = n;
    hp->fd = open(hp->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  return hp->fd < 0 ? -1 : openat(hp->fd, slash + 1, HOME_FLAGS);
}

static void home_parent_close(struct home_parent *hp)
{
  if (hp->len && hp->fd >= 0) close(hp->fd);
  hp->len = 0;
}

/*
 * cd home: every directory on the way searchable (the open's walk), the home itself too, its last
 * component no link; both proved on the one object the open found.
 */
static int enter(struct home_parent *hp, char const *home)
{
  int fd = open_home(hp, home);
  if (fd < 0) return 0;
  int r = searchable_fd(fd);
  if (r == -2) r = searchable_by_lookup(fd);
  close(fd);
  return r;
}

struct fs_identity {
  gid_t *groups;
  int ngroups;
  uid_t fsuid;
  gid_t fsgid;
};

static void restore(struct fs_identity *saved)
{
  /* fsuid back to root first: the file-system capabilities come back with it */
  setfsuid(saved->fsuid);
  setfsgid(saved->fsgid);
  if (setgroups((size_t)saved->ngroups, saved->groups) < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "restore the supplementary groups");
  free(saved->groups);
}

/* Take p's file-system identity, saving ours in saved: 0, or -1 (nothing changed) if it cannot be taken. */
static int become(struct profile const *p, struct fs_identity *saved)
{
  int n = getgroups(0, 0);
  if (n < 0) return -1;
  saved->groups = hr_alloc(sizeof *saved->groups * ((size_t)n + 1));
  saved->ngroups = getgroups(n, saved->groups);
  saved->fsuid = geteuid();
  saved->fsgid = getegid();
  gid_t *want = hr_alloc(sizeof *want * (p->ngroups + 1));
  size_t k = 0;
  want[k++] = p->gid;
  for (size_t i = 0; i < p->ngroups; i++) if (p->groups[i] != p->gid) want[k++] = p->groups[i];
  int r = saved->ngroups < 0 || setgroups(k, want) < 0 ? -1 : 0;
  free(want);
  if (r < 0) {
    free(saved->groups);
    return -1;
  }
  setfsgid(p->gid);
  setfsuid(p->uid);
  /* setfs*id say nothing of a failure: ask what they are now */
  if ((uid_t)setfsuid((uid_t)-1) != p->uid || (gid_t)setfsgid((gid_t)-1) != p->gid) {
    restore(saved);
    return -1;
  }
  return 0;
}

/* qsort: profiles with the same uid, gid and supplementary groups side by side. */
static int by_identity(void const *a, void const *b)
{
  struct profile const *p = *(struct profile const *const *)a, *q = *(struct profile const *const *)b;
  if (p->ids_resolved != q->ids_resolved) return p->ids_resolved < q->ids_resolved ? -1 : 1;
  if (p->uid != q->uid) return p->uid < q->uid ? -1 : 1;
  if (p->gid != q->gid) return p->gid < q->gid ? -1 : 1;
  if (p->ngroups != q->ngroups) return p->ngroups < q->ngroups ? -1 : 1;
  return p->ngroups ? memcmp(p->groups, q->groups, sizeof *p->groups * p->ngroups) : 0;
}

/* Already in identity order (as when every profile has the same user): no sort needed. */
static int grouped(struct profile const **v, size_t n)
{
  for (size_t i = 1; i < n; i++) if (by_identity(v + i - 1, v + i) > 0) return 0;
  return 1;
}

/* The homes of run[0..n), one identity, judged under it: the identity taken once for them all. */
static void judge_run(struct profile const *v, struct profile const **run, size_t n, unsigned char *reachable)
{
  struct profile const *p = run[0];
  int as_user = geteuid() == 0 && p->ids_resolved && p->uid;
  struct fs_identity saved;
  struct home_parent hp = { .len = 0 };
  int taken = as_user && become(p, &saved) == 0;
  for (size_t k = 0; k < n; k++)
    reachable[run[k] - v] = run[k]->home && (taken || !as_user) && enter(&hp, run[k]->home);
  /* its directory was opened with this identity: closed before it is given back */
  home_parent_close(&hp);
  if (taken) restore(&saved);
}

void homes_reachable(struct profile const *v, size_t n, unsigned char const *want, unsigned char *reachable)
{
  struct profile const **order = hr_alloc(sizeof *order * (n + 1));
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    reachable[i] = 0;
    if (want[i]) order[m++] = v + i;
  }
  if (!grouped(order, m)) qsort(order, m, sizeof *order, by_identity);
  for (size_t i = 0, j; i < m; i = j) {
    for (j = i + 1; j < m && !by_identity(order + i, order + j); j++) ;
    judge_run(v, order + i, j - i, reachable);
  }
  free(order);
}
