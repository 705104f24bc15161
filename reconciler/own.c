/*
 * Ownership of the hermes home at boot (SPEC 12.4), done as SPEC 11 asks of every root step on a
 * path the hermes user can replace: on descriptors opened without following a link, never by
 * path. The home itself, the top-level files hermes' own hook names and the trees hermes writes
 * go to uid:gid; nothing else. An entry on another mount (a host file or directory bind-mounted
 * into the home) keeps its owner, a link is never followed nor chowned, and a non-directory with
 * other hard links is refused: it may be a root file linked in (fs.protected_hardlinks = 0).
 *
 * A tree is walked iteratively, depth first, with one directory stream per level and at most
 * OWN_MAX_DEPTH levels: no recursion, and a bounded number of descriptors whatever hermes made.
 * Deeper entries are left as they are (hermes made them, so they are hermes's already, unless
 * something put them there as root), and that is said once per tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "asuser.h"
#include "fsutil.h"
#include "hr.h"
#include "own.h"

/* hermes' list of the trees it writes (its stage2-hook.sh), and this image's profiles.d. */
static char const *const trees[] = {
  "cron", "sessions", "logs", "hooks", "memories", "skills", "skins", "plans", "workspace", "home",
  "profiles", "pairing", "platforms/pairing", "lazy-packages", "profiles.d",
};
/* The top-level files hermes' hook gives hermes (chowned or seeded as hermes there). */
static char const *const files[] = {
  ".env", "config.yaml", "SOUL.md", "auth.json", "auth.lock", "state.db", "state.db-shm", "state.db-wal",
  "hermes_state.db", "response_store.db", "response_store.db-shm", "response_store.db-wal",
  "gateway.pid", "gateway.lock", "gateway_state.json", "processes.json", "active_profile",
};
/* hermes' directory skeleton, made as hermes (parents before children). */
static char const *const skeleton[] = {
  "backups", "cron", "sessions", "logs", "logs/gateways", "hooks", "memories", "skills", "skins",
  "plans", "workspace", "home", "pairing", "platforms", "platforms/pairing", "lazy-packages",
};
#define N(a) (sizeof (a) / sizeof *(a))

struct own {
  char const *home;
  int homefd;
  uid_t uid;
  gid_t gid;
  uint64_t mnt;          /* the home's mount: nothing on another one is touched */
  int rc;                /* 0, or 1 once something was refused */
};

/* rel: the tree or file; name: the entry of the tree (0 for the tree or file itself) */
static void refuse(struct own *o, char const *rel, char const *name, char const *why)
{
  if (name) strerr_warnw7x("boot own: refusing ", name, " in ", o->home, "/", rel, why);
  else strerr_warnw5x("boot own: refusing ", o->home, "/", rel, why);
  o->rc = 1;
}

static void refuse_sys(struct own *o, char const *what, char const *rel)
{
  strerr_warnwu5sys(what, " ", o->home, "/", rel);
  o->rc = 1;
}

/* The mount fd is on (statx's mount id; the device where the kernel has none): -1 on error. */
static int mount_of(int fd, uint64_t *id)
{
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0) return -1;
  *id = sx.stx_mask & STATX_MNT_ID ? sx.stx_mnt_id : ((uint64_t)sx.stx_dev_major << 32 | sx.stx_dev_minor);
  return 0;
}

/* fd (O_PATH) designates name in rel, of status st: give it to uid:gid if it is ours to give. */
static void give(struct own *o, int fd, struct stat const *st, char const *rel, char const *name)
{
  uint64_t mnt;
  if (st->st_uid == o->uid && st->st_gid == o->gid) return;
  if (mount_of(fd, &mnt) < 0) return refuse_sys(o, "find the mount of", rel);
  if (mnt != o->mnt) return;   /* a bind mount from the host: its owner is the host's business */
  if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) return refuse(o, rel, name, ": it has other hard links");
  if (fchownat(fd, "", o->uid, o->gid, AT_EMPTY_PATH) < 0) refuse_sys(o, "chown", rel);
}

