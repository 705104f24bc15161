/* File-system work through directory descriptors, never through a symbolic link. */
#ifndef HR_FSUTIL_H
#define HR_FSUTIL_H

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

#define HR_KEEP_GID ((gid_t)-1)
/* errno for "not the type of object expected here" */
#ifdef EFTYPE
#define HR_EWRONGTYPE EFTYPE
#else
#define HR_EWRONGTYPE EINVAL
#endif

struct stat;

/* Replace dirfd/name atomically: write a temporary name, then rename it over. 0 or -1. */
int fs_write_at(int dirfd, char const *name, char const *data, size_t len, mode_t mode, gid_t gid);
/* A directory with exactly this mode and group; an existing one is fixed up. 0 or -1. */
int fs_mkdir_at(int dirfd, char const *name, mode_t mode, gid_t gid);
/* A FIFO with exactly this mode and group; an existing one is fixed up. 0 or -1. */
int fs_mkfifo_at(int dirfd, char const *name, mode_t mode, gid_t gid);
/* Remove dirfd/name and everything below it; a symbolic link is unlinked, never followed. */
int fs_rm_rf_at(int dirfd, char const *name);
/*
 * The same, iteratively: no recursion, at most three descriptors, whatever the depth or count
 * (SPEC 11.3). Stops with ETIMEDOUT at deadline (CLOCK_MONOTONIC ms; 0: none), leaving a
 * partly deleted tree that a later call finishes. 0 or -1.
 */
int fs_rm_tree_at(int dirfd, char const *name, long long deadline);
/*
 * Open the relative path below dirfd, following no link at any component and never leaving
 * dirfd, never blocking (O_NONBLOCK): flags for the last component. -1 with errno (ELOOP or
 * ENOTDIR for a link, EXDEV for a way out: a ".." component or a leading "/").
 */
int fs_open_beneath(int dirfd, char const *path, int flags);
/*
 * 1 if fs_open_beneath resolves a path of several components in one openat2 call
 * (RESOLVE_NO_SYMLINKS), 0 if it walks it one component at a time: a kernel
 * without openat2 (known after the first call that met ENOSYS), or HR_NO_OPENAT2 set in the
 * environment (read once, for the tests).
 */
int fs_beneath_openat2(void);
/* fs_open_beneath, then fstat: type (S_IFREG, S_IFIFO...) or -1 with HR_EWRONGTYPE. st may be 0. */
int fs_open_typed(int dirfd, char const *path, int flags, mode_t type, struct stat *st);
/*
 * Read fd into buf, at most max bytes, to its end: a regular file of st's size (st from fstat,
 * may be 0) in one read, with no second one to see the end. The length, or -1 with errno.
 */
ssize_t fs_read_sized(int fd, struct stat const *st, char *buf, size_t max);
/* A regular file below dirfd (fs_open_typed), read whole (at most max bytes) and closed; or -1. */
ssize_t fs_read_file_at(int dirfd, char const *path, char *buf, size_t max);
/* unlinkat that counts a missing file as success. */
int fs_unlink_at(int dirfd, char const *name);
/*
 * A directory stream over dirfd, from its start, that leaves dirfd open (closedir closes only
 * the stream's own descriptor). 0 with errno on failure.
 */
DIR *fs_dir_stream(int dirfd);
/* Open a directory below dirfd without following a symbolic link. */
int fs_opendir_at(int dirfd, char const *name);
/*
 * Adoption (SPEC 11.1): dirfd/name made an object of this type (S_IFDIR, S_IFIFO, S_IFREG)
 * owned by uid:gid (HR_KEEP_GID: its group) with mode, in place, on a descriptor opened without
 * following links. A missing one is created; a link, an object of another type, or a file with
 * other hard links is replaced. 0 fixed in place, 1 created or replaced, -1 error.
 */
int fs_fix_at(int dirfd, char const *name, mode_t type, mode_t mode, uid_t uid, gid_t gid);

#endif
