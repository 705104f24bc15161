/*
 * libFuzzer target: profile loading and validation (load_defaults_buffer, load_profile_buffer),
 * then the rendering of every profile that comes out valid.
 *
 * Input: [#name: NAME\n] [DEFAULTS \n%%\n] PROFILE
 *   - an optional first line "#name: NAME" gives the profile's name (default "fuzz"), so that
 *     name validation is fuzzed too;
 *   - if the rest contains a line "%%", what comes before it is _defaults.ini.
 * Users and groups come from a fake database (no NSS in the loop): hermes 1000:1000,
 * hr-test 995:994, root 0:0, nobody 65534:65534; groups hermes, hr-test, root, nogroup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "load.h"
#include "render.h"

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

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
  struct load_ctx ctx = { "/opt/data", &fake_ids };
  struct render_ctx rctx = { "/opt/data", "/command" };
  struct hr_settings defaults = { 0 };
  struct hr_errors errs = { 0 };
  struct profile p;
  char *name = take_name(&data, &size);
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
  if (p.valid && p.enabled) {
    struct slot_render r;
    render_slot(&p, &rctx, &r);
    free(render_record(&r, p.autostart));
    render_free(&r);
  }
  profile_free(&p);
  settings_free(&defaults);
  errors_free(&errs);
  free(pbuf);
  free(dbuf);
  free(name);
  return 0;
}