/* Entry name of the directory dirfd, as an O_PATH descriptor not following a link; st filled. */
static int entry_at(int dirfd, char const *name, struct stat *st)
{
  int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, st) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

struct level {
  DIR *d;
};

/* A subdirectory (fd: O_PATH, not a link) opened for reading and pushed; 0, or -1 with errno. */
static int push(struct level *stack, size_t *depth, int pathfd)
{
  int fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  stack[(*depth)++].d = d;
  return 0;
}

/* Walk the tree whose top (an O_PATH directory descriptor) is top: give every entry to uid:gid. */
static void walk(struct own *o, int top, char const *rel)
{
  struct level stack[OWN_MAX_DEPTH];
  size_t depth = 0;
  int deep = 0;
  if (push(stack, &depth, top) < 0) return refuse_sys(o, "read", rel);
  while (depth) {
    DIR *d = stack[depth - 1].d;
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) refuse_sys(o, "read a directory of", rel);
      closedir(d);
      depth--;
      continue;
    }
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    int fd = entry_at(dirfd(d), e->d_name, &st);
    if (fd < 0) {
      if (errno != ENOENT) refuse_sys(o, "open an entry of", rel);
      continue;
    }
    uint64_t mnt;
    if (!S_ISLNK(st.st_mode) && mount_of(fd, &mnt) == 0 && mnt == o->mnt) {
      give(o, fd, &st, rel, e->d_name);
      if (S_ISDIR(st.st_mode) && depth == OWN_MAX_DEPTH) deep = 1;
      else if (S_ISDIR(st.st_mode) && push(stack, &depth, fd) < 0) refuse_sys(o, "read a directory of", rel);
    }
    close(fd);
  }
  if (deep) {
    strerr_warnw5x("boot own: ", o->home, "/", rel,
                   ": entries more than " HR_STR(OWN_MAX_DEPTH) " levels deep are left as they are");
  }
}

/* The tree rel of the home: a directory of the home's mount, then everything in it. */
static void own_tree(struct own *o, char const *rel)
{
  struct stat st;
  int fd = fs_open_beneath(o->homefd, rel, O_PATH | O_DIRECTORY);
  if (fd < 0) {
    if (errno == ENOENT) return;
    if (errno == ELOOP || errno == ENOTDIR) return refuse(o, rel, 0, ": it is not a directory (a symbolic link?)");
    return refuse_sys(o, "open", rel);
  }
  uint64_t mnt;
  if (fstat(fd, &st) < 0 || mount_of(fd, &mnt) < 0) refuse_sys(o, "stat", rel);
  else if (mnt == o->mnt) {
    give(o, fd, &st, rel, 0);
    walk(o, fd, rel);
  }
  close(fd);
}

static void own_file(struct own *o, char const *name)
{
  struct stat st;
  int fd = entry_at(o->homefd, name, &st);
  if (fd < 0) {
    if (errno != ENOENT) refuse_sys(o, "open", name);
    return;
  }
  if (S_ISREG(st.st_mode)) give(o, fd, &st, name, 0);
  close(fd);
}

/* As uid:gid: hermes' directory skeleton in the home. */
static int make_skeleton(void *arg)
{
  struct own *o = arg;
  int rc = 0;
  for (size_t i = 0; i < N(skeleton); i++) {
    char const *slash = strrchr(skeleton[i], '/');
    int dfd = o->homefd;
    if (slash) {
      char parent[64];
      snprintf(parent, sizeof parent, "%.*s", (int)(slash - skeleton[i]), skeleton[i]);
      dfd = fs_open_beneath(o->homefd, parent, O_PATH | O_DIRECTORY);
    }
    if (dfd < 0 || (mkdirat(dfd, slash ? slash + 1 : skeleton[i], 0755) < 0 && errno != EEXIST)) {
      strerr_warnwu5sys("make ", o->home, "/", skeleton[i], " as hermes");
      rc = 1;
    }
    if (slash && dfd >= 0) close(dfd);
  }
  return rc;
}

