/*
 * libFuzzer target: profile loading and validation (load_defaults_buffer, load_profile_buffer),
 * then the rendering of every profile that comes out valid.
 *
 * Also (SPEC 10) the discovered profiles added over them (discover_add, the pure half of the
 * discovered-profile reader) and the gateway_state.json reader (state_says_up).
 *
 * Input: [#name: NAME\n] [DEFAULTS \n%%\n] PROFILE [\n%%dirs\nDIRS] [\n%%state\nJSON]
 *   - an optional first line "#name: NAME" gives the profile's name (default "fuzz"), so that
 *     name validation is fuzzed too;
 *   - if the rest contains a line "%%", what comes before it is _defaults.ini;
 *   - after a line "%%dirs", one line per directory of <hermes home>/profiles/ that holds SOUL.md,
 *     "NAME" or "NAME@UID" (the owner); [discover] max of the defaults applies;
 *   - after a line "%%state", the bytes of a gateway_state.json.
 * Users and groups come from a fake database (no NSS in the loop): hermes 1000:1000,
 * hr-test 995:994, root 0:0, nobody 65534:65534; groups hermes, hr-test, root, nogroup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "errors.h"
#include "load.h"
#include "record.h"
#include "render.h"
#include "schema.h"
#include "state.h"

struct fake_id {
  char const *name;
  unsigned int id, gid;
};

static struct fake_id const users[] = {
  { "hermes", 1000, 1000 }, { "hr-test", 995, 994 }, { "root", 0, 0 }, { "nobody", 65534, 65534 },
};
static struct fake_id const groups[] = {
  { "hermes", 1000, 0 }, { "hr-test", 994, 0 }, { "root", 0, 0 }, { "nogroup", 65534, 0 },
};

static int fake_user(char const *name, uid_t *uid, gid_t *gid)
{
  for (size_t i = 0; i < sizeof users / sizeof *users; i++)
    if (!strcmp(users[i].name, name)) {
      *uid = users[i].id;
      *gid = users[i].gid;
      return 0;
    }
  return -1;
}

static int fake_group(char const *name, gid_t *gid)
{
  for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
    if (!strcmp(groups[i].name, name)) {
      *gid = groups[i].id;
      return 0;
    }
  return -1;
}

static struct hr_ids const fake_ids = { .user = fake_user, .group = fake_group };

/* The profile name of the input, if it starts with "#name: NAME\n"; advances *p and *n past it. */
static char *take_name(uint8_t const **p, size_t *n)
{
  static char const tag[] = "#name: ";
  size_t t = sizeof tag - 1;
  if (*n < t || memcmp(*p, tag, t)) return strdup("fuzz");
  uint8_t const *nl = memchr(*p + t, '\n', *n - t);
  size_t len = nl ? (size_t)(nl - (*p + t)) : *n - t;
  char *name = strndup((char const *)*p + t, len);   /* stops at a NUL byte: fine */
  size_t used = t + len + !!nl;
  *p += used;
  *n -= used;
  return name;
}

/* Where the defaults end: the offset of a "\n%%\n" line, or n if there is none. */
static size_t split_at(uint8_t const *p, size_t n)
{
  for (size_t i = 0; i + 4 <= n; i++)
    if (!memcmp(p + i, "\n%%\n", 4)) return i;
  return n;
}

/* The tail after a line "\n<mark>\n": a copy of its bytes in *out (0 if none); size shrinks. */
static size_t take_tail(uint8_t const *p, size_t *n, char const *mark, char **out)
{
  size_t m = strlen(mark);
  *out = 0;
  for (size_t i = 0; i + m <= *n; i++) {
    if (memcmp(p + i, mark, m)) continue;
    size_t len = *n - i - m;
    *out = malloc(len ? len : 1);
    memcpy(*out, p + i + m, len);
    *n = i;
    return len;
  }
  return 0;
}

/* One directory per line, NAME or NAME@UID; names stop at a NUL byte. */
static void parse_dirs(char const *buf, size_t len, struct disc_list *l)
{
  size_t i = 0;
  while (i < len) {
    char const *nl = memchr(buf + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - buf) : len;
    char *line = strndup(buf + i, end - i);
    char *at = strrchr(line, '@');
    uid_t owner = 10000;
    if (at) {
      *at = 0;
      owner = (uid_t)strtoul(at + 1, 0, 10);
    }
    if (*line) disc_list_add(l, line, owner, 0);
    free(line);
    i = end + 1;
  }
  disc_list_sort(l);
}

