#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "profile.h"
#include "schema.h"

/*
 * getpwnam and getgrnam read the whole database on every call, and a load asks about the same one or two
 * names for every profile: remember the last answer of each, until ids_system_forget (every load).
 */
struct id_memo {
  char name[256];   /* every name a profile line can hold */
  int found;
  uid_t uid;
  gid_t gid;
};

static struct id_memo user_memo, group_memo;

static int memo_hit(struct id_memo const *m, char const *name)
{
  return m->name[0] && !strcmp(m->name, name);
}

/* Remember m as the answer for name. */
static void memo_keep(struct id_memo *memo, char const *name, struct id_memo const *m)
{
  size_t len = strlen(name);
  if (len >= sizeof memo->name) return;
  *memo = *m;
  memcpy(memo->name, name, len + 1);
}

void ids_system_forget(void)
{
  user_memo.name[0] = 0;
  group_memo.name[0] = 0;
}

/* getpwnam(3): these errno values, or none, mean "not found"; any other is a failed lookup. */
static int lookup_failed(void)
{
  return errno && errno != ENOENT && errno != ESRCH && errno != EBADF && errno != EPERM;
}

static int user_system(char const *name, uid_t *uid, gid_t *gid)
{
  struct id_memo m = { 0 };
  if (memo_hit(&user_memo, name)) m = user_memo;
  else {
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw && lookup_failed()) return -2;
    if (pw) m = (struct id_memo){ .found = 1, .uid = pw->pw_uid, .gid = pw->pw_gid };
    memo_keep(&user_memo, name, &m);
  }
  if (!m.found) return -1;
  *uid = m.uid;
  *gid = m.gid;
  return 0;
}

static int group_system(char const *name, gid_t *gid)
{
  struct id_memo m = { 0 };
  if (memo_hit(&group_memo, name)) m = group_memo;
  else {
    errno = 0;
    struct group *gr = getgrnam(name);
    if (!gr && lookup_failed()) return -2;
    if (gr) m = (struct id_memo){ .found = 1, .gid = gr->gr_gid };
    memo_keep(&group_memo, name, &m);
  }
  if (!m.found) return -1;
  *gid = m.gid;
  return 0;
}

/* getgrouplist(3), grown until the list fits. */
static int grouplist_system(char const *user, gid_t primary, gid_t **v, size_t *n)
{
  int cap = 16;
  for (;;) {
    int got = cap;
    *v = hr_alloc(sizeof **v * (size_t)cap);
    errno = 0;
    if (getgrouplist(user, primary, *v, &got) >= 0) {
      *n = (size_t)got;
      return 0;
    }
    free(*v);
    *v = 0;
    if (got <= cap) {
      if (cap >= 65536) return -2;      /* no answer that fits, and no size to grow to: a failed lookup */
      got = cap * 2;
    }
    cap = got;
  }
}

struct hr_ids const ids_system = { user_system, group_system, grouplist_system };

char const *profile_quote(int secret, char const *s)
{
  return secret ? HR_NOT_QUOTED : s;
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
    case HR_T_BOOL: return schema_parse_bool(v, &b) ? "expected yes/no, true/false, on/off or 1/0" : 0;
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

size_t settings_check(struct hr_settings const *s, struct hr_ids const *ids, struct hr_errors *errs)
{
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) {
    struct hr_key const *k = hr_keys + s->v[i].key;
    char const *why = value_problem(k, s->v[i].value, ids);
    if (!why) continue;
    /* the key is the schema's own word (every key with a free name is valid whatever its value) */
    char const *v = profile_quote(s->origin.secret, s->v[i].value);
    if (k->type == HR_T_ENUM)
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s %s", s->v[i].name, v, why, k->choices);
    else if (k->type == HR_T_INT)
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s %ld..%ld", s->v[i].name, v, why, k->min, k->max);
    else
      errors_add(errs, s->file, s->v[i].line, "%s = %s: %s", s->v[i].name, v, why);
    n++;
  }
  return n;
}

/* The value of section/key: the profile's own, else the defaults', else 0. */
static char const *lookup(struct hr_settings const *d, struct hr_settings const *own, char const *section, char const *key)
{
  size_t i = schema_index(schema_find(section, key));
  struct hr_setting const *s = settings_get(own, i, 0);
  if (!s && d) s = settings_get(d, i, 0);
  return s ? s->value : 0;
}

/* The line of [gateway] key in the profile's own file, 0 if it does not set it. */
static unsigned int own_line(struct hr_settings const *own, char const *key)
{
  struct hr_setting const *s = settings_get(own, schema_index(schema_find("gateway", key)), 0);
  return s ? s->line : 0;
}

static int get_bool(struct hr_settings const *d, struct hr_settings const *own, char const *sect, char const *key, int dflt)
{
  char const *v = lookup(d, own, sect, key);
  int b = dflt;
  if (v) schema_parse_bool(v, &b);
  return b;
}

