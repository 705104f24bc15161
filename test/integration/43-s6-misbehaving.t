#!/usr/bin/env bash
# 43-s6-misbehaving.t: s6 not there, s6 refusing a supervisor, and s6 2.13's 43-byte status.
#
# 1. No s6-svscan on the scandir (no control FIFO; a FIFO nobody reads): apply exits 111 before
#    publishing anything; a pass with nothing to tell s6-svscan still works (SPEC 9.13).
# 2. A supervisor that does not start: s6-svscan -c 2 refuses a third service ("too many
#    services"), so the pass waits --timeout and exits 99; once s6-svscan accepts it (restarted
#    with a larger -c), the next ordinary pass finishes with 0.
# 3. supervise/status of 43 bytes (s6 2.13 inserts the 8-byte pgid after the pid): Debian's s6
#    writes 35, so the test rewrites a live slot's status in the 2.13 layout while nothing changes
#    it, and status and apply (which reads it to decide a restart) must read it right.
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
rel_setup 2

# --- 1. no s6-svscan ---------------------------------------------------------------------------
NOSCAN=$TMP/noscan
mkdir -p "$NOSCAN/.s6-svscan"
profile a
profile b
nothing_published() {
  local e
  for e in "$NOSCAN"/gateway-* "$NOSCAN"/.hr-*; do [ -e "$e" ] || [ -L "$e" ] && return 1; done
  return 0
}
for how in "no control FIFO" "a control FIFO nobody reads"; do
  [ "$how" = "no control FIFO" ] || mkfifo -m 0600 "$NOSCAN/.s6-svscan/control"
  "$HR" -c "$CONF" -s "$NOSCAN" -H "$HH" -b "$BINDIR" -t 1000 apply >"$TMP/out" 2>"$TMP/err"
  is "$?" 111 "$how: apply exits 111"
  like "$(cat "$TMP/err")" "no s6-svscan is running on $NOSCAN" "$how: and says so"
  ok "$(nothing_published && echo 0 || echo 1)" "$how: nothing published, no staging or tombstone left"
done
"$HR" -c "$TMP/none" -s "$NOSCAN" -H "$HH" -b "$BINDIR" -t 1000 apply >"$TMP/out" 2>&1
is "$?" 111 "a config dir that cannot be read: 111 too"
like "$(cat "$TMP/out")" "config dir $TMP/none" "reported as such, not as a missing s6-svscan"
mkdir -p "$TMP/empty"
"$HR" -c "$TMP/empty" -s "$NOSCAN" -H "$HH" -b "$BINDIR" -t 1000 apply >"$TMP/out" 2>&1
is "$?" 0 "nothing to tell s6-svscan: apply works without it"

# --- 2. a supervisor that does not start --------------------------------------------------------
hr -q apply
is "$?" 0 "two slots under s6-svscan -c 2"
converges "both supervised"
profile c
t0=$(now_ms)
"$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 600 -q apply >"$TMP/out" 2>"$TMP/err"
rc=$?
t=$(( $(now_ms) - t0 ))
is "$rc" 99 "a third slot, refused by s6-svscan: exit 99"
like "$(cat "$TMP/err")" "gateway-c: no supervisor started before the timeout" "the message names the slot"
# A lower bound only (no load makes a correct pass give up early); an upper one would be a claim
# about the machine's load.
ok "$([ "$t" -ge 600 ] && echo 0 || echo 1)" "not before --timeout (600 ms): $t ms"
grep -q 'too many services' "$TMP/svscan.log"
ok $? "(s6-svscan did refuse it: too many services)"
ok "$([ -d "$SCANDIR/gateway-c" ] && ! supervised "$SCANDIR/gateway-c" && echo 0 || echo 1)" "the slot is published, unsupervised"
hr -q plan >/dev/null
is "$?" 2 "plan: the unsupervised slot is pending"
# s6-svscan restarted with room for it (the scandir and its slots stay).
s6-svscanctl -t "$SCANDIR"
# shellcheck disable=SC2016  # expanded by eval
wait_for 5000 eval '! kill -0 "$SVSCAN_PID" 2>/dev/null'
ok $? "s6-svscan stopped"
setsid s6-svscan -c 10 -t0 "$SCANDIR" </dev/null >>"$TMP/svscan.log" 2>&1 &
SVSCAN_PID=$!
wait_for 5000 s6-svscanctl -a "$SCANDIR" 2>/dev/null
hr -q apply
is "$?" 0 "the next pass finishes"
converges "every slot supervised once"

# --- 3. a 43-byte supervise/status (s6 2.13) ---------------------------------------------------
S=$SCANDIR/gateway-a
wait_for 5000 is_up "$S"
ok $? "gateway-a is up"
pid=$(s6-svstat -o pid "$S")
is "$(stat -c %s "$S/supervise/status")" 35 "Debian's s6 writes a 35-byte status"
# tain stamp (12) + ready stamp (12) + pid (8) | pgid (8) | wait status (2) + flags (1)
{ head -c 32 "$S/supervise/status"; tail -c +25 "$S/supervise/status" | head -c 8; tail -c 3 "$S/supervise/status"; } \
  >"$S/supervise/status.new"
mv "$S/supervise/status.new" "$S/supervise/status"
is "$(stat -c %s "$S/supervise/status")" 43 "rewritten in the 2.13 layout"
hr -j status >"$TMP/status.json"
# shellcheck disable=SC2016  # perl code
row=$(json_get "$TMP/status.json" 'my ($s) = grep { $_->{slot} eq "gateway-a" } @{$j->{slots}};
  "[" . join(",", map { !defined $_ ? "null" : JSON::PP::is_bool($_) ? ($_ ? "true" : "false") : $_ }
    @$s{qw(supervised up pid wantup)}) . "]"')
is "$row" "[true,true,$pid,true]" "status reads the 43-byte file: supervised, up, pid $pid, wanted up"
profile a args=--restart-me
hr -q apply
is "$?" 0 "apply reads it to restart an edited gateway"
wait_for 5000 is_up "$S"
new=$(s6-svstat -o pid "$S")
ok "$([ "$new" != "$pid" ] && echo 0 || echo 1)" "the gateway was restarted (pid $pid -> $new)"
converges "and the scandir converged"
done_testing
