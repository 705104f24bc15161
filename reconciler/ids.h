/* Where user and group names become ids: the system's databases, or a test's own. */
#ifndef HR_IDS_H
#define HR_IDS_H

#include <stddef.h>
#include <sys/types.h>

/* Where names become ids. Tests provide their own; ids_system uses the passwd and group databases. */
struct hr_ids {
  int (*user)(char const *name, uid_t *uid, gid_t *gid);    /* 0 found, -1 not found, -2 lookup failed */
  int (*group)(char const *name, gid_t *gid);
  /* The groups of user (primary included), as getgrouplist(3): a new array in *v; 0, or -2 if the lookup
     failed. 0 (not set): the primary group alone. */
  int (*grouplist)(char const *user, gid_t primary, gid_t **v, size_t *n);
};
extern struct hr_ids const ids_system;
/* ids_system remembers its last answers; every load starts from the databases afresh. */
void ids_system_forget(void);

#endif
