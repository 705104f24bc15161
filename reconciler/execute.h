/* Stage 4: carry out a plan on the live scandir. */
#ifndef HR_EXECUTE_H
#define HR_EXECUTE_H

#include "errors.h"
#include "events.h"
#include "plan.h"

struct exec_ctx {
  char const *scandir;
  int scandirfd;
  unsigned int timeout_ms;
  struct events_policy const *events;   /* SPEC 11.7: as the scan read it */
};

/*
 * Execute plan: seed and publish the adds, update in place, reap the removals and clean up
 * leftovers, with one s6-svscanctl, then wait for s6 and finish the restarts.
 * System failures are reported on stderr as they happen.
 * Returns HR_EXIT_OK, HR_EXIT_TIMEOUT or HR_EXIT_SYSTEM.
 */
int execute_plan(struct plan const *plan, struct exec_ctx const *ctx);

/* The down file a slot should have when published now: 1 if down. */
int execute_starts_down(struct profile const *p);

#endif
