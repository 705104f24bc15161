/* Stage 5: what a run says, for people (text) and for programs (--json, SPEC 7). */
#ifndef HR_REPORT_H
#define HR_REPORT_H

#include <sys/types.h>

#include "errors.h"
#include "events.h"
#include "plan.h"

struct status_row {
  char *slot;
  char const *profile;       /* 0: no profile file */
  char const *source;        /* SPEC 10: "file", "discovered", 0 when no profile wants the slot */
  char const *description;
  int supervised, up, wantup, pending;
  pid_t pid;
  int pending_unknown;       /* SPEC 11.4: the record is unreadable to this user: "pending": null */
  int removing;              /* SPEC 11.6: a tombstone whose supervisor lives on */
  int events_ok;             /* SPEC 11.7: its event directories are as this host wants them */
};

/*
 * s as it may be shown (SPEC 11, Output): control characters (C0, DEL, C1) and bytes that are not
 * UTF-8 become the text \xNN, everything else is kept. The result is valid UTF-8; free it.
 */
char *report_clean(char const *s);

/* FILE:LINE: message (FILE: message at line 0) on stderr, one per line. */
void report_errors(struct hr_errors const *errs);
/* exit_code: what check exits with; 111 prints a document too, errors saying why. */
void report_check(struct hr_errors const *errs, size_t nfiles, int json, int exit_code);
/* mode: which command ran, plan or apply; verbosity: -1 quiet, 0 changed slots and the summary, 1 also unchanged slots,
   REPORT_SUMMARY_ONLY the summary line alone (watch: one line per pass). */
#define REPORT_SUMMARY_ONLY (-2)
void report_plan(enum pass_mode mode, struct plan const *plan, struct hr_errors const *errs, int json, int verbosity,
                 int exit_code);
/* SPEC 10: "file" or "discovered". */
char const *report_source(struct profile const *p);
/* import (SPEC 10): one line per file written, "+ PATH". */
void report_import(char const *const *files, size_t n, struct hr_errors const *errs, int json, int verbosity,
                   int exit_code);
/*
 * errs: problems of the profile files (in JSON only) and, on exit_code 111, the failure (also on stderr).
 * ev: which way the event directories go on this host (SPEC 11.7), and why.
 */
void report_status(struct status_row const *rows, size_t n, struct events_policy const *ev, struct hr_errors const *errs,
                   int json, int exit_code);

#endif
