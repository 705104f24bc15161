/* Stage 1 of the pipeline: the profile files of the config dir, loaded and validated. */
#ifndef HR_LOAD_H
#define HR_LOAD_H

#include <stddef.h>

#include "errors.h"
#include "loadbuf.h"

/*
 * Every <name>.ini of dir (dot files and other names ignored), each opened beneath dir: a symbolic
 * link is followed only to a regular file inside it (SPEC 3), and the owners met on the way are the
 * file's contributors (SPEC 11.5). files, if n > 0: only these paths (check FILE...), each over the
 * _defaults.ini of its own directory, a _defaults.ini checked as defaults; dir is not used (SPEC 9.12).
 * Returns 0, or -1 with errno set when dir itself cannot be read.
 */
int load_profiles(char const *dir, char const *const *files, size_t n, struct load_ctx const *ctx,
                  struct profile_set *set, struct hr_errors *errs);

/*
 * SPEC 11.10: open the directory dir names (a config dir), resolving its path from / one component
 * at a time. tree: whom a file in it answers to before its own owner is looked at: the non-root
 * owner of a link on the way (then every file in it counts as that user's, SPEC 11.5), and secret
 * when a directory of its real path is not searchable by all or such a link was followed (SPEC
 * 11.4). Returns the descriptor (O_RDONLY|O_DIRECTORY), or -1 with errno, or with *why set for a
 * path that is refused (links of two different owners).
 */
int load_open_dir(char const *dir, struct hr_origin *tree, char const **why);

#endif
