/*
 * The slot's layout (SPEC 4): every name a pass gives or looks for in the scandir and in a slot, in
 * one place. What goes into a slot is render.c's; the dot files a pass keeps there are record.h's.
 */
#ifndef HR_SLOT_H
#define HR_SLOT_H

#include <stddef.h>

/* In the scandir: slots, a pass's own staging and tombstone entries (dot names: s6-svscan skips
   them), and the lock that serialises passes. */
#define HR_SLOT_PREFIX "gateway-"
#define HR_STAGE_PREFIX ".hr-stage."
#define HR_TOMB_PREFIX ".hr-tomb."
#define HR_LOCK_FILE ".hermes-reconcile.lock"

/* In a slot: what s6-supervise keeps, for the gateway and for its logger. */
#define HR_SLOT_LOCK "supervise/lock"
#define HR_SLOT_LOG_LOCK "log/supervise/lock"
#define HR_SLOT_STATUS "supervise/status"

/* The slot of profile name: gateway-<name>, allocated. */
char *slot_name(char const *profile);
/* The profile of slot gateway-<name>: <name>, within slot; 0 if slot is no slot name. */
char const *slot_profile(char const *slot);

/*
 * The files s6-supervise reads from a service directory only when they exist (libs6's
 * s6_servicedir_file_list, less run and the directories): a slot keeps one only while its render has it.
 * Walk them with i = 0 and slot_optional_file(&i) until it returns 0.
 */
char const *slot_optional_file(size_t *i);

#endif
