#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "deadline.h"
#include "hr.h"
#include "outhold.h"

static int memory_file(void)
{
  int fd = memfd_create("hermes-reconcile-output", MFD_CLOEXEC);
  if (fd < 0) fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  return fd;
}

void outhold_begin(struct outhold *h)
{
  fflush(stdout);
  fflush(stderr);
  for (int fd = 0; fd < 3; fd++) h->saved[fd] = h->mem[fd] = -1;
  for (int fd = 1; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) continue;   /* closed: nothing to hold */
    h->saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    h->mem[fd] = memory_file();
    if (h->saved[fd] < 0 || h->mem[fd] < 0 || dup2(h->mem[fd], fd) < 0)
      strerr_diefu1sys(HR_EXIT_SYSTEM, "hold the output in memory while the scandir is locked");
  }
}

static void on_alarm(int sig)
{
  (void)sig;   /* only to interrupt a write that poll said would not block, and did */
}

/* One write of at most PIPE_BUF bytes to fd, after poll said there is room; left ms at most. */
static ssize_t write_some(int fd, char const *s, size_t n, long long left)
{
  struct pollfd p = { .fd = fd, .events = POLLOUT };
  int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
  if (r <= 0) return r < 0 && errno != EINTR ? -1 : 0;
  struct itimerval t = { .it_value = { .tv_sec = (time_t)(left / 1000), .tv_usec = (suseconds_t)(left % 1000) * 1000 } };
  struct itimerval off = { 0 };
  setitimer(ITIMER_REAL, &t, 0);
  ssize_t w = write(fd, s, n < PIPE_BUF ? n : PIPE_BUF);
  int err = errno;
  setitimer(ITIMER_REAL, &off, 0);
  if (w < 0 && (err == EINTR || err == EAGAIN)) return 0;
  errno = err;
  return w;
}

static int write_bounded(int fd, char const *s, size_t n, long long deadline)
{
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;   /* no SA_RESTART: the backstop interrupts the write */
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGALRM, &sa, &old) < 0) return -1;
  int r = 0;
  while (n) {
    long long left = deadline - deadline_now_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      r = -1;
      break;
    }
    ssize_t w = write_some(fd, s, n, left);
    if (w < 0) {
      r = -1;
      break;
    }
    s += w;
    n -= (size_t)w;
  }
  int err = errno;
  sigaction(SIGALRM, &old, 0);
  errno = err;
  return r;
}

void outhold_say(char const *what, int err)
{
  char msg[256];
  int len = snprintf(msg, sizeof msg, "hermes-reconcile: warning: unable to %s: %s\n", what,
                     err == ETIMEDOUT ? "the reader did not take it before the timeout" : strerror(err));
  if (len > 0) write_bounded(2, msg, (size_t)len < sizeof msg ? (size_t)len : sizeof msg - 1, deadline_now_ms() + 1);
  errno = err;
}

/* Copy what mem received to fd, by the deadline. */
static int copy_out(int mem, int fd, long long deadline)
{
  char buf[PIPE_BUF];
  if (lseek(mem, 0, SEEK_SET) < 0) return -1;
  for (;;) {
    ssize_t r = read(mem, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return (int)r;
    if (write_bounded(fd, buf, (size_t)r, deadline) < 0) return -1;
  }
}

/*
 * Leave stdout's error indicator set, as a failed write through it would have: the callers' check
 * (ferror after the pass, SPEC 11 Output) then sees it. A byte is put through a descriptor that
 * cannot be written for the moment and purged, so nothing reaches the real stdout later.
 */
static void stdout_mark_failed(void)
{
  int real = fcntl(1, F_DUPFD_CLOEXEC, 3), ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (real >= 0 && ro >= 0 && dup2(ro, 1) == 1) {
    putc('\n', stdout);
    fflush(stdout);
    __fpurge(stdout);
    if (dup2(real, 1) < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "give stdout back");
  }
  if (!ferror(stdout)) strerr_diefu1x(HR_EXIT_SYSTEM, "write the report to stdout");
  if (real >= 0) close(real);
  if (ro >= 0) close(ro);
}

int outhold_end(struct outhold *h, unsigned int timeout_ms)
{
  long long deadline = deadline_now_ms() + timeout_ms;
  fflush(stdout);
  fflush(stderr);
  int r = 0, err = 0;
  for (int fd = 2; fd > 0; fd--) {
    if (h->saved[fd] < 0) continue;
    if (dup2(h->saved[fd], fd) < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "give the output back");
    close(h->saved[fd]);
    if (copy_out(h->mem[fd], fd, deadline) < 0) {
      if (!r) err = errno;
      r = -1;
      /* stdout: the caller's check of stdout says it; stderr: said here, if it has room now */
      if (fd == 1) stdout_mark_failed();
      else outhold_say("write the messages of the pass to stderr", errno);
    }
    close(h->mem[fd]);
    h->saved[fd] = h->mem[fd] = -1;
  }
  errno = err;
  return r;
}
