#include <string.h>

#include "hr.h"
#include "record.h"
#include "schema.h"

/*
 * Version 2 added "restart" and "from", version 3 "events"; a record of an earlier version is still
 * read (an upgrade restarts nothing).
 */
#define RECORD_VERSION "3"

static char const *const events_words[] = { "-", "public", "root" };

void record_of_render(struct slot_render const *r, int autostart, struct slot_record *rec)
{
  for (int i = 0; i < HR_NPARTS_DIGESTED; i++) memcpy(rec->digest[i], r->digest[i], sizeof rec->digest[i]);
  if (!r->has_log) strcpy(rec->digest[HR_PART_LOG], "-");
  rec->has_log = r->has_log;
  rec->autostart = autostart;
  memcpy(rec->from, r->from, sizeof rec->from);
  rec->restart_pending = 0;
  rec->events = HR_EVENTS_UNKNOWN;
}

char *record_pack(struct slot_record const *rec)
{
  char const *const *a = hr_keys[HR_K_gateway_autostart].choices;
  return hr_asprintf("hermes-reconcile " RECORD_VERSION "\nrun %s\nctl %s\nlog %s\nautostart %s\nrestart %s\nfrom %s\nevents %s\n",
                     rec->digest[HR_PART_RUN], rec->digest[HR_PART_CTL], rec->has_log ? rec->digest[HR_PART_LOG] : "-",
                     a[rec->autostart], rec->restart_pending ? "pending" : "-", rec->from[0] ? rec->from : "-",
                     events_words[rec->events]);
}

char *record_text(struct slot_render const *r, int autostart, int restart_pending, enum record_events events)
{
  struct slot_record rec;
  record_of_render(r, autostart, &rec);
  rec.restart_pending = !!restart_pending;
  rec.events = events;
  return record_pack(&rec);
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

static int is_digest(char const *s)
{
  return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* The lines version 2 adds: "restart pending|-", "from DIGEST|-". */
static int record_unpack_v2(char const **p, char const *end, struct slot_record *rec)
{
  char restart[8], from[65];
  if (record_line(p, end, "restart", restart, sizeof restart) || record_line(p, end, "from", from, sizeof from)) return -1;
  if (strcmp(restart, "pending") && strcmp(restart, "-")) return -1;
  if (!is_digest(from) && strcmp(from, "-")) return -1;
  rec->restart_pending = !strcmp(restart, "pending");
  strcpy(rec->from, strcmp(from, "-") ? from : "");
  return 0;
}

/* The line version 3 adds: "events public|root|-". */
static int record_unpack_v3(char const **p, char const *end, struct slot_record *rec)
{
  char events[8];
  if (record_line(p, end, "events", events, sizeof events)) return -1;
  for (size_t i = 0; i < sizeof events_words / sizeof *events_words; i++)
    if (!strcmp(events, events_words[i])) {
      rec->events = (enum record_events)i;
      return 0;
    }
  return -1;
}

int record_unpack(char const *text, size_t len, struct slot_record *rec)
{
  char const *p = text, *end = text + len;
  char version[4], run[65], ctl[65], log[65], a[8];
  int autostart;
  /* what later versions add, as it is when they do not: version 1, a restart may be pending; before
     version 3, the event directories unknown */
  struct slot_record later = { .restart_pending = 1, .events = HR_EVENTS_UNKNOWN };
  if (record_line(&p, end, "hermes-reconcile", version, sizeof version) || strlen(version) != 1 || version[0] < '1'
      || version[0] > RECORD_VERSION[0] || record_line(&p, end, "run", run, sizeof run)
      || record_line(&p, end, "ctl", ctl, sizeof ctl) || record_line(&p, end, "log", log, sizeof log)
      || record_line(&p, end, "autostart", a, sizeof a) || (version[0] >= '2' && record_unpack_v2(&p, end, &later) < 0)
      || (version[0] >= '3' && record_unpack_v3(&p, end, &later) < 0) || p != end)
    return -1;
  if (!is_digest(run) || !is_digest(ctl) || (!is_digest(log) && strcmp(log, "-"))) return -1;
  if (schema_parse_enum(hr_keys + HR_K_gateway_autostart, a, &autostart) < 0) return -1;
  strcpy(rec->digest[HR_PART_RUN], run);
  strcpy(rec->digest[HR_PART_CTL], ctl);
  strcpy(rec->digest[HR_PART_LOG], log);
  rec->has_log = !!strcmp(log, "-");
  rec->autostart = autostart;
  rec->restart_pending = later.restart_pending;
  strcpy(rec->from, later.from);
  rec->events = later.events;
  return 0;
}

char const *restart_pack(int what)
{
  return what == (HR_RESTART_RUN | HR_RESTART_LOG) ? "run\nlog\n" : what == HR_RESTART_RUN ? "run\n" : "log\n";
}

int restart_unpack(char const *text, size_t len)
{
  static char const *const texts[] = { "run\n", "log\n", "run\nlog\n" };
  static int const bits[] = { HR_RESTART_RUN, HR_RESTART_LOG, HR_RESTART_RUN | HR_RESTART_LOG };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
    if (len == strlen(texts[i]) && !memcmp(text, texts[i], len)) return bits[i];
  return -1;
}
