#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "hr.h"
#include "home.h"

/*
 * faccessat2(fd, path, X_OK, AT_EACCESS | flags): search permission for the file-system identity
 * taken, in one call (Linux 5.8). The system call itself: glibc's faccessat, where the kernel lacks
 * it, would judge AT_EACCESS from the euid, root's. 1 searchable, 0 not, -2 the call cannot be
 * used (none, a seccomp filter's EPERM, or HR_NO_FACCESSAT2 set in the environment, read once:
 * the tests force the other way with it).
 */
static int faccessat2_state;   /* 0 not known yet, 1 used, -1 not available */

static int faccessat2_usable(void)
{
  if (!faccessat2_state) {
    char const *no = getenv("HR_NO_FACCESSAT2");
    faccessat2_state = no && *no ? -1 : 1;
#ifndef SYS_faccessat2
    faccessat2_state = -1;
#endif
  }
  return faccessat2_state > 0;
}

static int searchable_at(int fd, char const *path, int flags)
{
#ifdef SYS_faccessat2
  if (faccessat2_usable()) {
    if (!syscall(SYS_faccessat2, fd, path, X_OK, AT_EACCESS | flags)) return 1;
    if (errno != ENOSYS && errno != EPERM && errno != EINVAL) return 0;
    faccessat2_state = -1;
  }
#else
  (void)fd;
  (void)path;
  (void)flags;
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
 * cd home, the exact way: home (name, below dirfd: its directory, or AT_FDCWD) opened as HOME_FLAGS
 * say proves every directory on the way searchable, the home a directory, its last component no
 * link; search permission on the home itself is then proved on the object that open found.
 * Three system calls (four without faccessat2).
 */
static int enter(int dirfd, char const *name)
{
  int fd = openat(dirfd, name, HOME_FLAGS);
  if (fd < 0) return 0;
  int r = searchable_at(fd, "", AT_EMPTY_PATH);
  if (r == -2) r = searchable_by_lookup(fd);
  close(fd);
  return r;
}

/*
 * The homes of one identity that share a directory (/.../profiles/ for all of them as a rule) are
 * judged together, in one system call each where the directory can be listed:
 *
 * - the directory is opened once, with that identity (following links on the way, as cd does), for
 *   reading (O_RDONLY, not O_PATH; O_DIRECTORY refuses anything else before it is opened, and
 *   O_NONBLOCK as SPEC 11.2 asks): that needs search permission on the way to it and read
 *   permission on it, both the user's own, so the listing tells nothing the user could not list;
 * - its listing (getdents64) gives each home's type, d_type: no call for a home listed as a link
 *   or as anything but a directory (0: SPEC 11.12's link counts as missing);
 * - a home listed as a directory is judged by faccessat2(dirfd, name, X_OK,
 *   AT_EACCESS | AT_SYMLINK_NOFOLLOW): the lookup of name needs search permission on its directory,
 *   and the home's own search permission is checked on the object that lookup finds, with the user's
 *   identity, the link, if one is there by then, never followed;
 * - a home the listing does not show (missing, or a name the file system matches otherwise, as a
 *   case-folding directory does), shows with DT_UNKNOWN (a file system that does not fill d_type),
 *   or when faccessat2 cannot be used, is judged the exact way (enter) from the same descriptor;
 *   and a directory that cannot be listed (a 0711 one: search, not read) is opened O_PATH as before
 *   and every home in it judged the exact way. Either way the same answer.
 *
 * The one thing the listing adds is a race: a home listed as a directory and replaced before
 * faccessat2 (by whoever may write in its directory, hermes as a rule) by a link, or by a file with
 * an x bit, is judged reachable, where enter would have said 0. That is benign under SPEC 11.11 and
 * 11.12:
 * - it reveals nothing: both the listing and faccessat2 are the user's own view, with its identity;
 * - nothing follows the link as root, then or later: faccessat2 does not follow it, the pass never
 *   opens a home, and the gateway's cd runs as its own user, after the drop;
 * - the same owner can replace the home by a link just after any judgement, exact or not, before
 *   the gateway's cd: a judgement is only ever true of the moment it was made, and the next pass
 *   (or watch, woken by the change) judges again.
 * The other way round (a link or nothing listed, a directory by the time of the judgement) is
 * judged the exact way, or 0 as it was when listed: the answer of a moment earlier.
 */
struct sibling {
  char const *name;       /* the home's last component */
  unsigned char *answer;  /* where its judgement goes */
  int type;               /* its d_type in the listing, NOT_LISTED until it is found there */
};

#define NOT_LISTED (-1)
#define LISTING_BUF 65536   /* at most */

/* hr_sort: by name. */
static int by_name(void const *a, void const *b)
{
  return strcmp(((struct sibling const *)a)->name, ((struct sibling const *)b)->name);
}

/* Every sibling named name (sib sorted by name) listed with type: how many were not yet listed. */
static size_t mark_listed(struct sibling *sib, size_t m, char const *name, int type)
{
  size_t lo = 0, hi = m, found = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(sib[mid].name, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < m && !strcmp(sib[lo].name, name); lo++)
    if (sib[lo].type == NOT_LISTED) {
      sib[lo].type = type;
      found++;
    }
  return found;
}

/*
 * sib[0..m)'s types from dirfd's listing, read until all are found (the end is not read then), or
 * its end, or a failed read, or 2 m + 32 entries read, into a buffer of about as many short names
 * (32 bytes each): a listing costs about 0.2 us an entry, an exact judgement about 1 us more than
 * faccessat2 by name, so a directory of many more entries than homes to judge in it (planted, or
 * most of its profiles disabled) costs a bounded read, after which the homes not found yet are
 * judged the exact way.
 */
static void list_types(int dirfd, struct sibling *sib, size_t m)
{
  hr_sort(sib, m, sizeof *sib, by_name);
  size_t max = 2 * m + 32, size = 32 * max < LISTING_BUF ? 32 * max : LISTING_BUF;
  char *buf = hr_alloc(size);
  size_t left = m, seen = 0;
  while (left && seen < max) {
    ssize_t r = getdents64(dirfd, buf, size);
    if (r <= 0) break;
    for (ssize_t at = 0; at < r; seen++) {
      struct dirent64 const *e = (struct dirent64 const *)(buf + at);
      at += e->d_reclen;
      left -= mark_listed(sib, m, e->d_name, e->d_type);
    }
  }
  free(buf);
}

/* One home of sib, its directory's descriptor dirfd, listed or not. */
static int judge_sibling(int dirfd, struct sibling const *s)
{
  if (s->type == DT_DIR) {
    int r = searchable_at(dirfd, s->name, AT_SYMLINK_NOFOLLOW);
    if (r != -2) return r;
  } else if (s->type != NOT_LISTED && s->type != DT_UNKNOWN) return 0;
  return enter(dirfd, s->name);
}

/* The homes sib[0..m), all in the directory dir (dirlen bytes of it), under the identity taken. */
static void judge_siblings(char const *dir, size_t dirlen, struct sibling *sib, size_t m)
{
  char path[PATH_MAX];
  memcpy(path, dir, dirlen);
  path[dirlen] = 0;
  int fd = faccessat2_usable() ? open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC) : -1;
  if (fd >= 0) list_types(fd, sib, m);
  else fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (size_t k = 0; k < m; k++) *sib[k].answer = fd >= 0 && judge_sibling(fd, sib + k);
  /* opened with this identity: closed before it is given back */
  if (fd >= 0) close(fd);
}

