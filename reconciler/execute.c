#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>

#include "deadline.h"
#include "events.h"
#include "execute.h"
#include "fsutil.h"
#include "hr.h"
#include "record.h"
#include "scan.h"
#include "slot.h"
#include "state.h"
#include "supervise.h"

/* What the waiting phase must see for one slot. */
struct awaited {
  char *dir;             /* entry name in the scandir */
  int want_supervised;   /* 1: a new supervisor must run; 0: a tombstone's supervisors must be gone */
  int has_log;
  int done;
  long long kill_at;     /* tombstones: when to send k (SPEC 11.6) */
  long long give_up;     /* when to stop waiting for this one */
  int killed;
};

struct pass {
  struct exec_ctx const *ctx;
  struct awaited *w;
  size_t nw, capw;
  unsigned int seq;
  int failed;
  int incomplete;        /* something was left for the next pass (a wait or a deletion ran out of time) */
  int need_rescan;       /* a supervisor was stopped so that s6-svscan starts a fresh one */
  struct plan_item const *items; /* the plan's, and for each whether its event directories could not be */
  unsigned char *events_bad;     /* made as the policy wants: its record then does not say they are */
};

static void fail(struct pass *ps, char const *what, char const *name)
{
  strerr_warnwusys(what, " ", ps->ctx->scandir, "/", name);
  ps->failed = 1;
}

/* When a gateway told to stop gets k: after its timeout_kill, else after --timeout (SPEC 11.6). */
static unsigned int kill_ms(struct pass *ps, struct profile const *p)
{
  return p && p->timeout_kill > 0 ? (unsigned int)p->timeout_kill : ps->ctx->timeout_ms;
}

/*
 * How long to wait for a service told to go down at start: until its kill time and one more
 * --timeout after the k; but never more than --timeout when s6 itself kills it later
 * (timeout_kill past --timeout): the pass gives up and leaves the rest to the next one.
 */
static long long give_up_at(struct pass *ps, long long start, unsigned int kill)
{
  return kill > ps->ctx->timeout_ms ? start + ps->ctx->timeout_ms : start + kill + ps->ctx->timeout_ms;
}

static void await_add_kill(struct pass *ps, char const *dir, int want, int has_log, unsigned int kill)
{
  long long now = deadline_now_ms();
  hr_grow(&ps->w, sizeof *ps->w, ps->nw, &ps->capw);
  ps->w[ps->nw++] = (struct awaited){ hr_strdup(dir), want, has_log, 0, now + kill,
                                    want ? now + ps->ctx->timeout_ms : give_up_at(ps, now, kill), 0 };
}

static void await_add(struct pass *ps, char const *dir, int want, int has_log)
{
  await_add_kill(ps, dir, want, has_log, ps->ctx->timeout_ms);
}

static char *temp_name(struct pass *ps, char const *prefix)
{
  return hr_asprintf("%s%lu.%u", prefix, (unsigned long)getpid(), ++ps->seq);
}

int execute_starts_down(struct profile const *p)
{
  if (p->autostart == HR_AUTOSTART_STATE) return !state_home_says_up(p->home);
  return p->autostart == HR_AUTOSTART_NO;
}

/* Lay down one rendered entry below the slot directory slotfd. */
static int put_entry(int slotfd, struct slot_entry const *e, gid_t g)
{
  gid_t gid = e->group_g ? g : HR_KEEP_GID;
  char const *slash = strrchr(e->path, '/');
  int dirfd = slotfd;
  char const *leaf = e->path;
  if (slash) {
    char *parent = hr_strndup(e->path, (size_t)(slash - e->path));
    dirfd = fs_opendir_at(slotfd, parent);
    free(parent);
    if (dirfd < 0) return -1;
    leaf = slash + 1;
  }
  int r;
  switch (e->kind) {
    case HR_ENTRY_DIR: r = fs_mkdir_at(dirfd, leaf, e->mode, gid); break;
    case HR_ENTRY_FIFO: r = fs_mkfifo_at(dirfd, leaf, e->mode, gid); break;
    default: r = fs_write_at(dirfd, leaf, e->content, e->len, e->mode, gid); break;
  }
  if (slash) {
    int err = errno;
    close(dirfd);
    errno = err;
  }
  return r;
}

static int put_down(int slotfd, int down)
{
  return down ? fs_write_at(slotfd, "down", "", 0, 0644, HR_KEEP_GID) : fs_unlink_at(slotfd, "down");
}

