/*
 * The event directories of a slot (SPEC 11.7): event/ and log/event/, where s6-supervise (root)
 * opens, for writing and following links, every entry named like a listener's FIFO. They are
 * open to everyone only where the kernel refuses root the links planted there; else root's alone.
 */
#ifndef HR_EVENTS_H
#define HR_EVENTS_H

#include <sys/types.h>

/* HERMES_RECONCILE_PROC_FS: the directory holding protected_symlinks and protected_hardlinks. */
#define HR_EVENTS_PROC_FS_ENV "HERMES_RECONCILE_PROC_FS"
#define HR_EVENTS_PROC_FS "/proc/sys/fs"

struct events_policy {
  int symlinks;          /* fs.protected_symlinks, -1 unreadable */
  int hardlinks;         /* fs.protected_hardlinks, -1 unreadable */
  int public;            /* both read 1: event dirs root's, 01733; else root's alone */
  uid_t uid;             /* their owner: the pass's euid (root in production) */
  gid_t gid;             /* their group: the pass's egid */
};

/* Read both sysctls now (at each pass: a host may change them); owner and group: the euid and egid. */
void events_policy_read(struct events_policy *pol);
/* "public" or "root". */
char const *events_policy_name(struct events_policy const *pol);

/* One event directory as a pass saw it: mode 0 when it is missing (or could not be seen). */
struct events_dir {
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

/* The event directories of a service directory, looked at once (the scan does, through the slot's descriptor). */
struct events_seen {
  struct events_dir dir;  /* event/ */
  struct events_dir log;  /* log/event/, when has_log */
  int has_log;
};

/*
 * Look at the event directory of the service directory dirfd/dir (dir 0: dirfd itself) and, if it
 * has a log/ (has_log 1; -1: look whether it has one), at log/event/: one fstatat each, not
 * following a link, no descriptor opened. A read-only look, done at every pass.
 */
void events_look(int dirfd, char const *dir, int has_log, struct events_seen *seen);
/* Were they, when seen, as pol wants (owner the euid, mode, group)? 1 yes, 0 no (or missing). */
int events_seen_ok(struct events_seen const *seen, struct events_policy const *pol);

/*
 * Make the event directories of the slot slotfd (event/, log/event/ when log/ exists) as pol wants;
 * one that was not (or any, with always_empty) is changed in place and then emptied of everything but
 * a listener's FIFO with no other hard link (what was planted while it was open is unlinked, never
 * followed). always_empty: for directories nothing vouches for, whose emptying may have been cut
 * short by an earlier pass's deadline. deadline: CLOCK_MONOTONIC ms for deleting planted trees. 0, or
 * -1 with errno.
 */
int events_slot_fix(int slotfd, struct events_policy const *pol, int always_empty, long long deadline);

#endif
