/* File-system work through directory descriptors, never through a symbolic link. */
#ifndef HR_FSUTIL_H
#define HR_FSUTIL_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

#define HR_KEEP_GID ((gid_t)-1)

/* Replace dirfd/name atomically: write a temporary name, then rename it over. 0 or -1. */
int fs_write_at(int dirfd, char const *name, char const *data, size_t len, mode_t mode, gid_t gid);
/* A directory with exactly this mode and group; an existing one is fixed up. 0 or -1. */
int fs_mkdir_at(int dirfd, char const *name, mode_t mode, gid_t gid);
/* A FIFO with exactly this mode and group; an existing one is fixed up. 0 or -1. */
int fs_mkfifo_at(int dirfd, char const *name, mode_t mode, gid_t gid);
/* Remove dirfd/name and everything below it; a symbolic link is unlinked, never followed. */
int fs_rm_rf_at(int dirfd, char const *name);
/* unlinkat that counts a missing file as success. */
int fs_unlink_at(int dirfd, char const *name);
/*
 * A directory stream over dirfd, from its start, that leaves dirfd open (closedir closes only
 * the stream's own descriptor). 0 with errno on failure.
 */
DIR *fs_dir_stream(int dirfd);
/* Open a directory below dirfd without following a symbolic link. */
int fs_opendir_at(int dirfd, char const *name);

#endif
