/* The commands of hermes-reconcile, one cmd-*.c each, dispatched by hermes-reconcile.c's table. */
#ifndef HR_COMMANDS_H
#define HR_COMMANDS_H

#include "options.h"

int cmd_check(struct hr_options const *o, int argc, char const *const *argv);
int cmd_plan(struct hr_options const *o, int argc, char const *const *argv);
int cmd_apply(struct hr_options const *o, int argc, char const *const *argv);
int cmd_status(struct hr_options const *o, int argc, char const *const *argv);
int cmd_watch(struct hr_options const *o, int argc, char const *const *argv);
int cmd_import(struct hr_options const *o, int argc, char const *const *argv);
/* Internal: the image's boot work (cmd-boot.c; not in SPEC 2's list, used by the image). */
int cmd_boot(struct hr_options const *o, int argc, char const *const *argv);

#endif
