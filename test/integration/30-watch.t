#!/usr/bin/env bash
# 30-watch.t: hermes-reconcile watch against a real s6-svscan: the first pass and readiness, then
# an edit, a new file, a deleted file, a rename into place, an invalid file, a Kubernetes ConfigMap
# "..data" swap, a burst of edits (one update, not fifty), the config dir replaced, SIGHUP, one line
# of output per pass, and SIGTERM (exit 0).
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/lib.sh
. "$HERE/../lib.sh"
need_root
[ -x "$HR" ] || { echo "Bail out! no hermes-reconcile at $HR"; exit 1; }
test_user
s6_bindir
s6_start_scandir 500

CONF=$TMP/profiles.d
HHOME=$TMP/hermes-home
mkdir -p "$CONF" "$HHOME/profiles"
chmod 0755 "$HHOME" "$HHOME/profiles"

# profile TEXT-OF-[gateway]: the body of a profile file that needs no running program.
profile() {
  printf '[gateway]\nuser = %s\nautostart = no\n%s\n[log]\nenabled = no\n' "$TEST_USER" "$1"
}
home() { mkdir -p "$HHOME/profiles/$1"; }
for p in a b c d e f; do home "$p"; done

# The config dir as a ConfigMap mount lays it out: a.ini -> ..data/a.ini, ..data -> ..v1.
mkdir "$CONF/..v1"
profile 'timeout_kill = 1000' >"$CONF/..v1/a.ini"
ln -s ..v1 "$CONF/..data"
ln -s ..data/a.ini "$CONF/a.ini"

OUT=$TMP/watch.out
ERR=$TMP/watch.err
READY=$TMP/watch.ready
start_watch "$CONF" "$HHOME"

slot_value() { [ "$(cat "$SCANDIR/gateway-$1/$2" 2>/dev/null)" = "$3" ]; }
passes() { grep -c '^apply: ' "$OUT"; }
more_passes_than() { [ "$(passes)" -gt "$1" ]; }
updates() { awk '/^apply: / { n += $4 } END { print n + 0 }' "$OUT"; }
more_updates_than() { [ "$(updates)" -gt "$1" ]; }
gone() { [ ! -e "$1" ] && [ ! -L "$1" ]; }

# --- the first pass and readiness -----------------------------------------------------------------
wait_for 20000 test -s "$READY"
is "$(cat "$READY")" "" "readiness: a newline on --notify-fd"
ok "$(slot_value a timeout-kill 1000; echo $?)" "the first pass was done when readiness was notified"
wait_for 10000 supervised "$SCANDIR/gateway-a"
ok $? "gateway-a is supervised"
is "$(passes)" 1 "one summary line for the first pass"

# --- a new file, an edit in place -----------------------------------------------------------------
profile 'timeout_kill = 1500' >"$CONF/c.ini"
wait_for 10000 slot_value c timeout-kill 1500
ok $? "a new file is applied (gateway-c added)"
profile 'timeout_kill = 2500' >"$CONF/c.ini"
wait_for 10000 slot_value c timeout-kill 2500
ok $? "an edit of a file in place is applied (gateway-c updated)"

# --- another new file, a deleted file -------------------------------------------------------------
profile 'timeout_kill = 1000' >"$CONF/b.ini"
wait_for 10000 supervised "$SCANDIR/gateway-b"
ok $? "a new file is applied (gateway-b supervised)"
rm "$CONF/b.ini"
wait_for 10000 gone "$SCANDIR/gateway-b"
ok $? "a deleted file is applied (gateway-b removed)"

# --- an editor's write to a temporary file, then rename into place --------------------------------
profile 'timeout_kill = 3000' >"$CONF/.d.ini.swp"
mv "$CONF/.d.ini.swp" "$CONF/d.ini"
wait_for 10000 slot_value d timeout-kill 3000
ok $? "a rename into place is applied (gateway-d added)"
profile 'timeout_kill = 3500' >"$CONF/.d.ini.swp"
mv "$CONF/.d.ini.swp" "$CONF/d.ini"
wait_for 10000 slot_value d timeout-kill 3500
ok $? "a rename over an existing file is applied (gateway-d updated)"

# --- a failing pass is reported, and watching goes on ---------------------------------------------
printf '[gateway]\nno_such_key = 1\n' >"$CONF/f.ini"
wait_for 10000 grep -q 'f.ini:2: ' "$ERR"
ok $? "an invalid file is reported as FILE:LINE"
wait_for 10000 grep -q 'the pass exited 1; watching goes on' "$ERR"
ok $? "the failing pass is reported on stderr"
rm "$CONF/f.ini"
profile 'timeout_kill = 4000' >"$CONF/d.ini"
wait_for 10000 slot_value d timeout-kill 4000
ok $? "after a failing pass, the next change is still applied"

