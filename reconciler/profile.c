#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "profile.h"
#include "schema.h"


/* "expected yes/no, true/false, ..." from the words schema_parse_bool accepts. */
static char const *bool_problem(void)
{
  static char const *const t[] = { HR_BOOL_TRUE }, *const f[] = { HR_BOOL_FALSE };
  static char buf[128];
  size_t n = sizeof t / sizeof *t, len = 0;
  if (buf[0]) return buf;
  len += (size_t)snprintf(buf, sizeof buf, "expected");
  for (size_t i = 0; i < n && len < sizeof buf; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %s/%s", !i ? "" : i + 1 < n ? "," : " or", t[i], f[i]);
  return buf;
}

/* 0 if value suits k; else the problem, worded for "FILE:LINE: KEY: problem". */
static char const *value_problem(struct hr_key const *k, char const *v, struct hr_ids const *ids)
{
  int b;
  long n;
  uid_t uid;
  gid_t gid;
  char sig[16];
  switch (k->type) {
    case HR_T_BOOL: return schema_parse_bool(v, &b) ? bool_problem() : 0;
    case HR_T_PATH: return schema_valid_path(v) ? 0 : "expected an absolute path";
    case HR_T_TEXT: case HR_T_ENV: case HR_T_WORDS: return 0;
    case HR_T_PROGRAM: return schema_valid_program(v) ? 0 : "expected a command name or an absolute path";
    case HR_T_ENUM: return schema_parse_enum(k, v, &b) ? "not one of the choices" : 0;
    case HR_T_INT: return schema_parse_int(k, v, &n) ? "out of range or not an integer" : 0;
    case HR_T_SIGNAL: return schema_parse_signal(v, sig, sizeof sig) ? "not a signal name" : 0;
    case HR_T_LOGDIR: return schema_valid_logdir(v) ? 0 : "expected an absolute path or $HERMES_HOME/...";
    case HR_T_USER:
      switch (ids->user(v, &uid, &gid)) {
        case 0: break;
        case -2: return "the user database cannot be read";
        default: return "no such user";
      }
      return uid ? 0 : "the gateway never runs as root";
    case HR_T_GROUP:
      switch (ids->group(v, &gid)) {
        case 0: break;
        case -2: return "the group database cannot be read";
        default: return "no such group";
      }
      return gid ? 0 : "root's group is never given control of a slot";
  }
  return "unknown type";
}

/* The choices of k as "a|b|c", for messages. */
static char const *choices_words(struct hr_key const *k, char *buf, size_t len)
{
  size_t n = 0;
  buf[0] = 0;
  for (size_t i = 0; k->choices[i] && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "", k->choices[i]);
  return buf;
}

size_t settings_check(struct hr_settings const *s, struct hr_ids const *ids, struct hr_errors *errs)
{
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) {
    struct hr_key const *k = hr_keys + s->v[i].key;
    char const *why = value_problem(k, s->v[i].value, ids);
    if (!why) continue;
    /* the key is the schema's own word (every key with a free name is valid whatever its value) */
    char const *v = settings_quote(s->origin.secret, s->v[i].value);
    char choices[128];
    if (k->type == HR_T_ENUM)
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s %s", s->v[i].name, v, why,
                 choices_words(k, choices, sizeof choices));
    else if (k->type == HR_T_INT)
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s %ld..%ld", s->v[i].name, v, why, k->min, k->max);
    else
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s", s->v[i].name, v, why);
    n++;
  }
  return n;
}

/* Where each key's value goes in struct profile, from the .def's field column. */
#define PROFILE_OFFSET_HR_IN_ANY(field) offsetof(struct profile, field)
#define PROFILE_OFFSET_HR_IN_PROFILE(field) offsetof(struct profile, field)
#define PROFILE_OFFSET_HR_IN_DEFAULTS(field) PROFILE_NO_FIELD

size_t const profile_field[HR_NKEYS] = {
#define HR_KEY(section, key, type, min, max, choices, dflt, dflt_doc, where, cost, field, meaning) \
  [HR_KEY_ID(section, key)] = PROFILE_OFFSET_##where(field),
#include "profile-keys.def"
};

/*
 * The settings of the profile's own file and of the defaults, by key: the first of each (as
 * settings_get finds it), 0 for a key not set. [env]'s many are merge_env's.
 */
struct layers {
  struct hr_setting const *own[HR_NKEYS], *dflt[HR_NKEYS];
};

