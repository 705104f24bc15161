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
  l->events_made = rec.events;
  return 0;
}

enum record_events scan_events_word(struct events_policy const *pol)
{
  return pol->public ? HR_EVENTS_PUBLIC : HR_EVENTS_ROOT;
}

/*
 * Where a slot's files are opened from: the scandir, "NAME/FILE" resolved by one openat2 each
 * (no link at any component, nothing above the scandir), or, on a kernel without openat2, the
 * slot's own descriptor, so that each walk starts there. A look that needs the directory itself
 * (fstatat) opens that descriptor when it is first wanted.
 */
struct slot_at {
  int scandirfd;
  char const *name;
  int fd;                /* the slot's own O_PATH descriptor, -1 not opened (yet) */
  int err;               /* the errno of that open when it failed (the slot went away, or is something else now) */
};

/* The slot's own descriptor, opened once; -1 with errno. */
static int slot_fd(struct slot_at *at)
{
  if (at->fd < 0 && !at->err && (at->fd = fs_open_beneath(at->scandirfd, at->name, O_PATH | O_DIRECTORY)) < 0) at->err = errno;
  if (at->fd < 0) errno = at->err;
  return at->fd;
}

/* dirfd and path for file of the slot, path in buf; -1 (errno) if the slot cannot be reached. */
static int slot_path(struct slot_at *at, char const *file, char *buf, size_t max, char const **path)
{
  if (fs_beneath_openat2()) {
    if (!(*path = hr_path_in(buf, max, at->name, file))) return (errno = ENAMETOOLONG), -1;
    return at->scandirfd;
  }
  *path = file;
  return slot_fd(at);
}

/* The slot's small regular file, opened without following links or blocking (SPEC 11.2); -1 with errno. */
static int read_small(struct slot_at *at, char const *file, char *buf, size_t max)
{
  char pbuf[512];
  char const *path;
  int dirfd = slot_path(at, file, pbuf, sizeof pbuf, &path);
  return dirfd < 0 ? -1 : (int)fs_read_file_at(dirfd, path, buf, max);
}

/* Errors that mean "not there, or not ours to read": the slot then has no such file. */
static int absent(int e)
{
  return e == ENOENT || e == ENOTDIR || e == ELOOP || e == HR_EWRONGTYPE;
}

