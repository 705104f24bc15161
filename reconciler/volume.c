#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "hr.h"
#include "volume.h"

/* The parent of dir, opened without following its last component, if it is root's alone. */
static int open_parent(char const *parent, struct stat *st)
{
  int fd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    strerr_warnwu2sys("open ", parent);
    return -1;
  }
  if (fstat(fd, st) < 0) {
    strerr_warnwu2sys("stat ", parent);
    close(fd);
    return -1;
  }
  if (st->st_uid || (st->st_mode & 022)) {
    strerr_warnw3x("boot link-volume: refusing ", parent, ": not root's alone (owner root, not group or world writable)");
    close(fd);
    return errno = EPERM, -2;
  }
  return fd;
}

/* The entry base of parentfd (seen as st) is the link to target: 1 yes, 0 no. */
static int is_link_to(int parentfd, char const *base, struct stat const *st, char const *target)
{
  char buf[PATH_MAX];
  if (!S_ISLNK(st->st_mode)) return 0;
  ssize_t r = readlinkat(parentfd, base, buf, sizeof buf);
  return r >= 0 && (size_t)r == strlen(target) && !memcmp(buf, target, (size_t)r);
}

/* Why the entry, seen as st, is used as it is; 0 if it may be replaced (an empty directory, or nothing). */
static char const *kept_because(struct stat const *st, struct stat const *parent)
{
  if (S_ISLNK(st->st_mode)) return "a link elsewhere: used as it is";
  if (!S_ISDIR(st->st_mode)) return "not a directory: used as it is";
  if (st->st_dev != parent->st_dev) return "a mount: its profile files are used as they are";
  return 0;
}

/* The link made in base's place, which is gone: 0, or 111 with base made again as a directory. */
static int make_link(int parentfd, char const *dir, char const *base, char const *target)
{
  if (!symlinkat(target, parentfd, base)) {
    fprintf(stderr, "hermes-reconcile: profile files on the data volume: %s -> %s\n", dir, target);
    return 0;
  }
  strerr_warnwu4sys("link ", dir, " to ", target);
  if (mkdirat(parentfd, base, 0755) < 0 && errno != EEXIST) strerr_warnwu2sys("make ", dir);
  return HR_EXIT_SYSTEM;
}

int volume_link_config_dir(char const *dir, char const *target)
{
  char const *slash = strrchr(dir, '/');
  if (!slash || !slash[1] || dir[0] != '/') {
    strerr_warnw3x("boot link-volume: ", dir, ": not an absolute path to a directory entry");
    return HR_EXIT_INVALID;
  }
  char *parent = slash == dir ? hr_strdup("/") : hr_strndup(dir, (size_t)(slash - dir));
  char const *base = slash + 1;
  struct stat pst, st;
  int r = HR_EXIT_OK, fd = open_parent(parent, &pst);
  char const *state = "kept", *why = 0;
  if (fd < 0) r = fd == -2 ? HR_EXIT_INVALID : HR_EXIT_SYSTEM;
  else if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) r = make_link(fd, dir, base, target);
    else r = (strerr_warnwu2sys("stat ", dir), HR_EXIT_SYSTEM);
    if (!r) state = "new";
  } else if (is_link_to(fd, base, &st, target)) state = "new";
  else if ((why = kept_because(&st, &pst))) fprintf(stderr, "hermes-reconcile: %s is %s\n", dir, why);
  /* removed only while it is an empty directory: whatever hermes adds meanwhile makes this fail */
  else if (unlinkat(fd, base, AT_REMOVEDIR) < 0) {
    if (errno == ENOTEMPTY || errno == EEXIST)
      strerr_warnw4x(dir, " holds files: used as it is; move them to ", target, " to keep them on the volume");
    else if (errno == EBUSY) fprintf(stderr, "hermes-reconcile: %s is a mount: its profile files are used as they are\n", dir);
    else r = (strerr_warnwu2sys("remove the empty ", dir), HR_EXIT_SYSTEM);
  } else if (!(r = make_link(fd, dir, base, target))) state = "new";
  if (fd >= 0) close(fd);
  free(parent);
  if (!r) printf("%s\n", state);
  if (fflush(stdout) == EOF) return HR_EXIT_SYSTEM;
  return r;
}
