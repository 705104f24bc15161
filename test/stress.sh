#!/bin/bash
# test/stress.sh: the integration tests with every core busy with an unrelated load.
#
#   test/stress.sh HERMES-RECONCILE [TEST.t...]      (make check-stress; default: every test)
#
# One CPU hog per core (nproc, or STRESS_HOGS) spins for as long as the run lasts, at the same
# priority as the tests. STRESS_ROUNDS (default 1) runs the tests that many times in a row, all
# under the load; the first failing round ends the run. The hogs are killed when the script
# ends, whatever the reason (trap on EXIT, INT, TERM, HUP), and each is started with a parent-death
# signal, so that even a SIGKILL of this script cannot leave them spinning.
set -u
[ $# -ge 1 ] || { echo "usage: test/stress.sh HERMES-RECONCILE [TEST.t...]" >&2; exit 100; }
HR=$(realpath -- "$1") || exit 100
shift
cd "$(dirname "$0")/.." || exit 111
[ $# -gt 0 ] || set -- test/integration/*.t
HOGS=${STRESS_HOGS:-$(nproc)}
ROUNDS=${STRESS_ROUNDS:-1}

hogs=()
stop_hogs() {
  local p
  for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
  hogs=()
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for (( i = 0; i < HOGS; i++ )); do
  setpriv --pdeathsig KILL -- /bin/sh -c 'while :; do :; done' &
  hogs+=($!)
done
echo "stress: $HOGS CPU hogs (pids ${hogs[*]}), $ROUNDS round(s) of $# test(s)"

rc=0
for (( r = 1; r <= ROUNDS; r++ )); do
  echo "stress: round $r of $ROUNDS"
  HR=$HR prove "$@" || { rc=$?; echo "stress: round $r failed" >&2; break; }
done
stop_hogs
[ "$rc" -eq 0 ] && echo "stress: every round passed under load"
exit "$rc"
