/* Stage 1, the pure half: profiles from bytes, and the set they make. See loadbuf.h. */
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "loadbuf.h"
#include "schema.h"

size_t load_defaults_buffer(char const *file, char const *buf, size_t len, struct load_ctx const *ctx,
                            struct hr_settings *defaults, struct hr_errors *errs)
{
  size_t n = ini_read_settings(file, buf, len, 1, defaults, errs);
  return n + settings_check(defaults, ctx->ids, errs);
}

void load_profile_buffer(char const *name, char const *file, char const *buf, size_t len,
                         struct hr_settings const *defaults, struct load_ctx const *ctx,
                         struct profile *p, struct hr_errors *errs)
{
  static struct hr_origin const root = { 0 };
  load_profile_origin(name, file, &root, buf, len, defaults, ctx, p, errs);
}

/* The profile of own, settings read from file (nread problems so far): built, checked, own freed. */
static void load_profile_own(char const *name, char const *file, struct hr_origin const *origin,
                             struct hr_settings *own, size_t nread, struct hr_settings const *defaults,
                             struct load_ctx const *ctx, struct profile *p, struct hr_errors *errs, size_t before)
{
  size_t n = nread;
  n += settings_check(own, ctx->ids, errs);
  n += profile_build(p, name, file, defaults, own, ctx->hermes_home, ctx->ids, errs);
  /* SPEC 11.5: every file it is made from must allow its user and group */
  n += profile_contribute(p, origin->owner, "the file", errs);
  if (defaults) n += profile_contribute(p, defaults->origin.owner, defaults->file, errs);
  p->valid = !n;
  /* never an invalid profile without a word: an id that resolved once and then not (the databases changed) */
  if (!p->valid && errs->n == before) errors_add(errs, file, 0, "its user or group could not be resolved");
  settings_free(own);
}

/* An invalid profile name is the file's problem, whatever its bytes. */
static size_t name_problem(char const *name, char const *file, struct hr_errors *errs)
{
  if (schema_valid_profile_name(name)) return 0;
  errors_add(errs, file, 0, "invalid profile name %s: expected [a-z0-9][a-z0-9_-]*, at most 243 characters", name);
  return 1;
}

void load_profile_origin(char const *name, char const *file, struct hr_origin const *origin, char const *buf,
                         size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                         struct profile *p, struct hr_errors *errs)
{
  load_profile_packing(name, file, origin, buf, len, defaults, ctx, p, errs, 0);
}

void load_profile_packing(char const *name, char const *file, struct hr_origin const *origin, char const *buf,
                          size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                          struct profile *p, struct hr_errors *errs, stralloc *packed)
{
  struct hr_settings own = { .origin = *origin };
  size_t before = errs->n;
  size_t n = name_problem(name, file, errs);
  size_t nread = ini_read_settings(file, buf, len, 0, &own, errs);
  if (packed && !nread) settings_pack(&own, packed);
  load_profile_own(name, file, origin, &own, n + nread, defaults, ctx, p, errs, before);
}

int load_profile_unpacking(char const *name, char const *file, struct hr_origin const *origin, char const *text,
                           size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                           struct profile *p, struct hr_errors *errs)
{
  struct hr_settings own = { .origin = *origin };
  if (settings_unpack(text, len, file, &own) < 0) {
    settings_free(&own);
    return -1;
  }
  size_t before = errs->n;
  load_profile_own(name, file, origin, &own, name_problem(name, file, errs), defaults, ctx, p, errs, before);
  return 0;
}

static int by_name(void const *a, void const *b)
{
  return strcmp(((struct profile const *)a)->name, ((struct profile const *)b)->name);
}

void profile_set_sort(struct profile_set *set)
{
  hr_sort(set->v, set->n, sizeof *set->v, by_name);
}

struct profile const *profile_set_find(struct profile_set const *set, char const *name)
{
  struct profile key = { .name = (char *)name };
  return set->n ? bsearch(&key, set->v, set->n, sizeof *set->v, by_name) : 0;
}

void profile_set_free(struct profile_set *set)
{
  for (size_t i = 0; i < set->n; i++) profile_free(set->v + i);
  free(set->v);
  for (size_t i = 0; i < set->nsrc; i++) {
    free(set->src[i].own);
    free(set->src[i].own_pack);
  }
  free(set->src);
  memset(set, 0, sizeof *set);
}
