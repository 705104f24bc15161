#!/bin/bash
# test/stress.sh: the integration tests with every core busy with an unrelated load.
#
#   test/stress.sh HERMES-RECONCILE [TEST.t...]      (make check-stress; default: every test)
#
# STRESS_MODE=cpu (default): one CPU hog per core (nproc, or STRESS_HOGS) spins for as long as the
# run lasts, at the same priority as the tests.
# STRESS_MODE=heavy: two hogs per core, and beside them a second `make check` of this tree's HEAD,
# in a clean clone in a fresh 0700 directory (under a mktemp -d), with its own build/ and TMPDIR, run over
# and over for as long as the run lasts. Its log is kept (the path is printed); a failure of it is
# reported, but only the tests given here decide the exit code.
#
# STRESS_ROUNDS (default 1) runs the tests that many times in a row, all under the load; the first
# failing round ends the run, unless STRESS_KEEP_GOING=1 (then every round runs, and the run fails
# if any did). prove --timer prints how long each test took.
#
# The load is stopped when the script ends, whatever the reason (trap on EXIT, INT, TERM, HUP): a
# prove still running (its process group: the tests clean up on SIGTERM), the hogs, the second
# make's process group, and whatever its tests left running in its TMPDIR (an
# s6-svscan is started in a session of its own); each hog and the second make's leader are started
# with a parent-death signal, so that even a SIGKILL of this script cannot leave them running.
set -u
[ $# -ge 1 ] || { echo "usage: test/stress.sh HERMES-RECONCILE [TEST.t...]" >&2; exit 100; }
HR=$(realpath -- "$1") || exit 100
shift
cd "$(dirname "$0")/.." || exit 111
TOP=$PWD
[ $# -gt 0 ] || set -- test/integration/*.t
MODE=${STRESS_MODE:-cpu}
case $MODE in
  cpu) per_core=1 ;;
  heavy) per_core=2 ;;
  *) echo "test/stress.sh: STRESS_MODE must be cpu or heavy, not $MODE" >&2; exit 100 ;;
esac
HOGS=${STRESS_HOGS:-$(( per_core * $(nproc) ))}
ROUNDS=${STRESS_ROUNDS:-1}

hogs=()
prove_pid=""
second_pid=""
second_dir=""
# stop_second: the second make's process group, then every process still running from its
# directory (its tests' s6-svscan, in sessions of their own), its mounts, and the directory.
stop_second() {
  local p pids leader i
  [ -n "$second_dir" ] || return 0
  leader=$(cat "$second_dir/leader.pid" 2>/dev/null)
  [ -z "$leader" ] || kill -TERM -- "-$leader" 2>/dev/null
  [ -z "$second_pid" ] || wait "$second_pid" 2>/dev/null
  second_pid=""
  for (( i = 0; i < 3; i++ )); do
    pids=$(grep -lsF -- "$second_dir/" /proc/[0-9]*/cmdline | cut -d/ -f3)
    for p in /proc/[0-9]*/cwd; do
      case $(readlink "$p" 2>/dev/null) in "$second_dir"/*) pids+=" $(echo "$p" | cut -d/ -f3)" ;; esac
    done
    [ -n "${pids// /}" ] || break
    for p in $pids; do [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null; done
    sleep 0.5
  done
  awk -v d="$second_dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while IFS= read -r m; do umount -l "$m"; done
  rm -rf -- "$second_dir"
  second_dir=""
}
stop_load() {
  local p
  # a prove still running (this script was stopped): its process group, tests included
  [ -z "$prove_pid" ] || { kill -TERM -- "-$prove_pid" 2>/dev/null; wait "$prove_pid" 2>/dev/null; prove_pid=""; }
  for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
  hogs=()
  stop_second
}
trap stop_load EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for (( i = 0; i < HOGS; i++ )); do
  setpriv --pdeathsig KILL -- /bin/sh -c 'while :; do :; done' &
  hogs+=($!)
done
echo "stress: $MODE: $HOGS CPU hogs (pids ${hogs[*]}), $ROUNDS round(s) of $# test(s)"

# The second make check: a clone of HEAD (committed work only) in a 0700 directory. Its leader
# gets SIGTERM when this script dies and then ends its whole process group.
if [ "$MODE" = heavy ]; then
  second_dir=$(mktemp -d "${TMPDIR:-/tmp}/hr-stress.XXXXXX") || exit 111
  SECOND_LOG=$(mktemp "${TMPDIR:-/tmp}/hr-stress-make.XXXXXX.log") || exit 111
  head=$(git rev-parse HEAD) || exit 111
  # The clone in a 0700 directory (the tests copy the binary out for the test user); their TMPDIR
  # beside it, reachable: the test user's gateways run in homes below it.
  chmod 0755 "$second_dir"
  mkdir -m 0700 "$second_dir/tree" && mkdir -m 0755 "$second_dir/tmp" || exit 111
  { git clone -q --no-checkout "$TOP" "$second_dir/tree/src" && git -C "$second_dir/tree/src" checkout -q "$head"; } ||
    { echo "stress: cannot clone $TOP into $second_dir/tree" >&2; exit 111; }
  # shellcheck disable=SC2016  # the leader's own variables
  setsid setpriv --pdeathsig TERM -- env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TMPDIR="$second_dir/tmp" \
    bash -c 'echo $$ >"$2"; trap "kill -KILL -- -$$" TERM
      n=0; while :; do n=$((n + 1)); echo "=== second make check, run $n: $(date -u +%T)"
        make -C "$1" check </dev/null; echo "=== run $n: exit $?"; done & wait' \
    second "$second_dir/tree/src" "$second_dir/leader.pid" >"$SECOND_LOG" 2>&1 &
  second_pid=$!
  echo "stress: a second make check of $head runs beside (in $second_dir, log $SECOND_LOG)"
fi

rc=0
failed=0
for (( r = 1; r <= ROUNDS; r++ )); do
  echo "stress: round $r of $ROUNDS"
  # prove in a process group of its own, waited for: a signal to this script is acted on at once
  HR=$HR setsid -w prove --timer "$@" &
  prove_pid=$!
  wait "$prove_pid"
  prc=$?
  prove_pid=""
  if [ "$prc" -ne 0 ]; then
    rc=1
    failed=$((failed + 1))
    echo "stress: round $r failed" >&2
    [ "${STRESS_KEEP_GOING:-0}" = 1 ] || break
  fi
done
if [ "$MODE" = heavy ]; then
  echo "stress: the second make check: $(grep -c '^=== second' "$SECOND_LOG") run(s) started," \
    "$(grep -c 'make check: all tests passed' "$SECOND_LOG") passed, $(grep -c '^=== run [0-9]*: exit [1-9]' "$SECOND_LOG") failed"
fi
stop_load
[ "$rc" -eq 0 ] && echo "stress: every round passed under load"
[ "$rc" -eq 0 ] || echo "stress: $failed of $ROUNDS round(s) failed" >&2
exit "$rc"
