#!/bin/bash
# What one no-op pass costs, per profile: system calls (strace -c) and instructions (callgrind),
# for one or more binaries on the same N live profiles (before and after a change, in one run).
#
#   bench/calls.sh FLOOR HERMES-RECONCILE...   (as root; make bench-calls passes the build's)
#
# Environment: BENCH_CALLS_N (default 1000), BENCH_CALLS_REPS (timed no-op passes, each beside one
# of the floor, default 9), BENCH_USER (default hermes). The first binary
# publishes the N slots; every binary then runs one pass of its own (the records are rewritten
# once by a newer version, and the pass after it writes the ledger that the no-op passes then
# read), then one no-op pass under strace and one under callgrind; the floor
# (bench/floor.c noop) is measured beside them the same way, and so is the floor of the SPEC (floor
# noop-spec: the system calls SPEC 9.1, 9.5, 11.2 and 11.11 ask of a no-op pass, and no other work),
# whose time each binary's is also divided by. Give the older binary first: an
# older version does not read a newer record (it adopts the slot, restarting its gateway).
set -eu

FLOOR=$(realpath "$1")
shift
N=${BENCH_CALLS_N:-1000}
REPS=${BENCH_CALLS_REPS:-9}
USER_=${BENCH_USER:-hermes}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
for p in s6-svscan s6-svscanctl strace valgrind; do
  command -v "$p" >/dev/null || { echo "bench: $p not found (make deps)" >&2; exit 1; }
done
getent passwd "$USER_" >/dev/null \
  || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_"

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_tmpfs hr-calls
bench_scandir
write_profiles "$N"
"$1" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" -t 60000 apply
files_settled

# calls CMD...: the system calls of CMD, the total and the five most frequent ("name:count").
calls() {
  strace -f -c -o "$W/strace.out" "$@" >/dev/null 2>&1
  # "% time, seconds, usecs/call, calls, [errors,] syscall": the calls are the fourth column
  awk '$1 ~ /^[0-9.]+$/ { print $4, ($NF == "total" ? "TOTAL" : $NF) }' "$W/strace.out" | sort -rn | head -n 7
}

us() { echo "${EPOCHREALTIME/./}"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# noop_ratio CMD...: median wall-clock times of CMD, of the floor and of the SPEC's floor, interleaved
# (REPS runs each): "cmd-ms floor-ms ratio spec-ms ratio-to-spec".
noop_ratio() {
  local t0 t1 t2 t3 a=() f=() s=()
  for _ in $(seq "$REPS"); do
    t0=$(us); "$@" >/dev/null; t1=$(us)
    "$FLOOR" noop "$CONF" "$SVC" >/dev/null; t2=$(us)
    "$FLOOR" noop-spec "$CONF" "$SVC" "$HH/profiles" >/dev/null; t3=$(us)
    a+=($((t1 - t0))) f+=($((t2 - t1))) s+=($((t3 - t2)))
  done
  awk -v a="$(median "${a[@]}")" -v f="$(median "${f[@]}")" -v s="$(median "${s[@]}")" \
    'BEGIN { printf "%.1f %.1f %.2f %.1f %.2f", a / 1000, f / 1000, a / f, s / 1000, a / s }'
}

# row LABEL CMD...: calls and instructions per profile of one no-op pass of CMD, and its time.
row() {
  local label=$1 c total top ir t=()
  shift
  c=$(calls "$@")
  total=$(awk '$2 == "TOTAL" { print $1 }' <<< "$c")
  top=$(awk '$2 != "TOTAL" { printf "%s %s:%.1f", sep, $2, $1 / n; sep = "," }' n="$N" <<< "$c")
  ir=$(cg_ir "$@")
  if [ "$label" = floor ] || [ "$label" = floor-spec ]; then t=(- - - - -); else read -r -a t <<< "$(noop_ratio "$@")"; fi
  printf '%-28s %9.1f %12.0f %8s %8s %6s %8s %6s   %s\n' "$label" "$(awk -v a="$total" -v n="$N" 'BEGIN { print a / n }')" \
    "$(awk -v a="$ir" -v n="$N" 'BEGIN { print a / n }')" "${t[@]}" "$top"
}

echo
echo "one no-op pass at N = $N, per profile ($(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-28s %9s %12s %8s %8s %6s %8s %6s   %s\n' binary syscalls instructions ms floor-ms ratio spec-ms ratio \
  "most frequent calls per profile"
row floor "$FLOOR" noop "$CONF" "$SVC"
for b in "$@"; do
  # two passes first: a binary of another version rewrites the records (change "record"), once,
  # and the pass after it, which changes nothing, writes the ledger (reconciler/ledger.h)
  "$(realpath "$b")" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" apply
  "$(realpath "$b")" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" apply
  row "$b" "$(realpath "$b")" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" apply
done
row floor-spec "$FLOOR" noop-spec "$CONF" "$SVC" "$HH/profiles"