# --- a Kubernetes ConfigMap update: new ..vN directory, ..data swapped by rename ------------------
# What the kubelet's atomic writer does: write the new payload into a fresh hidden directory,
# point ..data_tmp at it, rename ..data_tmp over ..data (the one event on the watched directory for
# a changed key), create the links of new keys, remove the links of dropped keys, delete the old
# directory.
mkdir "$CONF/..v2"
profile 'timeout_kill = 5000' >"$CONF/..v2/a.ini"
profile 'timeout_kill = 5000' >"$CONF/..v2/e.ini"
ln -s ..v2 "$CONF/..data_tmp"
mv -T "$CONF/..data_tmp" "$CONF/..data"
wait_for 10000 slot_value a timeout-kill 5000
ok $? "a ConfigMap ..data swap is applied (gateway-a updated through its link)"
ln -s ..data/e.ini "$CONF/e.ini"
rm -rf "$CONF/..v1"
wait_for 10000 slot_value e timeout-kill 5000
ok $? "a key added to the ConfigMap is applied (gateway-e added)"
# Only the swap: the same keys, one changed value, no link created or removed.
before=$(updates)
mkdir "$CONF/..v3"
profile 'timeout_kill = 6000' >"$CONF/..v3/a.ini"
profile 'timeout_kill = 5000' >"$CONF/..v3/e.ini"
ln -s ..v3 "$CONF/..data_tmp"
mv -T "$CONF/..data_tmp" "$CONF/..data"
wait_for 10000 slot_value a timeout-kill 6000
ok $? "a swap alone (no link added or removed) is applied"
# The slot file is written before the pass's summary: the burst below counts updates from here.
wait_for 10000 more_updates_than "$before"
rm -rf "$CONF/..v2"

# --- a burst of 50 edits updates the slot once -------------------------------------------------
# The watcher is stopped (SIGSTOP) while the 50 edits are made, so all their events are queued
# before it can look, whatever the load: once continued it must apply only the last edit, in one
# update. (How many passes a burst that arrives while the watcher runs gives depends on the
# machine's speed against the debounce: a benchmark figure, not a test.)
stopped() { [ "$(awk '{ print $3 }' "/proc/$WATCH_PID/stat" 2>/dev/null)" = T ]; }
before=$(updates)
kill -STOP "$WATCH_PID"
at_exit "kill -CONT $WATCH_PID"
wait_for 10000 stopped
ok $? "the watcher is stopped"
for i in $(seq 1 50); do profile "timeout_kill = $((7000 + i))" >"$CONF/c.ini"; done
kill -CONT "$WATCH_PID"
wait_for 20000 slot_value c timeout-kill 7050
ok $? "the last edit of a burst of 50 is applied"
wait_for 10000 more_updates_than "$before"
is "$(( $(updates) - before ))" 1 "50 queued edits gave one update of gateway-c, not one per edit"

# --- SIGHUP asks for a pass -----------------------------------------------------------------------
before=$(passes)
kill -HUP "$WATCH_PID"
wait_for 10000 more_passes_than "$before"
ok $? "SIGHUP runs a pass"

# --- the config dir itself replaced by another directory ------------------------------------------
NEW=$TMP/profiles.new
mkdir "$NEW"
for p in a c d e; do profile 'timeout_kill = 8000' >"$NEW/$p.ini"; done
mv -T "$CONF" "$TMP/profiles.old"
mv -T "$NEW" "$CONF"
wait_for 10000 slot_value a timeout-kill 8000
ok $? "a config dir replaced by rename is applied"
profile 'timeout_kill = 8100' >"$CONF/c.ini"
wait_for 10000 slot_value c timeout-kill 8100
ok $? "the watch follows the new config dir"

# --- one line of output per pass ------------------------------------------------------------------
others=$(grep -v '^apply: [0-9]* added, [0-9]* updated, [0-9]* removed, [0-9]* unchanged, [0-9]* skipped$' "$OUT")
is "$others" "" "stdout is one summary line per pass"

# --- SIGTERM ends it, exit 0 ----------------------------------------------------------------------
kill -TERM "$WATCH_PID"
wait_for 10000 test -s "$TMP/watch.rc"
is "$(cat "$TMP/watch.rc" 2>/dev/null)" 0 "SIGTERM: exit 0"
ok "$(supervised "$SCANDIR/gateway-a"; echo $?)" "the slots stay when the watch ends"

# --- a bad --notify-fd ----------------------------------------------------------------------------
"$HR" -c "$CONF" -s "$SCANDIR" -H "$HHOME" -b "$BINDIR" --notify-fd 9 watch 2>"$TMP/nfd.err"
is "$?" 100 "--notify-fd on a closed descriptor: exit 100"

done_testing
