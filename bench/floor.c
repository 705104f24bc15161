/* The floor of make bench: the least work that s6 itself needs for each measured operation.
 *
 *   floor cold SCANDIR STAGEDIR     move every ready-made service directory of STAGEDIR into SCANDIR,
 *                                   one s6-svscanctl -a, poll until every supervise/lock (and log/'s) is held
 *   floor remove SCANDIR            rename every gateway-* of SCANDIR to a dot name, one s6-svscanctl -an,
 *                                   poll until every supervise/lock is free, delete the directories
 *   floor noop CONFDIR SCANDIR      read every *.ini of CONFDIR, probe the two supervise/lock of its slot
 *   floor noop-spec CONFDIR SCANDIR HOMESDIR
 *                                   the system calls the SPEC asks of a no-op pass and nothing else: each
 *                                   file seen without following a link (its type, 11.2; its identity, the
 *                                   ledger's proof that its bytes are the ones kept), the scandir listed,
 *                                   the ledger read (9.5: one file for the records and the files' bytes),
 *                                   each slot's directory seen (the ledger's proof), each home tested (9.1,
 *                                   11.11), the locks opened with no link followed and typed with fstat;
 *                                   no parsing, no plan
 *
 * Polls sleep 1 ms between sweeps. Exit 0 on success, 111 on a system error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct names {
  char **v;
  size_t n, cap;
};

static void die(char const *what, char const *name)
{
  fprintf(stderr, "floor: %s %s: %s\n", what, name, strerror(errno));
  exit(111);
}

static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n);
  if (!p) die("allocate", "memory");
  return p;
}

static void names_add(struct names *ns, char const *s)
{
  if (ns->n == ns->cap) {
    ns->cap = ns->cap ? 2 * ns->cap : 64;
    ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
  }
  ns->v[ns->n] = strdup(s);
  if (!ns->v[ns->n++]) die("allocate", "memory");
}

/* Entries of dir whose names start with prefix. */
static void list_dir(char const *dir, char const *prefix, struct names *ns)
{
  DIR *d = opendir(dir);
  if (!d) die("open", dir);
  for (struct dirent *e; (errno = 0, e = readdir(d));)
    if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) names_add(ns, e->d_name);
  if (errno) die("read", dir);
  closedir(d);
}

/* 1 if a process holds dir/supervise/lock, 0 if not (or no lock file). */
static int locked(int dirfd, char const *dir)
{
  char path[640];
  snprintf(path, sizeof path, "%s/supervise/lock", dir);
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return 0;
    die("open", path);
  }
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
  if (fcntl(fd, F_GETLK, &fl) < 0) die("probe", path);
  close(fd);
  return fl.l_type != F_UNLCK;
}

static void tell_svscan(int scandirfd, char const *cmd)
{
  int fd = openat(scandirfd, ".s6-svscan/control", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) die("command", "s6-svscan");
  close(fd);
}

/* Sweep until every name (and its log/) is locked (want 1) or free (want 0). */
static void wait_locks(int scandirfd, struct names *ns, int want)
{
  char log[620];
  size_t pending = ns->n;
  char *done = calloc(ns->n + 1, 1);
  if (!done) die("allocate", "memory");
  for (;;) {
    for (size_t i = 0; i < ns->n; i++) {
      if (done[i]) continue;
      snprintf(log, sizeof log, "%s/log", ns->v[i]);
      if (locked(scandirfd, ns->v[i]) == want && locked(scandirfd, log) == want) {
        done[i] = 1;
        pending--;
      }
    }
    if (!pending) break;
    struct timespec ts = { 0, 1000000L };
    nanosleep(&ts, 0);
  }
  free(done);
}

static void rm_rf_at(int at, char const *name)
{
  int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    DIR *d = fdopendir(fd);
    if (!d) die("open", name);
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      rm_rf_at(dirfd(d), e->d_name);
    }
    closedir(d);
    if (unlinkat(at, name, AT_REMOVEDIR) < 0) die("remove", name);
  } else if (errno == ENOTDIR || errno == ELOOP) {
    if (unlinkat(at, name, 0) < 0) die("remove", name);
  } else die("open", name);
}

static int open_dir(char const *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("open", dir);
  return fd;
}

static void cold(char const *scandir, char const *stage)
{
  struct names ns = { 0 };
  int sfd = open_dir(scandir), tfd = open_dir(stage);
  list_dir(stage, "", &ns);
  for (size_t i = 0; i < ns.n; i++)
    if (renameat(tfd, ns.v[i], sfd, ns.v[i]) < 0) die("move", ns.v[i]);
  tell_svscan(sfd, "a");
  wait_locks(sfd, &ns, 1);
}

