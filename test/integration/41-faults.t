#!/usr/bin/env bash
# 41-faults.t: a system call that fails at its Nth use, for each kind of call a pass makes.
#
# strace -e inject=SYSCALL:error=ERRNO:when=N makes the Nth call of SYSCALL fail without changing
# the program. The pass goes between two profile sets (adds, a removal, an edit that restarts a
# gateway, a logger dropped and added), so every stage of execute runs: staging, seeding,
# publishing, in-place updates, restart records, tombstones, the rescan and the waits. For every
# injection: the pass ends with an exit code and a message (never a signal); exit 0 means the
# scandir already converged; and the next ordinary pass converges.
#
# Then the same for a pass that adopts a slot of the former Python layout and deletes a tombstone
# whose event/ holds a directory chain (SPEC 11.1, 11.3).
#
# Ns are spread over each call's whole range (HR_FAULT_ALL=1: every N; HR_FAULT_SEED: the offset).
# An early openat or read fails in the dynamic loader, before the program runs: exit 127 there is ld.so's.
# Under ASan the loader and then the sanitizer runtime (reading /proc/self/cmdline, environ, maps;
# a failure there is LeakSanitizer's fatal error, not ours) make the first calls. A traced --version
# of the same binary, with the same environment, counts the calls made before main (BASE), and
# under ASan the Ns are spread over BASE+1..COUNT: every kind is tested there too, after startup.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
command -v strace >/dev/null || skip_all "no strace"
# (-e trace=none would disable the injection too: no trace= below.)
strace -qq -o /dev/null -e inject=getpid:error=EIO true 2>/dev/null || skip_all "strace cannot inject here"
HR_TIMEOUT=3000
rel_setup 500
SEED=${HR_FAULT_SEED:-$RANDOM}
diag "seed $SEED"

# The two profile sets the passes go between.
set_a() {
  profile a; profile b; profile c; profile d; profile f autostart=no
  rm -f "$CONF/e.ini"
}
set_b() {
  profile a; profile b args=--edited; profile d log=no; profile e; profile f autostart=no enabled=no
  rm -f "$CONF/c.ini"
}
set_a
hr -q apply
ok $? "set A applied"
converges "set A converged"

# The kinds of calls counted and failed.
SYSCALLS=(openat openat2 write read mkdirat renameat renameat2 unlinkat fchown fchownat fchmod fchmodat mknodat fsync fdatasync fcntl getdents64)
# calls FILE ARGS...: $HR ARGS under strace as traced runs it (same binary, same environment), its
# calls of SYSCALLS logged to FILE.
calls() {
  local f=$1
  shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -o "$f" -e trace="$(IFS=,; echo "${SYSCALLS[*]}")" "${HRC[@]}" "$@"
}

# How many calls of each kind come before main: those of a --version up to its one write, the
# version line. Only the ASan run skips them (BASE); the plain run injects into the loader's too.
declare -A BASE
calls "$TMP/base" --version >/dev/null
ok "$(grep -q ' write(1, "hermes-reconcile ' "$TMP/base" && echo 0 || echo 1)" "--version under strace writes its line"
sed -i '/ write(1, "hermes-reconcile /,$d' "$TMP/base"
for s in "${SYSCALLS[@]}"; do BASE[$s]=$(grep -c " $s(" "$TMP/base"); done
diag "calls before main: $(for s in "${SYSCALLS[@]}"; do printf '%s=%s ' "$s" "${BASE[$s]}"; done)"
if ! is_asan; then for s in "${SYSCALLS[@]}"; do BASE[$s]=0; done; fi

