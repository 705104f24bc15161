/* Names to ids through the passwd and group databases (ids_system of ids.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "hr.h"
#include "ids.h"

/*
 * getpwnam and getgrnam read the whole database on every call, and a load asks about the same one or two
 * names for every profile: remember the last answer of each, until ids_system_forget (every load).
 */
struct id_memo {
  char name[256];   /* every name a profile line can hold */
  int found;
  uid_t uid;
  gid_t gid;
};

static struct id_memo user_memo, group_memo;

static int memo_hit(struct id_memo const *m, char const *name)
{
  return m->name[0] && !strcmp(m->name, name);
}

/* Remember m as the answer for name. */
static void memo_keep(struct id_memo *memo, char const *name, struct id_memo const *m)
{
  size_t len = strlen(name);
  if (len >= sizeof memo->name) return;
  *memo = *m;
  memcpy(memo->name, name, len + 1);
}

/* getpwnam(3): these errno values, or none, mean "not found"; any other is a failed lookup. */
static int lookup_failed(void)
{
  return errno && errno != ENOENT && errno != ESRCH && errno != EBADF && errno != EPERM;
}

static int user_system(char const *name, uid_t *uid, gid_t *gid)
{
  struct id_memo m = { 0 };
  if (memo_hit(&user_memo, name)) m = user_memo;
  else {
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw && lookup_failed()) return -2;
    if (pw) m = (struct id_memo){ .found = 1, .uid = pw->pw_uid, .gid = pw->pw_gid };
    memo_keep(&user_memo, name, &m);
  }
  if (!m.found) return -1;
  *uid = m.uid;
  *gid = m.gid;
  return 0;
}

static int group_system(char const *name, gid_t *gid)
{
  struct id_memo m = { 0 };
  if (memo_hit(&group_memo, name)) m = group_memo;
  else {
    errno = 0;
    struct group *gr = getgrnam(name);
    if (!gr && lookup_failed()) return -2;
    if (gr) m = (struct id_memo){ .found = 1, .gid = gr->gr_gid };
    memo_keep(&group_memo, name, &m);
  }
  if (!m.found) return -1;
  *gid = m.gid;
  return 0;
}

/* getgrouplist(3), grown until the list fits. */
/* getgrouplist(3), into a new array *v of *n groups: 0, or -2 if it gave no answer. */
static int grouplist_lookup(char const *user, gid_t primary, gid_t **v, size_t *n)
{
  int cap = 16;
  for (;;) {
    int got = cap;
    *v = hr_alloc(sizeof **v * (size_t)cap);
    errno = 0;
    if (getgrouplist(user, primary, *v, &got) >= 0) {
      *n = (size_t)got;
      return 0;
    }
    free(*v);
    *v = 0;
    if (got <= cap) {
      if (cap >= 65536) return -2;      /* no answer that fits, and no size to grow to: a failed lookup */
      got = cap * 2;
    }
    cap = got;
  }
}

/* getgrouplist reads every group of every NSS source: the last answer is kept, as for users and groups. */
static struct {
  struct id_memo key;    /* name: the user; gid: the primary group */
  gid_t *groups;
  size_t n;
} grouplist_memo;

static int grouplist_system(char const *user, gid_t primary, gid_t **v, size_t *n)
{
  if (!memo_hit(&grouplist_memo.key, user) || grouplist_memo.key.gid != primary) {
    gid_t *groups;
    size_t ngroups;
    if (grouplist_lookup(user, primary, &groups, &ngroups) < 0) return -2;
    struct id_memo key = { .found = 1, .gid = primary };
    grouplist_memo.key.name[0] = 0;
    memo_keep(&grouplist_memo.key, user, &key);
    if (!grouplist_memo.key.name[0]) {   /* too long a name to remember: answer without the memo */
      *v = groups;
      *n = ngroups;
      return 0;
    }
    free(grouplist_memo.groups);
    grouplist_memo.groups = groups;
    grouplist_memo.n = ngroups;
  }
  *v = hr_alloc(sizeof **v * (grouplist_memo.n + 1));
  memcpy(*v, grouplist_memo.groups, sizeof **v * grouplist_memo.n);
  *n = grouplist_memo.n;
  return 0;
}

struct hr_ids const ids_system = { user_system, group_system, grouplist_system };

void ids_system_forget(void)
{
  user_memo.name[0] = 0;
  group_memo.name[0] = 0;
  grouplist_memo.key.name[0] = 0;
}
