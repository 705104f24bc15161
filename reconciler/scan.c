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
#include "schema.h"
#include "supervise.h"

static int starts(char const *s, char const *prefix)
{
  return !strncmp(s, prefix, strlen(prefix));
}

/* "KEY VALUE\n" at *p: VALUE (without the line end) copied into out; -1 if the line is not that. */
static int record_line(char const **p, char const *end, char const *key, char *out, size_t max)
{
  size_t klen = strlen(key);
  if ((size_t)(end - *p) < klen + 1 || memcmp(*p, key, klen) || (*p)[klen] != ' ') return -1;
  char const *v = *p + klen + 1;
  char const *nl = memchr(v, '\n', (size_t)(end - v));
  if (!nl || (size_t)(nl - v) >= max) return -1;
  memcpy(out, v, (size_t)(nl - v));
  out[nl - v] = 0;
  *p = nl + 1;
  return 0;
}

int scan_parse_record(char const *text, size_t len, struct live_slot *l)
{
  char const *p = text, *end = text + len;
  char version[4], run[65], ctl[65], log[65], a[8];
  if (record_line(&p, end, "hermes-reconcile", version, sizeof version) || strcmp(version, "1")
      || record_line(&p, end, "run", run, sizeof run) || record_line(&p, end, "ctl", ctl, sizeof ctl)
      || record_line(&p, end, "log", log, sizeof log) || record_line(&p, end, "autostart", a, sizeof a))
    return -1;
  if (strlen(run) != 64 || strlen(ctl) != 64 || (strlen(log) != 64 && strcmp(log, "-"))) return -1;
  /* render_record writes the schema's own words: read them back with the schema */
  if (schema_parse_enum(hr_keys + HR_K_gateway_autostart, a, &l->autostart) < 0) return (l->autostart = -1), -1;
  memcpy(l->digest[HR_PART_RUN], run, 65);
  memcpy(l->digest[HR_PART_CTL], ctl, 65);
  memcpy(l->digest[HR_PART_LOG], log, strlen(log) + 1);
  l->has_log = !!strcmp(log, "-");
  l->has_record = 1;
  return 0;
}

/* A small regular file, opened without following links or blocking (SPEC 11.2). */
static int read_small(int dirfd, char const *path, char *buf, size_t max)
{
  int fd = fs_open_typed(dirfd, path, O_RDONLY, S_IFREG, 0);
  if (fd < 0) return -1;
  ssize_t n = readnclose(fd, buf, max);
  return (int)n;
}

/* Fill in what a live slot directory says about itself. -1 on a real error. */
static int read_slot(int scandirfd, struct live_slot *l)
{
  char buf[512];
  char path[512];
  struct stat st;
  int n = 0;
  snprintf(path, sizeof path, "%s/" HR_RECORD_FILE, l->name);
  n = read_small(scandirfd, path, buf, sizeof buf);
  /* readable by root and group G only (SPEC 11.4): for anyone else, what is live is unknown */
  if (n < 0 && (errno == EACCES || errno == EPERM)) l->record_unreadable = 1;
  else if (n < 0 && errno != ENOENT && errno != ELOOP && errno != HR_EWRONGTYPE) return -1;
  if (n < 0 || scan_parse_record(buf, (size_t)n, l) < 0) {
    l->has_record = 0;
    l->autostart = -1;
    snprintf(path, sizeof path, "%s/log", l->name);
    l->has_log = !fstatat(scandirfd, path, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
  }
  snprintf(path, sizeof path, "%s/" HR_RESTART_FILE, l->name);
  n = read_small(scandirfd, path, buf, sizeof buf - 1);
  if (n < 0 && errno != ENOENT && errno != ELOOP && errno != HR_EWRONGTYPE && errno != EACCES) return -1;
  if (n > 0) {
    buf[n] = 0;
    l->restart = (strstr(buf, "run") ? HR_RESTART_RUN : 0) | (strstr(buf, "log") ? HR_RESTART_LOG : 0);
  }
  l->supervised = sv_supervised(scandirfd, l->name);
  if (l->supervised < 0) return -1;
  if (l->has_log) {
    l->log_supervised = sv_log_supervised(scandirfd, l->name);
    if (l->log_supervised < 0) return -1;
  }
  return 0;
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
  if (strncmp(buf, HR_SLOT_PREFIX, sizeof HR_SLOT_PREFIX - 1) || strchr(buf, '/') || strchr(buf, '\n')) return;
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
    int ours = starts(name, HR_SLOT_PREFIX) && name[sizeof HR_SLOT_PREFIX - 1];
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
      if (l->supervised > 0 || l->log_supervised > 0) read_removing(scandirfd, l);
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
