/*
 * hermes-reconcile boot SUBCOMMAND: the image's root boot work on hermes-writable paths, which
 * the stage2 hook and cont-init.d hand to this program instead of doing it in shell (SPEC 11,
 * "the whole root side"; hermes-reconcile(8), "The image's root side"). Not a user command.
 *
 *   boot own UID GID [DIR...]            (root) the home and hermes' trees to UID:GID, skeleton as it;
 *                                        each DIR itself (not its contents) too
 *   boot seed UID GID EXAMPLES new|empty (root) first-boot seeding of the config dir, as UID:GID
 *   boot link-volume TARGET              (root) the config dir made the link TARGET (volume.h): "new"
 *                                        or "kept" on stdout
 *   boot stale                           (hermes) prior states on stdout, stale pid files removed
 *   boot log                             (hermes) stdin appended to logs/container-boot.log
 *
 * The home is -H (HERMES_HOME), the config dir -c. Exit 0 done, 1 something refused (said on
 * stderr), 100 usage, 111 system failure.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "bootlog.h"
#include "commands.h"
#include "hr.h"
#include "own.h"
#include "seed.h"
#include "stale.h"
#include "volume.h"

static int usage(char const *why)
{
  strerr_warnw2x("boot: ", why);
  strerr_warnw1x("usage: hermes-reconcile [-H HOME] [-c DIR] boot own UID GID [DIR...] | seed UID GID EXAMPLES new|empty"
                 " | link-volume TARGET | stale | log");
  return HR_EXIT_USAGE;
}

/* A uid or gid: a decimal number from 1 to 4294967294 (never root's 0). 0 if invalid. */
static unsigned long id_of(char const *s)
{
  char *end;
  unsigned long n = strtoul(s, &end, 10);
  return *s >= '0' && *s <= '9' && !*end && n < 4294967295UL ? n : 0;
}

int cmd_boot(struct hr_options const *o, int argc, char const *const *argv)
{
  if (argc < 1) return usage("a subcommand is required");
  char const *sub = argv[0];
  int nargs = !strcmp(sub, "own") ? (argc > 3 ? argc - 1 : 2) : !strcmp(sub, "seed") ? 4 : !strcmp(sub, "link-volume") ? 1 : !strcmp(sub, "stale") || !strcmp(sub, "log") ? 0 : -1;
  if (nargs < 0) return usage("unknown subcommand");
  if (argc - 1 != nargs) return usage("wrong number of arguments");
  if (!strcmp(sub, "stale")) return stale_sweep(o->hermes_home);
  if (!strcmp(sub, "log")) return bootlog_append(o->hermes_home);
  if (!strcmp(sub, "link-volume")) return volume_link_config_dir(o->config_dir, argv[1]);
  unsigned long uid = id_of(argv[1]), gid = id_of(argv[2]);
  if (!uid || !gid) return usage("UID and GID must be numbers other than 0");
  if (!strcmp(sub, "own")) {
    int r = own_home(o->hermes_home, (uid_t)uid, (gid_t)gid);
    int d = geteuid() == 0 ? own_dirs(argv + 3, argc - 3, (uid_t)uid, (gid_t)gid) : 0;
    return r ? r : d;
  }
  enum seed_when when = !strcmp(argv[4], "new") ? SEED_NEW : SEED_EMPTY;
  if (when == SEED_EMPTY && strcmp(argv[4], "empty")) return usage("seed: the last argument is new or empty");
  return seed_config_dir(o->config_dir, argv[3], (uid_t)uid, (gid_t)gid, when);
}
