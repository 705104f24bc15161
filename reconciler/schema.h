/* The profile keys, from schema/profile-keys.def, and the parsing of their values. */
#ifndef HR_SCHEMA_H
#define HR_SCHEMA_H

#include <stddef.h>

enum hr_type {
  HR_T_BOOL, HR_T_PATH, HR_T_TEXT, HR_T_PROGRAM, HR_T_WORDS, HR_T_ENUM,
  HR_T_USER, HR_T_GROUP, HR_T_INT, HR_T_SIGNAL, HR_T_LOGDIR, HR_T_ENV,
};

/* Which files may set a key (the .def's where column). */
enum hr_where {
  HR_IN_ANY,        /* a profile file or _defaults.ini */
  HR_IN_PROFILE,    /* a profile file only */
  HR_IN_DEFAULTS,   /* _defaults.ini only, and not a field of struct profile */
};

/* What changing a key costs a live slot (the .def's cost column, SPEC 4 Updating). */
enum hr_cost {
  HR_COST_RESTART,    /* restarts the gateway if it is up */
  HR_COST_NEXT_USE,   /* s6-supervise reads it when it needs it */
  HR_COST_LOGGER,     /* restarts the logger only */
  HR_COST_DOWN,       /* creates or removes the down file */
  HR_COST_SLOT,       /* adds, removes or replaces the slot */
  HR_COST_NONE,       /* nothing in the slot */
};

/* The choices column of the .def: a null-terminated list. */
#define HR_CHOICES(...) ((char const *const []){ __VA_ARGS__, 0 })
#define HR_NO_CHOICES ((char const *const *)0)

/* HR_K_<section>_<key>: the index of a key in hr_keys. A misspelt key does not compile. */
#define HR_KEY_ID(section, key) HR_K_##section##_##key
enum hr_key_id {
#define HR_KEY(section, key, ...) HR_KEY_ID(section, key),
#include "profile-keys.def"
  HR_NKEYS
};

struct hr_key {
  char const *section;
  char const *key;              /* "NAME" for the one key of a free-form section (HR_T_ENV) */
  enum hr_type type;
  long min, max;
  char const *const *choices;   /* HR_T_ENUM: the choices, null-terminated, in enum order; else 0 */
  char const *dflt;             /* as written in a file; 0: not set, or derived (profile.c) */
  char const *dflt_doc;         /* the default as the manual words it; 0: dflt */
  enum hr_where where;
  enum hr_cost cost;
  char const *meaning;
};

extern struct hr_key const hr_keys[HR_NKEYS];
extern size_t const hr_nkeys;

/* The variables hermes-reconcile sets itself, which [env] may not set (HR_RESERVED_ENV). */
extern char const *const hr_reserved_env[];
extern size_t const hr_nreserved_env;

/* The words schema_parse_bool accepts for true and for false, in the same order. */
#define HR_BOOL_TRUE "yes", "true", "on", "1"
#define HR_BOOL_FALSE "no", "false", "off", "0"

/* 1 if some key belongs to section, else 0. */
int schema_section_known(char const *section);
/* The key's definition, or 0 if section/key is unknown (free-form sections: any key). */
struct hr_key const *schema_find(char const *section, char const *key);
/* Index of a key in hr_keys. */
size_t schema_index(struct hr_key const *k);

/*
 * Parsers: 0 when value is valid for k, with the parsed result stored in *out (or buf),
 * else -1 and *out untouched.
 */
int schema_parse_bool(char const *value, int *out);
int schema_parse_enum(struct hr_key const *k, char const *value, int *out);  /* index into choices */
int schema_parse_int(struct hr_key const *k, char const *value, long *out);
/* Signal name (TERM or SIGTERM, any case) to its canonical "SIGTERM" spelling in buf. */
int schema_parse_signal(char const *value, char *buf, size_t len);

/* Predicates: 1 when the name or value is valid (or reserved), else 0. */
int schema_valid_profile_name(char const *name);
int schema_valid_env_name(char const *name);
int schema_env_reserved(char const *name);
int schema_valid_program(char const *value);
int schema_valid_path(char const *value);
int schema_valid_logdir(char const *value);

#endif