static void remove_all(char const *scandir)
{
  struct names ns = { 0 };
  char tomb[600];
  int sfd = open_dir(scandir);
  list_dir(scandir, "gateway-", &ns);
  for (size_t i = 0; i < ns.n; i++) {
    snprintf(tomb, sizeof tomb, ".floor-%s", ns.v[i]);
    if (renameat(sfd, ns.v[i], sfd, tomb) < 0) die("rename", ns.v[i]);
    free(ns.v[i]);
    ns.v[i] = strdup(tomb);
    if (!ns.v[i]) die("allocate", "memory");
  }
  tell_svscan(sfd, "an");
  wait_locks(sfd, &ns, 0);
  for (size_t i = 0; i < ns.n; i++) rm_rf_at(sfd, ns.v[i]);
}

static void noop(char const *confdir, char const *scandir)
{
  struct names ns = { 0 };
  char buf[65536], slot[600], log[620];
  int cfd = open_dir(confdir), sfd = open_dir(scandir);
  size_t held = 0;
  list_dir(confdir, "", &ns);
  for (size_t i = 0; i < ns.n; i++) {
    size_t len = strlen(ns.v[i]);
    if (len < 5 || strcmp(ns.v[i] + len - 4, ".ini")) continue;
    int fd = openat(cfd, ns.v[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open", ns.v[i]);
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) ;
    if (r < 0) die("read", ns.v[i]);
    close(fd);
    snprintf(slot, sizeof slot, "gateway-%.*s", (int)(len - 4), ns.v[i]);
    snprintf(log, sizeof log, "%s/log", slot);
    held += (size_t)locked(sfd, slot) + (size_t)locked(sfd, log);
  }
  printf("%zu\n", held);
}

/* The same probe as locked, as the SPEC has it done: no link followed on the way, the type checked. */
static int locked_spec(int dirfd, char const *dir)
{
  char path[640];
  struct stat st;
  struct open_how how = { .flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
  snprintf(path, sizeof path, "%s/supervise/lock", dir);
  int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return 0;
    die("open", path);
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) die("type", path);
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
  if (fcntl(fd, F_GETLK, &fl) < 0) die("probe", path);
  close(fd);
  return fl.l_type != F_UNLCK;
}

static void noop_spec(char const *confdir, char const *scandir, char const *homesdir)
{
  struct names ns = { 0 }, slots = { 0 }, homes = { 0 };
  char slot[600], log[620], home[600];
  struct stat st;
  int cfd = open_dir(confdir), sfd = open_dir(scandir), hfd = open_dir(homesdir);
  size_t held = 0;
  list_dir(confdir, "", &ns);
  list_dir(scandir, "gateway-", &slots);
  list_dir(homesdir, "", &homes);
  int lfd = openat(sfd, ".hermes-reconcile.ledger", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (lfd >= 0) {
    if (fstat(lfd, &st) < 0 || !S_ISREG(st.st_mode)) die("type", "ledger");
    void *m = st.st_size ? mmap(0, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, lfd, 0) : 0;
    if (m == MAP_FAILED) die("map", "ledger");
    close(lfd);
    if (m) held += (size_t)(((char const *)m)[st.st_size - 1] != '\n');   /* touched, not parsed: 0 */
    if (m) munmap(m, (size_t)st.st_size);
  }
  for (size_t i = 0; i < ns.n; i++) {
    size_t len = strlen(ns.v[i]);
    if (len < 5 || strcmp(ns.v[i] + len - 4, ".ini")) continue;
    if (fstatat(cfd, ns.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) die("see", ns.v[i]);
    snprintf(home, sizeof home, "%.*s", (int)(len - 4), ns.v[i]);
    if (syscall(SYS_faccessat2, hfd, home, X_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0) die("enter", home);
    snprintf(slot, sizeof slot, "gateway-%.*s", (int)(len - 4), ns.v[i]);
    if (fstatat(sfd, slot, &st, AT_SYMLINK_NOFOLLOW) < 0) die("see", slot);
    snprintf(log, sizeof log, "%s/log", slot);
    held += (size_t)locked_spec(sfd, slot) + (size_t)locked_spec(sfd, log);
  }
  printf("%zu\n", held);
}

int main(int argc, char **argv)
{
  if (argc == 4 && !strcmp(argv[1], "cold")) cold(argv[2], argv[3]);
  else if (argc == 3 && !strcmp(argv[1], "remove")) remove_all(argv[2]);
  else if (argc == 4 && !strcmp(argv[1], "noop")) noop(argv[2], argv[3]);
  else if (argc == 5 && !strcmp(argv[1], "noop-spec")) noop_spec(argv[2], argv[3], argv[4]);
  else {
    fprintf(stderr, "usage: floor cold SCANDIR STAGEDIR | floor remove SCANDIR | floor noop CONFDIR SCANDIR"
                    " | floor noop-spec CONFDIR SCANDIR HOMESDIR\n");
    return 100;
  }
  return 0;
}