static void by_key(struct hr_settings const *s, struct hr_setting const *at[HR_NKEYS])
{
  for (size_t k = 0; k < HR_NKEYS; k++) at[k] = 0;
  for (size_t i = s ? s->n : 0; i--;) at[s->v[i].key] = s->v + i;   /* backwards: the first stays */
}

/* The value of key k: the profile's own, else the defaults', else 0. */
static char const *lookup(struct layers const *l, enum hr_key_id k)
{
  struct hr_setting const *s = l->own[k] ? l->own[k] : l->dflt[k];
  return s ? s->value : 0;
}

/* The line of key k in the profile's own file, 0 if it does not set it. */
static unsigned int own_line(struct layers const *l, enum hr_key_id k)
{
  return l->own[k] ? l->own[k]->line : 0;
}

static void split_words(struct profile *p, char const *s)
{
  size_t cap = 0;
  for (;;) {
    s += strspn(s, " \t");
    if (!*s) break;
    size_t n = strcspn(s, " \t");
    hr_grow(&p->args, sizeof *p->args, p->nargs, &cap);
    p->args[p->nargs++] = hr_strndup(s, n);
    s += n;
  }
}

static int env_cmp(void const *a, void const *b)
{
  return strcmp(((struct hr_env const *)a)->name, ((struct hr_env const *)b)->name);
}

static void merge_env(struct profile *p, struct hr_settings const *d, struct hr_settings const *own)
{
  size_t cap = 0;
  size_t envkey = HR_K_env_NAME;
  struct hr_settings const *layers[2] = { own, d };
  for (int l = 0; l < 2; l++) {
    if (!layers[l]) continue;
    for (size_t i = 0; i < layers[l]->n; i++) {
      struct hr_setting const *s = layers[l]->v + i;
      if (s->key != envkey) continue;
      if (l == 1 && settings_get(own, envkey, s->name)) continue;
      hr_grow(&p->env, sizeof *p->env, p->nenv, &cap);
      p->env[p->nenv].name = hr_strdup(s->name);
      p->env[p->nenv].value = hr_strdup(s->value);
      p->nenv++;
    }
  }
  if (p->nenv) qsort(p->env, p->nenv, sizeof *p->env, env_cmp);
}

/* The user's supplementary groups, as initgroups would set them (SPEC 11.5); gid 0 among them is an error. */
static size_t resolve_groups(struct profile *p, gid_t primary, struct hr_ids const *ids, struct hr_errors *errs)
{
  if (!ids->grouplist) {
    p->groups = hr_alloc(sizeof *p->groups);
    p->groups[0] = primary;
    p->ngroups = 1;
  } else if (ids->grouplist(p->user, primary, &p->groups, &p->ngroups) < 0) {
    errors_add(errs, p->file, 0, "the group database cannot be read to find the groups of user %s",
               settings_quote(p->secret, p->user));
    return 1;
  }
  for (size_t i = 0; i < p->ngroups; i++)
    if (!p->groups[i]) {
      errors_add(errs, p->file, p->user_line, "user %s is a member of root's group (gid 0): the gateway never runs with it",
                 settings_quote(p->secret, p->user));
      return 1;
    }
  p->ids_resolved = 1;
  return 0;
}

static int has_group(struct profile const *p, gid_t gid)
{
  for (size_t i = 0; i < p->ngroups; i++) if (p->groups[i] == gid) return 1;
  return 0;
}

size_t profile_contribute(struct profile *p, uid_t owner, char const *what, struct hr_errors *errs)
{
  hr_grow(&p->contributors, sizeof *p->contributors, p->ncontributors, &(size_t){ p->ncontributors });
  p->contributors[p->ncontributors++] = owner;
  if (!owner || !p->ids_resolved) return 0;   /* root allows any non-root id; unresolved ids are reported */
  if (p->uid != owner) {
    errors_add(errs, p->file, p->user_line,
               "user %s is refused: %s belongs to uid %lu, which may run a gateway only as itself",
               settings_quote(p->secret, p->user), what, (unsigned long)owner);
  } else if (!has_group(p, p->gid)) {
    errors_add(errs, p->file, p->group_line,
               "group %s is refused: %s belongs to uid %lu, which is not a member of it",
               settings_quote(p->secret, p->group ? p->group : "(primary)"), what, (unsigned long)owner);
  } else return 0;
  p->valid = 0;
  return 1;
}

/*
 * A user or group that was set explicitly and does not resolve was reported by settings_check
 * at its line; only what the defaults decide is reported here, at file level.
 */
