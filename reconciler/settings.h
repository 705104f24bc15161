/*
 * The raw key = value settings of one profile file, as read by inih, with their line numbers.
 * Reading is a pure function of the file's bytes: settings.c, through inih.
 */
#ifndef HR_SETTINGS_H
#define HR_SETTINGS_H

#include <stddef.h>
#include <sys/types.h>

#include <skalibs/stralloc.h>

#include "errors.h"

/* The longest line the reader accepts, without its line end (inih's buffer, SPEC 9.10). */
#define HR_LINE_MAX 198
/* The largest profile file (SPEC 3). */
#define HR_FILE_MAX 65536

struct hr_setting {
  size_t key;          /* index in hr_keys */
  char *name;          /* the key as written: the variable name for [env] */
  char *value;         /* in name's allocation, after its NUL */
  unsigned int line;
};

/* Who a file answers to (SPEC 11.4, 11.5): all zero for a root-owned, world-readable file. */
struct hr_origin {
  uid_t owner;           /* 0 when the file reached and every link followed to it are root's */
  int secret;            /* not world-readable, or reached through a link not root's: never quoted */
};

struct hr_settings {
  char *file;
  struct hr_origin origin;   /* set by whoever opened the file; ini_read_settings leaves it alone */
  struct hr_setting *v;
  size_t n, cap;
};

/*
 * Read the bytes of one INI file. is_defaults: this is _defaults.ini ([profile] home is not
 * allowed). Every problem is added to errs as FILE:LINE; returns the number of problems.
 */
size_t ini_read_settings(char const *file, char const *buf, size_t len, int is_defaults,
                         struct hr_settings *out, struct hr_errors *errs);

/* The text of a file's value in a message: itself, or a placeholder when the file is secret (SPEC 11.4). */
char const *settings_quote(int secret, char const *s);
#define HR_NOT_QUOTED "(not quoted)"

struct hr_setting const *settings_get(struct hr_settings const *s, size_t key, char const *name);
void settings_free(struct hr_settings *s);

/*
 * What ini_read_settings read from a file without a problem, as text for the ledger (ledger.h), so
 * that the next pass of the same build need not read the bytes again: "KEY LINE NAME VALUE\n" per
 * setting (KEY its index in hr_keys, which only the same build shares). Appended to out; pure.
 */
void settings_pack(struct hr_settings const *s, stralloc *out);
/*
 * settings_pack's text back into out (whose file is set to file, its origin left alone): 0, or -1 if
 * it is no such text (out then holds no setting and no file). Pure.
 */
int settings_unpack(char const *text, size_t len, char const *file, struct hr_settings *out);

#endif
