/*
 * hermes-reconcile import [NAME...]: a profile file for each discovered profile that has none
 * (SPEC 10). Each file holds one comment line and no key, which is exactly the implicit profile:
 * the plan after an import is empty, and stays empty once [discover] profiles is turned off.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/strerr.h>

#include "commands.h"
#include "discover.h"
#include "hr.h"
#include "load.h"
#include "report.h"
#include "schema.h"
#include "slot.h"

struct import_run {
  struct hr_options const *o;
  struct profile_set set;
  unsigned char *over;       /* SPEC 10: past [discover] max (discover_cap), as the plan says */
  struct hr_errors errs;
  char **written;            /* the files written, for the report */
  size_t nwritten, cap;
  int code;
};

static void fail(struct import_run *r, int code)
{
  if (code == HR_EXIT_SYSTEM || r->code == HR_EXIT_OK) r->code = code;
}

/* Is this a profile import writes a file for? One the plan would publish, not one past the cap. */
static int importable(struct import_run const *r, struct profile const *p)
{
  return p->discovered == HR_DISCOVERED && schema_valid_profile_name(p->name) && !r->over[p - r->set.v];
}

/* discover_cap's question: is there a slot gateway-<name> (a directory) in the scandir (fd)? */
static int slot_exists(void const *ctx, char const *name)
{
  struct stat st;
  char *slot = slot_name(name);
  int r = fstatat(*(int const *)ctx, slot, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
  free(slot);
  return r;
}

/* Is name one of the NAMEs given (all are when none is)? */
static int named(char const *name, int argc, char const *const *argv)
{
  if (!argc) return 1;
  for (int i = 0; i < argc; i++) if (!strcmp(argv[i], name)) return 1;
  return 0;
}

/*
 * SPEC 10: the same cap as the plan's, so that the plan after an import is empty: the live slots
 * are the scandir's (none when there is no scandir). A NAME past it is an error (exit 1); without
 * NAMEs, the profiles past it are said on stderr and left to the volume.
 */
static void cap(struct import_run *r, int argc, char const *const *argv)
{
  r->over = hr_alloc(r->set.n + 1);
  int fd = open(r->o->scandir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    errors_add(&r->errs, r->o->scandir, 0, "cannot read the scandir: %s", strerror(errno));
    fail(r, HR_EXIT_SYSTEM);
    memset(r->over, 1, r->set.n + 1);   /* which ones [discover] max allows is unknown */
    return;
  }
  discover_cap(&r->set, slot_exists, &fd, r->over);
  if (fd >= 0) close(fd);
  for (size_t i = 0; i < r->set.n; i++) {
    if (!r->over[i]) continue;
    if (!argc) strerr_warnw3x("import: ", r->set.v[i].name, " is past [discover] max: not imported");
    else if (named(r->set.v[i].name, argc, argv)) {
      discover_cap_error(r->set.v + i, r->set.discover_max, &r->errs);
      fail(r, HR_EXIT_INVALID);
    }
  }
}

/* SPEC 10: exit 1 for a NAME that is not a discovered profile; one with a file already is left alone. */
static void check_names(struct import_run *r, int argc, char const *const *argv)
{
  for (int i = 0; i < argc; i++) {
    struct profile const *p = profile_set_find(&r->set, argv[i]);
    if (p && !p->discovered) strerr_warnw3x("import: ", argv[i], " has a profile file already; left as it is");
    else if (p && r->over[p - r->set.v]) continue;   /* said by cap() */
    else if (!p || !importable(r, p)) {
      errors_add(&r->errs, argv[i], 0, "not a discovered profile (no %s/%s/%s/%s)", r->o->hermes_home,
                 "profiles", argv[i], "SOUL.md");
      fail(r, HR_EXIT_INVALID);
    }
  }
}

/*
 * SPEC 11.10: whom a file of the config dir is written as: its owner (the non-root owner of a link
 * on its path, else the directory's), with that user's groups. Never gid 0 for another user.
 */
struct writer {
  uid_t uid;
  gid_t gid;
  gid_t groups[64];
  int ngroups;
};

static int writer_of(struct stat const *dir, struct hr_origin const *tree, struct writer *wr)
{
  struct passwd *pw;
  wr->uid = tree->owner ? tree->owner : dir->st_uid;
  wr->gid = dir->st_gid;
  wr->ngroups = 0;
  errno = 0;
  if ((pw = getpwuid(wr->uid))) {
    wr->gid = pw->pw_gid;
    wr->ngroups = (int)(sizeof wr->groups / sizeof *wr->groups);
    if (getgrouplist(pw->pw_name, pw->pw_gid, wr->groups, &wr->ngroups) < 0) wr->ngroups = 0;
  } else if (errno) return -1;
  if (wr->uid && !wr->gid) return errno = EPERM, -1;
  for (int i = 0; i < wr->ngroups; i++) if (wr->uid && !wr->groups[i]) wr->groups[i] = wr->gid;
  return 0;
}

/*
 * Create dirfd/file exclusively, mode 0644, holding text, as the process is. 1 written, 0 when a
 * file appeared meanwhile (left alone), -1 with errno on failure (nothing left behind).
 */
static int create_file(int dirfd, char const *file, char const *text)
{
  int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) return errno == EEXIST ? 0 : -1;
  int bad = fchmod(fd, 0644) < 0 || allwrite(fd, text, strlen(text)) < strlen(text) || fsync(fd) < 0;
  int e = errno;
  if (close(fd) < 0 && !bad) bad = 1, e = errno;
  if (!bad) return 1;
  unlinkat(dirfd, file, 0);
  errno = e;
  return -1;
}

