/* Watching a directory for changes with inotify, following it when it is replaced. */
#ifndef HR_WATCH_H
#define HR_WATCH_H

/*
 * Watches the entries of one directory (any event on any entry, dot names included: a Kubernetes
 * ConfigMap mount changes by renaming its "..data" symbolic link) and, through its parent, the
 * directory itself: when it is deleted, moved, replaced or comes into existence, the watch is set
 * again on whatever the path names then. The path is kept as given (not copied).
 */
struct dirwatch {
  int fd;                /* the inotify descriptor, non-blocking: poll it for reading */
  int wd;                /* the directory's watch, -1 while the directory does not exist */
  int pwd;               /* the parent's watch, -1 if there is none */
  char const *path;
  char *parent;
  char *base;
  int lost;              /* the directory's watch must be set again */
};

/* 0, or -1 with errno set (no inotify, or neither the directory nor its parent can be watched). */
int dirwatch_init(struct dirwatch *w, char const *path);
/* Reads every pending event. 1 if one concerns the directory or its entries, 0 if none does,
   -1 with errno set on a read error. */
int dirwatch_read(struct dirwatch *w);
void dirwatch_free(struct dirwatch *w);

#endif
