#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>

#include "fsutil.h"
#include "hr.h"
#include "scan.h"
#include "supervise.h"

static int starts(char const *s, char const *prefix)
{
  return !strncmp(s, prefix, strlen(prefix));
}

int scan_parse_record(char const *text, size_t len, struct live_slot *l)
{
  struct slot_record rec;
  if (record_unpack(text, len, &rec) < 0) return -1;
  memcpy(l->digest, rec.digest, sizeof l->digest);
  memcpy(l->from, rec.from, sizeof l->from);
  l->has_log = rec.has_log;
  l->autostart = rec.autostart;
  l->has_record = 1;
  l->restart_maybe = rec.restart_pending;
  return 0;
}

/* A small regular file, opened without following links or blocking (SPEC 11.2); -1 with errno. */
static int read_small(int dirfd, char const *path, char *buf, size_t max)
{
  return (int)fs_read_file_at(dirfd, path, buf, max);
}

/* Errors that mean "not there, or not ours to read": the slot then has no such file. */
static int absent(int e)
{
  return e == ENOENT || e == ENOTDIR || e == ELOOP || e == HR_EWRONGTYPE;
}

/* The slot's record into l; without one, what the directory says (its log/). -1 on a real error. */
static int read_record(int slotfd, struct live_slot *l)
{
  char buf[512];
  struct stat st;
  int n = read_small(slotfd, HR_RECORD_FILE, buf, sizeof buf);
  /* readable by root and group G only (SPEC 11.4): for anyone else, what is live is unknown */
  if (n < 0 && (errno == EACCES || errno == EPERM)) l->record_unreadable = 1;
  else if (n < 0 && !absent(errno)) return -1;
  if (n >= 0 && scan_parse_record(buf, (size_t)n, l) == 0) return 0;
  l->has_record = 0;
  l->autostart = -1;
  l->has_log = !fstatat(slotfd, "log", &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
  return 0;
}

/*
 * The restart an interrupted pass left (SPEC 9.4): looked for only when the record says one may
 * be pending, or when there is no record to say. -1 on a real error.
 */
static int read_restart(int slotfd, struct live_slot *l)
{
  char buf[64];
  if (l->has_record && !l->restart_maybe) return 0;
  int n = read_small(slotfd, HR_RESTART_FILE, buf, sizeof buf);
  if (n < 0 && !absent(errno) && errno != EACCES) return -1;
  if (n > 0 && (l->restart = restart_unpack(buf, (size_t)n)) < 0) l->restart = 0;   /* not ours: no restart */
  return 0;
}

/*
 * Fill in what a live slot directory says about itself, everything through one descriptor of
 * it. A slot gone or replaced by something else since readdir has nothing: no record, no
 * supervisor. -1 on a real error.
 */
static int read_slot(int scandirfd, struct live_slot *l)
{
  int fd = fs_open_beneath(scandirfd, l->name, O_PATH | O_DIRECTORY);
  if (fd < 0) {
    l->autostart = -1;
    return absent(errno) ? 0 : -1;
  }
  int r = read_record(fd, l) < 0 || read_restart(fd, l) < 0 ? -1 : 0;
  /* its event directories too, while the descriptor is there: log/ is known from the record */
  if (!r) events_look(fd, 0, l->has_log, &l->events);
  /* supervise/lock and log/supervise/lock, relative to the slot's own descriptor */
  if (!r && (l->supervised = sv_supervised(fd, ".")) < 0) r = -1;
  if (!r && l->has_log && (l->log_supervised = sv_log_supervised(fd, ".")) < 0) r = -1;
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/* The file type of a scandir entry in st->st_mode: from readdir when it says, else from fstatat. */
static int entry_type(int scandirfd, struct dirent const *e, struct stat *st)
{
  switch (e->d_type) {
    case DT_DIR: st->st_mode = S_IFDIR; return 0;
    case DT_LNK: st->st_mode = S_IFLNK; return 0;
    case DT_REG: st->st_mode = S_IFREG; return 0;
    default: return fstatat(scandirfd, e->d_name, st, AT_SYMLINK_NOFOLLOW);
  }
}

/* A tombstone whose supervisor lives on: the slot it was, for status ("removing": true). */
static void read_removing(int scandirfd, struct live_slot *l)
{
  char buf[256], path[512];
  snprintf(path, sizeof path, "%s/" HR_REMOVING_FILE, l->name);
  int n = read_small(scandirfd, path, buf, sizeof buf - 1);
  if (n <= 0) return;
  buf[n] = 0;
  if (!slot_profile(buf) || strchr(buf, '/') || strchr(buf, '\n')) return;
  l->removing = hr_strdup(buf);
}

/*
 * A leftover this pass may not look into (root's, seen by an unprivileged pass) counts as
 * unsupervised: the pass then tries to remove it and says why it cannot.
 */
static int leftover_probe(int r)
{
  return r < 0 && errno == EACCES ? 0 : r;
}

static int by_name(void const *a, void const *b)
{
  return strcmp(((struct live_slot const *)a)->name, ((struct live_slot const *)b)->name);
}

int scan_scandir(int scandirfd, struct live_set *set)
{
  DIR *d = fs_dir_stream(scandirfd);
  if (!d) return -1;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) break;
    char const *name = e->d_name;
    int ours = !!slot_profile(name);
    int leftover = starts(name, HR_STAGE_PREFIX) || starts(name, HR_TOMB_PREFIX);
    if (!ours && !leftover) continue;
    struct stat st;
    if (entry_type(scandirfd, e, &st) < 0) {
      if (errno == ENOENT) continue;
      break;
    }
    hr_grow(&set->v, sizeof *set->v, set->n, &set->cap);
    struct live_slot *l = set->v + set->n++;
    memset(l, 0, sizeof *l);
    l->name = hr_strdup(name);
    l->autostart = -1;
    l->is_symlink = S_ISLNK(st.st_mode);
    if (leftover) l->kind = LIVE_LEFTOVER;
    else if (!S_ISDIR(st.st_mode)) l->kind = LIVE_TAKEN;
    else l->kind = LIVE_SLOT;
    if (l->kind == LIVE_LEFTOVER && S_ISDIR(st.st_mode)) {
      l->supervised = leftover_probe(sv_supervised(scandirfd, name));
      l->log_supervised = leftover_probe(sv_log_supervised(scandirfd, name));
      if (l->supervised < 0 || l->log_supervised < 0) break;
      if (l->supervised > 0 || l->log_supervised > 0) {
        read_removing(scandirfd, l);
        events_look(scandirfd, name, -1, &l->events);
      }
    }
    if (l->kind == LIVE_SLOT && read_slot(scandirfd, l) < 0) break;
    errno = 0;
  }
  int err = errno;
  closedir(d);
  if (err) {
    errno = err;
    return -1;
  }
  if (set->n) qsort(set->v, set->n, sizeof *set->v, by_name);
  return 0;
}

struct live_slot const *live_set_find(struct live_set const *set, char const *name)
{
  struct live_slot key = { .name = (char *)name };
  return set->n ? bsearch(&key, set->v, set->n, sizeof *set->v, by_name) : 0;
}

void live_set_free(struct live_set *set)
{
  for (size_t i = 0; i < set->n; i++) {
    free(set->v[i].name);
    free(set->v[i].removing);
  }
  free(set->v);
  memset(set, 0, sizeof *set);
}
