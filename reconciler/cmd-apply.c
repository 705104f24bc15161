/* hermes-reconcile apply, hermes-reconcile plan */
#include "commands.h"
#include "pipeline.h"

int cmd_apply(struct hr_options const *o, int argc, char const *const *argv)
{
  (void)argc;
  (void)argv;
  return pass_once(o, PASS_APPLY);
}

int cmd_plan(struct hr_options const *o, int argc, char const *const *argv)
{
  (void)argc;
  (void)argv;
  return pass_once(o, PASS_PLAN);
}