# How many calls of each kind one pass A -> B makes.
set_b
calls "$TMP/count" -q apply
ok $? "set B applied under strace"
converges "set B converged"
declare -A COUNT
for s in "${SYSCALLS[@]}"; do COUNT[$s]=$(grep -c " $s(" "$TMP/count"); done
# The BASE calls must be the start of a pass too (the same binary, environment and inputs).
names() { sed -E 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/' "$@"; }
is "$(names "$TMP/count" | head -n "$(wc -l <"$TMP/base")")" "$(names "$TMP/base")" "a pass starts with the calls before main of --version"
diag "calls of one pass: $(for s in "${SYSCALLS[@]}"; do printf '%s=%s ' "$s" "${COUNT[$s]}"; done)"
is "$(( COUNT[fsync] + COUNT[fdatasync] ))" 0 "a pass never fsyncs (the scandir is a tmpfs; rename is the commit)"

CUR=b
RUNS=0
# inject SYSCALL ERRNO N: one faulty pass to the other set, then one ordinary pass.
# Problems go to $TMP/problems.
# shellcheck disable=SC2317  # called through run_kind
inject() {
  local sc=$1 err=$2 n=$3 rc out
  exec 3>>"$TMP/problems"
  if [ "$CUR" = a ]; then set_b; CUR=b; else set_a; CUR=a; fi
  RUNS=$((RUNS + 1))
  traced -e inject="$sc:error=$err:when=$n" -- -q apply \
    >"$TMP/out" 2>"$TMP/err"
  rc=$?
  out="$sc=$err@$n: exit $rc"
  case $rc in
    0) wait_for 10000 converged || echo "$out, but not converged: $CONV_WHY" >&3 ;;
    1|99|111) grep -Eq '^(hermes-reconcile: |/[^:]+:([0-9]+:)? )' "$TMP/err" || echo "$out without a message: $(head -c 300 "$TMP/err")" >&3 ;;
    127) grep -q 'error while loading shared libraries' "$TMP/err" ||
           echo "$out (not an exit code of the contract): $(head -c 300 "$TMP/err")" >&3 ;;
    *) echo "$out (not an exit code of the contract): $(head -c 300 "$TMP/err")" >&3 ;;
  esac
  grep -Eq 'Sanitizer|runtime error' "$TMP/err" && echo "$out: sanitizer: $(head -c 600 "$TMP/err")" >&3
  hr -q apply >"$TMP/out2" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || echo "$out; next pass exit $rc: $(head -c 300 "$TMP/out2")" >&3
  wait_for 10000 converged || echo "$out; next pass did not converge: $CONV_WHY" >&3
  exec 3>&-
}

# spread FIRST LAST MAX: up to MAX Ns over FIRST..LAST (all of them with HR_FAULT_ALL), FIRST and
# LAST included.
spread() {
  local first=$1 last=$2 max=$3 n step
  [ "$last" -ge "$first" ] || return 0
  if [ -n "${HR_FAULT_ALL:-}" ] || [ "$((last - first + 1))" -le "$max" ]; then seq "$first" "$last"; return; fi
  step=$(( (last - first + max) / max ))
  { echo "$first"; for (( n = first + SEED % step; n <= last; n += step )); do echo "$n"; done; echo "$last"; } | sort -nu
}

# run_kind INJECT LABEL SYSCALL ERRNO MAX: INJECT SYSCALL ERRNO N for up to MAX Ns over the calls
# of the pass after BASE (the plain run: all of them); one test, its name starting with LABEL.
run_kind() {
  local inj=$1 label=$2 sc=$3 err=$4 max=$5 first n problems before=$RUNS
  first=$(( BASE[$sc] + 1 ))
  : >"$TMP/problems"
  for n in $(spread "$first" "${COUNT[$sc]}" "$max"); do "$inj" "$sc" "$err" "$n"; done
  problems=$(cat "$TMP/problems")
  ok "$([ -z "$problems" ] && echo 0 || echo 1)" \
    "$label$sc fails with $err ($((RUNS - before)) of calls $first..${COUNT[$sc]}): clear exit, next pass converges"
  [ -z "$problems" ] || diag "$problems"
}

MAX=${HR_FAULT_MAX:-5}
for s in openat openat2 write read mkdirat renameat renameat2 unlinkat fchown fchownat fchmod fchmodat mknodat fcntl getdents64; do
  run_kind inject "" "$s" EIO "$MAX"
done
# A kernel or a seccomp filter without openat2, from its Nth call on: the rest of the pass walks.
for e in ENOSYS EPERM; do run_kind inject "" openat2 "$e" 2; done
for s in write mkdirat mknodat openat; do run_kind inject "" "$s" ENOSPC 2; done
for s in openat mkdirat renameat unlinkat; do run_kind inject "" "$s" EACCES 2; done
for s in openat mkdirat renameat renameat2 unlinkat fchmod; do run_kind inject "" "$s" EROFS 2; done

