#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <skalibs/sig.h>

#include "schema.h"

struct hr_key const hr_keys[HR_NKEYS] = {
#define HR_KEY(section, key, type, min, max, choices, dflt, dflt_doc, where, cost, field, meaning) \
  [HR_KEY_ID(section, key)] = { #section, #key, type, min, max, choices, dflt, dflt_doc, where, cost, meaning },
#include "profile-keys.def"
};

size_t const hr_nkeys = HR_NKEYS;

char const *const hr_reserved_env[] = {
#define HR_RESERVED_ENV(name) #name,
#include "profile-keys.def"
};

size_t const hr_nreserved_env = sizeof hr_reserved_env / sizeof *hr_reserved_env;

int schema_section_known(char const *section)
{
  for (size_t i = 0; i < hr_nkeys; i++)
    if (!strcmp(hr_keys[i].section, section)) return 1;
  return 0;
}

struct hr_key const *schema_find(char const *section, char const *key)
{
  /* called for every key of every profile: look at the first letters of both before comparing */
  for (size_t i = 0; i < hr_nkeys; i++) {
    struct hr_key const *k = hr_keys + i;
    if (k->section[0] != section[0] || (k->type != HR_T_ENV && k->key[0] != key[0])) continue;
    if (strcmp(k->section, section)) continue;
    if (k->type == HR_T_ENV || !strcmp(k->key, key)) return k;
  }
  return 0;
}

size_t schema_index(struct hr_key const *k)
{
  return (size_t)(k - hr_keys);
}

int schema_parse_bool(char const *v, int *out)
{
  static char const *const yes[] = { HR_BOOL_TRUE };
  static char const *const no[] = { HR_BOOL_FALSE };
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
    if (!strcasecmp(v, yes[i])) { *out = 1; return 0; }
    if (!strcasecmp(v, no[i])) { *out = 0; return 0; }
  }
  return -1;
}

int schema_parse_enum(struct hr_key const *k, char const *v, int *out)
{
  for (int i = 0; k->choices && k->choices[i]; i++)
    if (!strcmp(k->choices[i], v)) { *out = i; return 0; }
  return -1;
}

int schema_parse_int(struct hr_key const *k, char const *v, long *out)
{
  /* 1 to 18 decimal digits (no sign, no blank), so that the value never overflows a long */
  long n = 0;
  size_t len = 0;
  for (; v[len]; len++) {
    if (len == 18 || v[len] < '0' || v[len] > '9') return -1;
    n = n * 10 + (v[len] - '0');
  }
  if (!len || n < k->min || n > k->max) return -1;
  *out = n;
  return 0;
}

int schema_valid_profile_name(char const *s)
{
  size_t n = strlen(s);
  if (n < 1 || n > 243) return 0;
  if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0])) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (!(c >= 'a' && c <= 'z') && !isdigit(c) && c != '_' && c != '-') return 0;
  }
  return 1;
}

int schema_valid_env_name(char const *s)
{
  if (!*s || isdigit((unsigned char)*s)) return 0;
  for (; *s; s++) {
    unsigned char c = *s;
    if (!(c < 128 && (isalnum(c) || c == '_'))) return 0;
  }
  return 1;
}

int schema_env_reserved(char const *s)
{
  for (size_t i = 0; i < hr_nreserved_env; i++)
    if (!strcmp(s, hr_reserved_env[i])) return 1;
  return 0;
}

static int has_control(char const *s)
{
  for (; *s; s++) if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

int schema_valid_path(char const *v)
{
  return v[0] == '/' && !has_control(v);
}

int schema_valid_program(char const *v)
{
  if (!*v || has_control(v)) return 0;
  if (v[0] == '/') return 1;
  for (; *v; v++) {
    unsigned char c = *v;
    if (!(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+')) return 0;
  }
  return 1;
}

int schema_valid_logdir(char const *v)
{
  static char const var[] = "$HERMES_HOME";
  size_t n = sizeof var - 1;
  if (!strncmp(v, var, n) && (v[n] == 0 || v[n] == '/')) return !has_control(v);
  return schema_valid_path(v) && !strchr(v, '$');
}

int schema_parse_signal(char const *v, char *buf, size_t len)
{
  char const *name = v;
  if (!strncasecmp(name, "SIG", 3)) name += 3;
  char upper[32];
  size_t n = strlen(name);
  if (!n || n >= sizeof upper) return -1;
  for (size_t i = 0; i <= n; i++) upper[i] = toupper((unsigned char)name[i]);
  for (size_t i = 0; i < n; i++) if (!isalnum((unsigned char)upper[i])) return -1;
  if (isdigit((unsigned char)upper[0])) return -1;
  int sig = sig_number(upper);
  if (sig <= 0) return -1;
  char const *canon = sig_name(sig);
  if (!canon || strlen(canon) + 4 > len) return -1;
  strcpy(buf, "SIG");
  strcat(buf, canon);
  return 0;
}
