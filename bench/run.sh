#!/bin/bash
# make bench: hermes-reconcile against s6's own tools and against the floor, side by side in one run.
#
#   bench/run.sh HERMES-RECONCILE FLOOR        (as root; make bench passes both)
#
# Environment: BENCH_N (default "100 300 1000"), BENCH_REPS (cold/remove runs at N <= 300, default 5),
# BENCH_REPS_BIG (at larger N, default 3), BENCH_NOOP_REPS (default 21: a no-op pass is short, and its
# median moves with the machine), BENCH_USER (default hermes).
#
# Everything runs on a private tmpfs with a private s6-svscan -c 4000 -t0. Each figure is the median
# of its runs; the three ways of doing one thing run interleaved, so that drift hits them alike.
set -eu

HR=$(realpath "$1")
FLOOR=$(realpath "$2")
NS=${BENCH_N:-100 300 1000}
REPS=${BENCH_REPS:-5}
REPS_BIG=${BENCH_REPS_BIG:-3}
NOOP_REPS=${BENCH_NOOP_REPS:-21}
USER_=${BENCH_USER:-hermes}

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (tmpfs mount, supervisors dropping to $USER_)" >&2; exit 1; }
for p in s6-svscan s6-svscanctl s6-svlink s6-svunlink valgrind; do
  command -v "$p" >/dev/null || { echo "bench: $p not found (make deps)" >&2; exit 1; }
done
if ! getent passwd "$USER_" >/dev/null; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_tmpfs hr-bench

bench_scandir
mkdir -p "$W/sv" "$W/stage" "$W/tpl"

apply() { "$HR" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" -t 60000 apply; }
# clock VAR CMD...: run CMD, store its wall-clock time in microseconds in VAR; CMD must succeed.
clock() {
  local var=$1 t0 t1 rc=0
  shift
  t0=${EPOCHREALTIME/./}
  "$@" >/dev/null || rc=$?
  t1=${EPOCHREALTIME/./}
  [ "$rc" -eq 0 ] || { echo "bench: $* exited $rc" >&2; exit 1; }
  printf -v "$var" '%s' $((t1 - t0))
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

svlink_all() {
  local d
  for d in "$W/sv"/gateway-*; do s6-svlink -t 60000 "$SVC" "$d"; done
}
svunlink_all() {
  local d
  for d in "$W/sv"/gateway-*; do s6-svunlink -t 60000 "$SVC" "${d##*/}"; done
}

# Ready-made copies of the slots hermes-reconcile published, without their supervisors' run-time files.
make_templates() {
  rm -rf "$W/tpl" "$W/sv"
  mkdir -p "$W/tpl" "$W/sv"
  cp -a "$SVC"/gateway-* "$W/tpl/"
  find "$W/tpl" \( -path '*/supervise/*' ! -name control \) -delete
  find "$W/tpl" -path '*/event/*' -delete
  cp -a "$W/tpl"/gateway-* "$W/sv/"
}
stage_floor() {
  rm -rf "$W/stage"
  mkdir -p "$W/stage"
  cp -a "$W/tpl"/gateway-* "$W/stage/"
}

peak_rss_kib() {
  local f=$W/rss
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$f" -f %M "$HR" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" -t 60000 apply >/dev/null
    cat "$f"
  else
    echo "-"
  fi
}

ROWS=()
CG=()
RSS=()
for n in $NS; do
  reps=$REPS
  [ "$n" -le 300 ] || reps=$REPS_BIG
  rm -f "$CONF"/*.ini
  rm -rf "$HH/profiles"
  mkdir -p "$HH/profiles"
  hc=() hr=() sc=() sr=() fc=() fr=() hn=() fn=()
  for rep in $(seq "$reps"); do
    echo "bench: N=$n run $rep/$reps" >&2
    write_profiles "$n"
    clock t apply; hc+=("$t")
    if [ "$rep" -eq 1 ]; then
      make_templates
      # the first pass after the cold one reads every record and writes the ledger (ledger.h); the
      # no-op passes measured are the ones after it, as every later pass of a steady node is (whose
      # profile files are older than the 2 s a ledger waits for before it keeps one)
      files_settled
      apply
      for _ in $(seq "$NOOP_REPS"); do
        clock t apply; hn+=("$t")
        clock t "$FLOOR" noop "$CONF" "$SVC"; fn+=("$t")
      done
      CG+=("$n $(cg_ir "$HR" -q -c "$CONF" -s "$SVC" -H "$HH" -b "$W/command" apply)")
      [ "$n" -lt 1000 ] || RSS+=("no-op $(peak_rss_kib)")
    fi
    rm -f "$CONF"/*.ini
    clock t apply; hr+=("$t")
    clock t svlink_all; sc+=("$t")
    clock t svunlink_all; sr+=("$t")
    stage_floor
    clock t "$FLOOR" cold "$SVC" "$W/stage"; fc+=("$t")
    clock t "$FLOOR" remove "$SVC"; fr+=("$t")
  done
  if [ "$n" -ge 1000 ]; then
    write_profiles "$n"
    RSS+=("cold $(peak_rss_kib)")
    rm -f "$CONF"/*.ini
    RSS+=("remove $(peak_rss_kib)")
  fi
  c=$(median "${hc[@]}") cs=$(median "${sc[@]}") cf=$(median "${fc[@]}")
  r=$(median "${hr[@]}") rs=$(median "${sr[@]}") rf=$(median "${fr[@]}")
  o=$(median "${hn[@]}") of=$(median "${fn[@]}")
  ROWS+=("$(printf '%5s  %-7s %12s %12s %12s %9s %9s' "$n" cold "$(ms "$c")" "$(ms "$cs")" "$(ms "$cf")" "$(ratio "$c" "$cf")" "$(ratio "$c" "$cs")")")
  ROWS+=("$(printf '%5s  %-7s %12s %12s %12s %9s %9s' "$n" remove "$(ms "$r")" "$(ms "$rs")" "$(ms "$rf")" "$(ratio "$r" "$rf")" "$(ratio "$r" "$rs")")")
  ROWS+=("$(printf '%5s  %-7s %12s %12s %12s %9s %9s' "$n" no-op "$(ms "$o")" - "$(ms "$of")" "$(ratio "$o" "$of")" -)")
  echo "bench: N=$n reps=$reps cold ${hc[*]} / ${sc[*]} / ${fc[*]}; remove ${hr[*]} / ${sr[*]} / ${fr[*]}; no-op ${hn[*]} / ${fn[*]} (us)" >&2
done

echo
echo "$("$HR" -V 2>/dev/null | head -n1) on $(nproc) CPUs, $(uname -r); times in ms, medians"
echo "cold/remove: hr=$REPS runs (N<=300), $REPS_BIG (N>300); no-op: $NOOP_REPS runs"
echo
printf '%5s  %-7s %12s %12s %12s %9s %9s\n' N phase hermes s6-sv*link floor hr/floor hr/s6
printf '%s\n' "${ROWS[@]}"
echo
printf '%5s  %14s %12s\n' N "no-op instr" "per profile"
for row in "${CG[@]}"; do
  read -r k ir <<< "$row"
  printf '%5s  %14s %12s\n' "$k" "$ir" "$(awk -v a="$ir" -v n="$k" 'BEGIN { printf "%.0f", a / n }')"
done
echo
for row in "${RSS[@]}"; do
  read -r what kib <<< "$row"
  echo "peak RSS of apply ($what, N=1000): $kib KiB"
done
