#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <skalibs/stralloc.h>

#include "fsutil.h"
#include "hr.h"
#include "ledger.h"

/* then the pass's part of what the renders read: its length, a line end, its bytes, a line end */
#define LEDGER_HEADER "hermes-reconcile-ledger 2 "
/* far above what any scandir holds (some 400 bytes a slot): a bigger file is no ledger of ours */
#define LEDGER_MAX (64u << 20)

static int packable(char const *name)
{
  return *name && !strpbrk(name, " \n");
}

char *ledger_pack(char const *pass, size_t plen, struct ledger_entry const *v, size_t n, size_t *len)
{
  size_t cap = sizeof LEDGER_HEADER + 22 + plen;
  for (size_t i = 0; i < n; i++) cap += strlen(v[i].name) + v[i].len + v[i].ilen + 7 * 21 + 1;
  char *text = hr_alloc(cap);
  size_t k = (size_t)snprintf(text, cap, LEDGER_HEADER "%zu\n", plen);
  if (plen) memcpy(text + k, pass, plen);
  k += plen;
  text[k++] = '\n';
  for (size_t i = 0; i < n; i++) {
    if (!packable(v[i].name)) continue;
    k += (size_t)snprintf(text + k, cap - k, "%s %llu %llu %lld %ld %zu %zu\n", v[i].name,
                          (unsigned long long)v[i].dev, (unsigned long long)v[i].ino, (long long)v[i].sec, v[i].nsec,
                          v[i].len, v[i].ilen);
    memcpy(text + k, v[i].record, v[i].len);
    k += v[i].len;
    if (v[i].ilen) memcpy(text + k, v[i].inputs, v[i].ilen);
    k += v[i].ilen;
    text[k++] = '\n';   /* each entry on lines of its own, the next one's header at the start of one */
  }
  text[k] = 0;
  *len = k;
  return text;
}

/* One entry at *p into e, its name appended to names (e->name is the caller's to set): 0 and *p past it, or -1. */
static int parse_entry(char const **p, char const *end, struct ledger_entry *e, stralloc *names)
{
  char const *s = *p, *sp = memchr(s, ' ', (size_t)(end - s));
  uint64_t dev, ino, sec, nsec, len, ilen;
  if (!sp || sp == s || memchr(s, '\n', (size_t)(sp - s))) return -1;
  char const *name = s;
  s = sp + 1;
  if (hr_scan_decimal(&s, end, ' ', UINT64_MAX, &dev) || hr_scan_decimal(&s, end, ' ', UINT64_MAX, &ino) ||
      hr_scan_decimal(&s, end, ' ', INT64_MAX, &sec) || hr_scan_decimal(&s, end, ' ', 999999999, &nsec)
      || hr_scan_decimal(&s, end, ' ', LEDGER_MAX, &len) || hr_scan_decimal(&s, end, '\n', LEDGER_MAX, &ilen)
      || (uint64_t)(end - s) < len + ilen + 1 || s[len + ilen] != '\n')
    return -1;
  if (!stralloc_catb(names, name, (size_t)(sp - name)) || !stralloc_0(names)) hr_die_nomem();
  e->dev = dev;
  e->ino = ino;
  e->sec = (int64_t)sec;
  e->nsec = (long)nsec;
  e->record = s;
  e->len = (size_t)len;
  e->inputs = s + len;
  e->ilen = (size_t)ilen;
  *p = s + len + ilen + 1;
  return 0;
}

static void entries_free(struct ledger *l)
{
  free(l->v);
  free(l->names);
  l->v = 0;
  l->names = 0;
  l->n = 0;
  l->nfiles = 0;
}

int ledger_parse(char const *text, size_t len, struct ledger *l)
{
  char const *p = text, *end = text + len;
  size_t hl = strlen(LEDGER_HEADER);
  uint64_t plen;
  stralloc names = STRALLOC_ZERO;
  size_t *at = 0, cap = 0, atcap = 0;
  memset(l, 0, sizeof *l);
  if (len < hl || memcmp(text, LEDGER_HEADER, hl)) return -1;
  p += hl;
  if (hr_scan_decimal(&p, end, '\n', LEDGER_MAX, &plen) || (uint64_t)(end - p) < plen + 1 || p[plen] != '\n') return -1;
  l->pass = p;
  l->plen = (size_t)plen;
  p += plen + 1;
  while (p < end) {
    hr_grow(&l->v, sizeof *l->v, l->n, &cap);
    hr_grow(&at, sizeof *at, l->n, &atcap);
    at[l->n] = names.len;
    if (parse_entry(&p, end, l->v + l->n, &names) < 0) goto refused;
    l->n++;
    /* sorted, each name once: what ledger_find's bsearch needs */
    if (l->n > 1 && strcmp(names.s + at[l->n - 2], names.s + at[l->n - 1]) >= 0) goto refused;
    l->nfiles += names.s[at[l->n - 1]] == LEDGER_FILE_MARK[0];
  }
  /* the names in one block, allocated once they have all been read */
  l->names = names.s;
  for (size_t i = 0; i < l->n; i++) l->v[i].name = names.s + at[i];
  free(at);
  return 0;
 refused:
  stralloc_free(&names);
  free(at);
  entries_free(l);
  l->pass = 0;
  l->plen = 0;
  return -1;
}

