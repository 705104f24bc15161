/*
 * First-boot seeding of the config dir (SPEC 11.10). The config dir, or the last hop of the link
 * that leads to it ($HERMES_HOME/profiles.d), is the hermes user's to replace: it is written as
 * its owner, in a child that dropped to that user before it resolved any path, through a
 * descriptor, with files created exclusively (never over what is there). Root only reads the
 * examples (root's, in the image) and hands their text to the child.
 *
 * When: a config dir is seeded at most once, by the boot that makes it (SEED_NEW); the hook asks
 * for SEED_EMPTY only on a container's first boot, on its own root-owned record. Deleting every
 * *.ini file and the marker no longer brings the examples back (SPEC 11, issue 20).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>

#include "asuser.h"
#include "fsutil.h"
#include "hr.h"
#include "seed.h"

#define EXAMPLE_MAX 65536
#define MARKER ".hermes-seeded"

struct example {
  char const *name;
  char *text;            /* 0: no such example */
  size_t len;
};

struct seed {
  char const *dir, *examples;
  uid_t uid;
  enum seed_when when;
  struct example ex[2];
};

/* examples/name, a regular file of at most EXAMPLE_MAX bytes, read as root (the image's). */
static void read_example(struct seed *s, struct example *x)
{
  int dfd = open(s->examples, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = dfd < 0 ? -1 : fs_open_typed(dfd, x->name, O_RDONLY, S_IFREG, 0);
  if (dfd >= 0) close(dfd);
  if (fd < 0) return;
  x->text = hr_alloc(EXAMPLE_MAX);
  ssize_t n = readnclose(fd, x->text, EXAMPLE_MAX);
  if (n < 0 || n == EXAMPLE_MAX) {
    free(x->text);
    x->text = 0;
    return;
  }
  x->len = (size_t)n;
}

static int has_ini(int dfd)
{
  DIR *d = fs_dir_stream(dfd);
  if (!d) return -1;
  int found = 0;
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    found = e->d_name[0] != '.' && n > 4 && !strcmp(e->d_name + n - 4, ".ini");
  }
  closedir(d);
  return found;
}

/* name in dfd, created exclusively with text: 1 written, 0 there already, -1 error. */
static int write_new(int dfd, char const *name, char const *text, size_t len)
{
  int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) return errno == EEXIST ? 0 : -1;
  if (allwrite(fd, text, len) < len || fchmod(fd, 0644) < 0 || close(fd) < 0) {
    int e = errno;
    unlinkat(dfd, name, 0);
    errno = e;
    return -1;
  }
  return 1;
}

/* The config dir, made if missing, opened without following a final link: its fd, *made set. */
static int open_dir(struct seed const *s, int *made)
{
  char *parent = hr_strdup(s->dir);
  char *last = strrchr(parent, '/');
  char const *name = last ? last + 1 : parent;
  if (last) *last = 0;
  int pfd = open(last ? (*parent ? parent : "/") : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = -1;
  if (pfd >= 0) {
    *made = mkdirat(pfd, name, 0755) == 0;
    if (*made || errno == EEXIST) fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(pfd);
    errno = e;
  }
  free(parent);
  return fd;
}

/* In the child, as the config dir's owner. */
static int seed_as_owner(void *arg)
{
  struct seed *s = arg;
  struct stat st;
  int made = 0;
  int dfd = open_dir(s, &made);
  if (dfd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      strerr_warnw3x("boot seed: refusing ", s->dir, ": a symbolic link or not a directory; nothing seeded");
      return 1;
    }
    strerr_warnwu2sys("open the config dir ", s->dir);
    return HR_EXIT_SYSTEM;
  }
  if (fstat(dfd, &st) < 0 || st.st_uid != s->uid) {
    close(dfd);
    strerr_warnw3x("boot seed: refusing ", s->dir, ": not owned by the hermes user; nothing seeded");
    return 1;
  }
  int want = made;
  if (!made && s->when == SEED_EMPTY) want = has_ini(dfd) == 0;
  int rc = 0;
  for (size_t i = 0; want && i < 2; i++) {
    struct example const *x = &s->ex[i];
    if (!x->text) continue;
    int w = write_new(dfd, x->name, x->text, x->len);
    if (w < 0) {
      strerr_warnwu5sys("seed ", s->dir, "/", x->name, " as hermes");
      rc = 1;
    } else if (w) printf("hermes-reconcile: first boot: seeded %s/%s from %s/%s\n", s->dir, x->name, s->examples, x->name);
  }
  if (want && !s->ex[0].text) strerr_warnw4x("boot seed: ", s->examples, "/default.ini does not exist: ", "no default profile seeded");
  if (want && write_new(dfd, MARKER, "", 0) < 0) strerr_warnwu4sys("write ", s->dir, "/", MARKER);
  close(dfd);
  return rc;
}

int seed_config_dir(char const *dir, char const *examples, uid_t uid, gid_t gid, enum seed_when when)
{
  struct seed s = {
    .dir = dir, .examples = examples, .uid = uid, .when = when,
    .ex = { { .name = "default.ini" }, { .name = "_defaults.ini" } },
  };
  for (size_t i = 0; i < 2; i++) read_example(&s, &s.ex[i]);
  int r = as_user(uid, gid, seed_as_owner, &s);
  for (size_t i = 0; i < 2; i++) free(s.ex[i].text);
  if (r < 0) {
    strerr_warnwu2sys("seed the config dir ", dir);
    return HR_EXIT_SYSTEM;
  }
  return r;
}
