/* Watching a directory for changes with inotify, following it when it is replaced. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "fsutil.h"
#include "hr.h"
#include "watch.h"

/* Every way an entry can change: written, created, deleted, renamed in or out (editors' write to a
   temporary file then rename; the ConfigMap "..data" swap), its mode or owner changed; and the
   directory itself going away. */
#define DIR_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
/* In the parent, what can replace or remove the directory (or the symbolic link naming it). */
#define PARENT_EVENTS (IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR)

static void rewatch(struct dirwatch *w)
{
  if (w->wd >= 0) inotify_rm_watch(w->fd, w->wd);
  w->wd = inotify_add_watch(w->fd, w->path, DIR_EVENTS);
  w->lost = 0;
}

int dirwatch_init(struct dirwatch *w, char const *path)
{
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  char *trimmed = hr_strndup(path, len);
  char *slash = strrchr(trimmed, '/');
  w->path = path;
  w->wd = w->pwd = -1;
  w->lost = 0;
  if (!slash) {
    w->parent = hr_strdup(".");
    w->base = trimmed;
  } else {
    w->parent = slash == trimmed ? hr_strdup("/") : hr_strndup(trimmed, (size_t)(slash - trimmed));
    w->base = hr_strdup(slash + 1);
    free(trimmed);
  }
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0) goto err;
  w->wd = inotify_add_watch(w->fd, path, DIR_EVENTS);
  if (w->wd < 0 && errno != ENOENT && errno != ENOTDIR) goto err;
  if (*w->base && strcmp(w->base, "/")) w->pwd = inotify_add_watch(w->fd, w->parent, PARENT_EVENTS);
  if (w->wd < 0 && w->pwd < 0) {
    errno = ENOENT;
    goto err;
  }
  return 0;
err:;
  int e = errno;
  dirwatch_free(w);
  errno = e;
  return -1;
}

/*
 * Read every pending event of the inotify descriptor fd, asking matters(ctx, event) about each:
 * 1 if one of them mattered, 0 if none did, -1 with errno on a read error.
 */
static int inotify_drain(int fd, int (*matters)(void *, struct inotify_event const *), void *ctx)
{
  alignas(struct inotify_event) char buf[8192];
  int relevant = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return -1;
    }
    if (r == 0) break;
    for (char *p = buf; p < buf + r;) {
      struct inotify_event const *ev = (struct inotify_event const *)(void *)p;
      p += sizeof *ev + ev->len;
      if (matters(ctx, ev)) relevant = 1;
    }
  }
  return relevant;
}

static int dw_matters(void *ctx, struct inotify_event const *ev)
{
  struct dirwatch *w = ctx;
  if (ev->mask & IN_Q_OVERFLOW) {
    /* Events were lost: assume the worst, including a replaced directory. */
    w->lost = 1;
    return 1;
  }
  if (w->wd >= 0 && ev->wd == w->wd) {
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) w->lost = 1;
    return 1;
  }
  if (w->pwd < 0 || ev->wd != w->pwd) return 0;
  if (ev->mask & IN_IGNORED) w->pwd = -1;
  if (!ev->len || strcmp(ev->name, w->base)) return 0;
  w->lost = 1;
  return 1;
}

int dirwatch_read(struct dirwatch *w)
{
  int relevant = inotify_drain(w->fd, dw_matters, w);
  if (relevant < 0) return -1;
  if (w->lost) rewatch(w);
  return relevant;
}

void dirwatch_free(struct dirwatch *w)
{
  if (w->fd >= 0) close(w->fd);
  w->fd = w->wd = w->pwd = -1;
  free(w->parent);
  free(w->base);
  w->parent = w->base = 0;
}

/* ---- SPEC 10: the profiles tree and the missing homes ------------------------------------------- */


#define TREE_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
                     IN_ONLYDIR)
#define TREE_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

static void tw_clear(struct treewatch *t)
{
  for (size_t i = 0; i < t->n; i++) free(t->v[i].only);
  t->n = 0;
}

