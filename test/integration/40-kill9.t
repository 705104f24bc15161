#!/usr/bin/env bash
# 40-kill9.t: kill -9 at random moments of passes whose profile set changes between rounds.
#
# Each round changes the profile set (adds, removals, edits of args, a logger added or dropped,
# profiles disabled and enabled again, autostart flipped), then runs one or two passes that are
# killed with SIGKILL: either after a random delay, or exactly at the Nth call of a random system
# call (strace -e inject=SYSCALL:signal=KILL:when=N), so that every stage of a pass is hit. Then one
# ordinary pass must converge: exit 0, every desired slot supervised by exactly one supervisor
# (plus its logger's), no other slot, no staging or tombstone entry, and no gateway that s6 wants
# up left down (an interrupted restart is completed).
#
# HR_KILL_ROUNDS (default 40), HR_KILL_SEED (default random; printed).
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
HR_TIMEOUT=5000
rel_setup 500
SEED=${HR_KILL_SEED:-$$}
RANDOM=$SEED
diag "seed $SEED"
HAVE_STRACE=0
strace -qq -o /dev/null -e inject=openat:signal=KILL:when=1 true 2>/dev/null; [ $? -eq 137 ] && HAVE_STRACE=1
[ "$HAVE_STRACE" = 1 ] || diag "strace cannot inject signals here: random delays only"

NAMES=(p0 p1 p2 p3 p4 p5 p6 p7)
pick() { echo "${NAMES[RANDOM % ${#NAMES[@]}]}"; }
# The settings of each profile, kept here so that an edit changes one of them.
declare -A ARGS LOG AUTO ENABLED
write_profile() {
  profile "$1" "args=${ARGS[$1]:-}" "log=${LOG[$1]:-yes}" "autostart=${AUTO[$1]:-yes}" "enabled=${ENABLED[$1]:-yes}"
}
# mutate: one change to the profile set, described in MUT.
mutate() {
  local n what
  n=$(pick)
  if [ ! -e "$CONF/$n.ini" ]; then write_profile "$n"; MUT+=" +$n"; return; fi
  what=$((RANDOM % 6))
  case $what in
    0) rm -f "$CONF/$n.ini"; MUT+=" -$n" ;;
    1) ARGS[$n]="--round $RANDOM"; write_profile "$n"; MUT+=" ~$n:args" ;;
    2) if [ "${LOG[$n]:-yes}" = yes ]; then LOG[$n]=no; else LOG[$n]=yes; fi; write_profile "$n"; MUT+=" ~$n:log" ;;
    3) if [ "${AUTO[$n]:-yes}" = yes ]; then AUTO[$n]=no; else AUTO[$n]=yes; fi; write_profile "$n"; MUT+=" ~$n:autostart" ;;
    4) if [ "${ENABLED[$n]:-yes}" = yes ]; then ENABLED[$n]=no; else ENABLED[$n]=yes; fi; write_profile "$n"; MUT+=" ~$n:enabled" ;;
    *) write_profile "$(pick)"; MUT+=" ~touch" ;;
  esac
}

# SYSCALL:MAXN, MAXN about the number of such calls in a pass of a few changes.
KILL_SYSCALLS=(openat:60 write:30 mkdirat:16 renameat:24 renameat2:5 unlinkat:40 fchmod:30 fchown:25 mknodat:5 fcntl:40)
# killed_pass: one pass killed by SIGKILL; described in MUT.
killed_pass() {
  local sc n us pid rc
  if [ "$HAVE_STRACE" = 1 ] && [ $((RANDOM % 3)) != 0 ]; then
    sc=${KILL_SYSCALLS[RANDOM % ${#KILL_SYSCALLS[@]}]}
    n=$((1 + RANDOM % ${sc#*:}))
    sc=${sc%:*}
    # A pass that made fewer such calls ended normally: try again with a smaller N.
    while :; do
      (traced -e inject="$sc:signal=KILL:when=$n" -- -q apply) >/dev/null 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] || [ "$n" -le 1 ]; then break; fi
      n=$((n / 3 + 1))
    done
    MUT+=" [$sc#$n:$rc]"
  else
    us=$((RANDOM % 3000))
    "${HRC[@]}" -q apply >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%06d' "$us")"
    kill -9 "$pid" 2>/dev/null
    wait "$pid"
    MUT+=" [${us}us:$?]"
  fi
  [[ $MUT =~ :137\]$ ]] && KILLED=$((KILLED + 1))
}

# wanted_up_is_up: every desired slot whose supervisor wants it up is up.
wanted_up_is_up() {
  local name log
  while read -r name log; do
    [ "$(s6-svstat -o wantedup,up "$SCANDIR/gateway-$name" 2>/dev/null)" = "true false" ] && { CONV_WHY="gateway-$name wanted up, down"; return 1; }
  done < <(desired)
  return 0
}

ROUNDS=${HR_KILL_ROUNDS:-40}
for n in p0 p1 p2; do write_profile "$n"; done
hr -q apply
ok $? "initial pass"
converges "initial set converged"
KILLED=0 PASSES=0
for (( r = 1; r <= ROUNDS; r++ )); do
  MUT="round $r:"
  passes=$((1 + RANDOM % 2))
  for (( k = 0; k < passes; k++ )); do
    mutate
    mutate
    killed_pass
    PASSES=$((PASSES + 1))
  done
  log=$MUT
  hr -q apply >"$TMP/out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then ok 1 "$log: next pass exit 0"; diag "exit $rc: $(cat "$TMP/out")"; continue; fi
  if wait_for 10000 converged && wait_for 10000 wanted_up_is_up; then ok 0 "$log: one pass converges"
  else ok 1 "$log: one pass converges"; diag "$CONV_WHY"; fi
done
diag "$PASSES interrupted passes ($KILLED killed before they ended) in $ROUNDS rounds"
hr -q plan
is "$?" 0 "plan: nothing pending after the last round"
done_testing
