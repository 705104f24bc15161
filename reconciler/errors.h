/* The errors of a run: FILE:LINE: message, line 0 for file-level errors (SPEC 9.9). */
#ifndef HR_ERRORS_H
#define HR_ERRORS_H

#include <stddef.h>

struct hr_error {
  char *file;
  unsigned int line;
  char *message;
};

struct hr_errors {
  struct hr_error *v;
  size_t n, cap;
  size_t nsys;           /* how many of them are system failures (errors_sys) */
};

void errors_add(struct hr_errors *e, char const *file, unsigned int line, char const *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* A system failure, as "FILE: unable to WHAT FILE: strerror(errno)" (errno is kept): exit 111's reason. */
void errors_sys(struct hr_errors *e, char const *file, char const *what);
void errors_free(struct hr_errors *e);

#endif
