#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include <skalibs/allreadwrite.h>

#include "fsutil.h"

#define TMP_NAME ".hr-tmp"

static int set_owner_mode(int fd, mode_t mode, gid_t gid)
{
  if (gid != HR_KEEP_GID && fchown(fd, (uid_t)-1, gid) < 0) return -1;
  return fchmod(fd, mode);
}

static int close_keep_errno(int fd, int r)
{
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static int close_keep_errno_dir(DIR *d, int r)
{
  int e = errno;
  closedir(d);
  errno = e;
  return r;
}

int fs_write_at(int dirfd, char const *name, char const *data, size_t len, mode_t mode, gid_t gid)
{
  if (fs_unlink_at(dirfd, TMP_NAME) < 0) return -1;
  int fd = openat(dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (allwrite(fd, data, len) < len || set_owner_mode(fd, mode, gid) < 0) {
    close_keep_errno(fd, -1);
    int e = errno;
    unlinkat(dirfd, TMP_NAME, 0);
    errno = e;
    return -1;
  }
  if (close(fd) < 0 || renameat(dirfd, TMP_NAME, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, TMP_NAME, 0);
    errno = e;
    return -1;
  }
  return 0;
}

int fs_opendir_at(int dirfd, char const *name)
{
  return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int fs_mkdir_at(int dirfd, char const *name, mode_t mode, gid_t gid)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST) return -1;
  int fd = fs_opendir_at(dirfd, name);
  if (fd < 0) return -1;
  return close_keep_errno(fd, set_owner_mode(fd, mode, gid));
}

static int fix_fd(int fd, int is_path, mode_t mode, uid_t uid, gid_t gid);

int fs_mkfifo_at(int dirfd, char const *name, mode_t mode, gid_t gid)
{
  struct stat st;
  if (mkfifoat(dirfd, name, 0600) < 0 && errno != EEXIST) return -1;
  int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, &st) < 0) return close_keep_errno(fd, -1);
  if (!S_ISFIFO(st.st_mode)) {
    close(fd);
    return (errno = EEXIST), -1;
  }
  return close_keep_errno(fd, fix_fd(fd, 1, mode, (uid_t)-1, gid));
}

int fs_unlink_at(int dirfd, char const *name)
{
  return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
}

DIR *fs_dir_stream(int dirfd)
{
  int fd = dup(dirfd);
  DIR *d = fd < 0 ? 0 : fdopendir(fd);
  if (!d) {
    if (fd >= 0) close_keep_errno(fd, -1);
    return 0;
  }
  rewinddir(d);
  return d;
}

/* The flags of every open beneath a directory: never follow a final link, never block, no tty. */
static int beneath_flags(int flags)
{
  /* O_PATH takes no other flags than these (openat2 says EINVAL where openat ignores them) */
  if (flags & O_PATH) return flags | O_NOFOLLOW | O_CLOEXEC;
  return flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
}

/*
 * openat2 with RESOLVE_NO_SYMLINKS: the whole path in one call, the kernel refusing a link at any
 * component (ELOOP). With no link, no ".." and no leading "/" (fs_open_beneath refuses those
 * first), nothing resolved can be outside dirfd: RESOLVE_BENEATH would say the same at a cost
 * (a fifth of an open, on a path of four components). Used where the kernel has it (Linux 5.6)
 * and HR_NO_OPENAT2 is not set in the environment (read once: the tests force the walk below with
 * it); -2 when it cannot be used, and the caller walks.
 */
static int openat2_state;   /* 0 not known yet, 1 used, -1 not available */

int fs_beneath_openat2(void)
{
  if (!openat2_state) {
    char const *no = getenv("HR_NO_OPENAT2");
    openat2_state = no && *no ? -1 : 1;
  }
  return openat2_state > 0;
}

static int open_resolved(int dirfd, char const *path, int flags)
{
#ifdef SYS_openat2
  if (!fs_beneath_openat2()) return -2;
  struct open_how how = { .flags = (uint64_t)beneath_flags(flags), .resolve = RESOLVE_NO_SYMLINKS };
  long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EPERM && errno != EINVAL)) return (int)fd;
  /* no openat2 (or a seccomp filter that refuses it): the walk from now on; EINVAL: for this call */
  if (errno != EINVAL) openat2_state = -1;
#else
  (void)dirfd, (void)path, (void)flags;
#endif
  return -2;
}

