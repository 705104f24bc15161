#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>

#include "events.h"
#include "fsutil.h"
#include "hr.h"

#define EVENT_DIR "event"

/* One sysctl of dir: 0, 1, 2 (its value), -1 unreadable. */
static int read_flag(char const *dir, char const *name)
{
  char path[4096], buf[16];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) return -1;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = readnclose(fd, buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *end;
  long v = strtol(buf, &end, 10);
  return end == buf || (*end && *end != '\n') || v < 0 || v > 9 ? -1 : (int)v;
}

void events_policy_read(struct events_policy *pol)
{
  char const *dir = getenv(HR_EVENTS_PROC_FS_ENV);
  if (!dir || !*dir) dir = HR_EVENTS_PROC_FS;
  pol->symlinks = read_flag(dir, "protected_symlinks");
  pol->hardlinks = read_flag(dir, "protected_hardlinks");
  pol->public = pol->symlinks == 1 && pol->hardlinks == 1;
  pol->uid = geteuid();
  pol->gid = getegid();
}

char const *events_policy_name(struct events_policy const *pol)
{
  return pol->public ? "public" : "root";
}

/*
 * Public: 01733, sticky and world-writable, root's: the kernel refuses root a link planted there by
 * anyone else (protected_symlinks) and a hard link to what the planter may not write (protected_hardlinks).
 * Root: 03730 group root, what s6-supervise makes itself: root's alone.
 */
static mode_t events_mode(struct events_policy const *pol)
{
  return pol->public ? 01733 : 03730;
}

static int seen_ok(struct events_dir const *d, struct events_policy const *pol)
{
  return S_ISDIR(d->mode) && d->uid == pol->uid && d->gid == pol->gid && (d->mode & 07777) == events_mode(pol);
}

/* dfd/path, not followed if a link, into d (mode 0 if it cannot be seen). */
static void look_at(int dfd, char const *path, struct events_dir *d)
{
  struct stat st;
  if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) st.st_mode = 0;
  d->mode = st.st_mode;
  d->uid = st.st_uid;
  d->gid = st.st_gid;
}

/* dfd/path (path: "event" or "log/event", below a directory the scandir's owner alone may change) as pol wants? */
static int dir_ok(int dfd, char const *path, struct events_policy const *pol)
{
  struct events_dir d;
  look_at(dfd, path, &d);
  return seen_ok(&d, pol);
}

/* The service directory dfd/log, opened without following a link; -1 when there is none. */
static int open_log(int dfd)
{
  return fs_opendir_at(dfd, "log");
}

/* dir/name in buf, or name itself when dir is 0 (the directory is dirfd itself); 0 if too long. */
static char const *below(char *buf, size_t max, char const *dir, char const *name)
{
  return dir ? hr_path_in(buf, max, dir, name) : name;
}

void events_look(int dirfd, char const *dir, int has_log, struct events_seen *seen)
{
  char buf[512];
  char const *path;
  struct stat st;
  memset(seen, 0, sizeof *seen);
  if (!(path = below(buf, sizeof buf, dir, EVENT_DIR))) return;
  look_at(dirfd, path, &seen->dir);
  if (has_log < 0) {
    path = below(buf, sizeof buf, dir, "log");
    has_log = path && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
  }
  seen->has_log = has_log;
  if (has_log && (path = below(buf, sizeof buf, dir, "log/" EVENT_DIR))) look_at(dirfd, path, &seen->log);
}

int events_seen_ok(struct events_seen const *seen, struct events_policy const *pol)
{
  return seen_ok(&seen->dir, pol) && (!seen->has_log || seen_ok(&seen->log, pol));
}

/*
 * Everything in the event directory efd but a FIFO with no other hard link goes: a link, a file, a
 * directory tree, a hard link to someone's FIFO (another slot's control) planted while it was open.
 */
static int empty_of_plants(int efd, long long deadline)
{
  DIR *d = fs_dir_stream(efd);
  if (!d) return -1;
  int r = 0, err = 0;
  for (struct dirent *e; err != ETIMEDOUT && (e = readdir(d));) {
    struct stat st;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (fstatat(efd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT) r = -1, err = errno;
      continue;
    }
    if (S_ISFIFO(st.st_mode) && st.st_nlink == 1) continue;
    if (fs_rm_tree_at(efd, e->d_name, deadline) < 0) r = -1, err = errno;
  }
  closedir(d);
  errno = err;
  return r;
}

/*
 * One service directory's event/: its owner and mode first (nothing more is planted), then emptied;
 * one already as pol wants is emptied only when always_empty says so.
 */
static int fix_dir(int dfd, struct events_policy const *pol, int always_empty, long long deadline)
{
  if (dir_ok(dfd, EVENT_DIR, pol)) {
    if (!always_empty) return 0;
  } else if (fs_fix_at(dfd, EVENT_DIR, S_IFDIR, events_mode(pol), pol->uid, pol->gid) < 0) return -1;
  int efd = fs_opendir_at(dfd, EVENT_DIR);
  if (efd < 0) return -1;
  int r = empty_of_plants(efd, deadline);
  int err = errno;
  close(efd);
  errno = err;
  return r;
}

int events_slot_fix(int slotfd, struct events_policy const *pol, int always_empty, long long deadline)
{
  int r = fix_dir(slotfd, pol, always_empty, deadline), err = errno;
  int lfd = open_log(slotfd);
  if (lfd >= 0) {
    if (fix_dir(lfd, pol, always_empty, deadline) < 0 && !r) r = -1, err = errno;
    close(lfd);
  } else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && !r) r = -1, err = errno;
  errno = err;
  return r;
}