/* create_file as wr, in a child that takes wr's identity: root never writes there itself. */
static int create_file_as(int dirfd, struct writer const *wr, char const *file, char const *text)
{
  if (wr->uid == geteuid()) return create_file(dirfd, file, text);
  if (geteuid()) return errno = EPERM, -1;   /* not the owner, and cannot become it */
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (!pid) {
    if (setgroups((size_t)wr->ngroups, wr->groups) < 0 || setgid(wr->gid) < 0 || setuid(wr->uid) < 0) _exit(errno);
    int r = create_file(dirfd, file, text);
    _exit(r > 0 ? 0 : r == 0 ? EEXIST : errno);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (!WIFEXITED(status)) return errno = EINTR, -1;
  int code = WEXITSTATUS(status);
  if (!code) return 1;
  if (code == EEXIST) return 0;
  return errno = code, -1;
}

/*
 * Create dirfd/<name>.ini exclusively as wr. 1 written, 0 when a file appeared meanwhile (left
 * alone), -1 with errno on failure (nothing left behind).
 */
static int write_profile(int dirfd, struct writer const *wr, char const *name)
{
  char *file = hr_asprintf("%s.ini", name);
  char *text = hr_asprintf("; profile %s, imported by hermes-reconcile import from the hermes volume: no keys,"
                           " every value from _defaults.ini\n", name);
  int r = create_file_as(dirfd, wr, file, text);
  free(text);
  free(file);
  return r;
}

static void write_all_profiles(struct import_run *r, int argc, char const *const *argv)
{
  struct stat st;
  struct hr_origin tree;
  struct writer wr;
  char const *why;
  int dirfd = load_open_dir(r->o->config_dir, &tree, &why);
  if (dirfd < 0 || fstat(dirfd, &st) < 0 || writer_of(&st, &tree, &wr) < 0) {
    if (dirfd < 0 && why) errors_add(&r->errs, r->o->config_dir, 0, "refused: %s", why);
    else if (dirfd < 0) errors_add(&r->errs, r->o->config_dir, 0, "cannot open the config dir: %s", strerror(errno));
    else errors_add(&r->errs, r->o->config_dir, 0, "cannot write as its owner: %s", strerror(errno));
    fail(r, HR_EXIT_SYSTEM);
    if (dirfd >= 0) close(dirfd);
    return;
  }
  for (size_t i = 0; i < r->set.n; i++) {
    struct profile const *p = r->set.v + i;
    if (!importable(r, p) || !named(p->name, argc, argv)) continue;
    char *path = hr_asprintf("%s/%s.ini", r->o->config_dir, p->name);
    int w = write_profile(dirfd, &wr, p->name);
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
  struct load_ctx ctx = { o->hermes_home, &ids_system, 0, 0 };
  if (load_profiles(o->config_dir, 0, 0, &ctx, &r.set, &load_errs) < 0) {
    errors_add(&r.errs, o->config_dir, 0, "cannot read the config dir: %s", strerror(errno));
    fail(&r, HR_EXIT_SYSTEM);
  } else if (r.set.defaults_invalid) {
    /* nothing was discovered: say why */
    for (size_t i = 0; i < load_errs.n; i++)
      errors_add(&r.errs, load_errs.v[i].file, load_errs.v[i].line, "%s", load_errs.v[i].message);
    fail(&r, HR_EXIT_INVALID);
  } else {
    cap(&r, argc, argv);
    check_names(&r, argc, argv);
    write_all_profiles(&r, argc, argv);
  }
  report_import((char const *const *)r.written, r.nwritten, &r.errs, o->json, o->verbosity, r.code);
  for (size_t i = 0; i < r.nwritten; i++) free(r.written[i]);
  free(r.written);
  errors_free(&load_errs);
  errors_free(&r.errs);
  profile_set_free(&r.set);
  free(r.over);
  return r.code;
}