/*
 * The record holds a digest over the run part, [env] values included: readable by group G only,
 * like env/ itself, so that nobody who cannot read env/ can test a guess against it (SPEC 11.4).
 */
static int put_record(struct pass *ps, int slotfd, struct slot_render const *r, int autostart, int restart, int events_ok)
{
  /* what later passes trust without looking (scan.h) */
  char *text = record_text(r, autostart, restart, events_ok ? scan_events_word(ps->ctx->events) : HR_EVENTS_UNKNOWN);
  int e = fs_write_at(slotfd, HR_RECORD_FILE, text, strlen(text), 0640, r->gid);
  free(text);
  return e;
}

/* Lay the slot of it down in the open staging directory fd; 0, or -1 after saying what failed. */
static int build(struct pass *ps, struct plan_item const *it, int fd, char const *stage)
{
  struct slot_render const *r = it->render;
  for (size_t i = 0; i < r->n; i++)
    if (put_entry(fd, r->v + i, r->gid) < 0) {
      strerr_warnwusys("create ", ps->ctx->scandir, "/", stage, "/", r->v[i].path);
      return -1;
    }
  if (events_slot_fix(fd, ps->ctx->events, 0, 0) < 0) {
    strerr_warnwusys("create the event directories of ", ps->ctx->scandir, "/", stage);
    return -1;
  }
  if (put_down(fd, execute_starts_down(it->profile)) < 0 || put_record(ps, fd, r, it->profile->autostart, 0, 1) < 0) {
    strerr_warnwusys("write the record of ", ps->ctx->scandir, "/", stage);
    return -1;
  }
  return 0;
}

/* Build a complete slot under a dot name, then rename it into place (SPEC 4, Publishing). */
static void publish(struct pass *ps, struct plan_item const *it)
{
  int sfd = ps->ctx->scandirfd;
  char const *slot = it->render->slot;
  char *stage = temp_name(ps, HR_STAGE_PREFIX);
  int fd = -1, ok = 0;
  if (mkdirat(sfd, stage, 0700) < 0 || (fd = fs_opendir_at(sfd, stage)) < 0 || fchmod(fd, 0755) < 0)
    strerr_warnwusys("create ", ps->ctx->scandir, "/", stage);
  else if (!build(ps, it, fd, stage)) {
    if (renameat2(sfd, stage, sfd, slot, RENAME_NOREPLACE) < 0) strerr_warnwusys("publish ", ps->ctx->scandir, "/", slot);
    else ok = 1;
  }
  if (fd >= 0) close(fd);
  if (ok) await_add(ps, slot, 1, it->render->has_log);
  else {
    ps->failed = 1;
    fs_rm_tree_at(sfd, stage, deadline_now_ms() + ps->ctx->timeout_ms);
  }
  free(stage);
}

/* A slot whose profile is gone: its timeout-kill file says what its timeout_kill was. */
static unsigned int slot_kill_ms(struct pass *ps, char const *dir)
{
  char path[300], buf[32];
  snprintf(path, sizeof path, "%s/timeout-kill", dir);
  int fd = fs_open_typed(ps->ctx->scandirfd, path, O_RDONLY, S_IFREG, 0);
  if (fd < 0) return ps->ctx->timeout_ms;
  ssize_t n = readnclose(fd, buf, sizeof buf - 1);
  if (n <= 0) return ps->ctx->timeout_ms;
  buf[n] = 0;
  char *end;
  unsigned long v = strtoul(buf, &end, 10);
  return v > 0 && v < 86400000UL && (*end == '\n' || !*end) ? (unsigned int)v : ps->ctx->timeout_ms;
}

/* Stop a slot and move it out of s6-svscan's sight; it is deleted once its supervisors are gone. */
static void reap(struct pass *ps, struct plan_item const *it)
{
  int sfd = ps->ctx->scandirfd;
  if (sv_control(sfd, it->slot, "d") < 0) {
    /* a control that is a link or no FIFO is not written to; s6-svscan -an stops the supervisor */
    if (errno == ELOOP || errno == HR_EWRONGTYPE) strerr_warnw(ps->ctx->scandir, "/", it->slot, "/supervise/control is not a FIFO: not written to");
    else fail(ps, "stop", it->slot);
  }
  int fd = fs_opendir_at(sfd, it->slot);
  if (fd >= 0) {
    /* what status shows while the tombstone's supervisor lives on ("removing": true) */
    if (fs_write_at(fd, HR_REMOVING_FILE, it->slot, strlen(it->slot), 0644, HR_KEEP_GID) < 0)
      strerr_warnwusys("mark ", ps->ctx->scandir, "/", it->slot, " as being removed");
    close(fd);
  }
  char *tomb = temp_name(ps, HR_TOMB_PREFIX);
  if (renameat2(sfd, it->slot, sfd, tomb, RENAME_NOREPLACE) < 0) fail(ps, "rename", it->slot);
  else await_add_kill(ps, tomb, 0, 1, it->profile ? kill_ms(ps, it->profile) : slot_kill_ms(ps, tomb));
  free(tomb);
}