/* The same, one component at a time, each opened O_NOFOLLOW relative to the one before. */
static int open_walk(int dirfd, char const *path, int flags)
{
  char comp[256];
  int cur = dirfd;
  char const *p = path;
  for (;;) {
    char const *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (!len || len >= sizeof comp) {
      if (cur != dirfd) close(cur);
      return (errno = EINVAL), -1;
    }
    memcpy(comp, p, len);
    comp[len] = 0;
    /* O_PATH: a directory on the way needs search permission only (supervise/ is 0711) */
    int fd = slash ? openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                   : openat(cur, comp, beneath_flags(flags));
    if (cur != dirfd) close_keep_errno(cur, 0);
    if (fd < 0 || !slash) return fd;
    cur = fd;
    p = slash + 1;
  }
}

/* A ".." among the components of path: a way up, out of the directory it is relative to. */
static int goes_up(char const *path)
{
  for (char const *p = path; (p = strstr(p, "..")); p += 2)
    if ((p == path || p[-1] == '/') && (!p[2] || p[2] == '/')) return 1;
  return 0;
}

int fs_open_beneath(int dirfd, char const *path, int flags)
{
  if (*path == '/' || goes_up(path)) return (errno = EXDEV), -1;
  /* one component: a plain openat is all it takes */
  if (!strchr(path, '/')) return *path ? openat(dirfd, path, beneath_flags(flags)) : ((errno = EINVAL), -1);
  int fd = open_resolved(dirfd, path, flags);
  return fd == -2 ? open_walk(dirfd, path, flags) : fd;
}

int fs_open_typed(int dirfd, char const *path, int flags, mode_t type, struct stat *st)
{
  struct stat buf;
  if (!st) st = &buf;
  int fd = fs_open_beneath(dirfd, path, flags);
  if (fd < 0) return -1;
  if (fstat(fd, st) < 0) return close_keep_errno(fd, -1);
  if ((st->st_mode & S_IFMT) != type) {
    close(fd);
    return (errno = HR_EWRONGTYPE), -1;
  }
  return fd;
}

ssize_t fs_read_sized(int fd, struct stat const *st, char *buf, size_t max)
{
  size_t len = 0;
  /* a regular file is read to its end in one call: stop when it holds what fstat said */
  size_t expect = st && S_ISREG(st->st_mode) && st->st_size > 0 ? (size_t)st->st_size : 0;
  while (len < max) {
    ssize_t r = read(fd, buf + len, max - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (!r) break;
    len += (size_t)r;
    if (len == expect && len < max) break;
  }
  return (ssize_t)len;
}

ssize_t fs_read_file_at(int dirfd, char const *path, char *buf, size_t max)
{
  struct stat st;
  int fd = fs_open_typed(dirfd, path, O_RDONLY, S_IFREG, &st);
  if (fd < 0) return -1;
  ssize_t n = fs_read_sized(fd, &st, buf, max);
  return close_keep_errno(fd, (int)n);
}

/*
 * Iterative deletion (SPEC 11.3). The tree below the top directory is flattened: a directory
 * found one level down has its own subdirectories renamed up to the top under fresh names, its
 * other entries unlinked, and is then removed itself. At most three descriptors are open at
 * once and nothing recurses, whatever the depth; links are unlinked, never followed; every
 * directory is made 0700 before it is read, so that nobody else adds to it meanwhile.
 */
static unsigned long rm_seq;

static int rm_deadline_passed(long long deadline)
{
  struct timespec ts;
  if (!deadline) return 0;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= deadline;
}

/*
 * The next entry of d (the directory fd) that is a directory, everything else on the way unlinked:
 * 1 with its name in *name, 0 at the end, -1 with errno (ETIMEDOUT past the deadline).
 */
static int rm_next_dir(DIR *d, int fd, long long deadline, char const **name)
{
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) return errno ? -1 : 0;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (rm_deadline_passed(deadline)) return (errno = ETIMEDOUT), -1;
    /* d_type spares a failing unlink per directory; a wrong or unknown one only costs that */
    if (e->d_type != DT_DIR && (unlinkat(fd, e->d_name, 0) == 0 || errno == ENOENT)) continue;
    if (e->d_type != DT_DIR && errno != EISDIR && errno != EPERM) return -1;
    *name = e->d_name;
    return 1;
  }
}

