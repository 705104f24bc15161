#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <skalibs/strerr.h>

#include "asuser.h"
#include "hr.h"

/* The child's credentials become uid:gid for good (the saved ids too), or it exits 111. */
static void drop_to(uid_t uid, gid_t gid)
{
  if (geteuid() == 0) {
    if (setgroups(0, 0) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
      strerr_diefu1sys(HR_EXIT_SYSTEM, "drop to the hermes user's credentials");
  } else if (geteuid() != uid || getuid() != uid) {
    errno = EPERM;
    strerr_diefu1sys(HR_EXIT_SYSTEM, "act as another user");
  }
  if (geteuid() == 0 && uid != 0) strerr_dief1x(HR_EXIT_SYSTEM, "still root after dropping privileges");
}

int as_user(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
  fflush(0);   /* nothing buffered before the fork is written twice */
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (!pid) {
    drop_to(uid, gid);
    int r = fn(arg);
    _exit((fflush(0) ? HR_EXIT_SYSTEM : r) & 0xff);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) return -1;
  if (!WIFEXITED(status)) return (errno = EINTR), -1;
  return WEXITSTATUS(status);
}