/*
 * A deletion that ran out of time is left for the next pass: exit 99, not 111 (SPEC 11.3).
 * leftover: an interrupted pass's entry, which an unprivileged pass may be unable to delete.
 */
static void remove_tree(struct pass *ps, char const *name, int leftover)
{
  if (fs_rm_tree_at(ps->ctx->scandirfd, name, deadline_now_ms() + ps->ctx->timeout_ms) == 0) return;
  if (errno == ETIMEDOUT) {
    strerr_warnw(ps->ctx->scandir, "/", name, ": not deleted before the timeout; left for the next pass");
    ps->incomplete = 1;
  } else if (leftover && (errno == EACCES || errno == EPERM))
    strerr_warnwu("remove ", ps->ctx->scandir, "/", name, ": permission denied; left for a privileged pass");
  else fail(ps, "remove", name);
}

/*
 * A leftover that an unprivileged pass may not delete (root's, from a pass run as root) is
 * harmless under its dot name: say so and go on, so that it never breaks every later pass.
 */
static void clean_leftover(struct pass *ps, struct plan_item const *it)
{
  struct live_slot const *l = it->live;
  if (l->supervised > 0 || l->log_supervised > 0) await_add(ps, l->name, 0, 1);
  else remove_tree(ps, l->name, 1);
}

static int rendered(struct slot_render const *r, char const *path)
{
  for (size_t i = 0; i < r->n; i++) if (!strcmp(r->v[i].path, path)) return 1;
  return 0;
}

static int drop_stale(int slotfd, struct slot_render const *r)
{
  size_t i = 0;
  for (char const *name; (name = slot_optional_file(&i));)
    if (!rendered(r, name) && fs_unlink_at(slotfd, name) < 0) return -1;
  int envfd = fs_opendir_at(slotfd, "env");
  if (envfd < 0) return errno == ENOENT ? 0 : -1;
  DIR *d = fs_dir_stream(envfd);
  if (!d) {
    close(envfd);
    return -1;
  }
  int r2 = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char *path = hr_asprintf("env/%s", e->d_name);
    if (!rendered(r, path) && fs_unlink_at(envfd, e->d_name) < 0) r2 = -1;
    free(path);
  }
  closedir(d);
  close(envfd);
  return r2;
}

static int part_changed(unsigned int ch, enum hr_part part)
{
  if (ch & HR_CH_UNRECORDED) return 1;
  switch (part) {
    case HR_PART_RUN: return !!(ch & HR_CH_RUN);
    case HR_PART_CTL: return !!(ch & HR_CH_CONTROL);
    case HR_PART_LOG: return !!(ch & HR_CH_LOG);
    case HR_PART_SEED: return !!(ch & HR_CH_RUN);   /* the group may have changed */
    default: return 0;
  }
}

/* 1 if dir's supervisor runs and wants its service up. */
static int wanted_up(struct pass *ps, char const *dir)
{
  struct sv_status st;
  return sv_status_read(ps->ctx->scandirfd, dir, &st) > 0 && st.wantup;
}

/* Which restarts this update calls for: HR_RESTART_* bits. */
static int restarts_for(struct pass *ps, struct plan_item const *it)
{
  int r = it->live->restart;
  char logdir[300];
  snprintf(logdir, sizeof logdir, "%s/log", it->slot);
  if ((it->changes & (HR_CH_RUN | HR_CH_UNRECORDED)) && wanted_up(ps, it->slot)) r |= HR_RESTART_RUN;
  if ((it->changes & (HR_CH_LOG | HR_CH_UNRECORDED)) && it->render->has_log && wanted_up(ps, logdir)) r |= HR_RESTART_LOG;
  return r;
}

