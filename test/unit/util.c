/* Fixtures of the unit tests: fake user and group databases, loading from strings, lookups. */
#include <stdio.h>
#include <string.h>

#include "hr.h"
#include "unit.h"

static struct { char const *name; uid_t uid; gid_t gid; } const users[] = {
  { "hermes", 1000, 1000 }, { "alice", 1001, 1001 }, { "root", 0, 0 }, { "toor", 0, 0 }, { "rootgrp", 1002, 0 },
  { "wheely", 1003, 1003 },
};
static struct { char const *name; gid_t gid; } const groups[] = {
  { "hermes", 1000 }, { "alice", 1001 }, { "staff", 50 }, { "wheel", 0 }, { "root", 0 },
};

static int user_in(char const *name, uid_t *uid, gid_t *gid, int with_hermes)
{
  for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
    if (strcmp(users[i].name, name)) continue;
    if (!with_hermes && !strcmp(name, "hermes")) return -1;
    *uid = users[i].uid;
    *gid = users[i].gid;
    return 0;
  }
  return -1;
}

static int fake_user(char const *name, uid_t *uid, gid_t *gid)
{
  return user_in(name, uid, gid, 1);
}

static int fake_user_nohermes(char const *name, uid_t *uid, gid_t *gid)
{
  return user_in(name, uid, gid, 0);
}

static int fake_group(char const *name, gid_t *gid)
{
  for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
    if (!strcmp(groups[i].name, name)) {
      *gid = groups[i].gid;
      return 0;
    }
  return -1;
}

/* Supplementary groups: hermes is also in staff, wheely in wheel (gid 0); the others in their primary alone. */
static int fake_grouplist(char const *user, gid_t primary, gid_t **v, size_t *n)
{
  gid_t extra = !strcmp(user, "hermes") ? 50 : !strcmp(user, "wheely") ? 0 : primary;
  *v = hr_alloc(2 * sizeof **v);
  (*v)[0] = primary;
  (*v)[1] = extra;
  *n = extra == primary ? 1 : 2;
  return 0;
}

struct hr_ids const t_ids = { fake_user, fake_group, fake_grouplist };
struct hr_ids const t_ids_nohermes = { fake_user_nohermes, fake_group, fake_grouplist };
struct load_ctx const t_lctx = { T_HOME, &t_ids, 0, 0 };
struct render_ctx const t_rctx = { T_HOME, T_BINDIR };

char const *t_file(char const *name)
{
  static char buf[512];
  snprintf(buf, sizeof buf, T_DIR "/%s.ini", name);
  return buf;
}

int t_load(char const *name, char const *text, char const *defaults, struct profile *p, struct hr_errors *errs)
{
  struct hr_settings d = { 0 };
  char file[512];
  snprintf(file, sizeof file, "%s", t_file(name));
  if (defaults) load_defaults_buffer(t_file("_defaults"), defaults, strlen(defaults), &t_lctx, &d, errs);
  load_profile_buffer(name, file, text, strlen(text), defaults ? &d : 0, &t_lctx, p, errs);
  settings_free(&d);
  return p->valid;
}

void t_errors_n(struct hr_errors const *errs, size_t n)
{
  char all[4096] = "";
  size_t len = 0;
  for (size_t i = 0; i < errs->n && len < sizeof all; i++)
    len += (size_t)snprintf(all + len, sizeof all - len, "\n  %s:%u: %s", errs->v[i].file, errs->v[i].line,
                            errs->v[i].message);
  ck_assert_msg(errs->n == n, "expected %zu errors, got %zu:%s", n, errs->n, all);
}

void t_load_ok(char const *name, char const *text, char const *defaults, struct profile *p)
{
  struct hr_errors errs = { 0 };
  int valid = t_load(name, text, defaults, p, &errs);
  t_errors_n(&errs, 0);
  errors_free(&errs);
  ck_assert_int_eq(valid, 1);
}

struct hr_error const *t_error(struct hr_errors const *errs, char const *file, unsigned int line, char const *needle)
{
  for (size_t i = 0; i < errs->n; i++) {
    struct hr_error const *e = errs->v + i;
    if (!strcmp(e->file, file) && e->line == line && strstr(e->message, needle)) return e;
  }
  return 0;
}

struct slot_entry const *t_entry(struct slot_render const *r, char const *path)
{
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->v[i].path, path)) return r->v + i;
  return 0;
}

char const *t_content(struct slot_render const *r, char const *path)
{
  struct slot_entry const *e = t_entry(r, path);
  ck_assert_msg(e != 0, "no entry %s in %s", path, r->slot);
  ck_assert_int_eq(e->kind, HR_ENTRY_FILE);
  ck_assert_uint_eq(strlen(e->content), e->len);
  return e->content;
}
