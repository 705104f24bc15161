/* The hermes home given to the hermes user at boot (SPEC 12.4), on descriptors (SPEC 11). */
#ifndef HR_OWN_H
#define HR_OWN_H

#include <sys/types.h>

/* How deep a tree is walked: below this many levels, entries are left as they are (and said so). */
#define OWN_MAX_DEPTH 64

/*
 * Give uid:gid the home (made if missing), the top-level files and the trees hermes writes,
 * then make hermes' directory skeleton as uid:gid. Nothing is followed through a link, nothing
 * on another mount is touched, a file with other hard links is refused. Run as uid itself (not
 * root): only the skeleton. 0 done; 1 something refused (said on stderr); 111 system failure.
 */
int own_home(char const *home, uid_t uid, gid_t gid);
/* Each directory of dirs (n of them) itself, not its contents, to uid:gid; a link is refused. 0 or 1. */
int own_dirs(char const *const *dirs, int n, uid_t uid, gid_t gid);

#endif