/*
 * A slot we did not make (no record: another tool's, or the former Python layout with a
 * hermes-owned supervise/) is adopted before it is updated (SPEC 11.1). When its supervisor's
 * own control or lock had to be replaced, the supervisor no longer reads the control in place
 * and nobody can tell whether it runs: it is stopped (SIGTERM, as s6-svscan -an would; SIGKILL
 * to its service after the kill time) and s6-svscan starts a fresh one at this pass's rescan.
 * The one case where a pass restarts a gateway nobody changed.
 */
static int adopt(struct pass *ps, struct plan_item const *it, int fd)
{
  int restart[2];
  if (sv_adopt(fd, it->render->gid, restart) < 0) {
    fail(ps, "adopt", it->slot);
    return -1;
  }
  for (int k = 0; k < 2; k++) {
    if (!restart[k]) continue;
    int dfd = k ? fs_opendir_at(fd, "log") : fd;
    strerr_warnw(ps->ctx->scandir, "/", it->slot, k ? "/log" : "", ": supervise/control or lock was replaced: restarting its supervisor");
    if (dfd < 0 || sv_restart_supervisor(dfd, kill_ms(ps, it->profile), ps->ctx->timeout_ms) < 0) {
      strerr_warnwu(ps->ctx->scandir, "/", it->slot, k ? "/log" : "", ": stop the supervisor before the timeout");
      ps->incomplete = 1;
    }
    if (k && dfd >= 0) close(dfd);
    ps->need_rescan = 1;
    await_add(ps, it->slot, 1, it->render->has_log);
  }
  return 0;
}

/* Update a live slot in place, file by file (SPEC 4, Updating); returns its HR_RESTART_* bits. */
static int update(struct pass *ps, struct plan_item const *it)
{
  struct slot_render const *r = it->render;
  int fd = fs_opendir_at(ps->ctx->scandirfd, it->slot);
  if (fd < 0) {
    fail(ps, "open", it->slot);
    return 0;
  }
  if ((it->changes & HR_CH_UNRECORDED) && adopt(ps, it, fd) < 0) {
    close(fd);
    return 0;
  }
  int restart = restarts_for(ps, it);
  if (restart && restart != it->live->restart) {
    char const *text = restart_pack(restart);
    if (fs_write_at(fd, HR_RESTART_FILE, text, strlen(text), 0644, HR_KEEP_GID) < 0) {
      fail(ps, "record the restart of", it->slot);
      close(fd);
      return 0;
    }
  }
  for (size_t i = 0; i < r->n; i++) {
    if (!part_changed(it->changes, r->v[i].part)) continue;
    if (put_entry(fd, r->v + i, r->gid) < 0) {
      strerr_warnwusys("update ", ps->ctx->scandir, "/", it->slot, "/", r->v[i].path);
      ps->failed = 1;
      close(fd);
      return 0;
    }
  }
  int bad = (it->changes & (HR_CH_RUN | HR_CH_CONTROL | HR_CH_UNRECORDED)) && drop_stale(fd, r) < 0;
  if (!bad && (it->changes & HR_CH_AUTOSTART)) bad = put_down(fd, execute_starts_down(it->profile)) < 0;
  if (!bad) bad = put_record(ps, fd, r, it->profile->autostart, restart, !ps->events_bad[it - ps->items]) < 0;
  if (bad) fail(ps, "update", it->slot);
  close(fd);
  if (it->changes & HR_CH_RESCAN) await_add(ps, it->slot, 1, r->has_log);
  return bad ? 0 : restart;
}

/* k to dir's service; through /proc when its control cannot carry it (a link, or nobody reads it). */
static void send_k(struct pass *ps, char const *dir)
{
  if (sv_control(ps->ctx->scandirfd, dir, "k") > 0) return;
  if (sv_kill_service(ps->ctx->scandirfd, dir) < 0) strerr_warnwusys("kill the service of ", ps->ctx->scandir, "/", dir);
}

static int await_settled(struct pass *ps, struct awaited *w)
{
  int a = sv_supervised(ps->ctx->scandirfd, w->dir);
  int b = w->has_log ? sv_log_supervised(ps->ctx->scandirfd, w->dir) : w->want_supervised;
  if (a < 0 || b < 0) return 0;
  if (w->want_supervised) return a && b;
  if (a || b) {
    if (!w->killed && deadline_now_ms() >= w->kill_at) {
      /* it ignores SIGTERM: k, through the tombstone's own control FIFO (SPEC 11.6) */
      char log[300];
      snprintf(log, sizeof log, "%s/log", w->dir);
      if (a) send_k(ps, w->dir);
      if (b) send_k(ps, log);
      w->killed = 1;
    }
    return 0;
  }
  remove_tree(ps, w->dir, 0);
  return 1;
}

