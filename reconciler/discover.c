/* SPEC 10: the implicit profiles of the hermes volume. See discover.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "fsutil.h"
#include "hr.h"
#include "schema.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

void discover_settings(struct hr_settings const *defaults, int *on, long *max)
{
  struct hr_key const *kon = schema_find("discover", "profiles"), *kmax = schema_find("discover", "max");
  struct hr_setting const *s;
  *on = 0;
  *max = HR_DISCOVER_MAX_DEFAULT;
  if (!defaults) return;
  if ((s = settings_get(defaults, schema_index(kon), 0))) schema_parse_bool(s->value, on);
  if ((s = settings_get(defaults, schema_index(kmax), 0))) schema_parse_int(kmax, s->value, max);
}

void disc_list_add(struct disc_list *l, char const *name, uid_t owner, int err)
{
  hr_grow(&l->v, sizeof *l->v, l->n, &l->cap);
  l->v[l->n].name = hr_strdup(name);
  l->v[l->n].owner = owner;
  l->v[l->n].err = err;
  l->n++;
}

static int entry_cmp(void const *a, void const *b)
{
  return strcmp(((struct disc_entry const *)a)->name, ((struct disc_entry const *)b)->name);
}

void disc_list_sort(struct disc_list *l)
{
  if (l->n) qsort(l->v, l->n, sizeof *l->v, entry_cmp);
}

void disc_list_free(struct disc_list *l)
{
  for (size_t i = 0; i < l->n; i++) free(l->v[i].name);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/*
 * Is pfd/name a directory (not a link) holding a regular SOUL.md (not a link)? 1 with its owner,
 * 0 if not, -1 with errno if it cannot be looked into. A name that vanished meanwhile is "not".
 * O_PATH: looking for SOUL.md needs search permission on the directory, never read permission.
 */
static int holds_mark(int pfd, char const *name, uid_t *owner)
{
  struct stat st;
  int fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 : -1;
  int r = 1;
  if (fstat(fd, &st) < 0) r = -1;
  else if ((*owner = st.st_uid, fstatat(fd, HR_DISCOVER_MARK, &st, AT_SYMLINK_NOFOLLOW) < 0))
    r = errno == ENOENT || errno == ENOTDIR ? 0 : -1;
  else if (!S_ISREG(st.st_mode)) r = 0;
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/*
 * Every entry of profiles/ (its descriptor) that holds the mark, and every one that cannot be
 * looked into, with its errno; dot names are skipped. -1 with errno if profiles/ cannot be listed.
 */
static int read_entries(int pfd, struct disc_list *out)
{
  DIR *d = fs_dir_stream(pfd);
  if (!d) return -1;
  int err = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      err = errno;
      break;
    }
    if (e->d_name[0] == '.') continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;   /* links and files: never profiles */
    uid_t owner = 0;
    int r = holds_mark(pfd, e->d_name, &owner);
    if (r) disc_list_add(out, e->d_name, owner, r < 0 ? errno : 0);
  }
  closedir(d);
  errno = err;
  return err ? -1 : 0;
}

int discover_read(char const *hermes_home, struct disc_list *out)
{
  struct stat st;
  int hfd = open(hermes_home, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);  /* the trusted path */
  if (hfd < 0) return errno == ENOENT ? 0 : -1;   /* default alone, reported for its missing home */
  if (fstat(hfd, &st) < 0) {
    int e = errno;
    close(hfd);
    errno = e;
    return -1;
  }
  out->home_known = 1;
  out->home_owner = st.st_uid;
  int pfd = openat(hfd, HR_DISCOVER_DIR, DIR_FLAGS);
  int e = errno;
  close(hfd);
  if (pfd < 0) {
    if (e == ENOENT || e == ELOOP || e == ENOTDIR) return 0;   /* no profiles/, or not a directory of its own */
    errno = e;
    return -1;
  }
  int r = read_entries(pfd, out);
  e = errno;
  close(pfd);
  disc_list_sort(out);
  errno = e;
  return r;
}

/* Among the first n profiles of set (sorted), one named name? */
static int has_file(struct profile_set const *set, size_t n, char const *name)
{
  struct profile_set files = { .v = set->v, .n = n };
  return !!profile_set_find(&files, name);
}