static void tw_record(struct treewatch *t, int wd, char const *only)
{
  hr_grow(&t->v, sizeof *t->v, t->n, &t->cap);
  t->v[t->n].wd = wd;
  t->v[t->n].only = only ? hr_strdup(only) : 0;
  t->n++;
}

/* Watch the directory open on fd (never a link: it was opened with O_NOFOLLOW). 0 or -1. */
static int tw_add_fd(struct treewatch *t, int fd, char const *only)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int wd = inotify_add_watch(t->fd, path, TREE_EVENTS);
  if (wd < 0) return -1;
  tw_record(t, wd, only);
  return 0;
}

static int tw_add_path(struct treewatch *t, char const *path, char const *only)
{
  int wd = inotify_add_watch(t->fd, path, TREE_EVENTS | IN_DONT_FOLLOW);
  if (wd < 0) return -1;
  tw_record(t, wd, only);
  return 0;
}

/* Each directory of profiles/ (open on pfd), for its SOUL.md. */
static void tw_profile_dirs(struct treewatch *t, int pfd)
{
  DIR *d = fs_dir_stream(pfd);
  size_t n = 0;
  if (!d) return;
  for (struct dirent *e; (e = readdir(d)) && n < TREEWATCH_MAX_DIRS;) {
    if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)) continue;
    int fd = openat(pfd, e->d_name, TREE_DIR_FLAGS);
    if (fd < 0) continue;                       /* a link, or gone: the profiles/ watch covers it */
    if (!tw_add_fd(t, fd, HR_DISCOVER_MARK)) n++;
    close(fd);
  }
  closedir(d);
}

int treewatch_profiles(struct treewatch *t, char const *hermes_home)
{
  if (t->fd >= 0) close(t->fd);
  tw_clear(t);
  t->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (t->fd < 0) return -1;
  tw_add_path(t, hermes_home, HR_DISCOVER_DIR);  /* profiles/ made, removed or replaced */
  int hfd = open(hermes_home, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  if (hfd < 0) return 0;                        /* a missing hermes home: treewatch_homes waits for it */
  int pfd = openat(hfd, HR_DISCOVER_DIR, TREE_DIR_FLAGS);
  close(hfd);
  if (pfd < 0) return 0;
  if (!tw_add_fd(t, pfd, 0)) tw_profile_dirs(t, pfd);
  close(pfd);
  return 0;
}

/* Watch the nearest existing ancestor of home for the next component toward it. */
static void tw_home(struct treewatch *t, char const *home)
{
  char *cur = hr_strdup(home);
  for (;;) {
    char *slash = strrchr(cur, '/');
    if (!slash || !slash[1]) break;
    char *base = hr_strdup(slash + 1);
    if (slash == cur) slash[1] = 0;
    else *slash = 0;
    int r = tw_add_path(t, cur, base);
    free(base);
    if (!r || (errno != ENOENT && errno != ENOTDIR) || !strcmp(cur, "/")) break;
  }
  free(cur);
}

int treewatch_homes(struct treewatch *t, char const *const *homes, size_t n)
{
  int due = 0;
  struct stat st;
  if (t->fd < 0) return 0;
  for (size_t i = 0; i < n; i++) {
    tw_home(t, homes[i]);
    /* appeared between the pass and the watch: the final component is not followed, as the pass does not */
    if (fstatat(AT_FDCWD, homes[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) due = 1;
  }
  return due;
}

static int tw_matters(struct treewatch const *t, struct inotify_event const *ev)
{
  if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF)) return 1;
  for (size_t i = 0; i < t->n; i++) {
    if (t->v[i].wd != ev->wd) continue;
    if (!t->v[i].only || (ev->len && !strcmp(ev->name, t->v[i].only))) return 1;
  }
  return 0;
}

static int tw_event_matters(void *ctx, struct inotify_event const *ev)
{
  return tw_matters(ctx, ev);
}

int treewatch_read(struct treewatch *t)
{
  return t->fd < 0 ? 0 : inotify_drain(t->fd, tw_event_matters, t);
}

void treewatch_free(struct treewatch *t)
{
  if (t->fd >= 0) close(t->fd);
  t->fd = -1;
  tw_clear(t);
  free(t->v);
  t->v = 0;
  t->cap = 0;
}
