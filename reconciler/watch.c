/* Watching a directory for changes with inotify, following it when it is replaced. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdint.h>
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
   directory itself going away. The directories on the way to it are watched the same way, for the
   one name that leads on. */
#define DIR_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define DW_LINKS_MAX 40   /* the kernel's own limit on links followed in one path */

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

/* Watch path (never following a final link) with mask; only: the one entry name that matters. 0 or -1. */
static int tw_add_mask(struct treewatch *t, char const *path, uint32_t mask, char const *only)
{
  int wd = inotify_add_watch(t->fd, path, mask | IN_DONT_FOLLOW);
  if (wd < 0) return -1;
  tw_record(t, wd, only);
  return 0;
}

/*
 * inotify_drain's question: does ev concern a watch of t (a treewatch)? A watched directory that goes
 * away (deleted, moved, unmounted, its watch dropped) always does; a watch's own events when they are
 * about its one name, or about any if it has none. A watch no longer in t (removed) never does.
 */
static int tw_matters(void *ctx, struct inotify_event const *ev)
{
  struct treewatch const *t = ctx;
  if (ev->mask & IN_Q_OVERFLOW) return 1;
  for (size_t i = 0; i < t->n; i++) {
    if (t->v[i].wd != ev->wd) continue;
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED)) return 1;
    if (!t->v[i].only || (ev->len && !strcmp(ev->name, t->v[i].only))) return 1;
  }
  return 0;
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

/* Append comp to the directory path real (size PATH_MAX); 0, or -1 if it would not fit. */
static int dw_down(char *real, char const *comp)
{
  size_t rlen = strlen(real), clen = strlen(comp);
  if (rlen + 1 + clen >= PATH_MAX) return -1;
  if (real[rlen - 1] != '/') real[rlen++] = '/';
  memcpy(real + rlen, comp, clen + 1);
  return 0;
}

/* real becomes its parent directory ("/" stays "/"). */
static void dw_up(char *real)
{
  char *slash = strrchr(real, '/');
  if (slash == real) real[1] = 0;
  else if (slash) *slash = 0;
}

/* Take the next component of todo (a path) into comp; 0 when none is left, -1 if too long. */
static int dw_next(char *todo, char *comp)
{
  char const *p = todo + strspn(todo, "/");
  size_t clen = strcspn(p, "/");
  if (!clen) return 0;
  if (clen > NAME_MAX) return -1;
  memcpy(comp, p, clen);
  comp[clen] = 0;
  memmove(todo, p + clen, strlen(p + clen) + 1);
  return 1;
}

/*
 * SPEC 11.12: watch each directory on the way to w->path for the name that leads on, following
 * links as the kernel would (each one read, the path it names walked the same way), and the
 * directory the path names for any change, into t (sharing w's inotify descriptor). Where the path
 * is broken, the last directory reached is watched for the name that is missing.
 */
static void dw_resolve(struct dirwatch const *w, struct treewatch *t)
{
  char real[PATH_MAX], todo[PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
  unsigned int links = 0;
  struct stat st;
  int r;
  if (w->path[0] == '/') strcpy(real, "/");
  else if (!getcwd(real, sizeof real)) return;
  if (strlen(w->path) >= sizeof todo) return;
  strcpy(todo, w->path);
  while ((r = dw_next(todo, comp)) > 0) {
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      dw_up(real);
      continue;
    }
    tw_add_mask(t, real, DIR_EVENTS, comp);
    if (dw_down(real, comp) < 0 || lstat(real, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) continue;
    if (!S_ISLNK(st.st_mode) || ++links > DW_LINKS_MAX) return;
    ssize_t len = readlink(real, target, sizeof target);
    if (len <= 0 || (size_t)len + 1 + strlen(todo) >= sizeof todo) return;
    dw_up(real);
    memmove(todo + len + 1, todo, strlen(todo) + 1);   /* the target, then what was left */
    memcpy(todo, target, (size_t)len);
    todo[len] = '/';
    if (target[0] == '/') strcpy(real, "/");
  }
  if (!r) tw_add_mask(t, real, DIR_EVENTS, 0);
}

/* Watch the path afresh; the watches no longer on it are removed. */
static void dw_arm(struct dirwatch *w)
{
  struct treewatch fresh = { .fd = w->t.fd };
  dw_resolve(w, &fresh);
  for (size_t i = 0; i < w->t.n; i++) {
    size_t k = 0;
    while (k < fresh.n && fresh.v[k].wd != w->t.v[i].wd) k++;
    if (k == fresh.n) inotify_rm_watch(w->t.fd, w->t.v[i].wd);
  }
  tw_clear(&w->t);
  free(w->t.v);
  w->t = fresh;
}

int dirwatch_init(struct dirwatch *w, char const *path)
{
  w->path = path;
  w->t = (struct treewatch)TREEWATCH_ZERO;
  w->t.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->t.fd < 0) return -1;
  dw_arm(w);
  if (!w->t.n) {
    dirwatch_free(w);
    return errno = ENOENT, -1;
  }
  return 0;
}

int dirwatch_read(struct dirwatch *w)
{
  int relevant = inotify_drain(w->t.fd, tw_matters, &w->t);
  if (relevant > 0) dw_arm(w);   /* whatever moved, the path is looked at again */
  return relevant;
}

void dirwatch_free(struct dirwatch *w)
{
  treewatch_free(&w->t);
}

/* ---- SPEC 10: the profiles tree and the missing homes ------------------------------------------- */

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
  return tw_add_mask(t, path, TREE_EVENTS, only);
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

int treewatch_read(struct treewatch *t)
{
  return t->fd < 0 ? 0 : inotify_drain(t->fd, tw_matters, t);
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
