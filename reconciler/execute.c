#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "deadline.h"
#include "execute.h"
#include "fsutil.h"
#include "hr.h"
#include "state.h"
#include "supervise.h"

/* What the waiting phase must see for one slot. */
struct watch {
  char *dir;             /* entry name in the scandir */
  int want_supervised;   /* 1: a new supervisor must run; 0: a tombstone's supervisors must be gone */
  int has_log;
  int done;
};

struct pass {
  struct exec_ctx const *ctx;
  struct watch *w;
  size_t nw, capw;
  unsigned int seq;
  int failed;
};

static void fail(struct pass *ps, char const *what, char const *name)
{
  strerr_warnwusys(what, " ", ps->ctx->scandir, "/", name);
  ps->failed = 1;
}

static void watch_add(struct pass *ps, char const *dir, int want, int has_log)
{
  hr_grow(&ps->w, sizeof *ps->w, ps->nw, &ps->capw);
  ps->w[ps->nw++] = (struct watch){ hr_strdup(dir), want, has_log, 0 };
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

static int put_record(int slotfd, struct slot_render const *r, int autostart)
{
  char *rec = render_record(r, autostart);
  int e = fs_write_at(slotfd, HR_RECORD_FILE, rec, strlen(rec), 0644, HR_KEEP_GID);
  free(rec);
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
  if (put_down(fd, execute_starts_down(it->profile)) < 0 || put_record(fd, r, it->profile->autostart) < 0) {
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
  if (ok) watch_add(ps, slot, 1, it->render->has_log);
  else {
    ps->failed = 1;
    fs_rm_rf_at(sfd, stage);
  }
  free(stage);
}

/* Stop a slot and move it out of s6-svscan's sight; it is deleted once its supervisors are gone. */
static void reap(struct pass *ps, struct plan_item const *it)
{
  if (sv_control(ps->ctx->scandirfd, it->slot, "d") < 0) fail(ps, "stop", it->slot);
  char *tomb = temp_name(ps, HR_TOMB_PREFIX);
  if (renameat2(ps->ctx->scandirfd, it->slot, ps->ctx->scandirfd, tomb, RENAME_NOREPLACE) < 0) fail(ps, "rename", it->slot);
  else watch_add(ps, tomb, 0, 1);
  free(tomb);
}

/*
 * A leftover that an unprivileged pass may not delete (root's, from a pass run as root) is
 * harmless under its dot name: say so and go on, so that it never breaks every later pass.
 */
static void clean_leftover(struct pass *ps, struct plan_item const *it)
{
  struct live_slot const *l = it->live;
  if (l->supervised > 0 || l->log_supervised > 0) watch_add(ps, l->name, 0, 1);
  else if (fs_rm_rf_at(ps->ctx->scandirfd, l->name) < 0) {
    if (errno == EACCES || errno == EPERM)
      strerr_warnwu("remove ", ps->ctx->scandir, "/", l->name, ": permission denied; left for a privileged pass");
    else fail(ps, "remove", l->name);
  }
}

/* Optional files of a slot that a new render may no longer have. */
static char const *const optional_files[] = {
  "notification-fd", "timeout-finish", "timeout-kill", "down-signal", "max-death-tally",
};

static int rendered(struct slot_render const *r, char const *path)
{
  for (size_t i = 0; i < r->n; i++) if (!strcmp(r->v[i].path, path)) return 1;
  return 0;
}

static int drop_stale(int slotfd, struct slot_render const *r)
{
  for (size_t i = 0; i < sizeof optional_files / sizeof *optional_files; i++)
    if (!rendered(r, optional_files[i]) && fs_unlink_at(slotfd, optional_files[i]) < 0) return -1;
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

/* Update a live slot in place, file by file (SPEC 4, Updating); returns its HR_RESTART_* bits. */
static int update(struct pass *ps, struct plan_item const *it)
{
  struct slot_render const *r = it->render;
  int fd = fs_opendir_at(ps->ctx->scandirfd, it->slot);
  if (fd < 0) {
    fail(ps, "open", it->slot);
    return 0;
  }
  int restart = restarts_for(ps, it);
  if (restart && restart != it->live->restart) {
    char const *text = restart == (HR_RESTART_RUN | HR_RESTART_LOG) ? "run\nlog\n" : restart == HR_RESTART_RUN ? "run\n" : "log\n";
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
  if (!bad) bad = put_record(fd, r, it->profile->autostart) < 0;
  if (bad) fail(ps, "update", it->slot);
  close(fd);
  if (it->changes & HR_CH_RESCAN) watch_add(ps, it->slot, 1, r->has_log);
  return bad ? 0 : restart;
}

static int watch_settled(struct pass *ps, struct watch *w)
{
  int a = sv_supervised(ps->ctx->scandirfd, w->dir);
  int b = w->has_log ? sv_log_supervised(ps->ctx->scandirfd, w->dir) : w->want_supervised;
  if (a < 0 || b < 0) return 0;
  if (w->want_supervised) return a && b;
  if (a || b) return 0;
  if (fs_rm_rf_at(ps->ctx->scandirfd, w->dir) < 0) fail(ps, "remove", w->dir);
  return 1;
}

/* Wait until every watched slot is settled or the deadline passes; 1 if all settled. */
static int wait_watches(struct pass *ps, long long deadline)
{
  unsigned int step = 0;
  for (;;) {
    size_t pending = 0;
    for (size_t i = 0; i < ps->nw; i++) {
      if (!ps->w[i].done) ps->w[i].done = watch_settled(ps, ps->w + i);
      pending += !ps->w[i].done;
    }
    if (!pending) return 1;
    if (deadline_now_ms() >= deadline) {
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

/* SPEC 9.4: s6-svc -d, wait for finish to be done, s6-svc -u; then forget the record. */
static int do_restarts(struct pass *ps, struct restart *rs, size_t n, long long deadline)
{
  char dir[300];
  int ok = 1;
  unsigned int step = 0;
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n; i++)
      if (restart_dir(rs + i, k, dir, sizeof dir) && sv_control(ps->ctx->scandirfd, dir, "d") < 0) fail(ps, "stop", dir);
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n; i++) {
      if (!restart_dir(rs + i, k, dir, sizeof dir)) continue;
      while (!is_down(ps, dir)) {
        if (deadline_now_ms() >= deadline) {
          strerr_warnw(ps->ctx->scandir, "/", dir, ": service did not go down before the timeout");
          ok = 0;
          break;
        }
        deadline_backoff(&step);
      }
      if (sv_control(ps->ctx->scandirfd, dir, "u") < 0) fail(ps, "start", dir);
    }
  for (size_t i = 0; i < n; i++) {
    snprintf(dir, sizeof dir, "%s/" HR_RESTART_FILE, rs[i].slot);
    if (fs_unlink_at(ps->ctx->scandirfd, dir) < 0) fail(ps, "remove", dir);
  }
  return ok;
}

int execute_plan(struct plan const *plan, struct exec_ctx const *ctx)
{
  struct pass ps = { .ctx = ctx };
  struct restart *rs = hr_alloc(sizeof *rs * (plan->n + 1));
  size_t nrs = 0;
  int svscan = -1, waited = 1;
  if (plan->need_scan && (svscan = svscan_open(ctx->scandirfd)) < 0) {
    if (errno == ENXIO || errno == ENOENT) strerr_warnw("no s6-svscan is running on ", ctx->scandir, ": nothing changed");
    else strerr_warnwusys("open ", ctx->scandir, "/.s6-svscan/control");
    free(rs);
    return HR_EXIT_SYSTEM;
  }
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
      if (what) rs[nrs++] = (struct restart){ it->slot, what };
    }
  }
  long long deadline = deadline_now_ms() + ctx->timeout_ms;
  if (svscan >= 0) {
    if (svscan_send(svscan, plan->need_prune ? "an" : "a") < 0) {
      strerr_warnwusys("send a command to s6-svscan on ", ctx->scandir);
      ps.failed = 1;
    } else waited = wait_watches(&ps, deadline);
    close(svscan);
  }
  if (nrs && !do_restarts(&ps, rs, nrs, deadline)) waited = 0;
  for (size_t i = 0; i < ps.nw; i++) free(ps.w[i].dir);
  free(ps.w);
  free(rs);
  return ps.failed ? HR_EXIT_SYSTEM : waited ? HR_EXIT_OK : HR_EXIT_TIMEOUT;
}
