/*
 * hermes-reconcile import [NAME...]: a profile file for each discovered profile that has none
 * (SPEC 10). Each file holds one comment line and no key, which is exactly the implicit profile:
 * the plan after an import is empty, and stays empty once [discover] profiles is turned off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>

#include "commands.h"
#include "hr.h"
#include "load.h"
#include "report.h"
#include "schema.h"

struct import_run {
  struct hr_options const *o;
  struct profile_set set;
  struct hr_errors errs;
  char **written;            /* the files written, for the report */
  size_t nwritten, cap;
  int code;
};

static void fail(struct import_run *r, int code)
{
  if (code == HR_EXIT_SYSTEM || r->code == HR_EXIT_OK) r->code = code;
}

/* Is this a profile import writes a file for? */
static int importable(struct profile const *p)
{
  return p->discovered == HR_DISCOVERED && schema_valid_profile_name(p->name);
}

/* SPEC 10: exit 1 for a NAME that is not a discovered profile; one with a file already is left alone. */
static void check_names(struct import_run *r, int argc, char const *const *argv)
{
  for (int i = 0; i < argc; i++) {
    struct profile const *p = profile_set_find(&r->set, argv[i]);
    if (p && !p->discovered) strerr_warnw3x("import: ", argv[i], " has a profile file already; left as it is");
    else if (!p || !importable(p)) {
      errors_add(&r->errs, argv[i], 0, "not a discovered profile (no %s/%s/%s/%s)", r->o->hermes_home,
                 "profiles", argv[i], "SOUL.md");
      fail(r, HR_EXIT_INVALID);
    }
  }
}

static int named(char const *name, int argc, char const *const *argv)
{
  if (!argc) return 1;
  for (int i = 0; i < argc; i++) if (!strcmp(argv[i], name)) return 1;
  return 0;
}

/* Give fd the config dir's owner and mode 0644 and write the text; 0 or -1 with errno. */
static int fill(int fd, struct stat const *dir, char const *text)
{
  if ((dir->st_uid != geteuid() || dir->st_gid != getegid()) && fchown(fd, dir->st_uid, dir->st_gid) < 0) return -1;
  if (fchmod(fd, 0644) < 0) return -1;
  if (allwrite(fd, text, strlen(text)) < strlen(text)) return -1;
  return fsync(fd);
}

/*
 * Create dirfd/<name>.ini exclusively. 1 written, 0 when a file appeared meanwhile (left alone),
 * -1 with errno on failure (nothing left behind).
 */
static int write_profile(int dirfd, struct stat const *dir, char const *name)
{
  char *file = hr_asprintf("%s.ini", name);
  char *text = hr_asprintf("; profile %s, imported by hermes-reconcile import from the hermes volume: no keys,"
                           " every value from _defaults.ini\n", name);
  int r = 1;
  int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) r = errno == EEXIST ? 0 : -1;
  else {
    int bad = fill(fd, dir, text) < 0;
    int e = errno;
    if (close(fd) < 0 && !bad) bad = 1, e = errno;
    if (bad) {
      unlinkat(dirfd, file, 0);
      errno = e;
      r = -1;
    }
  }
  free(text);
  free(file);
  return r;
}

static void write_all_profiles(struct import_run *r, int argc, char const *const *argv)
{
  struct stat st;
  int dirfd = open(r->o->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0 || fstat(dirfd, &st) < 0) {
    errors_add(&r->errs, r->o->config_dir, 0, "cannot open the config dir: %s", strerror(errno));
    fail(r, HR_EXIT_SYSTEM);
    if (dirfd >= 0) close(dirfd);
    return;
  }
  for (size_t i = 0; i < r->set.n; i++) {
    struct profile const *p = r->set.v + i;
    if (!importable(p) || !named(p->name, argc, argv)) continue;
    char *path = hr_asprintf("%s/%s.ini", r->o->config_dir, p->name);
    int w = write_profile(dirfd, &st, p->name);
    if (w > 0) {
      hr_grow(&r->written, sizeof *r->written, r->nwritten, &r->cap);
      r->written[r->nwritten++] = path;
      continue;
    }
    if (!w) strerr_warnw3x("import: ", path, " appeared meanwhile; left as it is");
    else {
      errors_add(&r->errs, path, 0, "cannot create: %s", strerror(errno));
      fail(r, HR_EXIT_SYSTEM);
    }
    free(path);
  }
  close(dirfd);
}

int cmd_import(struct hr_options const *o, int argc, char const *const *argv)
{
  struct import_run r = { .o = o, .set = { .discover = LOAD_DISCOVER_ALWAYS } };
  struct hr_errors load_errs = { 0 };
  struct load_ctx ctx = { o->hermes_home, &ids_system };
  if (load_profiles(o->config_dir, 0, 0, &ctx, &r.set, &load_errs) < 0) {
    errors_add(&r.errs, o->config_dir, 0, "cannot read the config dir: %s", strerror(errno));
    fail(&r, HR_EXIT_SYSTEM);
  } else if (r.set.defaults_invalid) {
    /* nothing was discovered: say why */
    for (size_t i = 0; i < load_errs.n; i++)
      errors_add(&r.errs, load_errs.v[i].file, load_errs.v[i].line, "%s", load_errs.v[i].message);
    fail(&r, HR_EXIT_INVALID);
  } else {
    check_names(&r, argc, argv);
    write_all_profiles(&r, argc, argv);
  }
  report_import((char const *const *)r.written, r.nwritten, &r.errs, o->json, o->verbosity, r.code);
  for (size_t i = 0; i < r.nwritten; i++) free(r.written[i]);
  free(r.written);
  errors_free(&load_errs);
  errors_free(&r.errs);
  profile_set_free(&r.set);
  return r.code;
}