static int get_enum(struct hr_settings const *d, struct hr_settings const *own, char const *sect, char const *key, int dflt)
{
  char const *v = lookup(d, own, sect, key);
  int e = dflt;
  if (v) schema_parse_enum(schema_find(sect, key), v, &e);
  return e;
}

static long get_int(struct hr_settings const *d, struct hr_settings const *own, char const *sect, char const *key, long dflt)
{
  char const *v = lookup(d, own, sect, key);
  long n = dflt;
  if (v) schema_parse_int(schema_find(sect, key), v, &n);
  return n;
}

static char *get_str(struct hr_settings const *d, struct hr_settings const *own, char const *sect, char const *key, char const *dflt)
{
  char const *v = lookup(d, own, sect, key);
  return hr_strdup(v ? v : dflt);
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
  size_t envkey = schema_index(schema_find("env", "*"));
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
               profile_quote(p->secret, p->user));
    return 1;
  }
  for (size_t i = 0; i < p->ngroups; i++)
    if (!p->groups[i]) {
      errors_add(errs, p->file, p->user_line, "user %s is a member of root's group (gid 0): the gateway never runs with it",
                 profile_quote(p->secret, p->user));
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
               profile_quote(p->secret, p->user), what, (unsigned long)owner);
  } else if (!has_group(p, p->gid)) {
    errors_add(errs, p->file, p->group_line,
               "group %s is refused: %s belongs to uid %lu, which is not a member of it",
               profile_quote(p->secret, p->group ? p->group : "(primary)"), what, (unsigned long)owner);
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
                 profile_quote(p->secret, p->user));
      return 1;
    }
  }
  return resolve_groups(p, primary, ids, errs);
}

size_t profile_build(struct profile *p, char const *name, char const *file, struct hr_settings const *d,
                     struct hr_settings const *own, char const *hermes_home, struct hr_ids const *ids,
                     struct hr_errors *errs)
{
  memset(p, 0, sizeof *p);
  p->name = hr_strdup(name);
  p->file = hr_strdup(file);
  p->enabled = get_bool(d, own, "profile", "enabled", 1);
  char const *home = lookup(d, own, "profile", "home");
  if (home) p->home = hr_strdup(home);
  else if (!strcmp(name, "default")) p->home = hr_strdup(hermes_home);
  else p->home = hr_asprintf("%s/profiles/%s", hermes_home, name);
  p->description = get_str(d, own, "profile", "description", "");
  p->program = get_str(d, own, "gateway", "program", "hermes");
  char const *args = lookup(d, own, "gateway", "args");
  if (args) split_words(p, args);
  p->autostart = get_enum(d, own, "gateway", "autostart", HR_AUTOSTART_STATE);
  p->restart = get_enum(d, own, "gateway", "restart", HR_RESTART_ON_FAILURE);
  p->user = get_str(d, own, "gateway", "user", "hermes");
  char const *group = lookup(d, own, "gateway", "group");
  p->group = group ? hr_strdup(group) : 0;
  p->inherit_env = get_bool(d, own, "gateway", "inherit_env", 1);
  p->timeout_finish = get_int(d, own, "gateway", "timeout_finish", -1);
  p->timeout_kill = get_int(d, own, "gateway", "timeout_kill", -1);
  p->notification_fd = get_int(d, own, "gateway", "notification_fd", -1);
  p->max_death_tally = get_int(d, own, "gateway", "max_death_tally", -1);
  char const *sig = lookup(d, own, "gateway", "down_signal");
  if (sig) schema_parse_signal(sig, p->down_signal, sizeof p->down_signal);
  p->log_enabled = get_bool(d, own, "log", "enabled", 1);
  char const *dir = lookup(d, own, "log", "dir");
  p->log_dir = dir ? hr_strdup(dir) : hr_asprintf("$HERMES_HOME/logs/gateways/%s", name);
  p->max_files = get_int(d, own, "log", "max_files", 10);
  p->max_size = get_int(d, own, "log", "max_size", 1000000);
  p->timestamp = get_enum(d, own, "log", "timestamp", HR_TS_ISO);
  p->to_stdout = get_bool(d, own, "log", "to_stdout", 1);
  merge_env(p, d, own);
  p->secret = own->origin.secret || (d && d->origin.secret);
  p->user_line = own_line(own, "user");
  p->group_line = own_line(own, "group");
  size_t n = resolve_ids(p, !!lookup(d, own, "gateway", "user"), ids, errs);
  p->valid = !n;
  return n;
}

void profile_free(struct profile *p)
{
  free(p->name);
  free(p->file);
  free(p->home);
  free(p->description);
  free(p->program);
  for (size_t i = 0; i < p->nargs; i++) free(p->args[i]);
  free(p->args);
  free(p->user);
  free(p->group);
  free(p->log_dir);
  for (size_t i = 0; i < p->nenv; i++) {
    free(p->env[i].name);
    free(p->env[i].value);
  }
  free(p->env);
  free(p->groups);
  free(p->contributors);
  memset(p, 0, sizeof *p);
}
