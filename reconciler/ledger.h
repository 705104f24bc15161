/*
 * The ledger: every slot's record (record.h) in one file of the scandir, written by a pass that
 * changed nothing, so that the next no-op pass reads one file, not one per slot, and compares what
 * each render would read with what it read then, instead of digesting it. A slot's record
 * is the truth; its ledger entry stands for it only while the slot directory's inode and ctime are
 * the ones the ledger saw, and that ctime is older than the ledger itself: every change a pass makes
 * to a slot renames a file into the slot directory, which sets its ctime, and passes are serialised
 * by the scandir's lock (docs/design.md, "What a no-op pass reads").
 */
#ifndef HR_LEDGER_H
#define HR_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define HR_LEDGER_FILE ".hermes-reconcile.ledger"

/*
 * One slot as a pass saw it: its directory's device, inode and ctime, its record's text, and what
 * the render of its profile read (render_inputs_bytes, whose digest is the record's "from"; none: 0
 * bytes). Or one profile file of the config dir, its name behind LEDGER_FILE_MARK (no slot's name can
 * hold it): the file's device, inode and ctime, its bytes as record, and as inputs what the pass read
 * of them (settings_pack; none if they had a problem).
 */
#define LEDGER_FILE_MARK "/"

struct ledger_entry {
  char const *name;
  uint64_t dev;
  uint64_t ino;
  int64_t sec;
  long nsec;
  char const *record;
  size_t len;
  char const *inputs;
  size_t ilen;
};

struct ledger {
  char const *pass;        /* render_inputs_pass of the pass that wrote it: the entries' inputs are its */
  size_t plen;
  struct ledger_entry *v;  /* sorted by name: the files first */
  size_t n;
  size_t nfiles;           /* of them, files */
  char *names;             /* the entries' names, in one block */
  int64_t sec;             /* the ledger's own mtime */
  long nsec;
  void *map;               /* the file, mapped, that the entries' records and inputs point into */
  size_t maplen;
};

/*
 * The text of a ledger of v[0..n) (sorted by name, names without a space or a line end), written by
 * a pass whose render_inputs_pass is pass (plen bytes), allocated; its length in *len. Pure.
 */
char *ledger_pack(char const *pass, size_t plen, struct ledger_entry const *v, size_t n, size_t *len);
/*
 * Parse text (len bytes) into l, whose entries' names are copied and whose records and inputs point
 * into text: 0, or -1 if it is no ledger (l then empty). Pure.
 */
int ledger_parse(char const *text, size_t len, struct ledger *l);
/* Sort v[0..n) by name, as ledger_pack wants them. */
void ledger_sort(struct ledger_entry *v, size_t n);
/* The entry of the slot name, or 0. */
struct ledger_entry const *ledger_find(struct ledger const *l, char const *name);
/* Does e stand for the slot whose directory is now as st shows (inode, ctime seen before the ledger was written)? Pure. */
int ledger_vouches(struct ledger const *l, struct ledger_entry const *e, struct stat const *st);

/*
 * A config dir's file, by the ledger: its entry when the file, as fstatat without following a link
 * shows it (st), is the one the ledger read (a regular file, same device, inode, ctime and size), so
 * its bytes are the entry's record; else 0. Pure.
 */
struct ledger_entry const *ledger_file(struct ledger const *l, char const *name, struct stat const *st);
/*
 * May the bytes of a file seen as st, with st taken after now (the coarse real-time clock) was read,
 * go into a ledger? Only if its ctime is older than now by more than 2 s: any change to it after st
 * was taken then sets a ctime that differs, even where the file system keeps ctimes to the second
 * (docs/design.md, "What a no-op pass reads"). Pure.
 */
int ledger_file_keepable(struct stat const *st, struct timespec const *now);

/*
 * The scandir's ledger into l; none (n 0) when it is missing, not a regular file, not the euid's,
 * open to anyone else, or no ledger.
 */
void ledger_read(int scandirfd, struct ledger *l);
/* Replace the scandir's ledger by ledger_pack's text: 0, or -1 with errno. */
int ledger_write(int scandirfd, char const *pass, size_t plen, struct ledger_entry const *v, size_t n);
void ledger_free(struct ledger *l);

#endif
