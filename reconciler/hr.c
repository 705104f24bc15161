#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <skalibs/strerr.h>

#include "hr.h"

void hr_die_nomem(void)
{
  strerr_diefusys(HR_EXIT_SYSTEM, "allocate memory");
}

/* malloc, not calloc: glibc's calloc never takes from the thread cache, and most blocks are small. */
static void *alloc_raw(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p) hr_die_nomem();
  return p;
}

void *hr_alloc(size_t n)
{
  return memset(alloc_raw(n), 0, n);
}

void *hr_realloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q) hr_die_nomem();
  return q;
}

char *hr_strdup(char const *s)
{
  return hr_strndup(s, strlen(s));
}

char *hr_strndup(char const *s, size_t n)
{
  char *p = alloc_raw(n + 1);   /* every byte written below */
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *hr_asprintf(char const *fmt, ...)
{
  va_list ap;
  char *s;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0) hr_die_nomem();
  return s;
}

char *hr_cat(char const *first, ...)
{
  va_list ap;
  size_t len = 0;
  va_start(ap, first);
  for (char const *a = first; a; a = va_arg(ap, char const *)) len += strlen(a);
  va_end(ap);
  char *s = alloc_raw(len + 1), *w = s;
  va_start(ap, first);
  for (char const *a = first; a; a = va_arg(ap, char const *)) {
    size_t n = strlen(a);
    memcpy(w, a, n);
    w += n;
  }
  va_end(ap);
  *w = 0;
  return s;
}

char *hr_concat(char const *a, char const *b)
{
  size_t m = strlen(a), n = strlen(b);   /* not through hr_cat: its va_list costs a tenth more */
  char *s = alloc_raw(m + n + 1);
  memcpy(s, a, m);
  memcpy(s + m, b, n + 1);
  return s;
}

char *hr_path_in(char *buf, size_t max, char const *dir, char const *name)
{
  size_t d = strlen(dir), n = strlen(name);
  if (d + 1 + n >= max) return (errno = ENAMETOOLONG), (char *)0;
  memcpy(buf, dir, d);
  buf[d] = '/';
  memcpy(buf + d + 1, name, n + 1);
  return buf;
}

void hr_sort(void *v, size_t n, size_t sz, int (*cmp)(void const *, void const *))
{
  char const *e = v;
  size_t i = 1;
  while (i < n && cmp(e + (i - 1) * sz, e + i * sz) <= 0) i++;
  if (i < n) qsort(v, n, sz, cmp);
}

void *hr_grow_to(void *v, size_t sz, size_t n, size_t *cap)
{
  if (n < *cap) return v;
  size_t c = *cap ? *cap * 2 : 8;
  while (c <= n) c *= 2;
  *cap = c;
  return hr_realloc(v, c * sz);
}

int hr_scan_decimal(char const **p, char const *end, char end_char, uint64_t max, uint64_t *out)
{
  char const *s = *p, *first = s;
  uint64_t v = 0;
  if (s == end || *s < '0' || *s > '9') return -1;
  /* 19 digits cannot overflow 64 bits; a 20th is checked */
  for (; s < end && s - first < 19 && *s >= '0' && *s <= '9'; s++) v = v * 10 + (uint64_t)(*s - '0');
  for (; s < end && *s >= '0' && *s <= '9'; s++)
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v)) return -1;
  if (v > max || s == end || *s != end_char) return -1;
  *p = s + 1;
  *out = v;
  return 0;
}
