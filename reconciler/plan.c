#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "hr.h"
#include "plan.h"

static struct plan_item *item(struct plan *plan, enum hr_action a, char const *slot)
{
  hr_grow(&plan->v, sizeof *plan->v, plan->n, &plan->cap);
  struct plan_item *it = plan->v + plan->n++;
  memset(it, 0, sizeof *it);
  it->action = a;
  it->slot = hr_strdup(slot);
  return it;
}

static unsigned int compare(struct slot_render const *r, struct profile const *p, struct live_slot const *l)
{
  unsigned int ch = 0;
  if (l->has_log != r->has_log) return HR_CH_LOGGER;
  if (!l->has_record) ch |= HR_CH_UNRECORDED | HR_CH_RUN | HR_CH_CONTROL | HR_CH_AUTOSTART | (r->has_log ? HR_CH_LOG : 0);
  else {
    if (strcmp(l->digest[HR_PART_RUN], r->digest[HR_PART_RUN])) ch |= HR_CH_RUN;
    if (strcmp(l->digest[HR_PART_CTL], r->digest[HR_PART_CTL])) ch |= HR_CH_CONTROL;
    if (r->has_log && strcmp(l->digest[HR_PART_LOG], r->digest[HR_PART_LOG])) ch |= HR_CH_LOG;
    if (l->autostart != p->autostart) ch |= HR_CH_AUTOSTART;
  }
  if (!l->supervised || (r->has_log && !l->log_supervised)) ch |= HR_CH_RESCAN;
  if (l->restart) ch |= HR_CH_RESTART;
  /*
   * the same slot, recorded by another version (or from other inputs that render alike), or its
   * event directories looked at, not trusted (scan.h): the record alone, so that the next pass trusts them
   */
  if (!ch && (strcmp(l->from, r->from) || !l->events_trusted)) ch |= HR_CH_RECORD;
  return ch;
}

static void plan_profile_at(struct plan *plan, struct profile const *p, struct slot_render const *r, int over,
                            struct live_set const *live, struct hr_errors *errs, char const *slot)
{
  struct live_slot const *l = live_set_find(live, slot);
  struct plan_item *it;
  if (!p->valid || over) {   /* over [discover] max: a newcomer, so nothing is live */
    it = item(plan, HR_SKIP, slot);
    it->profile = p;
    it->live = l;
    return;
  }
  if (l && l->kind == LIVE_TAKEN) {
    if (!p->enabled) return;
    errors_add(errs, p->file, 0, "%s exists in the scandir and is not a directory of ours; left alone", slot);
    it = item(plan, HR_SKIP, l->name);
    it->profile = p;
    it->live = l;
    return;
  }
  if (!p->enabled) {
    if (!l) return;
    it = item(plan, HR_REMOVE, l->name);
    it->profile = p;
    it->live = l;
    return;
  }
  if (!l) {
    it = item(plan, HR_ADD, r->slot);
    it->profile = p;
    it->render = r;
    return;
  }
  unsigned int ch = compare(r, p, l);
  it = item(plan, ch ? HR_UPDATE : HR_KEEP, l->name);
  it->changes = ch;
  it->profile = p;
  it->render = r;
  it->live = l;
}

static void plan_profile(struct plan *plan, struct profile const *p, struct slot_render const *r, int over,
                         struct live_set const *live, struct hr_errors *errs)
{
  char *slot = slot_name(p->name);
  plan_profile_at(plan, p, r, over, live, errs, slot);
  free(slot);
}

static int by_slot(void const *a, void const *b)
{
  struct plan_item const *x = a, *y = b;
  if (x->leftover != y->leftover) return x->leftover - y->leftover;
  return strcmp(x->slot, y->slot);
}

/* discover_cap's question: has profile name a live slot of ours? */
static int slot_live(void const *ctx, char const *name)
{
  char *slot = slot_name(name);
  struct live_slot const *l = live_set_find(ctx, slot);
  free(slot);
  return l && l->kind == LIVE_SLOT;
}

void plan_make(struct profile_set const *set, struct slot_render *const *renders, struct live_set const *live,
               struct plan *plan, struct hr_errors *errs)
{
  memset(plan, 0, sizeof *plan);
  unsigned char *over = hr_alloc(set->n + 1);
  discover_cap(set, slot_live, live, over);
  for (size_t i = 0; i < set->n; i++) {
    if (over[i]) discover_cap_error(set->v + i, set->discover_max, errs);
    plan_profile(plan, set->v + i, renders[i], over[i], live, errs);
  }
  free(over);
  for (size_t i = 0; i < live->n; i++) {
    struct live_slot const *l = live->v + i;
    if (l->kind == LIVE_LEFTOVER) {
      struct plan_item *it = item(plan, HR_REMOVE, l->name);
      it->live = l;
      it->leftover = 1;
      if (l->supervised > 0 || l->log_supervised > 0) plan->need_scan = plan->need_prune = 1;
      continue;
    }
    if (l->kind != LIVE_SLOT) continue;
    if (set->defaults_invalid) {
      /* SPEC 9.7: nothing is removed while the defaults are invalid */
      if (!profile_set_find(set, slot_profile(l->name))) item(plan, HR_SKIP, l->name)->live = l;
      continue;
    }
    if (profile_set_find(set, slot_profile(l->name))) continue;
    item(plan, HR_REMOVE, l->name)->live = l;
  }
  for (size_t i = 0; i < plan->n; i++) {
    struct plan_item const *it = plan->v + i;
    if (it->leftover) continue;
    if (it->action == HR_ADD || it->action == HR_REMOVE) plan->need_scan = 1;
    if (it->action == HR_REMOVE) plan->need_prune = 1;
    if (it->changes & (HR_CH_LOGGER | HR_CH_RESCAN)) plan->need_scan = 1;
    if (it->changes & HR_CH_LOGGER) plan->need_prune = 1;
  }
  if (plan->n) qsort(plan->v, plan->n, sizeof *plan->v, by_slot);
}

int plan_pending(struct plan const *plan)
{
  for (size_t i = 0; i < plan->n; i++)
    if (plan->v[i].action != HR_KEEP && plan->v[i].action != HR_SKIP) return 1;
  return 0;
}

char const *plan_action_name(enum hr_action a)
{
  static char const *const names[] = { "keep", "add", "update", "remove", "skip" };
  return names[a];
}

char const *plan_change_name(unsigned int bit)
{
  static char const *const names[HR_NCHANGES] = {
    "run", "control", "log", "autostart", "logger", "rescan", "restart", "unrecorded",
    "record",
  };
  for (int i = 0; i < HR_NCHANGES; i++) if (bit == 1u << i) return names[i];
  return "?";
}

void plan_free(struct plan *plan)
{
  for (size_t i = 0; i < plan->n; i++) free(plan->v[i].slot);
  free(plan->v);
  memset(plan, 0, sizeof *plan);
}