/* Wait until every awaited slot is settled or the deadline passes; 1 if all settled. */
static int await_all(struct pass *ps, long long deadline)
{
  unsigned int step = 0;
  for (;;) {
    size_t pending = 0;
    for (size_t i = 0; i < ps->nw; i++) {
      if (!ps->w[i].done) ps->w[i].done = await_settled(ps, ps->w + i);
      pending += !ps->w[i].done;
    }
    if (!pending) return 1;
    long long last = deadline;
    for (size_t i = 0; i < ps->nw; i++)
      if (!ps->w[i].done && ps->w[i].give_up > last) last = ps->w[i].give_up;
    if (deadline_now_ms() >= last) {
      for (size_t i = 0; i < ps->nw; i++)
        if (!ps->w[i].done)
          strerr_warnw(ps->ctx->scandir, "/", ps->w[i].dir, ": ",
                       ps->w[i].want_supervised ? "no supervisor started" : "supervisor still running", " before the timeout");
      return 0;
    }
    deadline_backoff(&step);
  }
}

struct restart {
  char *slot;
  int what;
  unsigned int kill;     /* ms after d when k is sent */
  int done;              /* HR_RESTART_* bits completed */
};

static int is_down(struct pass *ps, char const *dir)
{
  struct sv_status st;
  int r = sv_status_read(ps->ctx->scandirfd, dir, &st);
  return r <= 0 || (!st.pid && !st.finishing);
}

/* The service directory of rs's restart k (0: the gateway, 1: its logger) into dir; 0 if none. */
static int restart_dir(struct restart const *rs, int k, char *dir, size_t len)
{
  if (!(rs->what & (k ? HR_RESTART_LOG : HR_RESTART_RUN))) return 0;
  snprintf(dir, len, k ? "%s/log" : "%s", rs->slot);
  return 1;
}

/* Wait for dir to be down after a d sent at start: k at the kill time, then one more bounded wait. */
static int wait_down(struct pass *ps, char const *dir, long long start, unsigned int kill)
{
  unsigned int step = 0;
  int killed = 0;
  long long give_up = give_up_at(ps, start, kill);
  while (!is_down(ps, dir)) {
    long long now = deadline_now_ms();
    if (now >= give_up) {
      strerr_warnw(ps->ctx->scandir, "/", dir, ": service did not go down before the timeout; restart left for the next pass");
      return 0;
    }
    if (!killed && now >= start + kill) {
      send_k(ps, dir);
      killed = 1;
    }
    deadline_backoff(&step);
  }
  return 1;
}

/*
 * SPEC 9.4 and 11.6: s6-svc -d, wait for finish to be done (k after the kill time), s6-svc -u
 * only once down; the record is forgotten only when every restart of the slot is complete, so a
 * restart that ran past the timeout is finished by the next pass (and status shows it pending).
 */
static int do_restarts(struct pass *ps, struct restart *rs, size_t n)
{
  char dir[300];
  int ok = 1;
  long long start = deadline_now_ms();
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n; i++)
      if (restart_dir(rs + i, k, dir, sizeof dir) && sv_control(ps->ctx->scandirfd, dir, "d") < 0) fail(ps, "stop", dir);
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n; i++) {
      if (!restart_dir(rs + i, k, dir, sizeof dir)) continue;
      if (!wait_down(ps, dir, start, rs[i].kill)) {
        ok = 0;
        continue;
      }
      if (sv_control(ps->ctx->scandirfd, dir, "u") < 0) fail(ps, "start", dir);
      else rs[i].done |= k ? HR_RESTART_LOG : HR_RESTART_RUN;
    }
  for (size_t i = 0; i < n; i++) {
    if (rs[i].done != rs[i].what) continue;
    snprintf(dir, sizeof dir, "%s/" HR_RESTART_FILE, rs[i].slot);
    if (fs_unlink_at(ps->ctx->scandirfd, dir) < 0) fail(ps, "remove", dir);
  }
  return ok;
}

