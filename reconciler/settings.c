/*
 * inih with a line reader of our own: the reader sees every line with its true number, so
 * over-long lines, NUL bytes and malformed lines are reported where they are and never reach
 * inih (Debian's inih r55 would silently split a long line and gives its handler no line number).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <skalibs/uint64.h>

#include "hr.h"
#include "schema.h"
#include "settings.h"

#define INIH_NAME_MAX 50  /* inih's MAX_SECTION and MAX_NAME */

struct reader {
  char const *buf;
  size_t len, pos;
  unsigned int line;
  int line_ok;           /* the current line reached inih unchanged */
  int section_ok;        /* the current section: 1 known, 0 unknown, -1 its header was rejected */
  int is_defaults;
  struct hr_settings *out;
  struct hr_errors *errs;
  size_t nerrs;
};

static void bad(struct reader *r, char const *fmt, char const *arg)
{
  errors_add(r->errs, r->out->file, r->line, fmt, arg);
  r->nerrs++;
}

/* s as a message may show it: not at all from a file that is secret (SPEC 11.4). */
static char const *q(struct reader const *r, char const *s)
{
  return settings_quote(r->out->origin.secret, s);
}

static size_t trim_right(char const *s, size_t n)
{
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  return n;
}

/* The length of the prefix of s[0..n) without a byte of stop: strcspn bounded by n (s has no NUL). */
static size_t span_until(char const *s, size_t n, char const *stop)
{
  for (size_t i = 0; i < n; i++)
    for (char const *c = stop; *c; c++) if (s[i] == *c) return i;
  return n;
}

/* What may follow a section header's ]: blanks, then nothing or a ; comment. */
static int after_header_ok(char const *s, size_t n)
{
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  return !n || *s == ';';
}

/* A CR not followed by LF: a line end inih does not see (s[0..n) is the line without its LF). */
static int bare_cr(char const *s, size_t n, int has_lf)
{
  char const *cr = memchr(s, '\r', n);
  return cr && (cr != s + n - 1 || !has_lf);
}

/* Check a line (leading blanks removed) before inih sees it; 1 if inih may have it. */
static int line_acceptable(struct reader *r, char const *s, size_t n)
{
  char tmp[HR_LINE_MAX + 1];
  if (!n || s[0] == ';' || s[0] == '#') return 1;
  if (s[0] == '[') {
    char const *close = memchr(s, ']', n);
    if (!close) { r->section_ok = -1; bad(r, "missing ] in section header%s", ""); return 0; }
    if (!after_header_ok(close + 1, n - (size_t)(close + 1 - s))) {
      /* "[profile] enabled = no": inih would drop the tail, and the file would not say what it means */
      r->section_ok = -1;
      bad(r, "text after the ] of a section header%s", "");
      return 0;
    }
    /* the name exactly as inih takes it, blanks included: "[ gateway ]" is no known section */
    char const *a = s + 1;
    size_t len = (size_t)(close - a);
    memcpy(tmp, a, len);
    tmp[len] = 0;
    if (len > INIH_NAME_MAX) { r->section_ok = -1; bad(r, "section name too long: [%s]", q(r, tmp)); return 0; }
    r->section_ok = schema_section_known(tmp);
    if (!r->section_ok) bad(r, "unknown section [%s]", q(r, tmp));
    return 1;
  }
  size_t key = span_until(s, n, "=:");   /* the line is not NUL-terminated */
  if (key >= n) { bad(r, "expected key = value or [section]%s", ""); return 0; }
  if (trim_right(s, key) > INIH_NAME_MAX) {
    memcpy(tmp, s, trim_right(s, key));
    tmp[trim_right(s, key)] = 0;
    bad(r, "key name too long: %s", q(r, tmp));
    return 0;
  }
  return 1;
}

static char *read_line(char *str, int num, void *stream)
{
  struct reader *r = stream;
  if (r->pos >= r->len) return 0;
  char const *s = r->buf + r->pos;
  char const *nl = memchr(s, '\n', r->len - r->pos);
  size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;
  r->pos += n + !!nl;
  r->line++;
  int cr = bare_cr(s, n, !!nl);
  if (r->line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  n = trim_right(s, n);
  r->line_ok = 0;
  if (memchr(s, 0, n)) bad(r, "NUL byte in line%s", "");
  else if (cr) bad(r, "a CR not followed by LF (a bare CR line end)%s", "");
  else if (n > HR_LINE_MAX || n + 2 > (size_t)num) bad(r, "line longer than %s bytes", HR_STR(HR_LINE_MAX));
  else r->line_ok = line_acceptable(r, s, n);
  if (!r->line_ok) n = 0;
  memcpy(str, s, n);
  str[n] = '\n';
  str[n + 1] = 0;
  return str;
}

char const *settings_quote(int secret, char const *s)
{
  return secret ? HR_NOT_QUOTED : s;
}

struct hr_setting const *settings_get(struct hr_settings const *s, size_t key, char const *name)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].key == key && (!name || !strcmp(s->v[i].name, name))) return s->v + i;
  return 0;
}