/* Empty the directory fd (one level below top): subdirectories go up to top, the rest is unlinked. */
static int rm_flatten(int topfd, int fd, long long deadline)
{
  fchmod(fd, 0700);   /* root may; an unprivileged pass may not, and needs not */
  DIR *d = fs_dir_stream(fd);
  if (!d) return -1;
  char const *name;
  int r;
  while ((r = rm_next_dir(d, fd, deadline, &name)) > 0) {
    char up[64];
    snprintf(up, sizeof up, ".hr-rm.%lu.%lu", (unsigned long)getpid(), ++rm_seq);
    if (renameat(fd, name, topfd, up) < 0 && errno != ENOENT) {
      r = -1;
      break;
    }
  }
  return close_keep_errno_dir(d, r);
}

/* Flatten and remove the directory name of top; 0, or -1 with errno. */
static int rm_subdir(int top, char const *name, long long deadline, int rounds)
{
  int fd = fs_opendir_at(top, name);
  if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
    if (unlinkat(top, name, 0) == 0 || errno == ENOENT) return 0;   /* d_type was wrong */
  }
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  if (close_keep_errno(fd, rm_flatten(top, fd, deadline)) < 0) return -1;
  if (unlinkat(top, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    /* refilled meanwhile (an unprivileged pass cannot close it): give up after a while */
    if ((errno != ENOTEMPTY && errno != EEXIST) || (!deadline && rounds > 1000)) return -1;
  }
  return 0;
}

int fs_rm_tree_at(int dirfd, char const *name, long long deadline)
{
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return fs_unlink_at(dirfd, name);
  int top = fs_opendir_at(dirfd, name);
  if (top < 0) return errno == ENOENT ? 0 : -1;
  fchmod(top, 0700);
  int r = 0;
  for (int again = 1, rounds = 0; again && !r; rounds++) {
    again = 0;
    DIR *d = fs_dir_stream(top);
    if (!d) {
      r = -1;
      break;
    }
    char const *entry;
    int k;
    while ((k = rm_next_dir(d, top, deadline, &entry)) > 0) {
      if (rm_subdir(top, entry, deadline, rounds) < 0) {
        k = -1;
        break;
      }
      again = 1;   /* renamed entries may have been missed by this stream: read top again */
    }
    r = k < 0 ? -1 : 0;
    close_keep_errno_dir(d, r);
  }
  close_keep_errno(top, r);
  if (r < 0) return -1;
  return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

int fs_rm_rf_at(int dirfd, char const *name)
{
  return fs_rm_tree_at(dirfd, name, 0);
}

/* Make the object that fd designates (opened O_PATH when it is a FIFO) owned by uid:gid with mode. */
static int fix_fd(int fd, int is_path, mode_t mode, uid_t uid, gid_t gid)
{
  if (is_path) {
    char proc[64];
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) return -1;
    /* chmod of an O_PATH descriptor: through its /proc magic link, which is the object itself */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return chmod(proc, mode);
  }
  if (fchown(fd, uid, gid) < 0) return -1;
  return fchmod(fd, mode);
}

static int make_obj(int dirfd, char const *name, mode_t type)
{
  if (type == S_IFDIR) return mkdirat(dirfd, name, 0700);
  if (type == S_IFIFO) return mkfifoat(dirfd, name, 0600);
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  return fd < 0 ? -1 : close(fd);
}

int fs_fix_at(int dirfd, char const *name, mode_t type, mode_t mode, uid_t uid, gid_t gid)
{
  struct stat st;
  int replaced = 0;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    /* missing: whoever used the one that was there (a supervisor) no longer sees this one */
    if (errno != ENOENT || make_obj(dirfd, name, type) < 0) return -1;
    replaced = 1;
  } else if ((st.st_mode & S_IFMT) != type || (type != S_IFDIR && st.st_nlink > 1)) {
    /* a link, another type, or a hard link to something else: never chowned, replaced */
    if (fs_rm_tree_at(dirfd, name, 0) < 0 || make_obj(dirfd, name, type) < 0) return -1;
    replaced = 1;
  }
  int flags = type == S_IFDIR ? O_RDONLY | O_DIRECTORY : type == S_IFIFO ? O_PATH : O_RDONLY | O_NONBLOCK;
  int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -1;
  if (fstat(fd, &st) < 0) return close_keep_errno(fd, -1);
  if ((st.st_mode & S_IFMT) != type || (type != S_IFDIR && st.st_nlink > 1)) {
    close(fd);
    return (errno = EAGAIN), -1;   /* swapped between the check and the open: the next pass sees it */
  }
  if (gid == HR_KEEP_GID) gid = st.st_gid;
  if (close_keep_errno(fd, fix_fd(fd, type == S_IFIFO, mode, uid, gid)) < 0) return -1;
  return replaced;
}
