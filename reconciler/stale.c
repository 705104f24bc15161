/*
 * The stale-state sweep of cont-init.d 016, in C so that it is bounded (SPEC 11.8): every home
 * is opened without following a link; gateway_state.json is opened non-blocking, without
 * following a link, checked to be a regular file and read only when smaller than 64 KiB (a FIFO,
 * a device or a sparse 1 GiB file costs no more than a normal one); gateway.pid and
 * processes.json are unlinked, never followed. It runs as the hermes user (SPEC 11.1: work in
 * hermes-owned trees is done as hermes), so whatever it touches, hermes could have touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>

#include "fsutil.h"
#include "hr.h"
#include "stale.h"

#define STATE_MAX 65536

/* A state word as hermes writes one ([A-Za-z_-], at most 32): else "unknown". */
static char const *state_word(char const *s)
{
  size_t n = strlen(s);
  if (!n || n > 32 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") != n) return "unknown";
  return s;
}

/* The prior state of the home hfd, printed after name. */
static void print_prior(int hfd, char const *name)
{
  struct stat st;
  char const *state = "unknown";
  json_object *o = 0;
  int fd = fs_open_typed(hfd, "gateway_state.json", O_RDONLY, S_IFREG, &st);
  if (fd < 0 && errno == ENOENT) state = "none";
  else if (fd >= 0 && st.st_size < STATE_MAX) {
    char *buf = hr_alloc(STATE_MAX);
    ssize_t n = readnclose(fd, buf, STATE_MAX - 1);
    fd = -1;
    json_object *v = 0;
    if (n > 0 && (o = json_tokener_parse(buf)) && json_object_is_type(o, json_type_object) &&
        (json_object_object_get_ex(o, "desired_state", &v) || json_object_object_get_ex(o, "gateway_state", &v)) &&
        json_object_is_type(v, json_type_string))
      state = state_word(json_object_get_string(v));
    free(buf);
  }
  if (fd >= 0) close(fd);
  printf("%s %s\n", name, state);
  json_object_put(o);
}

/* gateway.pid and processes.json of the home hfd, unlinked (whatever they are but a directory). */
static int clean(int hfd, char const *home, char const *sub)
{
  static char const *const stale[] = { "gateway.pid", "processes.json" };
  int rc = 0;
  for (size_t i = 0; i < 2; i++) {
    if (unlinkat(hfd, stale[i], 0) == 0)
      fprintf(stderr, HR_PROG ": boot stale: removed stale %s%s%s/%s\n", home, *sub ? "/" : "", sub, stale[i]);
    else if (errno != ENOENT) {
      strerr_warnwu6sys("remove stale ", home, *sub ? "/" : "", sub, "/", stale[i]);
      rc = 1;
    }
  }
  return rc;
}

/* A profile directory name this sweep reports: no dot first, no blank or control character. */
static int reportable(char const *name)
{
  if (name[0] == '.' || !strcmp(name, "default")) return 0;
  for (char const *p = name; *p; p++) if ((unsigned char)*p <= ' ' || *p == 0x7f) return 0;
  return 1;
}

int stale_sweep(char const *home)
{
  int hfd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (hfd < 0) {
    if (errno == ENOENT) return 0;
    strerr_warnwu2sys("open the hermes home ", home);
    return 1;
  }
  print_prior(hfd, "default");
  int rc = clean(hfd, home, "");
  int pfd = fs_opendir_at(hfd, "profiles");
  DIR *d = pfd < 0 ? 0 : fs_dir_stream(pfd);
  if (pfd >= 0 && !d) rc = 1;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (!reportable(e->d_name)) continue;
    int fd = fs_opendir_at(pfd, e->d_name);   /* a link or a file: not a profile home */
    if (fd < 0) continue;
    char *sub = hr_asprintf("profiles/%s", e->d_name);
    print_prior(fd, e->d_name);
    rc |= clean(fd, home, sub);
    free(sub);
    close(fd);
  }
  if (d) closedir(d);
  if (pfd >= 0) close(pfd);
  close(hfd);
  return rc;
}
