#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hr.h"
#include "report.h"

/* The length of the UTF-8 sequence at s (n bytes left) if it is valid and not a control, else 0. */
static size_t utf8_printable(unsigned char const *s, size_t n)
{
  unsigned char c = s[0];
  size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (!len || len > n) return 0;
  if (len == 1) return c >= 0x20 && c != 0x7F;
  for (size_t i = 1; i < len; i++) if ((s[i] & 0xC0) != 0x80) return 0;
  if (c == 0xC2 && s[1] < 0xA0) return 0;                 /* C1 controls: 0x9B is a CSI on some terminals */
  if (c == 0xE0 && s[1] < 0xA0) return 0;                 /* overlong */
  if (c == 0xED && s[1] > 0x9F) return 0;                 /* surrogates */
  if (c == 0xF0 && s[1] < 0x90) return 0;                 /* overlong */
  if (c == 0xF4 && s[1] > 0x8F) return 0;                 /* past U+10FFFF */
  return len;
}

char *report_clean(char const *s)
{
  size_t n = strlen(s), len = 0;
  char *out = hr_alloc(4 * n + 1);
  for (size_t i = 0; i < n;) {
    size_t k = utf8_printable((unsigned char const *)s + i, n - i);
    if (k) {
      memcpy(out + len, s + i, k);
      len += k;
      i += k;
    } else len += (size_t)sprintf(out + len, "\\x%02x", (unsigned char)s[i++]);
  }
  out[len] = 0;
  return out;
}

/* report_clean into one of a few buffers that live until the same slot is used again: for printf's arguments. */
static char const *cl(char const *s)
{
  static char *ring[4];
  static unsigned int next;
  unsigned int i = next++ % 4;
  free(ring[i]);
  ring[i] = report_clean(s ? s : "");
  return ring[i];
}

static json_object *jstr(char const *s)
{
  char *c = report_clean(s);
  json_object *o = json_object_new_string(c);
  free(c);
  return o;
}

void report_errors(struct hr_errors const *errs)
{
  for (size_t i = 0; i < errs->n; i++) {
    struct hr_error const *e = errs->v + i;
    if (e->line) fprintf(stderr, "%s:%u: %s\n", cl(e->file), e->line, cl(e->message));
    else fprintf(stderr, "%s: %s\n", cl(e->file), cl(e->message));
  }
  fflush(stderr);
}

static json_object *json_errors(struct hr_errors const *errs)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < errs->n; i++) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "file", jstr(errs->v[i].file));
    json_object_object_add(o, "line", json_object_new_int((int)errs->v[i].line));
    json_object_object_add(o, "message", jstr(errs->v[i].message));
    json_object_array_add(a, o);
  }
  return a;
}

/* Exit 111 always says why in errors: a failure said only on stderr gets a line pointing there. */
static json_object *json_errors_exit(struct hr_errors const *errs, int exit_code)
{
  json_object *a = json_errors(errs);
  if (exit_code == HR_EXIT_SYSTEM && !errs->nsys) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "file", json_object_new_string(""));
    json_object_object_add(o, "line", json_object_new_int(0));
    json_object_object_add(o, "message", json_object_new_string("system failure (exit 111): the reason is on stderr"));
    json_object_array_add(a, o);
  }
  return a;
}

static json_object *json_head(char const *command)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "format_version", json_object_new_int(1));
  json_object_object_add(o, "command", json_object_new_string(command));
  return o;
}

static void json_print(json_object *o)
{
  puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  fflush(stdout);
  json_object_put(o);
}

void report_check(struct hr_errors const *errs, size_t nfiles, int json, int exit_code)
{
  report_errors(errs);
  if (json) {
    json_object *o = json_head("check");
    json_object_object_add(o, "files", json_object_new_int64((int64_t)nfiles));
    json_object_object_add(o, "valid", json_object_new_boolean(!errs->n && exit_code == HR_EXIT_OK));
    json_object_object_add(o, "errors", json_errors_exit(errs, exit_code));
    json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
    json_print(o);
  } else {
    printf("check: %zu file%s, %zu error%s\n", nfiles, nfiles == 1 ? "" : "s", errs->n, errs->n == 1 ? "" : "s");
    fflush(stdout);
  }
}