/* The first len bytes of rel, a directory made below rootfd if missing, its parents opened without following links. */
static void make_prefix(int rootfd, char const *rel, size_t len)
{
  char *prefix = hr_strndup(rel, len);
  char *last = strrchr(prefix, '/');
  int pfd = rootfd;
  if (last) {
    *last = 0;
    pfd = fs_open_beneath(rootfd, prefix, O_PATH | O_DIRECTORY);
  }
  if (pfd >= 0) mkdirat(pfd, last ? last + 1 : prefix, 0755);   /* EEXIST or not: the open says */
  if (pfd >= 0 && pfd != rootfd) close(pfd);
  free(prefix);
}

/*
 * The home (an absolute path, not /), made if missing and create is set (as root: its parents are
 * root's), opened without following a link at any component. -1 with errno (EINVAL for /).
 */
static int open_home(char const *home, int create)
{
  char *rel = hr_strdup(home + strspn(home, "/"));
  size_t n = 0;
  for (char const *p = rel; *p; p++) if (*p != '/' || (p[1] && p[1] != '/')) rel[n++] = *p;   /* a//b/ is a/b */
  rel[n] = 0;
  int rootfd = n ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  int fd = -1;
  if (!n) errno = EINVAL;
  else if (rootfd >= 0) {
    for (char const *p = strchr(rel, '/'); create; p = strchr(p + 1, '/')) {
      make_prefix(rootfd, rel, p ? (size_t)(p - rel) : n);
      if (!p) break;
    }
    fd = fs_open_beneath(rootfd, rel, O_RDONLY | O_DIRECTORY);
  }
  int e = errno;
  if (rootfd >= 0) close(rootfd);
  free(rel);
  errno = e;
  return fd;
}

int own_home(char const *home, uid_t uid, gid_t gid)
{
  struct own o = { .home = home, .uid = uid, .gid = gid };
  struct stat st;
  int root = geteuid() == 0;
  o.homefd = open_home(home, root);
  if (o.homefd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      strerr_warnw3x("boot own: refusing ", home, " (HERMES_HOME): a symbolic link on its path, or not a directory");
      return 1;
    }
    if (errno == EINVAL) {
      strerr_warnw3x("boot own: refusing HERMES_HOME ", home, ": the root directory");
      return 1;
    }
    strerr_warnwu2sys("open HERMES_HOME ", home);
    return HR_EXIT_SYSTEM;
  }
  if (root) {
    if (fstat(o.homefd, &st) < 0 || mount_of(o.homefd, &o.mnt) < 0) {
      strerr_warnwu2sys("stat ", home);
      close(o.homefd);
      return HR_EXIT_SYSTEM;
    }
    if ((st.st_uid != uid || st.st_gid != gid) && fchown(o.homefd, uid, gid) < 0) {
      strerr_warnwu2sys("chown ", home);
      o.rc = 1;
    }
    for (size_t i = 0; i < N(files); i++) own_file(&o, files[i]);
    for (size_t i = 0; i < N(trees); i++) own_tree(&o, trees[i]);
  }
  int r = as_user(uid, gid, make_skeleton, &o);
  if (r != 0) o.rc = r < 0 || r == HR_EXIT_SYSTEM ? HR_EXIT_SYSTEM : (o.rc ? o.rc : r);
  close(o.homefd);
  return o.rc;
}

int own_dirs(char const *const *dirs, int n, uid_t uid, gid_t gid)
{
  int rc = 0;
  for (int i = 0; i < n; i++) {
    struct stat st;
    int fd = open(dirs[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
      strerr_warnwu3sys("open ", dirs[i], " (a symbolic link?)");
      rc = 1;
    } else if ((st.st_uid != uid || st.st_gid != gid) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
      strerr_warnwu2sys("chown ", dirs[i]);
      rc = 1;
    }
    if (fd >= 0) close(fd);
  }
  return rc;
}
