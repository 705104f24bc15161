/* hermes-reconcile check [FILE...]: validate profile files; change nothing. */

#include <string.h>

#include "commands.h"
#include "hr.h"
#include "load.h"
#include "report.h"

/* How many of the files named are _defaults.ini files (checked as such, SPEC 9.12). */
static size_t defaults_named(int argc, char const *const *argv)
{
  size_t n = 0;
  for (int i = 0; i < argc; i++) {
    char const *slash = strrchr(argv[i], '/');
    n += !strcmp(slash ? slash + 1 : argv[i], HR_DEFAULTS_FILE);
  }
  return n;
}

int cmd_check(struct hr_options const *o, int argc, char const *const *argv)
{
  struct profile_set set = { 0 };
  struct hr_errors errs = { 0 };
  struct load_ctx ctx = { o->hermes_home, &ids_system, 0, 0 };
  if (load_profiles(o->config_dir, argv, (size_t)argc, &ctx, &set, &errs) < 0) {
    errors_sys(&errs, o->config_dir, "read the config dir");
    report_check(&errs, 0, o->json, HR_EXIT_SYSTEM);
    profile_set_free(&set);
    errors_free(&errs);
    return HR_EXIT_SYSTEM;
  }
  report_check(&errs, set.n + defaults_named(argc, argv), o->json, errs.n ? HR_EXIT_INVALID : HR_EXIT_OK);
  int code = errs.n ? HR_EXIT_INVALID : HR_EXIT_OK;
  profile_set_free(&set);
  errors_free(&errs);
  return code;
}
