/* Stage 2: what the live scandir holds, as far as hermes-reconcile is concerned. */
#ifndef HR_SCAN_H
#define HR_SCAN_H

#include <stddef.h>

#include <stdint.h>

#include "events.h"
#include "ledger.h"
#include "record.h"
#include "render.h"
#include "slot.h"


enum live_kind {
  LIVE_SLOT,             /* a real directory gateway-*: ours */
  LIVE_TAKEN,            /* gateway-* that is a symbolic link or not a directory: never touched */
  LIVE_LEFTOVER,         /* a staging or tombstone entry of an interrupted pass */
};

struct live_slot {
  char *name;
  enum live_kind kind;
  int has_record;
  char digest[HR_NPARTS_DIGESTED][65];
  char from[65];         /* from the record: what the render read; "" unknown */
  int has_log;           /* from the record, else from the directory */
  int autostart;         /* from the record; -1 unknown */
  int supervised;        /* the service's supervisor runs */
  int log_supervised;
  int restart;           /* HR_RESTART_* recorded by an interrupted pass */
  int restart_maybe;     /* the record says a restart may be pending (or is version 1, or none) */
  int is_symlink;        /* LIVE_LEFTOVER: unlink the link itself */
  int record_unreadable; /* the record is G's and this pass is not: pending unknown (SPEC 11.4) */
  char *removing;        /* LIVE_LEFTOVER tombstone with a live supervisor: the slot it was, else 0 */
  enum record_events events_made; /* from the record: the policy its event directories were made for */
  uint64_t dev;          /* LIVE_SLOT: its directory's device, inode and ctime when the scan began with it */
  uint64_t ino;
  int64_t ctime_sec;
  long ctime_nsec;
  struct ledger_entry const *kept; /* the ledger's entry its record was taken from (not read); its
                                      inputs: what its render read of its profile (0 bytes: not kept) */
  char *record_text;     /* the text of its record when it was read (for the ledger) */
  size_t record_len;
  int events_trusted;    /* events_made is the scan's policy */
  struct events_seen events; /* its event directories (SPEC 11.7), a slot's, a removing tombstone's: if looked at */
};

struct live_set {
  struct live_slot *v;   /* sorted by name */
  size_t n, cap;
};

/* Parse the text of a slot record into l (pure): 0, or -1 if it is not one. */
int scan_parse_record(char const *text, size_t len, struct live_slot *l);

/* The record's word for a policy. */
enum record_events scan_events_word(struct events_policy const *pol);

/*
 * Read every entry of the scandir that is ours or in our way, a slot's record from ledger when it
 * vouches for the slot (ledger.h), else from the slot. Whether a slot's record says its event
 * directories were made for pol (events_trusted: only root, the scandir's owner, can have changed
 * them since, and s6-supervise makes a missing one root's alone; docs/design.md, "What a no-op pass
 * reads"); the directories themselves are looked at (events) only when look_all asks, for status.
 * 0, or -1 with errno.
 */
int scan_scandir(int scandirfd, struct events_policy const *pol, int look_all, struct ledger const *ledger,
                 struct live_set *set);
/* The ledger's entries for the slots of set that have a record (read, or taken from ledger), into v
   (room for set->n): how many. */
size_t scan_ledger_entries(struct live_set const *set, struct ledger_entry *v);
/* Should a pass that changed nothing write set's ledger (a record was read, or the ledger holds others)? */
int scan_ledger_stale(struct live_set const *set, struct ledger const *ledger);
struct live_slot const *live_set_find(struct live_set const *set, char const *name);
void live_set_free(struct live_set *set);

#endif