/* One implicit profile, as if <name>.ini existed and were empty; shown is its directory. */
static struct profile *add_implicit(struct profile_set *set, char const *name, char const *shown,
                                    struct hr_settings const *defaults, struct load_ctx const *ctx,
                                    struct hr_errors *errs)
{
  hr_grow(&set->v, sizeof *set->v, set->n, &set->cap);
  struct profile *p = set->v + set->n++;
  load_profile_buffer(name, shown, "", 0, defaults, ctx, p, errs);
  p->discovered = HR_DISCOVERED;
  return p;
}

/* SPEC 11.5: a discovered profile's directory contributes to it, so its owner must allow its ids. */
static void set_owner(struct profile *p, uid_t owner, struct hr_errors *errs)
{
  profile_contribute(p, owner, "its directory", errs);
}

void discover_add(struct profile_set *set, struct disc_list const *list, long max,
                  struct hr_settings const *defaults, struct load_ctx const *ctx, struct hr_errors *errs)
{
  profile_set_sort(set);
  size_t nfiles = set->n;
  set->discover_max = max;
  for (size_t i = 0; i < list->n; i++) {
    struct disc_entry const *d = list->v + i;
    if (!strcmp(d->name, "default") || has_file(set, nfiles, d->name)) continue;
    if (i && !strcmp(d->name, list->v[i - 1].name)) continue;   /* a listing names each entry once */
    char *shown = hr_asprintf("%s/" HR_DISCOVER_DIR "/%s", ctx->hermes_home, d->name);
    if (d->err) {
      /* whether it is a profile is unknown: its live slot, if any, is left as it is */
      errors_add(errs, shown, 0, "cannot look into: %s; its slot, if any, is left as it is", strerror(d->err));
      struct hr_errors quiet = { 0 };  /* one error says it all */
      add_implicit(set, d->name, shown, defaults, ctx, &quiet)->valid = 0;
      errors_free(&quiet);
    } else set_owner(add_implicit(set, d->name, shown, defaults, ctx, errs), d->owner, errs);
    free(shown);
  }
  if (!has_file(set, nfiles, "default")) {
    struct profile *p = add_implicit(set, "default", ctx->hermes_home, defaults, ctx, errs);
    if (list->home_known) set_owner(p, list->home_owner, errs);
  }
  profile_set_sort(set);
}

/* Does the discovered profile p ask for a slot of its own that counts against the cap? */
static int capped(struct profile const *p)
{
  return p->discovered && strcmp(p->name, "default");
}

size_t discover_cap(struct profile_set const *set, int (*live)(void const *ctx, char const *name), void const *ctx,
                    unsigned char *over)
{
  long left = set->discover_max;
  size_t n = 0;
  for (size_t i = 0; i < set->n; i++) {
    over[i] = 0;
    if (capped(set->v + i) && live(ctx, set->v[i].name)) left--;   /* incumbents keep their slots */
  }
  for (size_t i = 0; i < set->n; i++) {   /* set is sorted: newcomers in name order */
    struct profile const *p = set->v + i;
    if (!capped(p) || !p->valid || !p->enabled || live(ctx, p->name)) continue;
    if (left > 0) left--;
    else over[i] = 1, n++;
  }
  return n;
}

void discover_cap_error(struct profile const *p, long max, struct hr_errors *errs)
{
  errors_add(errs, p->file, 0, "more discovered profiles than [discover] max = %ld allows: not published", max);
}

void discover_profiles(struct profile_set *set, struct hr_settings const *defaults, struct load_ctx const *ctx,
                       struct hr_errors *errs)
{
  int on;
  long max;
  discover_settings(defaults, &on, &max);
  if (set->discover == LOAD_DISCOVER_NEVER || (set->discover == LOAD_DISCOVER_AS_SET && !on)) return;
  struct disc_list list = { 0 };
  if (discover_read(ctx->hermes_home, &list) < 0) {
    /* what is wanted is unknown: change nothing rather than remove every discovered slot */
    char *shown = hr_asprintf("%s/" HR_DISCOVER_DIR, ctx->hermes_home);
    errors_add(errs, shown, 0, "cannot read: %s; nothing is changed by this pass", strerror(errno));
    free(shown);
    set->defaults_invalid = 1;
    for (size_t i = 0; i < set->n; i++) set->v[i].valid = 0;
  } else discover_add(set, &list, max, defaults, ctx, errs);
  disc_list_free(&list);
}
