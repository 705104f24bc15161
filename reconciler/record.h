/*
 * The dot files a pass keeps in a slot, each written and read here, pack beside unpack (as
 * s6_svstatus_pack/unpack): what the slot was made from (SPEC 9.5), the restart an interrupted pass
 * left to finish (SPEC 9.4), and, in a tombstone, the slot it was (SPEC 11.6). Pure: no file system.
 */
#ifndef HR_RECORD_H
#define HR_RECORD_H

#include <stddef.h>

#include "render.h"

#define HR_RECORD_FILE ".hermes-reconcile"
#define HR_RESTART_FILE ".hermes-reconcile.restart"
#define HR_REMOVING_FILE ".hermes-reconcile.removing"

/* Under which policy of SPEC 11.7 the pass that wrote a record left the slot's event directories. */
enum record_events { HR_EVENTS_UNKNOWN, HR_EVENTS_PUBLIC, HR_EVENTS_ROOT };

/*
 * What a slot was made from: one digest per part (BLAKE2s-256 in hex) of what was written, the
 * logger, the autostart; the digest of what the render read (render_inputs: "" when unknown);
 * whether HR_RESTART_FILE may be there (the one record a pass writes while a restart is
 * pending says so; a version 1 record, which cannot say, counts as yes); and the policy its
 * event directories were made for (version 3; unknown before).
 */
struct slot_record {
  char digest[HR_NPARTS_DIGESTED][65];   /* HR_PART_LOG: "-" when the slot has no logger */
  int has_log;
  int autostart;                         /* enum hr_autostart */
  char from[65];
  int restart_pending;
  enum record_events events;
};

void record_of_render(struct slot_render const *r, int autostart, struct slot_record *rec);
/* The text of HR_RECORD_FILE, allocated. */
char *record_pack(struct slot_record const *rec);
/*
 * record_pack of record_of_render: the record a slot rendered as r gets, restart pending or not,
 * its event directories made for the policy events says.
 */
char *record_text(struct slot_render const *r, int autostart, int restart_pending, enum record_events events);
/* 0, or -1 if text is not a record, of this version or one before it (rec is then untouched). */
int record_unpack(char const *text, size_t len, struct slot_record *rec);

/* The restarts of HR_RESTART_FILE: HR_RESTART_* bits. */
enum { HR_RESTART_RUN = 1, HR_RESTART_LOG = 2 };
/* The text for what (not 0), static. */
char const *restart_pack(int what);
/* HR_RESTART_* bits, or -1 if text is not a restart record. */
int restart_unpack(char const *text, size_t len);

#endif
