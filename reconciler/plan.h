/* Stage 3b: the plan, a pure function of the desired profiles and the live scandir. */
#ifndef HR_PLAN_H
#define HR_PLAN_H

#include <stddef.h>

#include "errors.h"
#include "loadbuf.h"
#include "render.h"
#include "scan.h"

/* What a pass does with its plan: print it, or carry it out (and then report what it did). */
enum pass_mode { PASS_PLAN, PASS_APPLY };

enum hr_action { HR_KEEP, HR_ADD, HR_UPDATE, HR_REMOVE, HR_SKIP };

enum hr_change {
  HR_CH_RUN = 1 << 0,        /* run, env/, notification-fd or the group: restart if wanted up */
  HR_CH_CONTROL = 1 << 1,    /* finish, timeouts, down-signal, max-death-tally, type */
  HR_CH_LOG = 1 << 2,        /* the logger's run: restart the logger */
  HR_CH_AUTOSTART = 1 << 3,  /* the down file */
  HR_CH_LOGGER = 1 << 4,     /* logger added or dropped: the slot is replaced */
  HR_CH_RESCAN = 1 << 5,     /* no supervisor runs on the slot (SPEC 9.8) */
  HR_CH_RESTART = 1 << 6,    /* an interrupted pass left a restart to finish (SPEC 9.4) */
  HR_CH_UNRECORDED = 1 << 7, /* the slot has no record of what it was made from: rewrite it */
  HR_CH_RECORD = 1 << 8,     /* only the record is out of date (another version wrote it): rewrite it */
};
#define HR_NCHANGES 9

struct plan_item {
  enum hr_action action;
  unsigned int changes;
  char *slot;                        /* the scandir entry */
  struct profile const *profile;     /* 0: no profile file for this slot */
  struct slot_render const *render;  /* add, update */
  struct live_slot const *live;      /* 0: nothing live */
  int leftover;                      /* a staging or tombstone entry to clean up */
};

struct plan {
  struct plan_item *v;
  size_t n, cap;
  int need_scan;                     /* s6-svscan must be told to rescan */
  int need_prune;                    /* ... and to kill inactive supervisors */
};

/*
 * renders[i] is the render of set->v[i] when that profile is valid and enabled (else 0).
 * Profiles whose slot name is taken by something that is not ours are reported in errs, and so
 * are the discovered profiles that [discover] max leaves without a slot (discover_cap: whose slots
 * are live is the scan's to say).
 */
void plan_make(struct profile_set const *set, struct slot_render *const *renders, struct live_set const *live,
               struct plan *plan, struct hr_errors *errs);
/* Anything to do? */
int plan_pending(struct plan const *plan);
char const *plan_action_name(enum hr_action a);
char const *plan_change_name(unsigned int bit);
void plan_free(struct plan *plan);

#endif