# --- adoption and tombstone deletion (SPEC 11.1, 11.3) -------------------------------------------
# Each round: a slot in the former Python layout (no record, the test user's supervise/, control
# 0660) to adopt, and a slot whose event/ holds a directory chain and files, its profile removed:
# one faulty pass adopts the first and deletes the tombstone of the second, then an ordinary
# pass must converge. The two profile sets above are left as they are (set $CUR).
former_slot() {
  local d="$SCANDIR/.former-z"
  profile z log=no
  mkdir -p "$d/event" "$d/supervise"
  printf 'longrun\n' >"$d/type"
  printf '#!/bin/sh\nexec %s/s6-setuidgid %s %s\n' "$BINDIR" "$TEST_USER" "$GW" >"$d/run"
  chmod 0755 "$d/run"
  mkfifo "$d/supervise/control"
  chown -R "$TEST_USER" "$d/supervise"
  chmod 0755 "$d/supervise"
  chmod 0660 "$d/supervise/control"
  mv "$d" "$SCANDIR/gateway-z"
  s6-svscanctl -a "$SCANDIR"
  wait_for 5000 s6-svok "$SCANDIR/gateway-z"
}
# adopt_round: set the scene, then print nothing; the scene is ready for one faulty pass.
adopt_round() {
  rm -f "$CONF/z.ini" "$CONF/y.ini"
  hr -q apply >/dev/null 2>&1
  profile y
  hr -q apply >/dev/null 2>&1
  # shellcheck disable=SC2016  # perl code
  as_user perl -e 'chdir $ARGV[0] or die; for (1..50) { open my $f, ">", "f$_" or die }
    for (1..200) { mkdir "d" or die; chdir "d" or die }' "$SCANDIR/gateway-y/event" 2>/dev/null
  former_slot
  rm -f "$CONF/y.ini"
}
adopt_round
calls "$TMP/count2" -q apply
rc=$?
ok "$([ "$rc" -eq 0 ] || [ "$rc" -eq 99 ] && echo 0 || echo 1)" "adoption and a deep tombstone under strace (exit $rc)"
converges "adopted and deleted: converged"
for s in "${SYSCALLS[@]}"; do COUNT[$s]=$(grep -c " $s(" "$TMP/count2"); done
diag "calls of one adopting, deleting pass: $(for s in "${SYSCALLS[@]}"; do printf '%s=%s ' "$s" "${COUNT[$s]}"; done)"

# inject_adopt SYSCALL ERRNO N
# shellcheck disable=SC2317  # called through run_kind
inject_adopt() {
  local sc=$1 err=$2 n=$3 rc out
  exec 3>>"$TMP/problems"
  adopt_round
  RUNS=$((RUNS + 1))
  traced -e inject="$sc:error=$err:when=$n" -- -q apply >"$TMP/out" 2>"$TMP/err"
  rc=$?
  out="adopt+tomb $sc=$err@$n: exit $rc"
  case $rc in
    0) ;;
    1|99|111) grep -Eq '^(hermes-reconcile: |/[^:]+:([0-9]+:)? )' "$TMP/err" || echo "$out without a message: $(head -c 300 "$TMP/err")" >&3 ;;
    127) grep -q 'error while loading shared libraries' "$TMP/err" || echo "$out: $(head -c 300 "$TMP/err")" >&3 ;;
    *) echo "$out (not an exit code of the contract): $(head -c 300 "$TMP/err")" >&3 ;;
  esac
  grep -Eq 'Sanitizer|runtime error' "$TMP/err" && echo "$out: sanitizer: $(head -c 600 "$TMP/err")" >&3
  hr -q apply >"$TMP/out2" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || echo "$out; next pass exit $rc: $(head -c 300 "$TMP/out2")" >&3
  wait_for 5000 converged || echo "$out; next pass did not converge: $CONV_WHY" >&3
  [ "$(stat -c %U "$SCANDIR/gateway-z/supervise" 2>/dev/null)" = root ] || echo "$out; supervise/ of z not adopted" >&3
  exec 3>&-
}
AMAX=${HR_FAULT_ADOPT_MAX:-3}
ADOPT="adoption and tombstone deletion: "
for s in openat unlinkat renameat fchown fchownat fchmod getdents64; do
  run_kind inject_adopt "$ADOPT" "$s" EIO "$AMAX"
done
run_kind inject_adopt "$ADOPT" unlinkat EACCES 2
run_kind inject_adopt "$ADOPT" renameat ENOSPC 2

diag "$RUNS faulty passes, each followed by an ordinary one"
done_testing
