/* The unprivileged side of apply: asking the hermes-reconcile-trigger service for a root pass.
 *
 * The service (s6-overlay/s6-rc.d/hermes-reconcile-trigger) is s6-ipcserver on the trigger socket,
 * s6-ipcserver-access allowing the hermes user only, and s6-sudod running a fixed
 * "hermes-reconcile apply" with the service's own config dir, scandir and hermes home. The client
 * sends no environment (s6-sudo -e) and no paths: only -j, -q and -v, which the server checks
 * against the same list. s6-sudoc passes our stdin, stdout and stderr, so the pass's report is
 * printed here, and exits with the pass's exit code. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "hr.h"
#include "trigger.h"

void trigger_apply(struct hr_options const *o, char const *chosen)
{
  if (geteuid() == 0) return;
  if (faccessat(AT_FDCWD, o->scandir, W_OK, AT_EACCESS) == 0 || errno != EACCES) return;

  char const *sock = getenv("HERMES_RECONCILE_TRIGGER");
  if (!sock || !*sock) sock = HR_TRIGGER_SOCKET;
  struct stat st;
  if (stat(sock, &st) < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      strerr_dief1x(HR_EXIT_SYSTEM,
                    "the scandir is root's; run as root, or start the hermes-reconcile-trigger service");
    strerr_diefu3sys(HR_EXIT_SYSTEM, "reach the trigger socket ", sock,
                     " (only the hermes user may ask the hermes-reconcile-trigger service for a pass)");
  }
  if (!S_ISSOCK(st.st_mode)) strerr_dief3x(HR_EXIT_SYSTEM, "the trigger ", sock, " is not a socket");
  if (chosen)
    strerr_dief2x(HR_EXIT_USAGE, chosen,
                  " cannot be given through the trigger: the privileged pass uses the service's config dir,"
                  " scandir and hermes home; run as root to choose them");

  char const *argv[8];
  size_t n = 0;
  char *prog = hr_asprintf("%s/s6-sudo", o->bindir);
  argv[n++] = "s6-sudo";
  argv[n++] = "-e";
  argv[n++] = sock;
  if (o->json) argv[n++] = "--json";
  if (o->verbosity < 0) argv[n++] = "--quiet";
  if (o->verbosity > 0) argv[n++] = "--verbose";
  argv[n] = 0;
  if (access(prog, X_OK) == 0) execv(prog, (char *const *)argv);
  free(prog);
  execvp(argv[0], (char *const *)argv);
  strerr_diefu2sys(HR_EXIT_SYSTEM, "exec s6-sudo to reach the trigger ", sock);
}
