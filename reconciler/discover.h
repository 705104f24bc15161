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
#include "loadbuf.h"
#include "settings.h"

#define HR_DISCOVER_DIR "profiles"
#define HR_DISCOVER_MARK "SOUL.md"
#define HR_DISCOVER_MAX_DEFAULT 64

/* A directory of profiles/ that holds SOUL.md, or that could not be read: a candidate, whatever its name. */
struct disc_entry {
  char *name;
  uid_t owner;
  int err;                 /* the errno of an entry that could not be read, else 0 */
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
 * gives an empty list. An entry that cannot be looked into is listed with its errno (SPEC 10: that
 * entry's error, never the pass's). 0, or -1 with errno when the home or profiles/ cannot be read.
 */
int discover_read(char const *hermes_home, struct disc_list *out);
void disc_list_add(struct disc_list *l, char const *name, uid_t owner, int err);
void disc_list_sort(struct disc_list *l);
void disc_list_free(struct disc_list *l);

/*
 * Pure: add to set (the profiles of the files) the implicit profiles of list, over defaults:
 * names with a profile file are left to their file, `default` among the directories is ignored,
 * an invalid name or an unreadable entry is an error. Each profile added has discovered =
 * HR_DISCOVERED; the invalid ones are added with valid = 0, so that their live slots are left as
 * they are. max is kept in set->discover_max for discover_cap, which needs the live slots.
 */
void discover_add(struct profile_set *set, struct disc_list const *list, long max,
                  struct hr_settings const *defaults, struct load_ctx const *ctx, struct hr_errors *errs);

/*
 * Pure, SPEC 10's [discover] max: which discovered profiles may not have a slot, given which
 * profiles have one (live(ctx, name): the slot of profile name is live). A discovered profile
 * (`default` aside) whose slot is live keeps it and counts; the others that would be published
 * (valid and enabled) fill what is left of set->discover_max in name order; over[i] is set to 1
 * for the rest (and 0 for every other profile of set). Returns how many are over.
 */
size_t discover_cap(struct profile_set const *set, int (*live)(void const *ctx, char const *name), void const *ctx,
                    unsigned char *over);
/* The error of a profile discover_cap left over. */
void discover_cap_error(struct profile const *p, long max, struct hr_errors *errs);

/* load_profiles' hook: whatever ctx->discover and defaults say. */
void discover_profiles(struct profile_set *set, struct hr_settings const *defaults, struct load_ctx const *ctx,
                       struct hr_errors *errs);

#endif
