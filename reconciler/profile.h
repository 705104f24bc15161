/* A profile: what one <name>.ini (over _defaults.ini) asks for, validated and typed. */
#ifndef HR_PROFILE_H
#define HR_PROFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "errors.h"
#include "ids.h"
#include "schema.h"
#include "settings.h"

/* In the order of the .def's choices (test/unit/test-schema.c checks it). */
enum hr_autostart { HR_AUTOSTART_YES, HR_AUTOSTART_NO, HR_AUTOSTART_STATE };
enum hr_restart { HR_RESTART_ON_FAILURE, HR_RESTART_ALWAYS, HR_RESTART_NEVER };
enum hr_timestamp { HR_TS_ISO, HR_TS_TAI64N, HR_TS_NONE };

enum { HR_DISCOVERED = 1 };

struct hr_env {
  char *name;
  char *value;           /* "": unset the variable */
};

/*
 * The C type of each value type of the .def: a profile's field for a key of that type. Not set:
 * -1 for an integer, "" for a signal, 0 for a string (home and log dir are then derived).
 */
#define PROFILE_SIGNAL_MAX 16
#define PROFILE_DECL_HR_T_BOOL(field) int field;
#define PROFILE_DECL_HR_T_ENUM(field) int field;              /* index into the key's choices */
#define PROFILE_DECL_HR_T_INT(field) long field;
#define PROFILE_DECL_HR_T_SIGNAL(field) char field[PROFILE_SIGNAL_MAX];   /* "SIGTERM" */
#define PROFILE_DECL_HR_T_WORDS(field) char **field;          /* nargs of them */
#define PROFILE_DECL_HR_T_ENV(field) struct hr_env *field;    /* nenv of them, by name */
#define PROFILE_DECL_HR_T_PATH(field) char *field;
#define PROFILE_DECL_HR_T_TEXT(field) char *field;
#define PROFILE_DECL_HR_T_PROGRAM(field) char *field;
#define PROFILE_DECL_HR_T_USER(field) char *field;
#define PROFILE_DECL_HR_T_GROUP(field) char *field;
#define PROFILE_DECL_HR_T_LOGDIR(field) char *field;
/* The keys of _defaults.ini only are not a profile's. */
#define PROFILE_FIELD_HR_IN_ANY(type, field) PROFILE_DECL_##type(field)
#define PROFILE_FIELD_HR_IN_PROFILE(type, field) PROFILE_DECL_##type(field)
#define PROFILE_FIELD_HR_IN_DEFAULTS(type, field)

struct profile {
  char *name;
  char *file;
  int valid;
  uid_t uid;             /* user and group, resolved */
  gid_t gid;
  size_t nargs;
  size_t nenv;
  /* One field per key, named by the .def's field column: enabled, home, ..., log_dir, env. */
#define HR_KEY(section, key, type, min, max, choices, dflt, dflt_doc, where, cost, field, meaning) \
  PROFILE_FIELD_##where(type, field)
#include "profile-keys.def"
  gid_t *groups;         /* the user's supplementary groups, as initgroups gives them (SPEC 11.5) */
  size_t ngroups;
  unsigned int user_line, group_line;   /* where the profile's own file set user, group; 0 elsewhere */
  int ids_resolved;      /* uid, gid and groups are known */
  int secret;            /* a contributing file may not be quoted (SPEC 11.4) */
  uid_t *contributors;   /* owners of the files (and directories) it is made from: profile_contribute */
  size_t ncontributors;
  /* SPEC 10: 0, from its profile file; HR_DISCOVERED, an implicit profile of the hermes volume
     ([discover] max is the plan's: discover_cap). */
  int discovered;
};

/*
 * The offset in struct profile of the field each key fills (the .def's field column), or
 * PROFILE_NO_FIELD for a key that is not a profile's (HR_IN_DEFAULTS).
 */
#define PROFILE_NO_FIELD ((size_t)-1)
extern size_t const profile_field[HR_NKEYS];

/*
 * Check every value of one file's settings on its own (types, ranges, users and groups), adding
 * each problem to errs at its line. Returns the number of problems.
 */
size_t settings_check(struct hr_settings const *s, struct hr_ids const *ids, struct hr_errors *errs);

/*
 * Build profile name (from file) out of defaults (may be 0) and its own settings, both already
 * checked. Adds the problems that only the combination shows (such as a default user that does
 * not exist) and returns their number.
 */
size_t profile_build(struct profile *p, char const *name, char const *file, struct hr_settings const *defaults,
                     struct hr_settings const *own, char const *hermes_home, struct hr_ids const *ids,
                     struct hr_errors *errs);
/*
 * SPEC 11.5: owner, who owns a file (or, for a discovered profile, the directory) that p is made
 * from, must allow p's effective user and group: root (0) allows any, another owner only itself as
 * user and the groups it belongs to. what names that file in the message. Records owner in
 * p->contributors; on a refusal adds the error, makes p invalid and returns 1; else 0. One call per
 * contributor: load makes it for the profile's file and _defaults.ini.
 */
size_t profile_contribute(struct profile *p, uid_t owner, char const *what, struct hr_errors *errs);

void profile_free(struct profile *p);

#endif