static void changes_text(unsigned int ch, char *buf, size_t len)
{
  buf[0] = 0;
  for (int i = 0; i < HR_NCHANGES; i++) {
    if (!(ch & (1u << i))) continue;
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n ? ", " : "", plan_change_name(1u << i));
  }
}

char const *report_source(struct profile const *p)
{
  return p->discovered ? "discovered" : "file";
}

/* SPEC 10: text output marks the profiles that have no file. */
static char const *text_mark(struct plan_item const *it)
{
  return it->profile && it->profile->discovered ? " [discovered]" : "";
}

static json_object *json_actions(struct plan const *plan)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < plan->n; i++) {
    struct plan_item const *it = plan->v + i;
    json_object *o = json_object_new_object();
    json_object *ch = json_object_new_array();
    json_object_object_add(o, "slot", jstr(it->slot));
    json_object_object_add(o, "profile", it->profile ? jstr(it->profile->name) : 0);
    json_object_object_add(o, "action", json_object_new_string(plan_action_name(it->action)));
    json_object_object_add(o, "source", it->profile ? json_object_new_string(report_source(it->profile)) : 0);
    for (int b = 0; b < HR_NCHANGES; b++)
      if (it->changes & (1u << b)) json_object_array_add(ch, json_object_new_string(plan_change_name(1u << b)));
    json_object_object_add(o, "changes", ch);
    json_object_array_add(a, o);
  }
  return a;
}

/* Why a slot is skipped: the first error reported against its profile's file, else the defaults'. */
static char const *skip_reason(struct plan_item const *it, struct hr_errors const *errs)
{
  if (it->profile)
    for (size_t i = 0; i < errs->n; i++)
      if (!strcmp(errs->v[i].file, it->profile->file)) return errs->v[i].message;
  return "_defaults.ini is invalid";
}

void report_plan(enum pass_mode mode, struct plan const *plan, struct hr_errors const *errs, int json, int verbosity,
                 int exit_code)
{
  char const *command = mode == PASS_APPLY ? "apply" : "plan";
  static char const marks[] = { '=', '+', '~', '-', '!' };
  size_t count[5] = { 0 };
  char buf[256];
  report_errors(errs);
  for (size_t i = 0; i < plan->n; i++) count[plan->v[i].action]++;
  if (json) {
    json_object *o = json_head(command);
    json_object_object_add(o, "actions", json_actions(plan));
    json_object_object_add(o, "errors", json_errors_exit(errs, exit_code));
    json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
    json_print(o);
    return;
  }
  if (verbosity < 0 && verbosity != REPORT_SUMMARY_ONLY) return;
  for (size_t i = 0; i < plan->n && verbosity != REPORT_SUMMARY_ONLY; i++) {
    struct plan_item const *it = plan->v + i;
    if (it->action == HR_KEEP && verbosity < 1) continue;
    if (it->action == HR_UPDATE) {
      changes_text(it->changes, buf, sizeof buf);
      printf("~ %s (%s)%s\n", cl(it->slot), buf, text_mark(it));
    } else if (it->action == HR_SKIP)
      printf("! %s: %s; left as it is%s\n", cl(it->slot), cl(skip_reason(it, errs)), text_mark(it));
    else printf("%c %s%s%s\n", marks[it->action], cl(it->slot), it->leftover ? " (left over by an interrupted pass)" : "",
                text_mark(it));
  }
  /* A failed apply says what it set out to do: what of it was done, the messages above say. */
  int done = mode == PASS_APPLY && exit_code != HR_EXIT_SYSTEM;
  printf("%s%s: %zu %s, %zu %s, %zu %s, %zu unchanged, %zu skipped\n", command,
         exit_code == HR_EXIT_SYSTEM ? " failed (exit 111); planned" : "",
         count[HR_ADD], done ? "added" : "to add", count[HR_UPDATE], done ? "updated" : "to update",
         count[HR_REMOVE], done ? "removed" : "to remove", count[HR_KEEP], count[HR_SKIP]);
  fflush(stdout);
}

