/*
 * A profile's home, judged as the gateway will meet it (SPEC 9.1, 11.4, 11.11, 11.12): by its `cd home`
 * after the drop to its user, never by root's view of the file system.
 */
#ifndef HR_HOME_H
#define HR_HOME_H

#include <stddef.h>

#include "profile.h"

/*
 * A profile's home is reachable (1) if it is a directory, its last component no symbolic link,
 * that its user (uid, gid and supplementary groups) may reach and enter; 0 otherwise, whatever the reason (missing, a link,
 * not a directory, not searchable by that user): the same answer, so that nobody learns through
 * a pass what exists where they cannot look. A root pass takes the user's file-system identity
 * for the test (setgroups, setfsgid, setfsuid, restored after; no fork); a pass that cannot take
 * it judges the home unreachable. Any other pass, or a profile whose ids are not known, is judged
 * with the pass's own credentials. The check and watch's wait use this one judgement.
 *
 * reachable[i] is that judgement of v[i].home for every i with want[i], 0 for the others; each distinct
 * identity (uid, gid, supplementary groups) is taken once for all its homes, not once per home, and
 * the consecutive homes of one directory are judged from its listing, one system call each (home.c).
 */
void homes_reachable(struct profile const *v, size_t n, unsigned char const *want, unsigned char *reachable);

#endif
