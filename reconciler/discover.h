/*
 * SPEC 10: the implicit profiles of the hermes volume. With [discover] profiles = yes in
 * _defaults.ini, `default` (home: the hermes home) and every <hermes home>/profiles/<name>/ that
 * holds a regular file SOUL.md are profiles, each as if <name>.ini existed and were empty.
 *
 * The tree belongs to the hermes user and is read as root: through directory descriptors, never
 * following a link (a profiles/<name> or SOUL.md that is a link is not a profile), reading nothing
 * but directory entries and their types.
 */
#ifndef HR_DISCOVER_H
#define HR_DISCOVER_H

#include <stddef.h>
#include <sys/types.h>

#include "errors.h"
#include "load.h"
#include "settings.h"

#define HR_DISCOVER_DIR "profiles"
#define HR_DISCOVER_MARK "SOUL.md"
#define HR_DISCOVER_MAX_DEFAULT 64

/* A directory of profiles/ that holds SOUL.md: a candidate, whatever its name. */
struct disc_entry {
  char *name;
  uid_t owner;
};

struct disc_list {
  struct disc_entry *v;    /* sorted by name */
  size_t n, cap;
  int home_known;          /* the hermes home could be opened: home_owner is set */
  uid_t home_owner;
};

/* [discover] of _defaults.ini (0: none): *on and *max. */
void discover_settings(struct hr_settings const *defaults, int *on, long *max);

/*
 * Read <hermes_home>/profiles. A missing profiles/, or one that is a link or not a directory,
 * gives an empty list. 0, or -1 with errno when the home or profiles/ cannot be read.
 */
int discover_read(char const *hermes_home, struct disc_list *out);
void disc_list_add(struct disc_list *l, char const *name, uid_t owner);
void disc_list_sort(struct disc_list *l);
void disc_list_free(struct disc_list *l);

/*
 * Pure: add to set (the profiles of the files) the implicit profiles of list, over defaults:
 * names with a profile file are left to their file, `default` among the directories is ignored,
 * an invalid name is an error, and past max the rest are errors, in name order. Each profile
 * added has discovered = 1; the invalid ones are added with valid = 0, so that their live slots
 * are left as they are.
 */
void discover_add(struct profile_set *set, struct disc_list const *list, long max,
                  struct hr_settings const *defaults, struct load_ctx const *ctx, struct hr_errors *errs);

/* load_profiles' hook: whatever ctx->discover and defaults say. */
void discover_profiles(struct profile_set *set, struct hr_settings const *defaults, struct load_ctx const *ctx,
                       struct hr_errors *errs);

#endif
