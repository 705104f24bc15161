#include <errno.h>
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

#include "fsutil.h"
#include "hr.h"
#include "supervise.h"

/*
 * dir/file below dirfd, opened without following a link at any component and without
 * blocking (a FIFO planted as supervise/lock or status must not hang a pass: SPEC 11.2),
 * then checked to be of the given type.
 */
static int open_in(int dirfd, char const *dir, char const *file, int flags, mode_t type)
{
  char path[512];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) return (errno = ENAMETOOLONG), -1;
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
  return lock_held(dirfd, dir, "supervise/lock");
}

int sv_log_supervised(int dirfd, char const *dir)
{
  return lock_held(dirfd, dir, "log/supervise/lock");
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
  int fd = open_in(dirfd, dir, "supervise/status", O_RDONLY, S_IFREG);
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
