/* The profile keys, from schema/profile-keys.def, and the parsing of their values. */
#ifndef HR_SCHEMA_H
#define HR_SCHEMA_H

#include <stddef.h>

enum hr_type {
  HR_T_BOOL, HR_T_PATH, HR_T_TEXT, HR_T_PROGRAM, HR_T_WORDS, HR_T_ENUM,
  HR_T_USER, HR_T_GROUP, HR_T_INT, HR_T_SIGNAL, HR_T_LOGDIR, HR_T_ENV,
};

struct hr_key {
  char const *section;
  char const *key;         /* "*": any name of a free-form section */
  enum hr_type type;
  long min, max;
  char const *choices;     /* "a|b|c" for HR_T_ENUM */
  char const *dflt;
  char const *meaning;
};

extern struct hr_key const hr_keys[];
extern size_t const hr_nkeys;

int schema_section_known(char const *section);
/* The key's definition, or 0 if section/key is unknown. */
struct hr_key const *schema_find(char const *section, char const *key);
/* Index of a key in hr_keys (free-form sections: the "*" entry). */
size_t schema_index(struct hr_key const *k);

/*
 * Value checks. Each returns 0 when value is valid for k and stores the parsed result,
 * else -1 with a message (static or in *why) describing what is wrong.
 */
int schema_parse_bool(char const *value, int *out);
int schema_parse_enum(struct hr_key const *k, char const *value, int *out);  /* index into choices */
int schema_parse_int(struct hr_key const *k, char const *value, long *out);
int schema_valid_profile_name(char const *name);
int schema_valid_env_name(char const *name);
int schema_env_reserved(char const *name);
int schema_valid_program(char const *value);
int schema_valid_path(char const *value);
int schema_valid_logdir(char const *value);
/* Signal name (TERM or SIGTERM, any case) to its canonical "SIGTERM" spelling in buf. */
int schema_parse_signal(char const *value, char *buf, size_t len);

/* A human description of what a key accepts, for error messages. */
char const *schema_type_words(enum hr_type t);

#endif
