/* hermes-reconcile: make the live s6 scandir match the hermes profile files. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <skalibs/strerr.h>

#include "commands.h"
#include "hr.h"
#include "outhold.h"
#include "trigger.h"

char const *PROG = HR_PROG;

static char const usage_text[] =
  "usage: hermes-reconcile [OPTIONS] [apply | plan | check [FILE...] | status | watch | import [NAME...]]\n"
  "\n"
  "  apply            one idempotent pass (the default)\n"
  "  plan             print what apply would do; change nothing\n"
  "  check [FILE...]  validate profile files; change nothing\n"
  "  status           list the gateway slots with their live s6 state\n"
  "  watch            apply, then apply again after every change of the config dir\n"
  "  import [NAME...] write a profile file for each discovered profile that has none\n"
  "\n"
  "  -c, --config-dir DIR   profile files (default /etc/hermes/profiles.d, env HERMES_RECONCILE_CONFIG_DIR)\n"
  "  -s, --scandir DIR      live s6 scan directory (default /run/service, env S6_PROFILE_GATEWAY_SCANDIR)\n"
  "  -H, --hermes-home DIR  hermes home (default $HERMES_HOME, else /opt/data)\n"
  "  -b, --s6-bindir DIR    s6 programs for generated scripts (default /command, env HERMES_RECONCILE_S6_BINDIR)\n"
  "  -t, --timeout MS       bound on every wait for s6 (default 10000)\n"
  "  -j, --json             machine-readable output\n"
  "  -q, --quiet / -v, --verbose\n"
  "      --notify-fd FD     watch: write a newline to FD when the first pass is done\n"
  "  -h, --help / -V, --version\n";

/* A new command: a line here, its usage line above, its cmd-*.c (docs/design.md, "Where to change what"). */
struct command {
  char const *name;
  int (*run)(struct hr_options const *, int, char const *const *);
  int takes_args;        /* FILE... or NAME... after the command */
  int via_trigger;       /* run by a user who may not write the scandir: ask the root service (trigger.h) */
};

static struct command const commands[] = {
  { .name = "apply", .run = cmd_apply, .via_trigger = 1 },
  { .name = "plan", .run = cmd_plan },
  { .name = "check", .run = cmd_check, .takes_args = 1 },
  { .name = "status", .run = cmd_status },
  { .name = "watch", .run = cmd_watch },
  { .name = "import", .run = cmd_import, .takes_args = 1 },
  /* internal, for the image's stage2 hook and cont-init.d (hermes-reconcile(8)); not in the usage */
  { .name = "boot", .run = cmd_boot, .takes_args = 1 },
};

static void usage_die(char const *why, char const *what)
{
  strerr_warnw(why, what);
  fputs(usage_text, stderr);
  exit(HR_EXIT_USAGE);
}

static char const *env_or(char const *name, char const *dflt)
{
  char const *v = getenv(name);
  return v && *v ? v : dflt;
}

static unsigned int parse_uint(char const *s, char const *what)
{
  char *end;
  unsigned long n = strtoul(s, &end, 10);
  if (!*s || *end || n > 86400000UL || s[0] == '-') usage_die("invalid number for ", what);
  return (unsigned int)n;
}

/*
 * A report that did not reach stdout is a failed command (SPEC 11, Output): exit 111, whatever it did.
 * Said only if stderr takes it at once (SPEC 11.9: it may be a client's full pipe).
 */
static int stdout_checked(int code)
{
  if (fflush(stdout) == 0 && !ferror(stdout)) return code;
  outhold_say("write the report to stdout", errno);
  return HR_EXIT_SYSTEM;
}

int main(int argc, char **argv)
{
  static struct option const longopts[] = {
    { "config-dir", required_argument, 0, 'c' },
    { "scandir", required_argument, 0, 's' },
    { "hermes-home", required_argument, 0, 'H' },
    { "s6-bindir", required_argument, 0, 'b' },
    { "timeout", required_argument, 0, 't' },
    { "json", no_argument, 0, 'j' },
    { "quiet", no_argument, 0, 'q' },
    { "verbose", no_argument, 0, 'v' },
    { "notify-fd", required_argument, 0, 'N' },
    { "help", no_argument, 0, 'h' },
    { "version", no_argument, 0, 'V' },
    { 0, 0, 0, 0 },
  };
  struct hr_options o = {
    .config_dir = env_or("HERMES_RECONCILE_CONFIG_DIR", "/etc/hermes/profiles.d"),
    .scandir = env_or("S6_PROFILE_GATEWAY_SCANDIR", "/run/service"),
    .hermes_home = env_or("HERMES_HOME", "/opt/data"),
    .bindir = env_or("HERMES_RECONCILE_S6_BINDIR", "/command"),
    .timeout_ms = 10000,
    .notify_fd = -1,
  };
  char const *chosen = 0; /* an option the trigger cannot forward (SPEC 2, hermes-reconcile(8)) */
  for (;;) {
    int c = getopt_long(argc, argv, "+c:s:H:b:t:jqvhV", longopts, 0);
    if (c == -1) break;
    switch (c) {
      case 'c': o.config_dir = optarg; chosen = "--config-dir"; break;
      case 's': o.scandir = optarg; chosen = "--scandir"; break;
      case 'H': o.hermes_home = optarg; chosen = "--hermes-home"; break;
      case 'b': o.bindir = optarg; chosen = "--s6-bindir"; break;
      case 't': o.timeout_ms = parse_uint(optarg, "--timeout"); chosen = "--timeout"; break;
      case 'j': o.json = 1; break;
      case 'q': o.verbosity = -1; break;
      case 'v': o.verbosity = 1; break;
      case 'N': o.notify_fd = (int)parse_uint(optarg, "--notify-fd"); break;
      case 'h': fputs(usage_text, stdout); return 0;
      case 'V': puts("hermes-reconcile " HR_VERSION); return 0;
      default: fputs(usage_text, stderr); return HR_EXIT_USAGE;
    }
  }
  if (o.hermes_home[0] != '/') usage_die("hermes home must be an absolute path: ", o.hermes_home);
  if (o.bindir[0] != '/') usage_die("s6 bindir must be an absolute path: ", o.bindir);
  char const *name = optind < argc ? argv[optind++] : "apply";
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    if (strcmp(name, commands[i].name)) continue;
    if (!commands[i].takes_args && optind < argc) usage_die("too many arguments for ", name);
    if (commands[i].via_trigger) trigger_apply(&o, chosen);
    /* from here on nothing is exec'd: a reader that went away is a failed write (111), not a signal */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) strerr_diefu1sys(HR_EXIT_SYSTEM, "ignore SIGPIPE");
    return stdout_checked(commands[i].run(&o, argc - optind, (char const *const *)argv + optind));
  }
  usage_die("unknown command: ", name);
  return HR_EXIT_USAGE;
}
