#!/bin/bash
# make bench (its last part): the latency of hermes-reconcile watch, from a change on disk to the
# slot being supervised (or gone), for a profile directory made as the hermes user (SPEC 10: mkdir,
# then SOUL.md) and, side by side, for a profile file.
#
#   bench/watch.sh HERMES-RECONCILE            (as root; make bench passes it)
#
# Environment: BENCH_WATCH_REPS (default 15), BENCH_USER (default hermes).
#
# The latency includes watch's debounce (a pass starts once the tree has been quiet for 100 ms) and
# one pass (publish, rescan, wait for the supervisor); it is measured by polling s6-svok, so it is
# exact to about a millisecond. Medians and the slowest run, on a private tmpfs and s6-svscan.
set -eu

HR=$(realpath "$1")
REPS=${BENCH_WATCH_REPS:-15}
USER_=${BENCH_USER:-hermes}

[ "$(id -u)" -eq 0 ] || { echo "bench-watch: needs root (tmpfs mount, s6-svscan)" >&2; exit 1; }
for p in s6-svscan s6-svscanctl s6-svok setpriv; do
  command -v "$p" >/dev/null || { echo "bench-watch: $p not found (make deps)" >&2; exit 1; }
done
if ! getent passwd "$USER_" >/dev/null; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_tmpfs hr-bench-watch

SVC=$W/svc CONF=$W/conf HH=$W/home
mkdir -p "$SVC/.s6-svscan" "$CONF" "$HH/profiles" "$HH/logs" "$W/command" "$W/contenv"
chown -R "$USER_:" "$HH"
for p in /usr/bin/s6-*; do ln -s "$p" "$W/command/"; done
printf '#!/bin/sh\nexec /usr/bin/s6-envdir %s "$@"\n' "$W/contenv" >"$W/command/with-contenv"
printf '#!/bin/sh\nexec sleep 100000\n' >"$W/gateway"
chmod 0755 "$W/command/with-contenv" "$W/gateway"
printf '[gateway]\nprogram = %s\nuser = %s\nautostart = yes\n[discover]\nprofiles = yes\n' \
  "$W/gateway" "$USER_" >"$CONF/_defaults.ini"

setsid s6-svscan -c 1000 -t0 "$SVC" </dev/null >/dev/null 2>&1 &
SVSCAN_PID=$!
for _ in $(seq 500); do s6-svscanctl -a "$SVC" 2>/dev/null && break; sleep 0.01; done

"$HR" -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" -t 60000 --notify-fd 3 watch 3>"$W/ready" >"$W/watch.out" 2>"$W/watch.err" &
WATCH_PID=$!
for _ in $(seq 3000); do [ -s "$W/ready" ] && break; sleep 0.01; done
[ -s "$W/ready" ] || { echo "bench-watch: the watch did not become ready" >&2; exit 1; }

as_user() { setpriv --reuid="$USER_" --regid="$USER_" --init-groups -- "$@"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
# until_us LIMIT_S CMD...: poll CMD until it succeeds (at most LIMIT_S seconds); prints the time.
until_us() {
  local limit=$(( $(now_us) + $1 * 1000000 ))
  shift
  until "$@"; do
    [ "$(now_us)" -lt "$limit" ] || { echo "bench-watch: timed out on $*" >&2; exit 1; }
  done
  now_us
}
gone() { [ ! -e "$1" ]; }
# A slot is gone before its pass ends (it still reaps the supervisor): wait for the pass's summary
# line, so that the next change does not wait for it.
passes() { grep -c '^apply: ' "$W/watch.out" || true; }
more_passes_than() { [ "$(passes)" -gt "$1" ]; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
slowest() { printf '%s\n' "$@" | sort -n | tail -n1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

dir_add=() dir_rm=() file_add=() file_rm=()
for i in $(seq "$REPS"); do
  n=$(printf 'w%03d' "$i")
  echo "bench-watch: run $i/$REPS" >&2
  # a profile directory, as hermes profile create makes it
  # t0 is taken by the user's own shell, right before its mkdir (starting setpriv takes a while)
  # shellcheck disable=SC2016  # expanded by that shell
  t0=$(as_user bash -c 't=${EPOCHREALTIME/./}; mkdir "$1" && echo soul >"$1/SOUL.md" && echo "$t"' sh "$HH/profiles/$n")
  t1=$(until_us 30 s6-svok "$SVC/gateway-$n")
  dir_add+=($((t1 - t0)))
  p=$(passes)
  # shellcheck disable=SC2016
  t0=$(as_user bash -c 't=${EPOCHREALTIME/./}; rm -rf "$1" && echo "$t"' sh "$HH/profiles/$n")
  t1=$(until_us 30 gone "$SVC/gateway-$n")
  dir_rm+=($((t1 - t0)))
  until_us 30 more_passes_than "$p" >/dev/null
  # a profile file, for comparison
  f=$(printf 'f%03d' "$i")
  mkdir -p "$W/homes/$f" && chown "$USER_:" "$W/homes/$f"
  printf '[profile]\nhome = %s\n' "$W/homes/$f" >"$CONF/.$f.ini"
  t0=$(now_us)
  mv "$CONF/.$f.ini" "$CONF/$f.ini"
  t1=$(until_us 30 s6-svok "$SVC/gateway-$f")
  file_add+=($((t1 - t0)))
  p=$(passes)
  t0=$(now_us)
  rm "$CONF/$f.ini"
  t1=$(until_us 30 gone "$SVC/gateway-$f")
  file_rm+=($((t1 - t0)))
  until_us 30 more_passes_than "$p" >/dev/null
done

echo
echo "watch latency: from the change to the slot supervised (add) or gone (remove); $REPS runs, ms"
echo "(includes the 100 ms debounce; discovered: mkdir + SOUL.md as $USER_, or rm -rf of the directory)"
printf '%-26s %10s %10s\n' change median slowest
printf '%-26s %10s %10s\n' "profile directory, add" "$(ms "$(median "${dir_add[@]}")")" "$(ms "$(slowest "${dir_add[@]}")")"
printf '%-26s %10s %10s\n' "profile directory, remove" "$(ms "$(median "${dir_rm[@]}")")" "$(ms "$(slowest "${dir_rm[@]}")")"
printf '%-26s %10s %10s\n' "profile file, add" "$(ms "$(median "${file_add[@]}")")" "$(ms "$(slowest "${file_add[@]}")")"
printf '%-26s %10s %10s\n' "profile file, remove" "$(ms "$(median "${file_rm[@]}")")" "$(ms "$(slowest "${file_rm[@]}")")"
