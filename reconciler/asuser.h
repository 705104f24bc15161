/* Running a piece of work with another user's credentials (SPEC 11, "the whole root side"). */
#ifndef HR_ASUSER_H
#define HR_ASUSER_H

#include <sys/types.h>

/*
 * Run fn(arg) in a child process as uid:gid, with no supplementary group, and return its result
 * (an exit code, 0..255), or -1 with errno if the child could not be started or died of a signal.
 * Run as root, the child drops to uid:gid before fn runs; run as uid itself, it runs fn as it is;
 * as anybody else, the child fails (111, EPERM) without running fn. Nothing runs as root in fn.
 */
int as_user(uid_t uid, gid_t gid, int (*fn)(void *), void *arg);

#endif
