/* hermes-reconcile status: the gateway slots of the scandir and their live s6 state. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "events.h"
#include "hr.h"
#include "pipeline.h"
#include "plan.h"
#include "report.h"
#include "supervise.h"

static struct plan_item const *item_for(struct plan const *plan, char const *slot)
{
  for (size_t i = 0; i < plan->n; i++) if (!strcmp(plan->v[i].slot, slot)) return plan->v + i;
  return 0;
}

int cmd_status(struct hr_options const *o, int argc, char const *const *argv)
{
  (void)argc;
  (void)argv;
  struct pipeline pl = PIPELINE_ZERO;
  struct events_policy ev;
  pl.look_events = 1;   /* status says how every slot's are, not what the records say */
  if (pipeline_prepare(o, PASS_PLAN, &pl) < 0) {
    events_policy_read(&ev);
    report_status(0, 0, &ev, &pl.errs, o->json, HR_EXIT_SYSTEM);
    pipeline_free(&pl);
    return HR_EXIT_SYSTEM;
  }
  ev = pl.events;   /* the reading the scan judged the event directories by */
  /* run by someone else than the passes (hermes, say): the slots are the scandir owner's */
  struct stat sd;
  if (geteuid() != 0 && fstat(pl.scandirfd, &sd) == 0) {
    ev.uid = sd.st_uid;
    ev.gid = sd.st_gid;
  }
  struct status_row *rows = hr_alloc(sizeof *rows * (pl.live.n + 1));
  size_t n = 0;
  for (size_t i = 0; i < pl.live.n; i++) {
    struct live_slot const *l = pl.live.v + i;
    if (l->kind != LIVE_SLOT) continue;
    struct status_row *r = rows + n++;
    struct profile const *p = profile_set_find(&pl.set, slot_profile(l->name));
    struct plan_item const *it = item_for(&pl.plan, l->name);
    struct sv_status st = { 0 };
    r->slot = l->name;
    r->profile = p ? p->name : 0;
    r->source = p ? report_source(p) : 0;
    r->description = p ? p->description : 0;
    r->supervised = l->supervised > 0;
    if (r->supervised && sv_status_read(pl.scandirfd, l->name, &st) > 0) {
      r->up = st.pid > 0;
      r->pid = st.pid;
      r->wantup = st.wantup;
    }
    r->pending = !p || !it || it->action != HR_KEEP;
    r->pending_unknown = l->record_unreadable && p;
    r->events_ok = events_seen_ok(&l->events, &ev);
  }
  /* SPEC 11.6: a slot still going away, its tombstone's supervisor alive */
  for (size_t i = 0; i < pl.live.n; i++) {
    struct live_slot const *l = pl.live.v + i;
    if (l->kind != LIVE_LEFTOVER || !l->removing) continue;
    struct status_row *r = rows + n++;
    struct sv_status st = { 0 };
    r->slot = l->removing;
    r->supervised = l->supervised > 0;
    if (r->supervised && sv_status_read(pl.scandirfd, l->name, &st) > 0) {
      r->up = st.pid > 0;
      r->pid = st.pid;
      r->wantup = st.wantup;
    }
    r->pending = 1;
    r->removing = 1;
    r->events_ok = events_seen_ok(&l->events, &ev);
  }
  report_status(rows, n, &ev, &pl.errs, o->json, HR_EXIT_OK);
  free(rows);
  pipeline_free(&pl);
  return HR_EXIT_OK;
}
