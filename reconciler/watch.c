/* Watching a directory for changes with inotify, following it when it is replaced. */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

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

int dirwatch_read(struct dirwatch *w)
{
  alignas(struct inotify_event) char buf[8192];
  int relevant = 0;
  for (;;) {
    ssize_t r = read(w->fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return -1;
    }
    if (r == 0) break;
    for (char *p = buf; p < buf + r;) {
      struct inotify_event const *ev = (struct inotify_event const *)(void *)p;
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        /* Events were lost: assume the worst, including a replaced directory. */
        relevant = 1;
        w->lost = 1;
      } else if (w->wd >= 0 && ev->wd == w->wd) {
        relevant = 1;
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) w->lost = 1;
      } else if (w->pwd >= 0 && ev->wd == w->pwd) {
        if (ev->len && !strcmp(ev->name, w->base)) {
          relevant = 1;
          w->lost = 1;
        }
        if (ev->mask & IN_IGNORED) w->pwd = -1;
      }
    }
  }
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
