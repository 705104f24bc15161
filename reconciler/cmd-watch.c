/* hermes-reconcile watch: apply, then apply again after every change of the config dir. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <skalibs/selfpipe.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "commands.h"
#include "deadline.h"
#include "hr.h"
#include "pipeline.h"
#include "report.h"
#include "watch.h"

/* A burst of changes (an editor's save, a ConfigMap update, a script writing many files) gives one
   pass: it starts once the directory has been quiet for QUIET_MS, or SETTLE_MAX_MS after the first
   change of the burst at the latest, so that a directory that never stays quiet is still applied. */
#define QUIET_MS 100
#define SETTLE_MAX_MS 2000

enum { WAKE_NONE = 0, WAKE_CHANGE = 1, WAKE_STOP = 2 };

struct watcher {
  struct dirwatch dw;
  struct treewatch tw;   /* SPEC 10: the profiles tree and the missing homes */
  struct pollfd fds[3];  /* 0: signals, 1: inotify on the config dir, 2: on the profiles tree */
};

/* Signals: SIGTERM and SIGINT stop the watch, SIGHUP asks for a pass. */
static int read_signals(void)
{
  int wake = WAKE_NONE;
  for (;;) {
    int sig = selfpipe_read();
    if (sig < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "read the signal pipe");
    if (!sig) return wake;
    if (sig == SIGHUP) wake |= WAKE_CHANGE;
    else wake |= WAKE_STOP;
  }
}

/* Waits up to timeout ms (-1: forever) and says what happened. */
static int wait_event(struct watcher *wt, int timeout)
{
  wt->fds[2] = (struct pollfd){ .fd = wt->tw.fd, .events = POLLIN };   /* -1: ignored by poll */
  int r = poll(wt->fds, 3, timeout);
  if (r < 0) {
    if (errno == EINTR) return WAKE_NONE;
    strerr_diefu1sys(HR_EXIT_SYSTEM, "poll");
  }
  int wake = WAKE_NONE;
  if (wt->fds[0].revents) wake |= read_signals();
  if (wt->fds[1].revents) {
    int c = dirwatch_read(&wt->dw);
    if (c < 0) strerr_diefu2sys(HR_EXIT_SYSTEM, "read inotify events for ", wt->dw.path);
    if (c) wake |= WAKE_CHANGE;
  }
  if (wt->fds[2].revents) {
    int c = treewatch_read(&wt->tw);
    if (c < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "read inotify events for the profiles tree");
    if (c) wake |= WAKE_CHANGE;
  }
  return wake;
}

/* After a first change: let the burst settle. Returns WAKE_STOP if a stop signal came meanwhile. */
static int settle(struct watcher *wt)
{
  long long start = deadline_now_ms(), quiet_since = start;
  for (;;) {
    long long now = deadline_now_ms();
    long long until = quiet_since + QUIET_MS;
    if (until > start + SETTLE_MAX_MS) until = start + SETTLE_MAX_MS;
    if (now >= until) return WAKE_NONE;
    int wake = wait_event(wt, (int)(until - now));
    if (wake & WAKE_STOP) return WAKE_STOP;
    if (wake & WAKE_CHANGE) quiet_since = deadline_now_ms();
  }
}

static void notify_ready(int fd)
{
  if (fd < 0) return;
  if (write(fd, "\n", 1) < 0) strerr_warnwu1sys("write the readiness notification");
  close(fd);
}

/* Watch the profiles tree afresh, so that what changes during the pass is seen. */
static void watch_tree(struct hr_options const *o, struct watcher *wt)
{
  if (treewatch_profiles(&wt->tw, o->hermes_home) < 0)
    strerr_warnwu2sys("watch the profiles of ", o->hermes_home);
}

/* One pass; 1 if another one is due at once (a home it waited for appeared meanwhile). */
static int one_pass(struct hr_options const *o, struct watcher *wt)
{
  struct pass_waits waits = { 0 };
  watch_tree(o, wt);
  int code = pass_once_waits(o, PASS_APPLY, &waits);
  int due = treewatch_homes(&wt->tw, (char const *const *)waits.homes, waits.n);
  pass_waits_free(&waits);
  /* a pass whose report is lost is a failed command (SPEC 11, Output): s6 restarts the watch */
  if (fflush(stdout) != 0 || ferror(stdout)) strerr_diefu1sys(HR_EXIT_SYSTEM, "write the report to stdout");
  if (code != HR_EXIT_OK) {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, (unsigned int)code)] = 0;
    strerr_warnw3x("watch: the pass exited ", fmt, "; watching goes on");
  }
  return due;
}

int cmd_watch(struct hr_options const *o, int argc, char const *const *argv)
{
  (void)argc;
  (void)argv;
  /* One line of output per pass: the summary (per-slot lines only with --verbose). */
  struct hr_options opts = *o;
  if (opts.verbosity == 0) opts.verbosity = REPORT_SUMMARY_ONLY;
  if (o->notify_fd >= 0 && fcntl(o->notify_fd, F_GETFD) < 0) {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, (unsigned int)o->notify_fd)] = 0;
    strerr_dief3x(HR_EXIT_USAGE, "--notify-fd ", fmt, " is not an open file descriptor");
  }

  struct watcher wt;
  int sfd = selfpipe_init();
  if (sfd < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "create the signal pipe");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (selfpipe_trapset(&set) < 0) strerr_diefu1sys(HR_EXIT_SYSTEM, "trap signals");
  /* Watch before the first pass, so that a change made during it is not missed. */
  if (dirwatch_init(&wt.dw, o->config_dir) < 0)
    strerr_diefu2sys(HR_EXIT_SYSTEM, "watch the config dir ", o->config_dir);
  wt.fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
  wt.fds[1] = (struct pollfd){ .fd = wt.dw.t.fd, .events = POLLIN };
  wt.tw = (struct treewatch)TREEWATCH_ZERO;

  /* a home that appeared between a pass and its watch gives one more pass, not a loop of them */
  int due = one_pass(&opts, &wt);
  notify_ready(o->notify_fd);
  for (;;) {
    int wake = due ? WAKE_CHANGE : wait_event(&wt, -1);
    if (wake & WAKE_STOP) break;
    if (!(wake & WAKE_CHANGE)) continue;
    if (settle(&wt) & WAKE_STOP) break;
    due = one_pass(&opts, &wt) && !due;
  }
  treewatch_free(&wt.tw);
  dirwatch_free(&wt.dw);
  selfpipe_finish();
  return HR_EXIT_OK;
}
