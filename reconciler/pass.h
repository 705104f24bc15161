/* One pass of the pipeline: load, scan, plan, and (apply) execute and report. */
#ifndef HR_PASS_H
#define HR_PASS_H

#include "options.h"

enum pass_mode { PASS_PLAN, PASS_APPLY };

/* Runs one pass and reports it; returns the exit code of SPEC 2 and 9.3. */
int pass_once(struct hr_options const *o, enum pass_mode mode);

#endif
