#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/uint16.h>
#include <skalibs/uint64.h>
#include <s6/supervise.h>

#include "hr.h"
#include "supervise.h"

static int open_in(int dirfd, char const *dir, char const *file, int flags)
{
  char path[512];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) return (errno = ENAMETOOLONG), -1;
  return openat(dirfd, path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
}

static int lock_held(int dirfd, char const *dir, char const *lock)
{
  int fd = open_in(dirfd, dir, lock, O_RDONLY);
  if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
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
  int fd = open_in(dirfd, dir, "supervise/status", O_RDONLY);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  ssize_t n = readnclose(fd, buf, sizeof buf);
  if (n < 0) return -1;
  if (!n) return 0;
  if (sv_status_parse(buf, (size_t)n, st) < 0) return (errno = EPROTO), -1;
  return 1;
}

int sv_control(char const *scandir, char const *dir, char const *cmd)
{
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", scandir, dir) >= sizeof path) return (errno = ENAMETOOLONG), -1;
  int r = s6_svc_writectl(path, S6_SUPERVISE_CTLDIR, cmd, strlen(cmd));
  if (r == 0 || r == -2) return 0;
  return r < 0 ? -1 : 1;
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
