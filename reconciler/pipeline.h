/* One pass of the pipeline: load, scan, plan, and (apply) execute and report. */
#ifndef HR_PIPELINE_H
#define HR_PIPELINE_H

#include "errors.h"
#include "events.h"
#include "load.h"
#include "options.h"
#include "plan.h"
#include "render.h"
#include "scan.h"


/* Everything one pass knows, from the files to the plan. */
struct pipeline {
  struct profile_set set;
  struct hr_errors errs;
  struct slot_render **renders;
  struct live_set live;
  struct plan plan;
  int scandirfd;
  int lockfd;
  struct events_policy events;   /* SPEC 11.7, read once per pass, before the scan */
  struct ledger ledger;          /* the records a pass that changed nothing left (ledger.h) */
  stralloc pass_inputs;          /* render_inputs_pass of this pass */
  int ledger_same_pass;          /* the ledger's pass part is pass_inputs: what it kept of inputs is this pass's */
  int look_events;               /* look at every slot's event directories, whatever its record says */
};
#define PIPELINE_ZERO { .scandirfd = -1, .lockfd = -1 }

/*
 * Open the scandir, take the pass lock (PASS_APPLY), load and render the profiles, scan the
 * scandir and plan. 0, or -1 after saying on stderr what failed.
 */
int pipeline_prepare(struct hr_options const *o, enum pass_mode mode, struct pipeline *pl);
void pipeline_free(struct pipeline *pl);
/*
 * The pipeline of a process's last pass (apply, plan), not freed: its memory goes back with the
 * process, where freeing it block by block costs a tenth of a no-op pass's instructions. Reachable
 * from this global (which no compiler may drop), leak checkers count it as in use, not lost.
 */
extern struct pipeline *pipeline_left_to_exit;

/* Runs one pass and reports it; returns the exit code of SPEC 2 and 9.3. */
int pass_once(struct hr_options const *o, enum pass_mode mode);

/* watch (SPEC 10): pass_once, and the homes the pass waited for, to free with pass_waits_free. */
struct pass_waits {
  char **homes;
  size_t n, cap;
};
int pass_once_waits(struct hr_options const *o, enum pass_mode mode, struct pass_waits *w);
void pass_waits_free(struct pass_waits *w);

#endif
