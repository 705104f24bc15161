/* hermes-reconcile watch: apply, then apply again after every change of the config dir. */
#include <skalibs/strerr.h>

#include "hr.h"
#include "options.h"
#include "pass.h"

int cmd_watch(struct hr_options const *o, int argc, char const *const *argv)
{
  (void)argc;
  (void)argv;
  (void)o;
  strerr_warnw("watch is not implemented yet");
  return HR_EXIT_SYSTEM;
}
