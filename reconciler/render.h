/*
 * Stage 3a: what a profile's slot must contain, exactly (files, modes, groups), computed
 * without touching the file system. Execution lays it down; planning compares its digests.
 */
#ifndef HR_RENDER_H
#define HR_RENDER_H

#include <stddef.h>
#include <sys/types.h>

#include <skalibs/stralloc.h>

#include "profile.h"
#include "slot.h"

/* What a change of each part costs (SPEC 4, Updating). */
enum hr_part {
  HR_PART_RUN,    /* run, env/, notification-fd: restart the gateway if it is wanted up */
  HR_PART_CTL,    /* type, finish, timeouts, down-signal, max-death-tally: read by s6 as needed */
  HR_PART_LOG,    /* log/run: restart the logger */
  HR_PART_SEED,   /* event/, supervise/, supervise/control: laid down once, before publishing */
  HR_NPARTS_DIGESTED = HR_PART_SEED,
};

enum hr_entry_kind { HR_ENTRY_FILE, HR_ENTRY_DIR, HR_ENTRY_FIFO };

struct slot_entry {
  char *path;            /* relative to the slot: "run", "env/FOO", "log/supervise/control" */
  enum hr_entry_kind kind;
  mode_t mode;
  int group_g;           /* group is the gateway group G (else the group of whoever applies) */
  enum hr_part part;
  char *content;
  size_t len;
};

struct slot_render {
  char *slot;            /* gateway-<name> */
  struct slot_entry *v;  /* parents before children */
  size_t n, cap;
  gid_t gid;             /* G */
  int has_log;
  char digest[HR_NPARTS_DIGESTED][65];   /* BLAKE2s-256, hex */
  char from[65];         /* render_inputs: what the render read */
  int recalled;          /* render_recall: the digests only, no entries (v, n) */
};

struct render_ctx {
  char const *hermes_home;
  char const *bindir;
};


void render_slot(struct profile const *p, struct render_ctx const *ctx, struct slot_render *r);
/*
 * The digest (hex) of everything render_slot reads: every field of p the schema defines (but
 * those that cost nothing, HR_COST_NONE), its name and resolved ids, ctx, and this very program (its GNU build ID, which any change to the
 * code changes). "" when the program has no build ID: then nothing is recalled.
 */
void render_inputs(struct profile const *p, struct render_ctx const *ctx, char out[65]);
/* What render_inputs digests, appended to sa: of the pass (ctx, the program), of the profile. */
void render_inputs_pass(struct render_ctx const *ctx, stralloc *sa);
void render_inputs_own(struct profile const *p, stralloc *sa);
/*
 * Does render_inputs_pass name this very program (its GNU build ID)? Without one, two builds can
 * have the same pass part, and nothing one kept may stand for what the other would compute.
 */
int render_pass_names_program(void);
/*
 * When from (what a live slot records it was rendered from) is render_inputs of p and ctx, the
 * slot is what render_slot would make of p: r gets the slot's name, group, logger and the recorded
 * digests, but no entries (r->recalled); 1. Else 0 and r is untouched: render_slot it.
 */
int render_recall(struct profile const *p, struct render_ctx const *ctx, char const *from,
                  char const digest[HR_NPARTS_DIGESTED][65], struct slot_render *r);
/*
 * The same, judged by what the render reads instead of its digest: was (len bytes) is what the
 * render of the slot recorded with from read of its profile (the ledger keeps it), for a pass whose
 * own part (render_inputs_pass) is the one that render had. When it is render_inputs_own of p now,
 * from is still render_inputs of p: 1, as render_recall. Else 0 and r is untouched.
 */
int render_recall_inputs(struct profile const *p, char const *was, size_t len, char const *from,
                         char const digest[HR_NPARTS_DIGESTED][65], struct slot_render *r);
void render_free(struct slot_render *r);

/* Append s to *buf as one single-quoted shell word. */
void render_quote(stralloc *t, char const *s);

#endif
