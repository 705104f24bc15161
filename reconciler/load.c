#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/stralloc.h>

#include "discover.h"
#include "fsutil.h"
#include "hr.h"
#include "load.h"
#include "schema.h"

/* The entry itself is gone (removed since the directory was listed), not just what it points to. */
static int vanished(int dirfd, char const *path)
{
  struct stat st;
  return errno == ENOENT && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/*
 * Resolving a name beneath a directory (SPEC 3, 11.4, 11.5), or the config dir's own path from /
 * (SPEC 11.10): no link is ever followed by the kernel, each one is looked at, and its owner noted.
 */
#define LINKS_MAX 8     /* name.ini -> ..data/name.ini, ..data -> ..2026_x: two; a few more for other layouts */
#define DEPTH_MAX 32

struct walk {
  int anywhere;          /* the config dir's path: absolute links and ".." above the base are allowed */
  int dirs[DEPTH_MAX];   /* O_PATH descriptors of the directories entered beneath the base */
  size_t depth;
  unsigned int links;
  int link_owner_set;
  uid_t link_owner;      /* the non-root owner of a link followed */
  int secret;
  char path[4096];       /* what is left to resolve */
};

/* A walk that starts at its base, having followed no link: w->path is walk_open's to fill, never
   cleared here (4 KiB per file opened). */
static void walk_start(struct walk *w, int anywhere, struct hr_origin const *tree)
{
  w->anywhere = anywhere;
  w->depth = 0;
  w->links = 0;
  w->link_owner_set = !!tree->owner;
  w->link_owner = tree->owner;
  w->secret = tree->secret;
}

static void walk_close(struct walk *w)
{
  while (w->depth) close(w->dirs[--w->depth]);
}

/* A link at (dirfd, comp) whose remaining path is rest: its target replaces it in w->path. */
static int walk_link(struct walk *w, int dirfd, char const *comp, struct stat const *st, char const *rest,
                     char const **why)
{
  char target[4096];
  if (++w->links > LINKS_MAX) return *why = "too many levels of symbolic links", -1;
  if (st->st_uid) {
    if (w->link_owner_set && w->link_owner != st->st_uid) return *why = "reached through links of different owners", -1;
    w->link_owner_set = 1;
    w->link_owner = st->st_uid;
    w->secret = 1;
  }
  ssize_t r = readlinkat(dirfd, comp, target, sizeof target);
  if (r < 0) return -1;
  if ((size_t)r >= sizeof target || (size_t)r + strlen(rest) + 2 > sizeof w->path) return errno = ENAMETOOLONG, -1;
  if (!r || (target[0] == '/' && !w->anywhere)) return *why = "a symbolic link that leads out of its directory", -1;
  if (target[0] == '/') walk_close(w);   /* anywhere: the base is / */
  size_t tl = (size_t)r, rl = strlen(rest);
  memcpy(w->path, target, tl);
  w->path[tl] = '/';
  memcpy(w->path + tl + !!rl, rest, rl + 1);   /* rest is not in w->path */
  return 0;
}

/* The last component of an anywhere walk, open on (dirfd, comp): the directory it leads to. */
static int walk_last(int dirfd, char const *comp, struct stat *st)
{
  int fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, st) < 0) {
    int e = errno;
    close(fd);
    return errno = e, -1;
  }
  return fd;
}

/*
 * Open name (relative, may go through links and subdirectories) beneath base, never leaving it and
 * never letting the kernel follow a link: each component is looked at with AT_SYMLINK_NOFOLLOW and
 * opened with O_NOFOLLOW relative to its parent's descriptor; a link's target is resolved the same
 * way. The file is opened non-blocking. w->anywhere (set by the caller, base /): the directory that
 * name leads to, wherever that is. Returns the descriptor, or -1 with errno, or with *why set for
 * a layout that is refused.
 */
