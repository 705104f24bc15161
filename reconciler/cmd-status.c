/* hermes-reconcile status: the gateway slots of the scandir and their live s6 state. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "hr.h"
#include "load.h"
#include "options.h"
#include "plan.h"
#include "report.h"
#include "scan.h"
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
  struct profile_set set = { 0 };
  struct hr_errors errs = { 0 };
  struct live_set live = { 0 };
  struct plan plan = { 0 };
  struct load_ctx lctx = { o->hermes_home, &ids_system };
  struct render_ctx rctx = { o->hermes_home, o->bindir };
  int fd = open(o->scandir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) strerr_diefusys(HR_EXIT_SYSTEM, "open the scandir ", o->scandir);
  if (scan_scandir(fd, &live) < 0) strerr_diefusys(HR_EXIT_SYSTEM, "read the scandir ", o->scandir);
  if (load_profiles(o->config_dir, 0, 0, &lctx, &set, &errs) < 0) strerr_diefusys(HR_EXIT_SYSTEM, "read the config dir ", o->config_dir);
  struct slot_render **renders = hr_alloc(sizeof *renders * (set.n + 1));
  for (size_t i = 0; i < set.n; i++) {
    if (!set.v[i].valid || !set.v[i].enabled) continue;
    renders[i] = hr_alloc(sizeof **renders);
    render_slot(set.v + i, &rctx, renders[i]);
  }
  plan_make(&set, renders, &live, &plan, &errs);
  struct status_row *rows = hr_alloc(sizeof *rows * (live.n + 1));
  size_t n = 0;
  for (size_t i = 0; i < live.n; i++) {
    struct live_slot const *l = live.v + i;
    if (l->kind != LIVE_SLOT) continue;
    struct status_row *r = rows + n++;
    struct profile const *p = profile_set_find(&set, l->name + sizeof HR_SLOT_PREFIX - 1);
    struct plan_item const *it = item_for(&plan, l->name);
    struct sv_status st = { 0 };
    r->slot = l->name;
    r->profile = p ? p->name : 0;
    r->description = p ? p->description : 0;
    r->supervised = l->supervised > 0;
    if (r->supervised && sv_status_read(fd, l->name, &st) > 0) {
      r->up = st.pid > 0;
      r->pid = st.pid;
      r->wantup = st.wantup;
    }
    r->pending = !p || !it || it->action != HR_KEEP;
  }
  report_status(rows, n, o->json);
  free(rows);
  for (size_t i = 0; i < set.n; i++) {
    if (!renders[i]) continue;
    render_free(renders[i]);
    free(renders[i]);
  }
  free(renders);
  plan_free(&plan);
  live_set_free(&live);
  profile_set_free(&set);
  errors_free(&errs);
  close(fd);
  return HR_EXIT_OK;
}
