#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "errors.h"

void errors_add(struct hr_errors *e, char const *file, unsigned int line, char const *fmt, ...)
{
  va_list ap;
  char *msg;
  va_start(ap, fmt);
  int r = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (r < 0) msg = hr_strdup("(out of memory formatting the message)");
  hr_grow(&e->v, sizeof *e->v, e->n, &e->cap);
  e->v[e->n].file = hr_strdup(file);
  e->v[e->n].line = line;
  e->v[e->n].message = msg;
  e->n++;
}

void errors_sys(struct hr_errors *e, char const *file, char const *what)
{
  int err = errno;
  errors_add(e, file, 0, "unable to %s %s: %s", what, file, strerror(err));
  e->nsys++;
  errno = err;
}

void errors_free(struct hr_errors *e)
{
  for (size_t i = 0; i < e->n; i++) {
    free(e->v[i].file);
    free(e->v[i].message);
  }
  free(e->v);
  e->v = 0;
  e->n = e->cap = e->nsys = 0;
}