/* A setting appended to out, its name and value (nlen, vlen bytes) in one block, the value after the name's NUL. */
static void add_setting(struct hr_settings *out, size_t key, unsigned int line, char const *name, size_t nlen,
                        char const *value, size_t vlen)
{
  hr_grow(&out->v, sizeof *out->v, out->n, &out->cap);
  struct hr_setting *st = out->v + out->n++;
  st->key = key;
  st->line = line;
  st->name = hr_alloc(nlen + vlen + 2);
  memcpy(st->name, name, nlen);
  st->name[nlen] = 0;
  st->value = memcpy(st->name + nlen + 1, value, vlen);
  st->value[vlen] = 0;
}

static int on_value(void *user, char const *section, char const *name, char const *value)
{
  struct reader *r = user;
  if (!r->line_ok || r->section_ok < 0) return 1;   /* keys under a rejected header: already reported */
  if (!*section) { bad(r, "%s set before any [section]", q(r, name)); return 1; }
  if (!r->section_ok) return 1;
  struct hr_key const *k = schema_find(section, name);
  if (!k) {
    errors_add(r->errs, r->out->file, r->line, "unknown key %s in [%s]", q(r, name), section);
    r->nerrs++;
    return 1;
  }
  if (k->type == HR_T_ENV) {
    if (!schema_valid_env_name(name)) { bad(r, "invalid variable name %s in [env]", q(r, name)); return 1; }
    if (schema_env_reserved(name)) { bad(r, "%s is set by hermes-reconcile and cannot be set in [env]", q(r, name)); return 1; }
  }
  if (k->where == (r->is_defaults ? HR_IN_PROFILE : HR_IN_DEFAULTS)) {   /* [profile] home; [discover] (SPEC 10) */
    errors_add(r->errs, r->out->file, r->line, "[%s] %s is %s in _defaults.ini", section, name,
               r->is_defaults ? "not allowed" : "allowed only");
    r->nerrs++;
    return 1;
  }
  struct hr_setting const *dup = settings_get(r->out, schema_index(k), name);
  if (dup) {
    errors_add(r->errs, r->out->file, r->line, "%s set twice in [%s] (first at line %u)", q(r, name), section, dup->line);
    r->nerrs++;
    return 1;
  }
  add_setting(r->out, schema_index(k), r->line, name, strlen(name), value, strlen(value));
  return 1;
}

size_t ini_read_settings(char const *file, char const *buf, size_t len, int is_defaults,
                         struct hr_settings *out, struct hr_errors *errs)
{
  struct reader r = { .buf = buf, .len = len, .is_defaults = is_defaults, .out = out, .errs = errs };
  out->file = hr_strdup(file);
  if (len > HR_FILE_MAX) {
    errors_add(errs, file, 0, "file larger than %d bytes", HR_FILE_MAX);
    return 1;
  }
  int e = ini_parse_stream(read_line, &r, on_value, &r);
  if (e > 0 && !r.nerrs) {
    errors_add(errs, file, (unsigned int)e, "syntax error");
    r.nerrs++;
  } else if (e < 0) {
    errors_add(errs, file, 0, "cannot parse (inih error %d)", e);
    r.nerrs++;
  }
  return r.nerrs;
}

void settings_free(struct hr_settings *s)
{
  for (size_t i = 0; i < s->n; i++) free(s->v[i].name);   /* and the value with it */
  free(s->v);
  free(s->file);
  s->v = 0;
  s->n = s->cap = 0;
  s->file = 0;
}

void settings_pack(struct hr_settings const *s, stralloc *out)
{
  char num[UINT64_FMT];
  for (size_t i = 0; i < s->n; i++) {
    struct hr_setting const *st = s->v + i;
    if (!stralloc_catb(out, num, uint64_fmt(num, st->key)) || !stralloc_catb(out, " ", 1)
        || !stralloc_catb(out, num, uint64_fmt(num, st->line)) || !stralloc_catb(out, " ", 1)
        || !stralloc_cats(out, st->name) || !stralloc_catb(out, " ", 1) || !stralloc_cats(out, st->value)
        || !stralloc_catb(out, "\n", 1))
      hr_die_nomem();
  }
}

/* One "KEY LINE NAME VALUE\n" at *p into a new setting of out: 0 and *p past it, or -1. */
static int unpack_one(char const **p, char const *end, struct hr_settings *out)
{
  uint64_t key, line;
  if (hr_scan_decimal(p, end, ' ', HR_NKEYS - 1, &key) < 0 || hr_scan_decimal(p, end, ' ', UINT_MAX, &line) < 0)
    return -1;
  char const *name = *p, *sp = memchr(name, ' ', (size_t)(end - name));
  char const *nl = sp ? memchr(sp, '\n', (size_t)(end - sp)) : 0;
  if (!nl || sp == name || memchr(name, '\n', (size_t)(sp - name)) || memchr(name, 0, (size_t)(nl - name))) return -1;
  add_setting(out, (size_t)key, (unsigned int)line, name, (size_t)(sp - name), sp + 1, (size_t)(nl - sp - 1));
  *p = nl + 1;
  return 0;
}

int settings_unpack(char const *text, size_t len, char const *file, struct hr_settings *out)
{
  char const *p = text, *end = text + len;
  out->file = hr_strdup(file);
  while (p < end)
    if (unpack_one(&p, end, out) < 0) {
      struct hr_origin origin = out->origin;
      settings_free(out);
      out->origin = origin;
      return -1;
    }
  return 0;
}