/* A slot, or a tombstone whose supervisor still announces its last changes of state. */
static int has_event_dirs(struct live_slot const *l)
{
  if (!l) return 0;
  return l->kind == LIVE_SLOT || (l->kind == LIVE_LEFTOVER && !l->is_symlink && (l->supervised > 0 || l->log_supervised > 0));
}

/*
 * SPEC 11.7: the event directories of every live slot as the scan's reading of the sysctls wants
 * them, before anything makes a supervisor announce a change (the d of a removal included), whatever
 * else the plan does with the slot (an invalid profile's slot too); a slot whose record vouches for
 * them (events_trusted, scan.h) is left unseen only when the plan keeps it. A planted tree still being
 * deleted at the timeout is left for the next pass: the directory's mode is already right, and its
 * record does not say so, so that pass empties it again.
 */
static void assert_events(struct pass *ps, struct plan const *plan)
{
  for (size_t i = 0; i < plan->n; i++) {
    struct plan_item const *it = plan->v + i;
    struct live_slot const *l = it->live;
    /* trusted unseen (scan.h) only where this pass sends nothing: one it commands is looked at anyway */
    if (!has_event_dirs(l) || (l->events_trusted && it->action == HR_KEEP)) continue;
    int fd = fs_opendir_at(ps->ctx->scandirfd, it->slot);
    /* emptied even when its mode is right: a deletion an earlier pass cut short may have left plants */
    int r = fd < 0 ? -1 : events_slot_fix(fd, ps->ctx->events, 1, deadline_now_ms() + ps->ctx->timeout_ms);
    if (r < 0 && errno == ETIMEDOUT) {
      strerr_warnw(ps->ctx->scandir, "/", it->slot, ": what was planted in event/ is not all deleted before the timeout; left for the next pass");
      ps->incomplete = 1;
    } else if (r < 0) fail(ps, "set the event directories of", it->slot);
    ps->events_bad[i] = r < 0;
    if (fd >= 0) close(fd);
  }
}

int execute_plan(struct plan const *plan, struct exec_ctx const *ctx)
{
  struct pass ps = { .ctx = ctx, .items = plan->v };
  ps.events_bad = hr_alloc(plan->n + 1);
  struct restart *rs = hr_alloc(sizeof *rs * (plan->n + 1));
  size_t nrs = 0;
  int svscan = -1, waited = 1;
  if (plan->need_scan && (svscan = svscan_open(ctx->scandirfd)) < 0) {
    if (errno == ENXIO || errno == ENOENT) strerr_warnw("no s6-svscan is running on ", ctx->scandir, ": nothing changed");
    else strerr_warnwusys("open ", ctx->scandir, "/.s6-svscan/control");
    free(rs);
    free(ps.events_bad);
    return HR_EXIT_SYSTEM;
  }
  assert_events(&ps, plan);
  for (size_t i = 0; i < plan->n; i++) {
    struct plan_item const *it = plan->v + i;
    if (it->leftover) clean_leftover(&ps, it);
    else if (it->action == HR_REMOVE || (it->changes & HR_CH_LOGGER)) reap(&ps, it);
  }
  for (size_t i = 0; i < plan->n; i++) {
    struct plan_item const *it = plan->v + i;
    if (it->action == HR_ADD || (it->changes & HR_CH_LOGGER)) publish(&ps, it);
    else if (it->action == HR_UPDATE) {
      int what = update(&ps, it);
      if (what) rs[nrs++] = (struct restart){ it->slot, what, kill_ms(&ps, it->profile), 0 };
    }
  }
  long long deadline = deadline_now_ms() + ctx->timeout_ms;
  if (svscan < 0 && ps.need_rescan && (svscan = svscan_open(ctx->scandirfd)) < 0) {
    strerr_warnwusys("open ", ctx->scandir, "/.s6-svscan/control");
    ps.failed = 1;
  }
  if (svscan >= 0) {
    if (svscan_send(svscan, plan->need_prune ? "an" : "a") < 0) {
      strerr_warnwusys("send a command to s6-svscan on ", ctx->scandir);
      ps.failed = 1;
    } else waited = await_all(&ps, deadline);
    close(svscan);
  }
  if (nrs && !do_restarts(&ps, rs, nrs)) waited = 0;
  for (size_t i = 0; i < ps.nw; i++) free(ps.w[i].dir);
  free(ps.w);
  free(rs);
  free(ps.events_bad);
  return ps.failed ? HR_EXIT_SYSTEM : waited && !ps.incomplete ? HR_EXIT_OK : HR_EXIT_TIMEOUT;
}
