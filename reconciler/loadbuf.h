/*
 * Stage 1, the pure half: the desired profiles as a set, each built from a file's bytes over the
 * settings of _defaults.ini. No file is opened here: load.c reads the config dir, discover.c the
 * hermes volume, and both build their profiles with these functions.
 */
#ifndef HR_LOADBUF_H
#define HR_LOADBUF_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "ledger.h"
#include "profile.h"
#include "settings.h"

#define HR_DEFAULTS_FILE "_defaults.ini"

/* SPEC 10: whether load_profiles adds the implicit profiles of the hermes volume. */
enum load_discover {
  LOAD_DISCOVER_NEVER = 0,     /* check */
  LOAD_DISCOVER_AS_SET,        /* plan, apply, status, watch: as _defaults.ini's [discover] profiles says */
  LOAD_DISCOVER_ALWAYS,        /* import */
};

/*
 * A profile file of the config dir as load_profiles read it, kept for the ledger (ledger.h): one
 * reached without a link, read whole, whose bytes may go into a ledger (ledger_file_keepable), or
 * that were taken from the ledger.
 */
struct load_source {
  char const *name;      /* its name in the config dir (the end of its profile's file) */
  uint64_t dev, ino;
  int64_t sec;           /* its ctime */
  long nsec;
  char const *bytes;     /* the ledger's, or own's */
  size_t len;
  char *own;
  char const *pack;      /* what was read of them (settings_pack): the ledger's, or own_pack's; 0 bytes: none */
  size_t plen;
  char *own_pack;
  int recalled;          /* taken from the ledger */
};

struct profile_set {
  struct profile *v;     /* sorted by name; invalid files are here too, with valid = 0 */
  size_t n, cap;
  struct load_source *src;   /* when load_ctx has a ledger */
  size_t nsrc, srccap;
  int defaults_invalid;  /* SPEC 9.7: then every profile is invalid */
  enum load_discover discover;  /* in, set before load_profiles (zero: never) */
  long discover_max;     /* SPEC 10: [discover] max, when discovery added profiles (discover_cap) */
};

struct load_ctx {
  char const *hermes_home;
  struct hr_ids const *ids;
  struct ledger const *ledger;   /* plan, apply, status, watch: a file it vouches for is not read (ledger_file) */
  int ledger_packs;              /* its packs of settings may be used: it was written by the same build */
};

/* Pure: the settings of _defaults.ini from its bytes. Returns the number of problems. */
size_t load_defaults_buffer(char const *file, char const *buf, size_t len, struct load_ctx const *ctx,
                            struct hr_settings *defaults, struct hr_errors *errs);

/*
 * Pure: one profile from its file's bytes, over defaults (0 if there is no _defaults.ini).
 * The profile is always filled in; p->valid says whether it may be applied.
 */
void load_profile_buffer(char const *name, char const *file, char const *buf, size_t len,
                         struct hr_settings const *defaults, struct load_ctx const *ctx,
                         struct profile *p, struct hr_errors *errs);

/* load_profile_buffer for a file that answers to origin (SPEC 11.4, 11.5); load_profile_buffer is root's. */
void load_profile_origin(char const *name, char const *file, struct hr_origin const *origin, char const *buf,
                         size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                         struct profile *p, struct hr_errors *errs);

/*
 * load_profile_origin, and when the file's bytes read without a problem, what was read of them
 * appended to packed (settings_pack), for the ledger.
 */
void load_profile_packing(char const *name, char const *file, struct hr_origin const *origin, char const *buf,
                          size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                          struct profile *p, struct hr_errors *errs, stralloc *packed);
/*
 * load_profile_origin from what an earlier load_profile_packing of the same build packed of the same
 * bytes: the same profile, the bytes not read again. 0, or -1 (nothing done) if text is not such a pack.
 */
int load_profile_unpacking(char const *name, char const *file, struct hr_origin const *origin, char const *text,
                           size_t len, struct hr_settings const *defaults, struct load_ctx const *ctx,
                           struct profile *p, struct hr_errors *errs);

/* Sort by name, as find needs. */
void profile_set_sort(struct profile_set *set);
struct profile const *profile_set_find(struct profile_set const *set, char const *name);
void profile_set_free(struct profile_set *set);

#endif
