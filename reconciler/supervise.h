/* The s6 primitives a pass needs, on directory descriptors rooted at the scandir. */
#ifndef HR_SUPERVISE_H
#define HR_SUPERVISE_H

#include <sys/types.h>

struct sv_status {
  pid_t pid;             /* 0: down */
  int wantup;
  int finishing;
  int ready;
};

/* Is a supervisor running on dirfd/dir (its supervise/lock held)? 1 yes, 0 no, -1 error. */
int sv_supervised(int dirfd, char const *dir);
/* The same for the logger, dirfd/dir/log. */
int sv_log_supervised(int dirfd, char const *dir);

/*
 * Read dir/supervise/status, in s6's 35-byte format (2.11, 2.12, 2.14, 2.15) or the
 * 43-byte one (2.13). 1 read, 0 no status yet, -1 error.
 */
int sv_status_read(int dirfd, char const *dir, struct sv_status *st);
/* Parse a status file's bytes: 0, or -1 if len is no known size. Pure. */
int sv_status_parse(char const *buf, size_t len, struct sv_status *st);

/*
 * Send commands to the supervisor of dirfd/dir through its supervise/control FIFO, opened
 * without following links. 1 sent, 0 no supervisor (no FIFO, or nobody reads it), -1 error
 * (a control that is a link or not a FIFO: ELOOP or HR_EWRONGTYPE).
 */
int sv_control(int dirfd, char const *dir, char const *cmd);

/*
 * s6-svscan's control FIFO: open it for writing (0, or -1 with errno: ENXIO when no s6-svscan
 * reads it), then send one command.
 */
int svscan_open(int scandirfd);
int svscan_send(int fd, char const *cmd);

/*
 * Adoption (SPEC 11.1) of the slot directory slotfd (and its log/): supervise/ and
 * supervise/control re-owned by the pass's euid, group g, modes of SPEC 4, in place; s6's own
 * files in supervise/ re-owned by the euid; a link or an object of the wrong type replaced;
 * anything else in supervise/ removed. restart[0] (the slot) and restart[1] (its logger) say
 * whether the supervisor's own control or lock was replaced. 0, or -1 if something could not be fixed.
 */
int sv_adopt(int slotfd, gid_t g, int *restart);

/* The pids of the s6-supervise processes whose working directory is the directory dfd. */
#include <stddef.h>
size_t sv_supervisor_pids(int dfd, pid_t *out, size_t max);

/*
 * Restart the supervisor of the service directory dfd when its control or lock was replaced
 * (it no longer reads the one in place): SIGTERM to it (s6-supervise takes the service down,
 * then exits), SIGKILL to its children after kill_ms, and give up timeout_ms after that.
 * s6-svscan starts a new supervisor at the next rescan. The number of supervisors stopped, or -1.
 */
int sv_restart_supervisor(int dfd, unsigned int kill_ms, unsigned int timeout_ms);

/*
 * k without the control FIFO (it is a link, not a FIFO, or read by nobody because it was
 * replaced): SIGKILL to the children of the supervisors of dirfd/dir. Their number, or -1.
 */
int sv_kill_service(int dirfd, char const *dir);

#endif
