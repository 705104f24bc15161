#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/uint16.h>
#include <skalibs/uint64.h>
#include <s6/supervise.h>

#include "deadline.h"
#include "fsutil.h"
#include "hr.h"
#include "slot.h"
#include "supervise.h"

/*
 * dir/file below dirfd, opened without following a link at any component and without
 * blocking (a FIFO planted as supervise/lock or status must not hang a pass: SPEC 11.2),
 * then checked to be of the given type.
 */
static int open_in(int dirfd, char const *dir, char const *file, int flags, mode_t type)
{
  char path[512];
  if (!hr_path_in(path, sizeof path, dir, file)) return -1;
  return fs_open_typed(dirfd, path, flags, type, 0);
}

/* A lock that is a link or not a regular file is held by no supervisor: adoption replaces it. */
static int lock_held(int dirfd, char const *dir, char const *lock)
{
  int fd = open_in(dirfd, dir, lock, O_RDONLY, S_IFREG);
  if (fd < 0) return errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == HR_EWRONGTYPE ? 0 : -1;
  int r = fd_islocked(fd);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

int sv_supervised(int dirfd, char const *dir)
{
  return lock_held(dirfd, dir, HR_SLOT_LOCK);
}

int sv_log_supervised(int dirfd, char const *dir)
{
  return lock_held(dirfd, dir, HR_SLOT_LOG_LOCK);
}

int sv_status_parse(char const *buf, size_t len, struct sv_status *st)
{
  /* 24 bytes of timestamps, the pid, [2.13: the pgid,] the wait status, the flags */
  size_t flags;
  uint64_t pid;
  if (len == 35) flags = 34;
  else if (len == 43) flags = 42;
  else return -1;
  uint64_unpack_big(buf + 24, &pid);
  st->pid = (pid_t)pid;
  st->finishing = !!(buf[flags] & 2);
  st->wantup = !!(buf[flags] & 4);
  st->ready = !!(buf[flags] & 8);
  return 0;
}

int sv_status_read(int dirfd, char const *dir, struct sv_status *st)
{
  char buf[64];
  int fd = open_in(dirfd, dir, HR_SLOT_STATUS, O_RDONLY, S_IFREG);
  if (fd < 0) return errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == HR_EWRONGTYPE ? 0 : -1;
  ssize_t n = readnclose(fd, buf, sizeof buf);
  if (n < 0) return -1;
  if (!n) return 0;
  if (sv_status_parse(buf, (size_t)n, st) < 0) return (errno = EPROTO), -1;
  return 1;
}

/*
 * Not libs6's s6_svc_writectl: it opens supervise/control following links, and a slot's
 * supervise/ may have been the hermes user's (SPEC 11.1). Relative to the scandir's descriptor,
 * no link at any component, non-blocking, and only into a FIFO.
 */
int sv_control(int dirfd, char const *dir, char const *cmd)
{
  int fd = open_in(dirfd, dir, S6_SUPERVISE_CTLDIR "/control", O_WRONLY, S_IFIFO);
  if (fd < 0) return errno == ENXIO || errno == ENOENT ? 0 : -1;
  size_t len = strlen(cmd);
  ssize_t w;
  do w = write(fd, cmd, len); while (w < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  errno = e;
  if (w < 0) return -1;
  if ((size_t)w != len) return (errno = EAGAIN), -1;
  return 1;
}

int svscan_open(int scandirfd)
{
  return openat(scandirfd, S6_SVSCAN_CTLDIR "/control", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
}

int svscan_send(int fd, char const *cmd)
{
  size_t len = strlen(cmd);
  ssize_t w;
  do w = write(fd, cmd, len); while (w < 0 && errno == EINTR);
  if (w < 0) return -1;
  if ((size_t)w != len) return (errno = EAGAIN), -1;
  return 0;
}

/* What may live in a supervise/ directory, and of what type; anything else is removed on adoption. */
static struct { char const *name; mode_t type; mode_t mode; int supervisor_own; } const supervise_files[] = {
  { "lock", S_IFREG, 0644, 1 },
  { "status", S_IFREG, 0644, 0 },
  { "death_tally", S_IFREG, 0644, 0 },
};

/* One entry of supervise/ on adoption: 1 if it was the supervisor's own and had to go. */
static int adopt_supervise_entry(int sfd, char const *name, uid_t uid, int *bad)
{
  struct stat st;
  if (!strcmp(name, "control") || !strcmp(name, ".") || !strcmp(name, "..")) return 0;
  if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : ((*bad = 1), 0);
  for (size_t i = 0; i < sizeof supervise_files / sizeof *supervise_files; i++) {
    if (strcmp(name, supervise_files[i].name)) continue;
    if ((st.st_mode & S_IFMT) == supervise_files[i].type && st.st_nlink == 1) {
      /* s6-supervise's own file: re-owned in place, never re-created (it holds the lock) */
      if (fs_fix_at(sfd, name, supervise_files[i].type, supervise_files[i].mode, uid, HR_KEEP_GID) < 0) *bad = 1;
      return 0;
    }
    if (fs_rm_tree_at(sfd, name, 0) < 0) *bad = 1;
    return supervise_files[i].supervisor_own;
  }
  /* anything else (status.new planted as a link, ...) would be written by s6-supervise as root */
  if (fs_rm_tree_at(sfd, name, 0) < 0) *bad = 1;
  return 0;
}

/* The seeded part of one service directory (the slot or its log/): 1 if its supervisor must restart. */
static int adopt_service(int dfd, uid_t uid, gid_t g, int *bad)
{
  int restart = 0;
  if (fchown(dfd, uid, (gid_t)-1) < 0 || fchmod(dfd, 0755) < 0) *bad = 1;
  /* event/ is events.c's (SPEC 11.7), asserted for every slot at every pass */
  int r = fs_fix_at(dfd, S6_SUPERVISE_CTLDIR, S_IFDIR, 0711, uid, g);
  if (r < 0) return (*bad = 1), 0;
  restart |= r;
  int sfd = fs_opendir_at(dfd, S6_SUPERVISE_CTLDIR);
  if (sfd < 0) return (*bad = 1), restart;
  r = fs_fix_at(sfd, "control", S_IFIFO, 0620, uid, g);
  if (r < 0) *bad = 1;
  restart |= r > 0;
  DIR *d = fs_dir_stream(sfd);
  if (!d) *bad = 1;
  else {
    for (struct dirent *e; (e = readdir(d));) restart |= adopt_supervise_entry(sfd, e->d_name, uid, bad);
    closedir(d);
  }
  /* no lock: a supervisor may hold one that was unlinked, and nobody could tell it runs */
  struct stat st;
  if (fstatat(sfd, "lock", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) restart = 1;
  close(sfd);
  return restart;
}

int sv_adopt(int slotfd, gid_t g, int *restart)
{
  int bad = 0;
  uid_t uid = geteuid();
  restart[0] = adopt_service(slotfd, uid, g, &bad);
  restart[1] = 0;
  int lfd = fs_opendir_at(slotfd, "log");
  if (lfd >= 0) {
    restart[1] = adopt_service(lfd, uid, g, &bad);
    close(lfd);
  } else if (errno != ENOENT) bad = 1;
  return bad ? -1 : 0;
}

/* The parent pid of pid from /proc/pid/stat, and whether its command is comm; -1 if gone. */
static pid_t proc_parent(char const *pid, char const *comm, int *is_comm)
{
  char path[300], buf[512];
  snprintf(path, sizeof path, "/proc/%s/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = readnclose(fd, buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
  if (!open_paren || !close_paren) return -1;
  *close_paren = 0;
  *is_comm = !strcmp(open_paren + 1, comm);
  long ppid;
  char state;
  if (sscanf(close_paren + 1, " %c %ld", &state, &ppid) != 2) return -1;
  return (pid_t)ppid;
}

size_t sv_supervisor_pids(int dfd, pid_t *out, size_t max)
{
  struct stat want, st;
  size_t n = 0;
  if (fstat(dfd, &want) < 0) return 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  for (struct dirent *e; n < max && (e = readdir(d));) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    int is = 0;
    char cwd[300];
    if (proc_parent(e->d_name, "s6-supervise", &is) < 0 || !is) continue;
    snprintf(cwd, sizeof cwd, "/proc/%s/cwd", e->d_name);
    if (stat(cwd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino) out[n++] = (pid_t)atol(e->d_name);
  }
  closedir(d);
  return n;
}

/* SIGKILL every child of parent (the service and its finish script; never anything else). */
static void kill_children(pid_t parent)
{
  DIR *d = opendir("/proc");
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    int is = 0;
    if (proc_parent(e->d_name, "", &is) == parent) kill((pid_t)atol(e->d_name), SIGKILL);
  }
  closedir(d);
}

static int all_gone(pid_t const *pids, size_t n)
{
  for (size_t i = 0; i < n; i++) if (kill(pids[i], 0) == 0) return 0;
  return 1;
}

int sv_restart_supervisor(int dfd, unsigned int kill_ms, unsigned int timeout_ms)
{
  pid_t pids[8];
  size_t n = sv_supervisor_pids(dfd, pids, sizeof pids / sizeof *pids);
  unsigned int step = 0;
  for (size_t i = 0; i < n; i++) kill(pids[i], SIGTERM);   /* s6-supervise: down, then exit (s6-svc -dx) */
  long long kill_at = deadline_now_ms() + kill_ms, give_up = kill_at + timeout_ms;
  int killed = 0;
  while (!all_gone(pids, n)) {
    long long now = deadline_now_ms();
    if (now >= give_up) return (errno = ETIMEDOUT), -1;
    if (!killed && now >= kill_at) {
      for (size_t i = 0; i < n; i++) kill_children(pids[i]);
      killed = 1;
    }
    deadline_backoff(&step);
  }
  return (int)n;
}

int sv_kill_service(int dirfd, char const *dir)
{
  pid_t pids[8];
  int dfd = fs_open_typed(dirfd, dir, O_RDONLY | O_DIRECTORY, S_IFDIR, 0);
  if (dfd < 0) return -1;
  size_t n = sv_supervisor_pids(dfd, pids, sizeof pids / sizeof *pids);
  close(dfd);
  for (size_t i = 0; i < n; i++) kill_children(pids[i]);
  return (int)n;
}
