#!/usr/bin/env bash
# 45-memory.t: no leak and no memory error over passes of 1000 profiles.
#
# With the ordinary build, every command runs under valgrind (memcheck, full leak check: any
# definite, indirect or possible leak or any error fails). With an ASan build (make asan-check),
# the sanitizers do the checking and valgrind is not used. The passes: 1000 adds (100 of them with
# a logger), then 100 edits, 100 removals and 50 loggers dropped, then a pass with nothing to do,
# plan, status and check. Gateways start down (autostart = no): the supervisors are what counts.
# HR_MEM_N: the number of profiles (default 1000).
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
N=${HR_MEM_N:-1000}
HR_TIMEOUT=120000
rel_setup $((N + 100))
if is_asan; then
  CHECKER=()
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  diag "ASan build: the sanitizers check"
else
  command -v valgrind >/dev/null || skip_all "no valgrind and not an ASan build"
  CHECKER=(valgrind -q --error-exitcode=42 --leak-check=full '--show-leak-kinds=definite,indirect,possible'
           '--errors-for-leak-kinds=definite,indirect,possible' --track-fds=no)
fi

# write_many FIRST LAST [args]: profiles m<i>, 1 in 10 with a logger, without a fork per file.
write_many() {
  local i log
  for (( i = $1; i <= $2; i++ )); do
    log=no
    [ $((i % 10)) = 0 ] && log=yes
    printf '[gateway]\nprogram = %s\nuser = %s\nautostart = no\nargs = %s\n[log]\nenabled = %s\ndir = %s/logs/m%d\n' \
      "$GW" "$TEST_USER" "${3:-}" "$log" "$TMP" "$i" >"$CONF/m$i.ini"
  done
}
mkdir -p "$HH/profiles"
seq -f "$HH/profiles/m%g" 1 "$N" | xargs mkdir -p
write_many 1 "$N"

# checked NAME CMD...: run hermes-reconcile CMD under the checker; exit code in RC, output in $TMP/err.
checked() {
  local name=$1
  shift
  "${CHECKER[@]}" "${HRC[@]}" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error|==[0-9]+==' "$TMP/err"; then
    ok 1 "$name: no leak, no memory error"
    diag "$(head -c 3000 "$TMP/err")"
  else
    ok 0 "$name: no leak, no memory error"
  fi
}

t0=$(now_ms)
checked "apply, $N adds" -q apply
is "$RC" 0 "apply, $N adds: exit 0 ($(( $(now_ms) - t0 )) ms)"
converges "$N slots, each supervised once"

write_many 1 100 --edited
for (( i = 101; i <= 200; i++ )); do rm -f "$CONF/m$i.ini"; done
for (( i = 210; i <= 700; i += 10 )); do
  printf '[gateway]\nprogram = %s\nuser = %s\nautostart = no\n[log]\nenabled = no\n' "$GW" "$TEST_USER" >"$CONF/m$i.ini"
done
checked "apply: 100 edits, 100 removals, 50 loggers dropped" -q apply
is "$RC" 0 "apply with edits and removals: exit 0"
converges "the scandir converged"
checked "apply with nothing to do" -q apply
is "$RC" 0 "apply with nothing to do: exit 0"
checked "plan" -q plan
is "$RC" 0 "plan: nothing pending"
checked "status" -j status
is "$RC" 0 "status: exit 0"
echo 'nonsense' >"$CONF/broken.ini"
checked "check, one file invalid" check
is "$RC" 1 "check: exit 1 for the invalid file"
done_testing