/* The slot's record into l; without one, what the directory says (its log/). -1 on a real error. */
static int read_record(struct slot_at *at, struct live_slot *l)
{
  char buf[512];
  struct stat st;
  int n = read_small(at, HR_RECORD_FILE, buf, sizeof buf);
  /* readable by root and group G only (SPEC 11.4): for anyone else, what is live is unknown */
  if (n < 0 && (errno == EACCES || errno == EPERM)) l->record_unreadable = 1;
  else if (n < 0 && !absent(errno)) return -1;
  if (n >= 0 && scan_parse_record(buf, (size_t)n, l) == 0) {
    l->record_text = hr_strndup(buf, (size_t)n);
    l->record_len = (size_t)n;
    return 0;
  }
  l->has_record = 0;
  l->autostart = -1;
  l->has_log = slot_fd(at) >= 0 && !fstatat(at->fd, "log", &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
  return 0;
}

/*
 * The restart an interrupted pass left (SPEC 9.4): looked for only when the record says one may
 * be pending, or when there is no record to say. -1 on a real error.
 */
static int read_restart(struct slot_at *at, struct live_slot *l)
{
  char buf[64];
  if (l->has_record && !l->restart_maybe) return 0;
  int n = read_small(at, HR_RESTART_FILE, buf, sizeof buf);
  if (n < 0 && !absent(errno) && errno != EACCES) return -1;
  if (n > 0 && (l->restart = restart_unpack(buf, (size_t)n)) < 0) l->restart = 0;   /* not ours: no restart */
  return 0;
}

/* Whether its record vouches for its event directories under pol; looked at too when look_all asks. */
static void read_events(struct slot_at *at, struct events_policy const *pol, int look_all, struct live_slot *l)
{
  l->events_trusted = l->has_record && l->events_made == scan_events_word(pol);
  if (look_all && slot_fd(at) >= 0) events_look(at->fd, 0, l->has_log, &l->events);
}

/* Its supervisors: supervise/lock and log/supervise/lock. -1 on a real error. */
static int read_supervisors(struct slot_at *at, struct live_slot *l)
{
  int dirfd = fs_beneath_openat2() ? at->scandirfd : slot_fd(at);
  char const *dir = fs_beneath_openat2() ? at->name : ".";
  if (dirfd < 0) return absent(errno) ? 0 : -1;
  if ((l->supervised = sv_supervised(dirfd, dir)) < 0) return -1;
  if (l->has_log && (l->log_supervised = sv_log_supervised(dirfd, dir)) < 0) return -1;
  return 0;
}

/*
 * The slot's record from the ledger, when the ledger vouches for the slot as it is now (its
 * directory's inode and ctime, taken before anything in it is read): 1, or 0 (it must be read);
 * -1 with errno if it cannot be seen (ENOTDIR: it is no directory since readdir).
 */
static int recall_record(int scandirfd, struct ledger const *ledger, struct live_slot *l)
{
  struct stat st;
  if (fstatat(scandirfd, l->name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) return (errno = ENOTDIR), -1;
  l->dev = (uint64_t)st.st_dev;
  l->ino = (uint64_t)st.st_ino;
  l->ctime_sec = (int64_t)st.st_ctim.tv_sec;
  l->ctime_nsec = st.st_ctim.tv_nsec;
  struct ledger_entry const *e = ledger_find(ledger, l->name);
  if (!e || !ledger_vouches(ledger, e, &st) || scan_parse_record(e->record, e->len, l) < 0) return 0;
  l->kept = e;
  return 1;
}

/*
 * Fill in what a live slot directory says about itself. A slot gone or replaced by something else
 * since readdir has nothing: no record, no supervisor. -1 on a real error.
 */
static int read_slot(int scandirfd, struct events_policy const *pol, int look_all, struct ledger const *ledger,
                     struct live_slot *l)
{
  struct slot_at at = { .scandirfd = scandirfd, .name = l->name, .fd = -1 };
  int recalled = recall_record(scandirfd, ledger, l);
  if (recalled < 0) {
    l->autostart = -1;
    return absent(errno) ? 0 : -1;
  }
  int r = (!recalled && read_record(&at, l) < 0) || read_restart(&at, l) < 0 ? -1 : 0;
  if (!r) read_events(&at, pol, look_all, l);
  if (!r) r = read_supervisors(&at, l);
  int e = errno;
  if (at.fd >= 0) close(at.fd);
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
  int n = (int)fs_read_file_at(scandirfd, path, buf, sizeof buf - 1);
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

int scan_scandir(int scandirfd, struct events_policy const *pol, int look_all, struct ledger const *ledger,
                 struct live_set *set)
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
        if (look_all) events_look(scandirfd, name, -1, &l->events);
      }
    }
    if (l->kind == LIVE_SLOT && read_slot(scandirfd, pol, look_all, ledger, l) < 0) break;
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

size_t scan_ledger_entries(struct live_set const *set, struct ledger_entry *v)
{
  size_t n = 0;
  for (size_t i = 0; i < set->n; i++) {
    struct live_slot const *l = set->v + i;
    if (l->kind != LIVE_SLOT || !l->has_record) continue;
    struct ledger_entry const *was = l->kept;
    if (!was && !l->record_text) continue;
    v[n++] = (struct ledger_entry){ l->name, l->dev, l->ino, l->ctime_sec, l->ctime_nsec,
                                    was ? was->record : l->record_text, was ? was->len : l->record_len, 0, 0 };
  }
  return n;
}

int scan_ledger_stale(struct live_set const *set, struct ledger const *ledger)
{
  size_t vouched = 0;
  for (size_t i = 0; i < set->n; i++) {
    struct live_slot const *l = set->v + i;
    if (l->kind == LIVE_SLOT && l->has_record && !l->kept && l->record_text) return 1;
    vouched += l->kind == LIVE_SLOT && l->kept;
  }
  return vouched != ledger->n - ledger->nfiles;
}

void live_set_free(struct live_set *set)
{
  for (size_t i = 0; i < set->n; i++) {
    free(set->v[i].name);
    free(set->v[i].removing);
    free(set->v[i].record_text);
  }
  free(set->v);
  memset(set, 0, sizeof *set);
}
