/* The unprivileged side of apply: asking the hermes-reconcile-trigger service for a root pass. */
#ifndef HR_TRIGGER_H
#define HR_TRIGGER_H

#include "options.h"

/* The trigger socket. HERMES_RECONCILE_TRIGGER overrides it (tests; the service reads it too). */
#define HR_TRIGGER_SOCKET "/run/hermes-reconcile/trigger"

/*
 * Called for apply before the pass. Returns at once (nothing to do) when the pass can run here: as
 * root, or when the scandir is writable by the caller (or cannot be looked at: the pass reports
 * that). Otherwise the scandir is root's, and it does not return: it executes into s6-sudo on the
 * trigger socket, which runs the service's fixed apply as root and exits with its code; or it dies
 * saying what to do (111), or, if chosen is not 0 (the option that named a path or value the
 * privileged pass cannot take from a client), refuses (100). flags: -j/-q/-v as given, forwarded.
 */
void trigger_apply(struct hr_options const *o, char const *chosen);

#endif
