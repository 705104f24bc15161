/* Watching a directory for changes with inotify, following it when it is replaced. */
#ifndef HR_WATCH_H
#define HR_WATCH_H

#include <stddef.h>

/*
 * SPEC 10: what a watch looks at beside the config dir: <hermes home>/profiles/ (from when it
 * appears, through the hermes home), a SOUL.md appearing or going in each of its directories, and
 * the homes a pass waited for (through their nearest existing ancestor). The tree is the hermes
 * user's: directories are opened without following a link, and at most TREEWATCH_MAX_DIRS of
 * profiles/ are watched. Set afresh before each pass, so that a change made during the pass is seen.
 */
#define TREEWATCH_MAX_DIRS 1024

struct treewatch {
  int fd;                /* inotify, non-blocking; replaced by treewatch_profiles; -1 if none */
  struct tw_watch {
    int wd;
    char *only;          /* the one entry name that matters, 0: any */
  } *v;
  size_t n, cap;
};
#define TREEWATCH_ZERO { .fd = -1 }

/*
 * Watches the entries of one directory (any event on any entry, dot names included: a Kubernetes
 * ConfigMap mount changes by renaming its "..data" symbolic link) and every directory on the way
 * to it, each for the one name that leads on, links followed as the kernel follows them (SPEC
 * 11.12): when the directory or a link or directory on its path is deleted, moved, replaced or comes
 * into existence, the path is resolved again and the watches set on what it names then. The path
 * is kept as given (not copied).
 */
struct dirwatch {
  struct treewatch t;    /* t.fd: the inotify descriptor, non-blocking: poll it for reading */
  char const *path;
};

/* 0, or -1 with errno set (no inotify, or nothing on the path can be watched). */
int dirwatch_init(struct dirwatch *w, char const *path);
/* Reads every pending event. 1 if one concerns the directory, its entries or its path, 0 if none
   does, -1 with errno set on a read error. */
int dirwatch_read(struct dirwatch *w);
void dirwatch_free(struct dirwatch *w);

/* A new inotify instance watching the profiles tree of hermes_home. 0, or -1 with errno (no inotify). */
int treewatch_profiles(struct treewatch *t, char const *hermes_home);
/* Also watch for each missing home to appear. 1 if one exists already (a pass is due), else 0. */
int treewatch_homes(struct treewatch *t, char const *const *homes, size_t n);
/* Reads every pending event: 1 if one matters, 0 if none does, -1 with errno on a read error. */
int treewatch_read(struct treewatch *t);
void treewatch_free(struct treewatch *t);

#endif
