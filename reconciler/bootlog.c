/*
 * The boot log, written as the hermes user (SPEC 11.1), never blocking (SPEC 11.8): the home and
 * logs/ are opened without following a link, and the log itself with O_NOFOLLOW | O_NONBLOCK
 * and checked with fstat, so a FIFO or a link planted at its name costs the boot nothing; it is
 * removed (hermes could have removed it too) and a regular log made in its place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>

#include "bootlog.h"
#include "fsutil.h"
#include "hr.h"

#define LOG "container-boot.log"

/* What stdin holds, up to BOOTLOG_MAX bytes and cut at the last newline. */
static size_t read_lines(char *buf)
{
  size_t n = allread(0, buf, BOOTLOG_MAX);
  while (n && buf[n - 1] != '\n') n--;
  return n;
}

/* logs/LOG's place: a regular log kept (rotated when big), anything else removed. 0 or -1. */
static int prepare(int lfd, char const *home)
{
  struct stat st;
  if (fstatat(lfd, LOG, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (S_ISREG(st.st_mode) && st.st_nlink == 1)
    return st.st_size > BOOTLOG_ROTATE && renameat(lfd, LOG, lfd, LOG ".1") < 0 ? -1 : 0;
  strerr_warnw3x("boot log: ", home, "/logs/" LOG " was not a regular file: replaced");
  return fs_rm_tree_at(lfd, LOG, 0);
}

int bootlog_append(char const *home)
{
  static char buf[BOOTLOG_MAX];
  size_t len = read_lines(buf);
  if (!len) return 0;
  int hfd = open(home, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (hfd < 0) {
    strerr_warnwu2sys("open the hermes home ", home);
    return 1;
  }
  if (mkdirat(hfd, "logs", 0755) < 0 && errno != EEXIST) {
    strerr_warnwu3sys("make ", home, "/logs");
    close(hfd);
    return 1;
  }
  int lfd = fs_opendir_at(hfd, "logs");
  close(hfd);
  if (lfd < 0) {
    strerr_warnwu3sys("open ", home, "/logs (a symbolic link?)");
    return 1;
  }
  struct stat st;
  int fd = -1;
  if (prepare(lfd, home) == 0) {
    fd = openat(lfd, LOG, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
      close(fd);
      fd = -1;
      errno = HR_EWRONGTYPE;
    }
  }
  int rc = fd >= 0 && allwrite(fd, buf, len) == len ? 0 : 1;
  if (fd >= 0 && close(fd) < 0) rc = 1;
  if (rc) strerr_warnwu3sys("append to ", home, "/logs/" LOG);
  close(lfd);
  return rc;
}
