#!/bin/bash
# bench/watch-burst.sh: the timing figures that used to be test assertions (test/integration
# 30-watch.t and 42-concurrency.t asserted them as bounds, which fail on a loaded machine).
#
#   bench/watch-burst.sh HERMES-RECONCILE        (as root)
#
# - watch: how many passes a burst of 50 profile edits, written while the watcher runs, gives,
#   and how long after the last edit its value is live (the debounce: quiet 100 ms, at most 2 s);
# - lock: how long past --timeout (400 ms) a pass that cannot get the lock takes to give up.
# Each figure is the median of BENCH_BURST_REPS runs (default 5). Environment: BENCH_USER
# (default hermes, created if missing, as bench/run.sh does).
set -eu
HR=$(realpath "$1")
REPS=${BENCH_BURST_REPS:-5}
USER_=${BENCH_USER:-hermes}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
if ! getent passwd "$USER_" >/dev/null; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_tmpfs hr-bench-burst
mkdir -p "$W/svc/.s6-svscan" "$W/conf" "$W/home/profiles/c" "$W/command"
for p in /usr/bin/s6-*; do ln -s "$p" "$W/command/"; done
setsid s6-svscan -t0 "$W/svc" </dev/null >/dev/null 2>&1 &
SVSCAN_PID=$!
for _ in $(seq 500); do s6-svscanctl -a "$W/svc" 2>/dev/null && break; sleep 0.01; done

profile() { printf '[gateway]\nuser = %s\nautostart = no\ntimeout_kill = %s\n[log]\nenabled = no\n' "$USER_" "$1"; }
profile 1000 >"$W/conf/c.ini"
"$HR" -c "$W/conf" -s "$W/svc" -H "$W/home" -b "$W/command" -t 60000 --notify-fd 3 watch \
  3>"$W/ready" >"$W/watch.out" 2>/dev/null &
WATCH_PID=$!
for _ in $(seq 2000); do [ -s "$W/ready" ] && break; sleep 0.01; done
[ -s "$W/ready" ] || { echo "bench: the watch did not become ready" >&2; exit 1; }

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
passes() { grep -c '^apply: ' "$W/watch.out" || true; }
live() { [ "$(cat "$W/svc/gateway-c/timeout-kill" 2>/dev/null)" = "$1" ]; }

np=() lat=()
for rep in $(seq "$REPS"); do
  before=$(passes)
  base=$((rep * 1000))
  for i in $(seq 1 50); do profile "$((base + i))" >"$W/conf/c.ini"; done
  t0=${EPOCHREALTIME/./}
  until live "$((base + 50))"; do sleep 0.005; done
  t1=${EPOCHREALTIME/./}
  sleep 2.5                                   # past the longest settle: every pass of the burst is done
  np+=("$(( $(passes) - before ))")
  lat+=("$(( (t1 - t0) / 1000 ))")
done

touch "$W/svc/.hermes-reconcile.lock"
s6-setlock "$W/svc/.hermes-reconcile.lock" sleep 1000 &
holder=$!
sleep 0.2
over=()
for _ in $(seq "$REPS"); do
  t0=${EPOCHREALTIME/./}
  "$HR" -c "$W/conf" -s "$W/svc" -H "$W/home" -b "$W/command" -t 400 apply >/dev/null 2>&1 || true
  t1=${EPOCHREALTIME/./}
  over+=("$(( (t1 - t0) / 1000 - 400 ))")
done
kill "$holder" 2>/dev/null || true

echo "watch: a burst of 50 edits gave $(median "${np[@]}") pass(es) (runs: ${np[*]});" \
  "the last edit live $(median "${lat[@]}") ms after it was written (runs: ${lat[*]})"
echo "lock: a pass that cannot get the lock gave up $(median "${over[@]}") ms after --timeout 400 (runs: ${over[*]})"
