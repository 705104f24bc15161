#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

#define TMP_NAME ".hr-tmp"

static int write_all(int fd, char const *p, size_t len)
{
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

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

int fs_write_at(int dirfd, char const *name, char const *data, size_t len, mode_t mode, gid_t gid)
{
  if (fs_unlink_at(dirfd, TMP_NAME) < 0) return -1;
  int fd = openat(dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (write_all(fd, data, len) < 0 || set_owner_mode(fd, mode, gid) < 0) {
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

int fs_mkfifo_at(int dirfd, char const *name, mode_t mode, gid_t gid)
{
  struct stat st;
  if (mkfifoat(dirfd, name, 0600) < 0 && errno != EEXIST) return -1;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (!S_ISFIFO(st.st_mode)) return (errno = EEXIST), -1;
  if (gid != HR_KEEP_GID && fchownat(dirfd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  return fchmodat(dirfd, name, mode, 0);
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

static int rm_children(int fd)
{
  DIR *d = fs_dir_stream(fd);
  if (!d) return -1;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) break;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (fs_rm_rf_at(fd, e->d_name) < 0) break;
    errno = 0;
  }
  int err = errno;
  closedir(d);
  errno = err;
  return err ? -1 : 0;
}

int fs_rm_rf_at(int dirfd, char const *name)
{
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return fs_unlink_at(dirfd, name);
  int fd = fs_opendir_at(dirfd, name);
  if (fd < 0) return -1;
  if (close_keep_errno(fd, rm_children(fd)) < 0) return -1;
  return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}
