/*
 * Holding a pass's output back while it holds the scandir lock (SPEC 11.9): stdout and stderr may
 * be descriptors another user holds (the trigger client's, which s6-sudod hands to the root pass),
 * and a reader that never reads would keep the pass blocked in write, lock held, for ever.
 * Everything written to fd 1 and fd 2 between outhold_begin and outhold_end goes to memory; at
 * the end (the lock released) it is written out, each write bounded by a deadline.
 */
#ifndef HR_OUTHOLD_H
#define HR_OUTHOLD_H

struct outhold {
  int saved[3];          /* the real fd 1 and fd 2 (index 1, 2), -1 when not held */
  int mem[3];            /* what they received meanwhile */
};

/* From now on, fd 1 and fd 2 write into memory. Dies 111 if that cannot be arranged. */
void outhold_begin(struct outhold *h);

/*
 * Give fd 1 and fd 2 back and write what they received, stderr first, within timeout_ms in all
 * (poll for room, at most PIPE_BUF bytes per write, an interval timer as a backstop).
 * 0, or -1 with errno (ETIMEDOUT: the reader did not take it in time): a failed write (exit 111);
 * a failed stdout leaves stdout's error indicator set (ferror), for the caller to say so.
 */
int outhold_end(struct outhold *h, unsigned int timeout_ms);

/*
 * "hermes-reconcile: warning: unable to WHAT: <err>" on stderr, only if it takes it at once: a
 * message after a failed bounded write must not block where the report could not.
 */
void outhold_say(char const *what, int err);

#endif