static int by_name(void const *a, void const *b)
{
  return strcmp(((struct ledger_entry const *)a)->name, ((struct ledger_entry const *)b)->name);
}

struct ledger_entry const *ledger_find(struct ledger const *l, char const *name)
{
  struct ledger_entry key = { .name = name };
  return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, by_name) : 0;
}

void ledger_sort(struct ledger_entry *v, size_t n)
{
  hr_sort(v, n, sizeof *v, by_name);
}

/* Is what st shows the object e saw: the same device, inode and ctime? */
static int same_object(struct ledger_entry const *e, struct stat const *st)
{
  return (uint64_t)st->st_dev == e->dev && (uint64_t)st->st_ino == e->ino && (int64_t)st->st_ctim.tv_sec == e->sec
         && st->st_ctim.tv_nsec == e->nsec;
}

int ledger_vouches(struct ledger const *l, struct ledger_entry const *e, struct stat const *st)
{
  /*
   * A change after the ledger was written has a ctime no older than the ledger's mtime; one before,
   * in the same clock tick as the ctime the ledger saw, could have kept it: only a ctime strictly
   * older than the ledger is proof (as git's "racily clean" index entries).
   */
  int older = e->sec < l->sec || (e->sec == l->sec && e->nsec < l->nsec);
  return S_ISDIR(st->st_mode) && same_object(e, st) && older;
}

struct ledger_entry const *ledger_file(struct ledger const *l, char const *name, struct stat const *st)
{
  char key[NAME_MAX + 2];
  if (!l->nfiles || !S_ISREG(st->st_mode) || strlen(name) > NAME_MAX) return 0;
  key[0] = LEDGER_FILE_MARK[0];
  memcpy(key + 1, name, strlen(name) + 1);
  struct ledger_entry const *e = ledger_find(l, key);
  return e && same_object(e, st) && st->st_size >= 0 && e->len == (uint64_t)st->st_size ? e : 0;
}

int ledger_file_keepable(struct stat const *st, struct timespec const *now)
{
  /*
   * A change after now sets a ctime no older than now rounded down to the file system's grain (a
   * nanosecond on most, a second on some, 2 s at most on any Linux keeps for ctimes): a ctime
   * older than now - 2 s can be no such change's.
   */
  int64_t sec = (int64_t)st->st_ctim.tv_sec + 2;
  return sec < (int64_t)now->tv_sec || (sec == (int64_t)now->tv_sec && st->st_ctim.tv_nsec < now->tv_nsec);
}

void ledger_read(int scandirfd, struct ledger *l)
{
  struct stat st;
  memset(l, 0, sizeof *l);
  int fd = fs_open_typed(scandirfd, HR_LEDGER_FILE, O_RDONLY, S_IFREG, &st);
  if (fd < 0) return;
  /* the pass's own, and nobody else's to read or write (SPEC 11.4: it holds the records' digests) */
  if (st.st_uid != geteuid() || (st.st_mode & 077) || st.st_size <= 0 || (uint64_t)st.st_size > LEDGER_MAX) {
    close(fd);
    return;
  }
  /*
   * mapped, not read: of a big file, only the pages looked at are touched, a few at a fault. A pass
   * replaces it by rename, never in place; only root truncating it by hand under a running pass
   * could make a page vanish (SIGBUS).
   */
  void *map = mmap(0, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return;
  if (ledger_parse(map, (size_t)st.st_size, l) < 0) {
    munmap(map, (size_t)st.st_size);
    memset(l, 0, sizeof *l);
    return;
  }
  l->map = map;
  l->maplen = (size_t)st.st_size;
  l->sec = (int64_t)st.st_mtim.tv_sec;
  l->nsec = st.st_mtim.tv_nsec;
}

int ledger_write(int scandirfd, char const *pass, size_t plen, struct ledger_entry const *v, size_t n)
{
  size_t len;
  char *text = ledger_pack(pass, plen, v, n, &len);
  int r = fs_write_at(scandirfd, HR_LEDGER_FILE, text, len, 0600, HR_KEEP_GID);
  free(text);
  return r;
}

void ledger_free(struct ledger *l)
{
  entries_free(l);
  if (l->map) munmap(l->map, l->maplen);
  memset(l, 0, sizeof *l);
}