static size_t resolve_ids(struct profile *p, int user_set, struct hr_ids const *ids, struct hr_errors *errs)
{
  gid_t primary;
  int r = ids->user(p->user, &p->uid, &primary);
  if (r || !p->uid) {
    if (user_set) return 1;
    if (r == -2) errors_add(errs, p->file, 0, "the user database cannot be read to find user %s", p->user);
    else if (!r) errors_add(errs, p->file, 0, "user %s is root: the gateway never runs as root", p->user);
    else errors_add(errs, p->file, 0, "user %s does not exist (set [gateway] user)", p->user);
    return 1;
  }
  if (p->group) {
    if (ids->group(p->group, &p->gid) || !p->gid) return 1;
  } else {
    p->gid = primary;
    if (!p->gid) {
      errors_add(errs, p->file, 0, "the primary group of user %s is root's: set [gateway] group",
                 settings_quote(p->secret, p->user));
      return 1;
    }
  }
  return resolve_groups(p, primary, ids, errs);
}

/* Store v (checked already; 0: not set) into field f of key k. */
static void set_field(struct profile *p, struct hr_key const *k, void *f, char const *v)
{
  switch (k->type) {
    case HR_T_BOOL: if (v) schema_parse_bool(v, f); break;
    case HR_T_ENUM: if (v) schema_parse_enum(k, v, f); break;
    case HR_T_INT: *(long *)f = -1; if (v) schema_parse_int(k, v, f); break;
    case HR_T_SIGNAL: if (v) schema_parse_signal(v, f, PROFILE_SIGNAL_MAX); break;
    case HR_T_WORDS: if (v) split_words(p, v); break;
    case HR_T_ENV: break;   /* every variable is a key: merge_env */
    case HR_T_PATH: case HR_T_TEXT: case HR_T_PROGRAM: case HR_T_USER: case HR_T_GROUP: case HR_T_LOGDIR:
      *(char **)f = v ? hr_strdup(v) : 0;
      break;
  }
}

/* The defaults that depend on the profile's name, where no file set them. */
static void derive_defaults(struct profile *p, char const *hermes_home)
{
  if (!p->home && !strcmp(p->name, "default")) p->home = hr_strdup(hermes_home);
  else if (!p->home) p->home = hr_cat(hermes_home, "/profiles/", p->name, (char *)0);
  if (!p->log_dir) p->log_dir = hr_concat("$HERMES_HOME/logs/gateways/", p->name);
}

size_t profile_build(struct profile *p, char const *name, char const *file, struct hr_settings const *d,
                     struct hr_settings const *own, char const *hermes_home, struct hr_ids const *ids,
                     struct hr_errors *errs)
{
  struct layers l;
  by_key(own, l.own);
  by_key(d, l.dflt);
  memset(p, 0, sizeof *p);
  p->name = hr_strdup(name);
  p->file = hr_strdup(file);
  for (size_t k = 0; k < HR_NKEYS; k++) {
    if (profile_field[k] == PROFILE_NO_FIELD) continue;
    char const *v = lookup(&l, k);
    set_field(p, hr_keys + k, (char *)p + profile_field[k], v ? v : hr_keys[k].dflt);
  }
  derive_defaults(p, hermes_home);
  merge_env(p, d, own);
  p->secret = own->origin.secret || (d && d->origin.secret);
  p->user_line = own_line(&l, HR_K_gateway_user);
  p->group_line = own_line(&l, HR_K_gateway_group);
  size_t n = resolve_ids(p, !!lookup(&l, HR_K_gateway_user), ids, errs);
  p->valid = !n;
  return n;
}

/* Free what set_field allocated for key k. */
static void free_field(struct profile *p, struct hr_key const *k, void *f)
{
  switch (k->type) {
    case HR_T_WORDS:
      for (size_t i = 0; i < p->nargs; i++) free(p->args[i]);
      free(p->args);
      break;
    case HR_T_ENV:
      for (size_t i = 0; i < p->nenv; i++) {
        free(p->env[i].name);
        free(p->env[i].value);
      }
      free(p->env);
      break;
    case HR_T_PATH: case HR_T_TEXT: case HR_T_PROGRAM: case HR_T_USER: case HR_T_GROUP: case HR_T_LOGDIR:
      free(*(char **)f);
      break;
    default: break;
  }
}

void profile_free(struct profile *p)
{
  for (size_t k = 0; k < HR_NKEYS; k++)
    if (profile_field[k] != PROFILE_NO_FIELD) free_field(p, hr_keys + k, (char *)p + profile_field[k]);
  free(p->name);
  free(p->file);
  free(p->groups);
  free(p->contributors);
  memset(p, 0, sizeof *p);
}
