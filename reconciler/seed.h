/* First-boot seeding of the config dir (SPEC 11.10): as its owner, through a descriptor. */
#ifndef HR_SEED_H
#define HR_SEED_H

#include <sys/types.h>

enum seed_when {
  SEED_NEW,        /* only if this call made the config dir (the volume's profiles.d) */
  SEED_EMPTY,      /* also if it holds no *.ini file (the container's first boot, says the hook) */
};

/*
 * As uid:gid (dropping to it when root), make the config dir dir if missing (its parent must
 * exist), and when `when` allows, seed it with examples/default.ini, examples/_defaults.ini and
 * the marker .hermes-seeded, each only if absent. A config dir that is a link (at its last
 * component) or not owned by uid is refused. 0 done or nothing to do; 1 refused; 111 failure.
 */
int seed_config_dir(char const *dir, char const *examples, uid_t uid, gid_t gid, enum seed_when when);

#endif
