#!/usr/bin/env bash
# 42-concurrency.t: several passes at once while the profile files change.
#
# Each round starts HR_CONC_PASSES passes (default 4) together with a writer that edits, adds and
# removes profile files under them, and a monitor that samples the supervisors of the scandir the
# whole time. No pass may hang (each runs under timeout), none may fail, the monitor must never
# see two supervisors on one directory or one on a staging directory, and after the round one
# ordinary pass converges. A pass that cannot get the lock gives up after --timeout with 111.
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
HR_TIMEOUT=8000
rel_setup 500
SEED=${HR_CONC_SEED:-$$}
RANDOM=$SEED
diag "seed $SEED"

# --- the lock: a pass that cannot get it gives up after --timeout --------------------------------
profile p0
hr -q apply
ok $? "first pass"
s6-setlock "$SCANDIR/.hermes-reconcile.lock" sh -c "touch '$TMP/locked'; exec sleep 20" &
holder=$!
at_exit "kill $holder"
wait_for 5000 test -e "$TMP/locked"
profile p1
t0=$(now_ms)
"$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 400 apply >"$TMP/out" 2>"$TMP/err"
rc=$?
t=$(( $(now_ms) - t0 ))
is "$rc" 111 "a pass that cannot get the lock exits 111"
# A lower bound only: no load makes a correct pass give up early; how close to 400 ms it ends is
# a matter of load, not of correctness.
ok "$([ "$t" -ge 400 ] && echo 0 || echo 1)" "it did not give up before --timeout (400 ms): $t ms"
like "$(cat "$TMP/err")" "another pass holds .*\.hermes-reconcile\.lock.*timeout" "and says why"
ok "$([ ! -e "$SCANDIR/gateway-p1" ] && echo 0 || echo 1)" "and changed nothing"
# The same pass started while the lock is held, which is released before the timeout, finishes.
# strace shows it waiting: its lock attempts fail (EAGAIN) while the holder has the lock, and
# only then is the holder let go.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -qq -o "$TMP/waiter.trace" -e trace=fcntl "${HRC[@]}" -q apply >"$TMP/out" 2>&1 &
waiter=$!
refused() { grep -q 'F_SETLK, {l_type=F_WRLCK.* = -1 EAGAIN' "$TMP/waiter.trace" 2>/dev/null; }
wait_for 10000 refused
ok $? "the second pass tries the lock and is refused while it is held"
kill "$holder"
wait "$holder" 2>/dev/null
wait "$waiter"
is "$?" 0 "a pass waiting for the lock goes on when it is released"
got=$(grep -o 'F_SETLK, {l_type=F_WRLCK.* = \(0\|-1 EAGAIN\)' "$TMP/waiter.trace" | sed 's/.* = //' | uniq)
is "$(tr '\n' ' ' <<<"$got")" "-1 EAGAIN 0 " "it took the lock after being refused, not before"
converges "and converges"

# --- rounds of concurrent passes --------------------------------------------------------------
NAMES=(p0 p1 p2 p3 p4 p5 p6 p7)
writer() {
  local i n
  for (( i = 0; i < 8; i++ )); do
    n=${NAMES[RANDOM % ${#NAMES[@]}]}
    case $((RANDOM % 4)) in
      0) rm -f "$CONF/$n.ini" ;;
      1) profile "$n" "args=--w$RANDOM" ;;
      2) profile "$n" "log=$([ $((RANDOM % 2)) = 0 ] && echo yes || echo no)" ;;
      *) profile "$n" ;;
    esac
    sleep "0.00$((RANDOM % 10))"
  done
}
# monitor FILE: until FILE.stop exists, record every duplicate supervisor or staging supervisor.
monitor() {
  local s
  while [ ! -e "$1.stop" ]; do
    s=$(supervisors)
    { echo "$s" | uniq -d | sed 's/^/two supervisors on /'
      echo "$s" | grep '^\.hr-stage' | sed 's/^/a supervisor on /'; } >>"$1"
  done
}

ROUNDS=${HR_CONC_ROUNDS:-8}
NPASS=${HR_CONC_PASSES:-4}
for (( r = 1; r <= ROUNDS; r++ )); do
  : >"$TMP/mon"
  rm -f "$TMP/mon.stop"
  monitor "$TMP/mon" &
  mon=$!
  writer &
  wr=$!
  pids=()
  for (( k = 0; k < NPASS; k++ )); do
    timeout 60 "${HRC[@]}" -q apply >"$TMP/pass.$k" 2>&1 &
    pids+=($!)
  done
  codes=""
  for p in "${pids[@]}"; do wait "$p"; codes+="$? "; done
  wait "$wr"
  hr -q apply >"$TMP/out" 2>&1
  last=$?
  touch "$TMP/mon.stop"
  wait "$mon"
  bad=$(sort -u "$TMP/mon")
  ok "$([[ $codes =~ ^(0 )+$ ]] && echo 0 || echo 1)" "round $r: $NPASS concurrent passes all end with 0 (got: $codes)"
  [[ $codes =~ ^(0 )+$ ]] || diag "$(cat "$TMP"/pass.*)"
  is "$bad" "" "round $r: never two supervisors on a slot, never one on a staging directory"
  is "$last" 0 "round $r: the last pass ends with 0"
  converges "round $r: and converges"
done
done_testing
