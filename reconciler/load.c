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
#include "load.h"
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
  struct hr_settings own = { 0 };
  size_t n = 0, before = errs->n;
  if (!schema_valid_profile_name(name)) {
    errors_add(errs, file, 0, "invalid profile name %s: expected [a-z0-9][a-z0-9_-]*, at most 243 characters", name);
    n++;
  }
  n += ini_read_settings(file, buf, len, 0, &own, errs);
  n += settings_check(&own, ctx->ids, errs);
  n += profile_build(p, name, file, defaults, &own, ctx->hermes_home, ctx->ids, errs);
  p->valid = !n;
  /* never an invalid profile without a word: an id that resolved once and then not (the databases changed) */
  if (!p->valid && errs->n == before) errors_add(errs, file, 0, "its user or group could not be resolved");
  settings_free(&own);
}

/* The entry itself is gone (removed since the directory was listed), not just what it points to. */
static int vanished(int dirfd, char const *path)
{
  struct stat st;
  return errno == ENOENT && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/*
 * Read a whole file (following symbolic links) into *buf; -1 with a message in errs, or -2
 * without one if the file was removed since it was listed (an edit in progress: it is not there).
 */
static int slurp_file(int dirfd, char const *path, char const *shown, char **buf, size_t *len, struct hr_errors *errs)
{
  int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) {
    if (dirfd != AT_FDCWD && vanished(dirfd, path)) return -2;
    errors_add(errs, shown, 0, "cannot open: %s", strerror(errno));
    return -1;
  }
  int bad_stat = fstat(fd, &st) < 0;
  if (bad_stat || !S_ISREG(st.st_mode)) {
    errors_add(errs, shown, 0, "%s", bad_stat ? strerror(errno) : "not a regular file");
    close(fd);
    return -1;
  }
  size_t cap = (size_t)st.st_size < HR_FILE_MAX ? (size_t)st.st_size + 1 : HR_FILE_MAX + 1;
  *buf = hr_alloc(cap + 1);
  *len = 0;
  for (;;) {
    ssize_t r = read(fd, *buf + *len, cap - *len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      errors_add(errs, shown, 0, "cannot read: %s", strerror(errno));
      free(*buf);
      *buf = 0;                              /* the caller frees *buf too */
      close(fd);
      return -1;
    }
    if (!r) break;
    *len += (size_t)r;
    if (*len == cap) {
      if (cap > HR_FILE_MAX) break;          /* too large: ini_read_settings says so */
      cap = cap * 2 > HR_FILE_MAX + 1 ? HR_FILE_MAX + 1 : cap * 2;
      *buf = hr_realloc(*buf, cap + 1);
    }
  }
  close(fd);
  return 0;
}

static int by_name(void const *a, void const *b)
{
  return strcmp(((struct profile const *)a)->name, ((struct profile const *)b)->name);
}

static int str_cmp(void const *a, void const *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The <name>.ini names of dir, sorted; -1 with errno on failure. */
static int list_dir(int dirfd, char ***names, size_t *n)
{
  size_t cap = 0;
  DIR *d = fs_dir_stream(dirfd);
  if (!d) return -1;
  *names = 0;
  *n = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) break;
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".ini")) continue;
    hr_grow(names, sizeof **names, *n, &cap);
    (*names)[(*n)++] = hr_strdup(e->d_name);
  }
  int e = errno;
  closedir(d);
  if (e) {
    for (size_t i = 0; i < *n; i++) free((*names)[i]);
    free(*names);
    errno = e;
    return -1;
  }
  if (*n) qsort(*names, *n, sizeof **names, str_cmp);
  return 0;
}

static char *join(char const *dir, char const *name)
{
  return hr_asprintf("%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}

static char *base_name(char const *path)
{
  char const *slash = strrchr(path, '/');
  char const *b = slash ? slash + 1 : path;
  size_t len = strlen(b);
  if (len > 4 && !strcmp(b + len - 4, ".ini")) len -= 4;
  return hr_strndup(b, len);
}

static void add_file(struct profile_set *set, int dirfd, char const *path, char const *shown,
                     struct hr_settings const *defaults, struct load_ctx const *ctx, struct hr_errors *errs)
{
  char *buf = 0;
  size_t len = 0;
  int r = slurp_file(dirfd, path, shown, &buf, &len, errs);
  if (r == -2) return;
  char *name = base_name(path);
  hr_grow(&set->v, sizeof *set->v, set->n, &set->cap);
  struct profile *p = set->v + set->n++;
  if (r < 0) {
    memset(p, 0, sizeof *p);
    p->name = hr_strdup(name);
    p->file = hr_strdup(shown);
  } else {
    load_profile_buffer(name, shown, buf, len, defaults, ctx, p, errs);
    if (set->defaults_invalid) p->valid = 0;
  }
  free(buf);
  free(name);
}

/* Loads dir/_defaults.ini into *defaults if there is one; 1 if loaded, 0 if absent, -1 if invalid. */
static int load_defaults(int dirfd, char const *dir, struct load_ctx const *ctx, struct hr_settings *defaults,
                         struct hr_errors *errs)
{
  char *shown = join(dir, HR_DEFAULTS_FILE);
  char *buf = 0;
  size_t len = 0;
  int r;
  /* the defaults weigh on every profile: one that vanished while being read is not "no defaults" */
  if (faccessat(dirfd, HR_DEFAULTS_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) r = 0;
  else if ((r = slurp_file(dirfd, HR_DEFAULTS_FILE, shown, &buf, &len, errs)) < 0) {
    if (r == -2) errors_add(errs, shown, 0, "removed while being read; nothing is changed by this pass");
    r = -1;
  } else r = load_defaults_buffer(shown, buf, len, ctx, defaults, errs) ? -1 : 1;
  free(buf);
  free(shown);
  return r;
}

int load_profiles(char const *dir, char const *const *files, size_t n, struct load_ctx const *ctx,
                  struct profile_set *set, struct hr_errors *errs)
{
  struct hr_settings defaults = { 0 };
  char **names = 0;
  size_t nnames = 0;
  ids_system_forget();
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return -1;
  int d = load_defaults(dirfd, dir, ctx, &defaults, errs);
  set->defaults_invalid = d < 0;
  if (n) {
    for (size_t i = 0; i < n; i++) {
      char *b = base_name(files[i]);
      int is_defaults = !strcmp(b, "_defaults");
      free(b);
      if (is_defaults) continue;  /* already checked above */
      add_file(set, AT_FDCWD, files[i], files[i], d > 0 ? &defaults : 0, ctx, errs);
    }
  } else if (list_dir(dirfd, &names, &nnames) < 0) {
    int e = errno;
    settings_free(&defaults);
    close(dirfd);
    errno = e;
    return -1;
  }
  for (size_t i = 0; i < nnames; i++) {
    if (strcmp(names[i], HR_DEFAULTS_FILE)) {
      char *shown = join(dir, names[i]);
      add_file(set, dirfd, names[i], shown, d > 0 ? &defaults : 0, ctx, errs);
      free(shown);
    }
    free(names[i]);
  }
  free(names);
  if (!n && d >= 0) discover_profiles(set, d > 0 ? &defaults : 0, ctx, errs);   /* SPEC 10 */
  settings_free(&defaults);
  close(dirfd);
  if (set->n) qsort(set->v, set->n, sizeof *set->v, by_name);
  return 0;
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
  memset(set, 0, sizeof *set);
}