static int walk_open(int base, char const *name, struct walk *w, struct stat *st, char const **why)
{
  if (strlen(name) >= sizeof w->path) return errno = ENAMETOOLONG, -1;
  memcpy(w->path, name, strlen(name) + 1);
  for (;;) {
    int cur = w->depth ? w->dirs[w->depth - 1] : base;
    char *p = w->path;
    while (*p == '/') p++;
    if (!*p) return w->anywhere ? walk_last(cur, ".", st) : (*why = "names a directory", -1);
    char *slash = strchr(p, '/');
    char rest[sizeof w->path];
    rest[0] = 0;
    if (slash) {
      *slash = 0;
      memcpy(rest, slash + 1, strlen(slash + 1) + 1);
    }
    char comp[256];
    if (strlen(p) >= sizeof comp) return errno = ENAMETOOLONG, -1;
    memcpy(comp, p, strlen(p) + 1);
    memmove(w->path, rest, strlen(rest) + 1);
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      if (w->depth) close(w->dirs[--w->depth]);
      else if (!w->anywhere) return *why = "a symbolic link that leads out of its directory", -1;
      continue;
    }
    if (!*rest && !slash && !w->anywhere) {
      /* the last component (a file): opened first, looked at (fstat) after; only a link (ELOOP) is lstat'ed */
      int fd = fs_open_beneath(cur, comp, O_RDONLY);
      if (fd >= 0 && fstat(fd, st) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
      }
      if (fd >= 0 || errno != ELOOP) return fd;
      if (fstatat(cur, comp, st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
      if (!S_ISLNK(st->st_mode)) return errno = ELOOP, -1;
      if (walk_link(w, cur, comp, st, rest, why) < 0) return -1;
      continue;
    }
    if (fstatat(cur, comp, st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
    if (S_ISLNK(st->st_mode)) {
      if (walk_link(w, cur, comp, st, rest, why) < 0) return -1;
      continue;
    }
    if (!*rest && !slash) return walk_last(cur, comp, st);   /* anywhere: the directory */
    if (!S_ISDIR(st->st_mode)) return errno = ENOTDIR, -1;
    if (w->depth == DEPTH_MAX) return *why = "too deep beneath its directory", -1;
    if (!(st->st_mode & S_IXOTH)) w->secret = 1;
    int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    w->dirs[w->depth++] = fd;
  }
}

int load_open_dir(char const *dir, struct hr_origin *tree, char const **why)
{
  struct walk w;
  struct stat st;
  char *abs = 0;
  walk_start(&w, 1, &(struct hr_origin){ 0 });
  *why = 0;
  memset(tree, 0, sizeof *tree);
  if (dir[0] != '/') {
    char *cwd = getcwd(0, 0);
    if (!cwd) return -1;
    abs = hr_asprintf("%s/%s", cwd, dir);
    free(cwd);
  }
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root >= 0 && (fstat(root, &st) < 0 || !(st.st_mode & S_IXOTH))) w.secret = 1;   /* / itself */
  int fd = root < 0 ? -1 : walk_open(root, abs ? abs : dir, &w, &st, why);
  int e = errno;
  walk_close(&w);
  if (root >= 0) close(root);
  free(abs);
  if (fd < 0) return errno = e, -1;
  if (!(st.st_mode & S_IXOTH)) w.secret = 1;   /* the dir itself: walk_open's fstat of it */
  tree->owner = w.link_owner_set ? w.link_owner : 0;
  tree->secret = w.secret;
  return fd;
}

/* Whom a file reached by w answers to (SPEC 11.4, 11.5): 0, or -1 after adding a refusal to errs. */
static int file_origin(struct walk const *w, struct stat const *st, char const *shown, struct hr_origin *origin,
                       struct hr_errors *errs)
{
  if (!S_ISREG(st->st_mode)) {
    errors_add(errs, shown, 0, "refused: not a regular file");
    return -1;
  }
  if (w->link_owner_set && st->st_uid && st->st_uid != w->link_owner) {
    errors_add(errs, shown, 0, "refused: reached through a link of another owner than the file's");
    return -1;
  }
  origin->secret = w->secret || !(st->st_mode & S_IROTH);
  origin->owner = w->link_owner_set ? w->link_owner : st->st_uid;
  return 0;
}

/*
 * Open path beneath dirfd as SPEC 3 says: through links only to a regular file inside the directory,
 * once more on ENOENT (a ConfigMap's ..data swapped meanwhile). origin: in, whom the directory
 * answers to (load_open_dir); out, whom the file answers to. *direct: whether no link was followed.
 * Returns the descriptor; -2 if the entry itself is gone (removed since it was listed); -1 after
 * adding the error to errs.
 */
static int open_profile_file(int dirfd, char const *path, char const *shown, struct hr_origin *origin,
                             struct stat *st, int *direct, struct hr_errors *errs)
{
  struct hr_origin const tree = *origin;
  struct walk w;
  char const *why = 0;
  int fd = -1;
  for (int attempt = 0; attempt < 2; attempt++) {
    why = 0;
    walk_start(&w, 0, &tree);
    fd = walk_open(dirfd, path, &w, st, &why);
    int e = errno;
    walk_close(&w);
    errno = e;
    if (fd >= 0 || why || errno != ENOENT) break;
  }
  if (fd < 0) {
    if (!why && errno == ENOENT && vanished(dirfd, path)) return -2;
    if (why) errors_add(errs, shown, 0, "refused: %s", why);
    else errors_add(errs, shown, 0, "cannot open: %s", strerror(errno));
    return -1;
  }
  if (file_origin(&w, st, shown, origin, errs) < 0) {
    close(fd);
    return -1;
  }
  *direct = !w.links;
  return fd;
}

/*
 * Read a whole file, opened beneath dirfd (open_profile_file), into *buf; -1 with a message in errs,
 * or -2 without one if the file was removed since it was listed (an edit in progress: it is not there).
 * st: the file as it was opened, before it was read; *direct: open_profile_file's.
 */
static int slurp_file(int dirfd, char const *path, char const *shown, char **buf, size_t *len,
                      struct hr_origin *origin, struct stat *st, int *direct, struct hr_errors *errs)
{
  int fd = open_profile_file(dirfd, path, shown, origin, st, direct, errs);
  if (fd < 0) return fd;
  /* sized from fstat, read in one call; one that grew since is read on up to the limit */
  size_t cap = st->st_size < HR_FILE_MAX ? (size_t)st->st_size + 1 : HR_FILE_MAX + 1;
  *buf = hr_alloc(cap + 1);
  ssize_t r = fs_read_sized(fd, st, *buf, cap);
  if (r == (ssize_t)cap && cap <= HR_FILE_MAX) {
    *buf = hr_realloc(*buf, HR_FILE_MAX + 2);
    ssize_t more = fs_read_sized(fd, 0, *buf + cap, HR_FILE_MAX + 1 - cap);
    r = more < 0 ? more : r + more;
  }
  if (r < 0) {
    errors_add(errs, shown, 0, "cannot read: %s", strerror(errno));
    free(*buf);
    *buf = 0;                              /* the caller frees *buf too */
    close(fd);
    return -1;
  }
  *len = (size_t)r;                        /* more than HR_FILE_MAX: ini_read_settings says so */
  close(fd);
  return 0;
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
  return hr_cat(dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name, (char *)0);
}

static char *base_name(char const *path)
{
  char const *slash = strrchr(path, '/');
  char const *b = slash ? slash + 1 : path;
  size_t len = strlen(b);
  if (len > 4 && !strcmp(b + len - 4, ".ini")) len -= 4;
  return hr_strndup(b, len);
}

/* The config dir, open on dirfd, and whom it answers to (load_open_dir). */
struct cdir {
  int fd;
  char const *path;
  struct hr_origin tree;
  struct timespec now;   /* the coarse real-time clock before any file of it was looked at */
};

/* A profile file as add_file has it. */
struct file_read {
  struct stat st;
  char const *bytes;
  size_t len;
  char *buf;                          /* bytes, when read from the file */
  struct ledger_entry const *kept;    /* the ledger's entry, when it vouches for the file */
  int direct;                         /* read, reached without a link */
};

/*
 * The bytes of the file name of dir from the ledger, when it vouches for the file as the name shows
 * it now, not following a link (ledger_file): 1, with f's bytes, st and kept, and origin as for the
 * file opened; 0 when it must be read; -1 after adding a refusal to errs.
 */
static int recall_file(struct cdir const *dir, char const *name, char const *shown, struct ledger const *l,
                       struct file_read *f, struct hr_origin *origin, struct hr_errors *errs)
{
  struct walk w;
  if (!l || !l->nfiles || fstatat(dir->fd, name, &f->st, AT_SYMLINK_NOFOLLOW) < 0) return 0;
  struct ledger_entry const *e = ledger_file(l, name, &f->st);
  if (!e) return 0;
  walk_start(&w, 0, &dir->tree);
  if (file_origin(&w, &f->st, shown, origin, errs) < 0) return -1;
  f->bytes = e->record;
  f->len = e->len;
  f->kept = e;
  return 1;
}

/*
 * Keep f, the file name (a string that lives as long as set), and what was read of it (pack, new;
 * empty: the ledger's, or none) for the ledger, when it may go there (struct load_source). f's buffer
 * and pack are taken.
 */
static void keep_source(struct profile_set *set, struct cdir const *dir, char const *name, struct file_read *f,
                        stralloc *pack)
{
  struct stat const *st = &f->st;
  if (!f->kept && ((uint64_t)st->st_size != f->len || f->len > HR_FILE_MAX || !ledger_file_keepable(st, &dir->now))) {
    free(f->buf);
    stralloc_free(pack);
    return;
  }
  hr_grow(&set->src, sizeof *set->src, set->nsrc, &set->srccap);
  struct load_source *s = set->src + set->nsrc++;
  *s = (struct load_source){ name, (uint64_t)st->st_dev, (uint64_t)st->st_ino, (int64_t)st->st_ctim.tv_sec,
                             st->st_ctim.tv_nsec, f->bytes, f->len, f->buf, 0, 0, 0, !!f->kept };
  if (pack->len) {
    s->pack = s->own_pack = pack->s;
    s->plen = pack->len;
  } else {
    stralloc_free(pack);
    if (f->kept) s->pack = f->kept->inputs, s->plen = f->kept->ilen;
  }
}

static void add_file(struct profile_set *set, struct cdir const *dir, char const *path, char const *shown,
                     struct hr_settings const *defaults, struct load_ctx const *ctx, struct hr_errors *errs)
{
  struct file_read f = { .buf = 0, .kept = 0, .direct = 0 };
  struct hr_origin origin = dir->tree;
  stralloc pack = STRALLOC_ZERO;
  int r = recall_file(dir, path, shown, ctx->ledger, &f, &origin, errs);
  if (!r) {
    r = slurp_file(dir->fd, path, shown, &f.buf, &f.len, &origin, &f.st, &f.direct, errs);
    f.bytes = f.buf;
  }
  if (r == -2) return;
  int keep = r >= 0 && ctx->ledger && (f.kept || f.direct);
  char *name = base_name(path);
  hr_grow(&set->v, sizeof *set->v, set->n, &set->cap);
  struct profile *p = set->v + set->n++;
  if (r < 0) {
    memset(p, 0, sizeof *p);
    p->name = hr_strdup(name);
    p->file = hr_strdup(shown);
  } else {
    /* what the same build read of these very bytes, if the ledger kept it; else the bytes, read now */
    if (!f.kept || !f.kept->ilen || !ctx->ledger_packs
        || load_profile_unpacking(name, shown, &origin, f.kept->inputs, f.kept->ilen, defaults, ctx, p, errs) < 0)
      load_profile_packing(name, shown, &origin, f.bytes, f.len, defaults, ctx, p, errs, keep ? &pack : 0);
    if (set->defaults_invalid) p->valid = 0;
  }
  if (keep) keep_source(set, dir, p->file + strlen(p->file) - strlen(path), &f, &pack);
  else free(f.buf);
  free(name);
}

/* Loads dir/_defaults.ini into *defaults if there is one; 1 if loaded, 0 if absent, -1 if invalid. */
static int load_defaults(struct cdir const *dir, struct load_ctx const *ctx, struct hr_settings *defaults,
                         struct hr_errors *errs)
{
  char *shown = join(dir->path, HR_DEFAULTS_FILE);
  char *buf = 0;
  size_t len = 0;
  struct stat st;
  int r, direct, dirfd = dir->fd;
  defaults->origin = dir->tree;
  /* the defaults weigh on every profile: one that vanished while being read is not "no defaults" */
  if (faccessat(dirfd, HR_DEFAULTS_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) r = 0;
  else if ((r = slurp_file(dirfd, HR_DEFAULTS_FILE, shown, &buf, &len, &defaults->origin, &st, &direct, errs)) < 0) {
    if (r == -2) errors_add(errs, shown, 0, "removed while being read; nothing is changed by this pass");
    r = -1;
  } else r = load_defaults_buffer(shown, buf, len, ctx, defaults, errs) ? -1 : 1;
  free(buf);
  free(shown);
  return r;
}

/* The _defaults.ini of one directory named on the command line of check, loaded once. */
struct dir_defaults {
  char *dir;
  struct hr_settings d;
  int state;             /* load_defaults: 1 loaded, 0 none, -1 invalid */
};

static char *dir_name(char const *path)
{
  char const *slash = strrchr(path, '/');
  if (!slash) return hr_strdup(".");
  return slash == path ? hr_strdup("/") : hr_strndup(path, (size_t)(slash - path));
}

static struct dir_defaults *defaults_of(struct dir_defaults **v, size_t *n, size_t *cap, struct cdir const *dir,
                                        struct load_ctx const *ctx, struct hr_errors *errs)
{
  for (size_t i = 0; i < *n; i++) if (!strcmp((*v)[i].dir, dir->path)) return *v + i;
  hr_grow(v, sizeof **v, *n, cap);
  struct dir_defaults *dd = *v + (*n)++;
  memset(dd, 0, sizeof *dd);
  dd->dir = hr_strdup(dir->path);
  dd->state = load_defaults(dir, ctx, &dd->d, errs);
  return dd;
}

/*
 * check FILE... (SPEC 9.12): each file over the _defaults.ini of its own directory (none if it has
 * none), DIR/_defaults.ini as defaults, whatever the directory; no config dir is needed.
 */
static int load_files(char const *const *files, size_t n, struct load_ctx const *ctx, struct profile_set *set,
                      struct hr_errors *errs)
{
  struct dir_defaults *dds = 0;
  size_t ndds = 0, cap = 0;
  int any_invalid = 0;
  for (size_t i = 0; i < n; i++) {
    char *dir = dir_name(files[i]);
    char const *slash = strrchr(files[i], '/');
    char const *base = slash ? slash + 1 : files[i];
    char const *why;
    struct cdir cd = { .path = dir };
    cd.fd = load_open_dir(dir, &cd.tree, &why);
    if (cd.fd < 0 && why) errors_add(errs, files[i], 0, "its directory is refused: %s", why);
    else if (cd.fd < 0) errors_add(errs, files[i], 0, "cannot open its directory: %s", strerror(errno));
    else {
      struct dir_defaults *dd = defaults_of(&dds, &ndds, &cap, &cd, ctx, errs);
      any_invalid |= dd->state < 0;
      struct stat st;
      if (fstatat(cd.fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)   /* named on the command line: never "gone" */
        errors_add(errs, files[i], 0, "cannot open: %s", strerror(errno));
      else if (strcmp(base, HR_DEFAULTS_FILE)) {
        set->defaults_invalid = dd->state < 0;
        add_file(set, &cd, base, files[i], dd->state > 0 ? &dd->d : 0, ctx, errs);
      }
      close(cd.fd);
    }
    free(dir);
  }
  for (size_t i = 0; i < ndds; i++) {
    free(dds[i].dir);
    settings_free(&dds[i].d);
  }
  free(dds);
  set->defaults_invalid = any_invalid;
  profile_set_sort(set);
  return 0;
}

int load_profiles(char const *dir, char const *const *files, size_t n, struct load_ctx const *ctx,
                  struct profile_set *set, struct hr_errors *errs)
{
  struct hr_settings defaults = { 0 };
  char **names = 0;
  size_t nnames = 0;
  ids_system_forget();
  if (n) return load_files(files, n, ctx, set, errs);
  char const *why;
  struct cdir cd = { .path = dir };
  cd.fd = load_open_dir(dir, &cd.tree, &why);
  if (cd.fd < 0 && why) {
    /* SPEC 11.10: a path that is refused is every file's problem; nothing is changed */
    errors_add(errs, dir, 0, "refused: %s; nothing is changed by this pass", why);
    set->defaults_invalid = 1;
    return 0;
  }
  if (cd.fd < 0) return -1;
  int dirfd = cd.fd;
  if (ctx->ledger && clock_gettime(CLOCK_REALTIME_COARSE, &cd.now) < 0) cd.now = (struct timespec){ 0, 0 };
  int d = load_defaults(&cd, ctx, &defaults, errs);
  set->defaults_invalid = d < 0;
  if (list_dir(dirfd, &names, &nnames) < 0) {
    int e = errno;
    settings_free(&defaults);
    close(dirfd);
    errno = e;
    return -1;
  }
  if (nnames) hr_grow(&set->v, sizeof *set->v, set->n + nnames - 1, &set->cap);   /* room for all at once */
  for (size_t i = 0; i < nnames; i++) {
    if (strcmp(names[i], HR_DEFAULTS_FILE)) {
      char *shown = join(dir, names[i]);
      add_file(set, &cd, names[i], shown, d > 0 ? &defaults : 0, ctx, errs);
      free(shown);
    }
    free(names[i]);
  }
  free(names);
  if (!n && d >= 0) discover_profiles(set, d > 0 ? &defaults : 0, ctx, errs);   /* SPEC 10 */
  settings_free(&defaults);
  close(dirfd);
  profile_set_sort(set);
  return 0;
}

