/* Small things every module of hermes-reconcile uses. */
#ifndef HR_H
#define HR_H

#include <stddef.h>
#include <stdint.h>

#define HR_PROG "hermes-reconcile"
#define HR_STR_(x) #x
#define HR_STR(x) HR_STR_(x)

/* Exit codes, SPEC section 2. */
enum {
  HR_EXIT_OK = 0,
  HR_EXIT_INVALID = 1,
  HR_EXIT_PENDING = 2,
  HR_EXIT_TIMEOUT = 99,
  HR_EXIT_USAGE = 100,
  HR_EXIT_SYSTEM = 111,
};

/* Allocation that cannot fail: on ENOMEM the program dies with 111. */
void hr_die_nomem(void) __attribute__((noreturn));
void *hr_alloc(size_t n);
void *hr_realloc(void *p, size_t n);
char *hr_strdup(char const *s);
char *hr_strndup(char const *s, size_t n);
char *hr_asprintf(char const *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The strings given, up to a null pointer, one after the other in one new string: no printf, for
 * what is called per profile and per slot in every pass. hr_concat: two of them, without a va_list.
 */
char *hr_cat(char const *first, ...) __attribute__((sentinel));
char *hr_concat(char const *a, char const *b);
/* "dir/name" into buf of max bytes: buf, or 0 with errno ENAMETOOLONG if it does not fit. */
char *hr_path_in(char *buf, size_t max, char const *dir, char const *name);

/* qsort(3), but a list already in order is only looked at: profiles come in name order, from the
   sorted listing of their directory. */
void hr_sort(void *v, size_t n, size_t sz, int (*cmp)(void const *, void const *));

/* A decimal number at *p (before end), at most max, ended by end_char: 0 with *p past end_char, or -1. */
int hr_scan_decimal(char const **p, char const *end, char end_char, uint64_t max, uint64_t *out);

/* v (of element size sz, *cap elements), grown if need be to hold at least n+1 elements. */
void *hr_grow_to(void *v, size_t sz, size_t n, size_t *cap);
/* Grow the array *vp in place: assigned through its own type, never through a void ** cast. */
#define hr_grow(vp, sz, n, cap) (*(vp) = hr_grow_to(*(vp), (sz), (n), (cap)))

#endif