/*
 * home's last component, its directory dirlen bytes before it; 0 for "name", "/name", "dir/" or a
 * directory too long to copy: such a home is judged the exact way, by its whole path.
 */
static char const *last_component(char const *home, size_t *dirlen)
{
  char const *slash = strrchr(home, '/');
  if (!slash || slash == home || !slash[1] || (size_t)(slash - home) >= PATH_MAX) return 0;
  *dirlen = (size_t)(slash - home);
  return slash + 1;
}

/*
 * run[0..n)'s homes, under the identity taken (may: 0 if it could not be): each maximal sequence
 * of consecutive homes in one directory judged together.
 */
static void judge_homes(struct profile const *v, struct profile const **run, size_t n, int may,
                        unsigned char *reachable)
{
  struct sibling *sib = hr_alloc(sizeof *sib * (n + 1));
  for (size_t k = 0, j; k < n; k = j) {
    char const *home = run[k]->home, *name;
    size_t dirlen, len;
    j = k + 1;
    if (!home || !may) reachable[run[k] - v] = 0;
    else if (!(name = last_component(home, &dirlen))) reachable[run[k] - v] = enter(AT_FDCWD, home);
    else {
      size_t m = 0;
      sib[m++] = (struct sibling){ name, reachable + (run[k] - v), NOT_LISTED };
      for (; j < n && run[j]->home && (name = last_component(run[j]->home, &len)) && len == dirlen
             && !memcmp(run[j]->home, home, len); j++)
        sib[m++] = (struct sibling){ name, reachable + (run[j] - v), NOT_LISTED };
      judge_siblings(home, dirlen, sib, m);
    }
  }
  free(sib);
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

/* hr_sort: profiles with the same uid, gid and supplementary groups side by side. */
static int by_identity(void const *a, void const *b)
{
  struct profile const *p = *(struct profile const *const *)a, *q = *(struct profile const *const *)b;
  if (p->ids_resolved != q->ids_resolved) return p->ids_resolved < q->ids_resolved ? -1 : 1;
  if (p->uid != q->uid) return p->uid < q->uid ? -1 : 1;
  if (p->gid != q->gid) return p->gid < q->gid ? -1 : 1;
  if (p->ngroups != q->ngroups) return p->ngroups < q->ngroups ? -1 : 1;
  return p->ngroups ? memcmp(p->groups, q->groups, sizeof *p->groups * p->ngroups) : 0;
}

/* The homes of run[0..n), one identity, judged under it: the identity taken once for them all. */
static void judge_run(struct profile const *v, struct profile const **run, size_t n, unsigned char *reachable)
{
  struct profile const *p = run[0];
  int as_user = geteuid() == 0 && p->ids_resolved && p->uid;
  struct fs_identity saved;
  int taken = as_user && become(p, &saved) == 0;
  judge_homes(v, run, n, taken || !as_user, reachable);
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
  hr_sort(order, m, sizeof *order, by_identity);   /* as a rule every profile has the same user: no sort */
  for (size_t i = 0, j; i < m; i = j) {
    for (j = i + 1; j < m && !by_identity(order + i, order + j); j++) ;
    judge_run(v, order + i, j - i, reachable);
  }
  free(order);
}