/* A sysctl's value, null when it could not be read. */
static json_object *json_flag(int v)
{
  return v < 0 ? 0 : json_object_new_int(v);
}

/* SPEC 11.7, in text: which way the event directories go, why, and how many slots are not yet so. */
static void events_text(struct status_row const *rows, size_t n, struct events_policy const *ev)
{
  size_t wrong = 0;
  for (size_t i = 0; i < n; i++) wrong += !rows[i].events_ok;
  printf("events: %s (fs.protected_symlinks %d, fs.protected_hardlinks %d)%s", events_policy_name(ev), ev->symlinks,
         ev->hardlinks, ev->public ? ": s6-svwait for everyone" : ": root's only; s6-svc and s6-svstat still work");
  if (wrong) printf("; %zu slot%s not yet so: the next apply makes %s so\n", wrong, wrong == 1 ? "" : "s", wrong == 1 ? "it" : "them");
  else printf("\n");
}

void report_status(struct status_row const *rows, size_t n, struct events_policy const *ev, struct hr_errors const *errs,
                   int json, int exit_code)
{
  if (exit_code != HR_EXIT_OK) report_errors(errs);
  if (json) {
    json_object *o = json_head("status");
    json_object_object_add(o, "events", json_object_new_string(events_policy_name(ev)));
    json_object_object_add(o, "protected_symlinks", json_flag(ev->symlinks));
    json_object_object_add(o, "protected_hardlinks", json_flag(ev->hardlinks));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
      struct status_row const *r = rows + i;
      json_object *s = json_object_new_object();
      json_object_object_add(s, "slot", jstr(r->slot));
      json_object_object_add(s, "profile", r->profile ? jstr(r->profile) : 0);
      json_object_object_add(s, "source", r->source ? json_object_new_string(r->source) : 0);
      json_object_object_add(s, "description", jstr(r->description ? r->description : ""));
      json_object_object_add(s, "supervised", json_object_new_boolean(r->supervised));
      json_object_object_add(s, "up", json_object_new_boolean(r->up));
      json_object_object_add(s, "pid", r->up ? json_object_new_int64(r->pid) : 0);
      json_object_object_add(s, "wantup", json_object_new_boolean(r->wantup));
      json_object_object_add(s, "pending", r->pending_unknown ? 0 : json_object_new_boolean(r->pending));
      json_object_object_add(s, "removing", json_object_new_boolean(r->removing));
      json_object_object_add(s, "events_ok", json_object_new_boolean(r->events_ok));
      json_object_array_add(a, s);
    }
    json_object_object_add(o, "slots", a);
    json_object_object_add(o, "errors", json_errors_exit(errs, exit_code));
    json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
    json_print(o);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    struct status_row const *r = rows + i;
    char pid[32] = "-";
    if (r->up) snprintf(pid, sizeof pid, "%ld", (long)r->pid);
    printf("%-32s %-4s pid %-8s %-12s %-10s %s%s%s%s\n", cl(r->slot), r->up ? "up" : "down", pid,
           r->supervised ? "supervised" : "unsupervised", r->wantup ? "wantup" : "wantdown",
           r->removing ? "removing" : r->pending_unknown ? "unknown" : r->pending ? "pending" : "current",
           r->source && !strcmp(r->source, "discovered") ? " [discovered]" : "",
           r->description && *r->description ? "  " : "", cl(r->description));
  }
  events_text(rows, n, ev);
  fflush(stdout);
}

void report_import(char const *const *files, size_t n, struct hr_errors const *errs, int json, int verbosity,
                   int exit_code)
{
  report_errors(errs);
  if (json) {
    json_object *o = json_head("import");
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(a, jstr(files[i]));
    json_object_object_add(o, "files", a);
    json_object_object_add(o, "errors", json_errors_exit(errs, exit_code));
    json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
    json_print(o);
    return;
  }
  if (verbosity < 0) return;
  for (size_t i = 0; i < n; i++) printf("+ %s\n", cl(files[i]));
  fflush(stdout);
}