/* Every profile discovery adds: unique names, a reason for each invalid one, the rules of SPEC 10. */
static void check_discovered(struct profile_set const *set, struct hr_errors const *errs, size_t errs_before)
{
  for (size_t i = 0; i < set->n; i++) {
    struct profile const *p = set->v + i;
    if (i && strcmp(set->v[i - 1].name, p->name) >= 0) abort();   /* sorted, each name once */
    if (!p->discovered) continue;
    if (!p->ncontributors) abort();                           /* its directory answers for it (SPEC 11.5) */
    if (!schema_valid_profile_name(p->name) && p->valid) abort();
    if (p->valid) continue;
    size_t k = errs_before;
    while (k < errs->n && strcmp(errs->v[k].file, p->file)) k++;
    if (k == errs->n) abort();                                   /* an invalid one always says why */
  }
}

/* SPEC 10: the profile of the input as a file, the directories as discovered profiles over it. */
static void fuzz_discover(char const *name, struct profile const *p, char const *dirs, size_t dlen,
                          struct hr_settings const *defaults, struct load_ctx const *ctx)
{
  struct profile_set set = { 0 };
  struct disc_list list = { .home_known = 1, .home_owner = 0 };
  struct hr_errors errs = { 0 };
  int on;
  long max;
  discover_settings(defaults, &on, &max);
  parse_dirs(dirs, dlen, &list);
  set.v = calloc(1, sizeof *set.v);
  set.cap = 1;
  if (schema_valid_profile_name(name)) {
    struct hr_errors quiet = { 0 };
    load_profile_buffer(name, "fuzz.ini", "", 0, defaults, ctx, set.v, &quiet);
    set.v[0].valid = p->valid;
    set.n = 1;
    errors_free(&quiet);
  }
  discover_add(&set, &list, max, defaults, ctx, &errs);
  check_discovered(&set, &errs, 0);
  profile_set_free(&set);
  disc_list_free(&list);
  errors_free(&errs);
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct load_ctx ctx = { "/opt/data", &fake_ids, 0, 0 };
  struct render_ctx rctx = { "/opt/data", "/command" };
  struct hr_settings defaults = { 0 };
  struct hr_errors errs = { 0 };
  struct profile p;
  char *name = take_name(&data, &size);
  char *state, *dirs;
  size_t slen = take_tail(data, &size, "\n%%state\n", &state);
  size_t dlen = take_tail(data, &size, "\n%%dirs\n", &dirs);
  if (state && state_says_up(state, slen) > 1) abort();
  size_t cut = split_at(data, size);
  int have_defaults = cut < size;
  /* Copies of exactly the bytes, so that ASan sees any read past them. */
  char *dbuf = have_defaults ? malloc(cut ? cut : 1) : 0;
  if (dbuf) memcpy(dbuf, data, cut);
  size_t plen = have_defaults ? size - cut - 4 : size;
  char *pbuf = malloc(plen ? plen : 1);
  memcpy(pbuf, have_defaults ? data + cut + 4 : data, plen);

  size_t bad = have_defaults ? load_defaults_buffer("_defaults.ini", dbuf, cut, &ctx, &defaults, &errs) : 0;
  size_t before = errs.n;
  load_profile_buffer(name, "fuzz.ini", pbuf, plen, have_defaults && !bad ? &defaults : 0, &ctx, &p, &errs);
  if (p.valid && errs.n > before) abort();     /* a valid profile never comes with an error */
  if (!p.valid && errs.n == before) abort();   /* an invalid one always says why */
  if (dirs) fuzz_discover(name, &p, dirs, dlen, have_defaults && !bad ? &defaults : 0, &ctx);
  if (p.valid && p.enabled) {
    struct slot_render r;
    render_slot(&p, &rctx, &r);
    free(record_text(&r, p.autostart, 0, HR_EVENTS_UNKNOWN));
    render_free(&r);
  }
  profile_free(&p);
  settings_free(&defaults);
  errors_free(&errs);
  free(pbuf);
  free(dbuf);
  free(name);
  free(dirs);
  free(state);
  return 0;
}
