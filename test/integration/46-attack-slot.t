#!/usr/bin/env bash
# 46-attack-slot.t: the hermes user attacks the scandir and the slots of a root pass (SPEC 11.1-11.4,
# 11.6), each attack played as the unprivileged test user against a real s6-svscan.
#
# For each: nothing is written through, no command runs past its guard (timeout $GUARD s: a
# regression fails instead of hanging), the next ordinary pass converges (one supervisor per slot,
# no staging or tombstone left), no secret is derivable, input that is refused is refused clearly.
#
#  1 a planted control link in a former-layout slot (hermes-owned supervise/, control 0660), removed
#  2 the same link in a former-layout slot kept: adopted, control replaced, supervisor restarted
#  3 a FIFO planted as supervise/lock      4 a FIFO planted as supervise/status
#  5 a deep directory chain and many files in event/, then the profile removed
#  6 the record's digest: a user outside G cannot read the record (nor test a guess of [env])
#  7 gateway_state.json as a link to a root-only file saying running: the slot starts down
#  8 a SIGTERM-ignoring gateway restarted, then removed: k, exit 0
#  9 a restart past --timeout with a gateway that exits 0 on SIGTERM only slowly
# Our own:
# 10 gateway_state.json as a FIFO              11 a profile home that is a link
# 12 a hard link of a root FIFO as supervise/control (adoption must not chmod root's object)
# 13 a link planted as supervise/status.new (s6-supervise, root, would write through it)
# 14 control swapped between a FIFO and a link in a loop while passes run (check vs use race)
# 15 a full file system under the tombstone (a small tmpfs scandir)
# 16 a FIFO as lock in a slot being removed: the tombstone still goes
# 17 a SIGTERM-ignoring gateway behind a planted control link, removed: killed through /proc
# 18 a removed gateway outliving the pass: status lists it as removing; the next pass ends it
#
# HR_ATTACK_GUARD (default 120) is the per-command guard in seconds; HR_ATTACK_ONLY="N..." plays
# only sections N (3 covers attacks 3 and 4).
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
command -v perl >/dev/null || skip_all "no perl"
# slot_field FILE SLOT FIELD...: the FIELDs of status --json's slot SLOT, comma-separated as true,
# false, null or the value; one line per slot of that name.
slot_field() {
  local file=$1 slot=$2
  shift 2
  # shellcheck disable=SC2016  # perl code
  json_get "$file" 'my @f = qw('"$*"'); join "\n", map { my $s = $_; join ",", map { my $v = $s->{$_};
    !defined $v ? "null" : JSON::PP::is_bool($v) ? ($v ? "true" : "false") : $v } @f }
    grep { $_->{slot} eq "'"$slot"'" } @{$j->{slots}}'
}
HR_TIMEOUT=10000
# Every process here gets the soft descriptor limit of a docker container's processes: a delete
# that needs a descriptor per level would run out in a chain deeper than that.
ulimit -Sn 1024
rel_setup 500
# SPEC 11.7: the event directories follow fs.protected_*; here, as on a kernel left at its defaults
mkdir "$TMP/procfs" && echo 0 >"$TMP/procfs/protected_symlinks" && echo 0 >"$TMP/procfs/protected_hardlinks"
export HERMES_RECONCILE_PROC_FS=$TMP/procfs
# events_public 1|0: what the next pass reads from fs.protected_symlinks and fs.protected_hardlinks
events_public() { echo "$1" >"$TMP/procfs/protected_symlinks"; echo "$1" >"$TMP/procfs/protected_hardlinks"; }
HRC=("$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t "$HR_TIMEOUT")
GUARD=${HR_ATTACK_GUARD:-120}
ATTACKS=0

# g CMD...: hermes-reconcile CMD under the guard; RC, and stdout/stderr in $TMP/out, $TMP/err.
g() {
  timeout "$GUARD" "${HRC[@]}" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}
attack() { ATTACKS=$((ATTACKS + 1)); diag "attack $ATTACKS: $*"; }
# want N: run section N (HR_ATTACK_ONLY="N...": only those, e.g. to play one attack on an old binary)
want() { [ -z "${HR_ATTACK_ONLY:-}" ] || [[ " $HR_ATTACK_ONLY " == *" $1 "* ]]; }
settles() { if wait_for 10000 converged; then ok 0 "$*"; else ok 1 "$*"; diag "$CONV_WHY"; fi; }
# next_pass NAME: an ordinary pass ends with 0 and the scandir converges.
next_pass() {
  g -q apply
  is "$RC" 0 "$*: the next ordinary pass succeeds"
  [ "$RC" -eq 0 ] || diag "$(cat "$TMP/err")"
  settles "$*: converged, one supervisor each, no leftovers"
}
# kill_ours PID: SIGKILL a gateway a regression left running, if it still is one of this test's
# (its working directory is below $TMP), never a process that reused the pid.
kill_ours() { case $(readlink "/proc/$1/cwd" 2>/dev/null) in "$TMP"/*) kill -9 "$1" ;; esac; }
# victim NAME: a root-only file whose content and mode must not change.
victim() {
  printf 'root only\n' >"$TMP/$1"
  chmod 0600 "$TMP/$1"
  stat -c '%U %a %s' "$TMP/$1"
}
unchanged() { is "$(stat -c '%U %a %s' "$TMP/$1") $(cat "$TMP/$1")" "$2 root only" "$3"; }

# former NAME [STANDIN]: a slot laid out as the former Python code did: hermes-owned supervise/,
# control 0660, no record, no logger; then supervised and up, or, running a STANDIN of
# standin_gateway, ready (notification-fd 3). Its profile file says the same.
former() {
  local name=$1 prog=${2:-$GW} d="$SCANDIR/.former-$1"
  profile "$name" log=no program="$prog" ${2:+notify=3}
  mkdir -p "$d/event" "$d/supervise"
  printf 'longrun\n' >"$d/type"
  [ -z "${2:-}" ] || printf '3\n' >"$d/notification-fd"
  printf '#!/bin/sh\nexec %s/s6-setuidgid %s %s\n' "$BINDIR" "$TEST_USER" "$prog" >"$d/run"
  chmod 0755 "$d/run"
  mkfifo "$d/supervise/control"
  chown -R "$TEST_USER:$TEST_GROUP" "$d/supervise"
  chmod 0755 "$d/supervise"
  chmod 0660 "$d/supervise/control"
  mv "$d" "$SCANDIR/gateway-$name"
  s6-svscanctl -a "$SCANDIR"
  if [ -n "${2:-}" ]; then gateway_ready "$SCANDIR/gateway-$name"; else wait_for 10000 is_up "$SCANDIR/gateway-$name"; fi
}

# --- 1. a planted control link, slot removed ---------------------------------------------------
if want 1; then
attack "control linked to a root-only file in a former-layout slot, profile removed"
former rm1
before=$(victim v1)
as_user sh -c "cd '$SCANDIR/gateway-rm1/supervise' && mv control control.real && ln -s '$TMP/v1' control"
rm "$CONF/rm1.ini"
g -q apply
ok "$([ "$RC" -ne 111 ] && echo 0 || echo 1)" "removal with a planted control link: no system failure (exit $RC)"
unchanged v1 "$before" "the root-owned target of the link is unchanged"
next_pass "planted link, removed"
fi

# --- 2. the same link in a slot that stays: adopted -------------------------------------------
if want 2; then
attack "control linked to a root-only file in a former-layout slot that is adopted"
former ad1
before=$(victim v2)
as_user sh -c "cd '$SCANDIR/gateway-ad1/supervise' && mv control control.real && ln -s '$TMP/v2' control"
g -q apply
ok "$([ "$RC" -eq 0 ] || [ "$RC" -eq 99 ] && echo 0 || echo 1)" "adoption with a planted control link ends (exit $RC)"
unchanged v2 "$before" "the root-owned target of the link is unchanged"
S=$SCANDIR/gateway-ad1
is "$(stat -c '%U %G %a %F' "$S/supervise" "$S/supervise/control" "$S/event" | tr '\n' ';')" \
  "root $TEST_GROUP 711 directory;root $TEST_GROUP 620 fifo;root root 3730 directory;" \
  "adopted: supervise/, control root's, group G, the modes of SPEC 4; event/ root's alone (SPEC 11.7, sysctls 0)"
ok "$([ ! -e "$S/supervise/control.real" ] && echo 0 || echo 1)" "what the user left in supervise/ is gone"
next_pass "planted link, adopted"
wait_for 10000 is_up "$S"
ok $? "the adopted gateway runs under a fresh supervisor"
s6-svc -d "$S" && wait_for 10000 sh -c "! s6-svstat -o up '$S' | grep -qx true"
ok $? "and obeys s6-svc -d through the new control FIFO"
s6-svc -u "$S"
fi

# --- 3, 4. a FIFO as supervise/lock, as supervise/status ---------------------------------------
if want 3; then
for f in lock status; do
  attack "a FIFO planted as supervise/$f"
  former "fifo$f"
  as_user sh -c "cd '$SCANDIR/gateway-fifo$f/supervise' && mv $f $f.real && mkfifo $f"
  for c in plan status apply; do
    g -q "$c"
    ok "$([ "$RC" -ne 124 ] && [ "$RC" -ne 111 ] && echo 0 || echo 1)" "FIFO as $f: $c ends (exit $RC, not a hang)"
  done
  next_pass "FIFO as $f"
done
fi

# --- 5. a deep chain and many files in event/ --------------------------------------------------
if want 5; then
attack "5000 nested directories and 5000 files in event/, then the profile removed"
profile deep
events_public 1  # its event/ open to the group, as where the kernel protects links
g -q apply
is "$RC" 0 "slot deep published"
# shellcheck disable=SC2016  # perl code
as_user perl -e 'chdir $ARGV[0] or die "$!";
  for (1..5000) { open my $f, ">", "f$_" or die "$!" }
  for (1..5000) { mkdir "d" or die "$!"; chdir "d" or die "$!" }' "$SCANDIR/gateway-deep/event"
ok $? "the user built the chain"
rm "$CONF/deep.ini"
# (a generous --timeout: what is asserted is that it ends, not how fast; the guard still bounds it)
g -t 100000 -q apply
is "$RC" 0 "the tombstone is deleted whatever the depth (exit 0)"
[ "$RC" -eq 0 ] || diag "$(head -c 400 "$TMP/err")"
next_pass "deep chain"
fi

# --- 6. the record's digest ----------------------------------------------------------------------
if want 6; then
attack "a user outside G tests a guess of a 4-digit [env] value against the slot record"
profile pin
printf '[env]\nPIN = 4821\n' >>"$CONF/pin.ini"
g -q apply
is "$RC" 0 "slot pin published"
REC=$SCANDIR/gateway-pin/.hermes-reconcile
outsider() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
ok "$(outsider cat "$REC" >/dev/null 2>&1 && echo 1 || echo 0)" "nobody (outside G) cannot read the record: no guess can be tested"
ok "$(outsider cat "$SCANDIR/gateway-pin/env/PIN" >/dev/null 2>&1 && echo 1 || echo 0)" "(nor env/PIN)"
is "$(stat -c '%U %G %a' "$REC")" "root $TEST_GROUP 640" "the record is root's, group G, 0640"
timeout "$GUARD" setpriv --reuid=65534 --regid=65534 --clear-groups -- "${HRC[@]}" --json status >"$TMP/out" 2>"$TMP/err"
is "$(slot_field "$TMP/out" gateway-pin pending)" null \
  "status run by nobody: pending null for a slot whose record it cannot read"
timeout "$GUARD" setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --init-groups -- "${HRC[@]}" --json status >"$TMP/out" 2>"$TMP/err"
is "$(slot_field "$TMP/out" gateway-pin pending)" false "status run by a member of G: pending false"
fi

# --- 7. gateway_state.json linked to a root-only file ------------------------------------------
if want 7; then
attack "gateway_state.json as a link to a root-only file saying running"
profile st autostart=state
printf '{"gateway_state": "running"}\n' >"$TMP/rootstate"
chmod 0600 "$TMP/rootstate"
chown "$TEST_USER" "$HH/profiles/st"
as_user ln -s "$TMP/rootstate" "$HH/profiles/st/gateway_state.json"
g -q apply
is "$RC" 0 "slot st published"
ok "$([ -e "$SCANDIR/gateway-st/down" ] && echo 0 || echo 1)" "the link is not followed: the slot starts down"
settles "state link: converged"
fi

# --- 8. a SIGTERM-ignoring gateway, restarted then removed --------------------------------------
if want 8; then
attack "a gateway that ignores SIGTERM, restarted then removed"
standin_gateway "$TMP/gw-deaf" ''
profile deaf program="$TMP/gw-deaf" notify=3
g -q apply
gateway_ready "$SCANDIR/gateway-deaf"
ok $? "gateway deaf up, its SIGTERM ignored (ready)"
pid1=$(s6-svstat -o pid "$SCANDIR/gateway-deaf")
at_exit "kill_ours $pid1"
sed -i 's|^\[gateway\]$|[gateway]\nargs = --edited|' "$CONF/deaf.ini"
g -q apply
is "$RC" 0 "restart of a SIGTERM-ignoring gateway: k after the timeout, exit 0"
gateway_ready "$SCANDIR/gateway-deaf"
pid2=$(s6-svstat -o pid "$SCANDIR/gateway-deaf")
at_exit "kill_ours $pid2"
ok "$([ "$pid1" != "$pid2" ] && ! kill -0 "$pid1" 2>/dev/null && echo 0 || echo 1)" "the old gateway is gone, a new one runs"
rm "$CONF/deaf.ini"
g -q apply
is "$RC" 0 "removal of a SIGTERM-ignoring gateway: k, exit 0 (not 99 for ever)"
ok "$(! kill -0 "$pid2" 2>/dev/null && echo 0 || echo 1)" "the gateway is gone"
next_pass "SIGTERM ignored"
fi

# --- 9. a restart past --timeout -----------------------------------------------------------------
if want 9; then
attack "a restart past --timeout with a gateway that exits 0 on SIGTERM only slowly"
standin_gateway "$TMP/gw-slow" "while [ ! -e $TMP/slow-go ] && [ -d $TMP ]; do sleep 0.1; done; kill \$child; exit 0"
at_exit "touch '$TMP/slow-go'"
profile slow program="$TMP/gw-slow" notify=3
sed -i 's|^\[gateway\]$|[gateway]\ntimeout_kill = 600000|' "$CONF/slow.ini"
g -q apply
gateway_ready "$SCANDIR/gateway-slow"
ok $? "gateway slow up, its SIGTERM trap set (ready)"
sed -i 's|^\[gateway\]$|[gateway]\nargs = --edited|' "$CONF/slow.ini"
g -q apply
is "$RC" 99 "the restart runs past --timeout: exit 99"
is "$(s6-svstat -o up,wantedup "$SCANDIR/gateway-slow")" "true false" "still up, and no u sent: wanted down"
ok "$([ -e "$SCANDIR/gateway-slow/.hermes-reconcile.restart" ] && echo 0 || echo 1)" "its restart record is kept"
g --json status
is "$(slot_field "$TMP/out" gateway-slow pending)" true "status shows the slot pending"
touch "$TMP/slow-go"
wait_for 10000 sh -c "s6-svstat -o up,wantedup '$SCANDIR/gateway-slow' | grep -qx 'false false'"
ok $? "once it exits 0 it is down and stays down until a pass completes the restart"
g -q apply
is "$RC" 0 "the next pass completes the restart"
wait_for 10000 is_up "$SCANDIR/gateway-slow"
ok $? "and the gateway ends up"
ok "$([ ! -e "$SCANDIR/gateway-slow/.hermes-reconcile.restart" ] && echo 0 || echo 1)" "the record is gone once the restart is complete"
rm -f "$TMP/slow-go"
next_pass "slow restart"
fi

# --- 10. gateway_state.json as a FIFO ------------------------------------------------------------
if want 10; then
attack "gateway_state.json as a FIFO"
profile stf autostart=state
chown "$TEST_USER" "$HH/profiles/stf"
as_user mkfifo "$HH/profiles/stf/gateway_state.json"
g -q apply
is "$RC" 0 "a FIFO as the state file: no hang, exit 0"
ok "$([ -e "$SCANDIR/gateway-stf/down" ] && echo 0 || echo 1)" "the slot starts down"
fi

# --- 11. a profile home that is a link ----------------------------------------------------------
if want 11; then
attack "a profile home that is a symbolic link"
profile hl
sed -i "s|^\[profile\]$|[profile]\nhome = $HH/profiles/hl-link|" "$CONF/hl.ini"
mkdir -p "$TMP/roothome"
chmod 0700 "$TMP/roothome"
chown "$TEST_USER" "$HH/profiles"
as_user ln -s "$TMP/roothome" "$HH/profiles/hl-link"
g -q apply
is "$RC" 1 "a home that is a link: exit 1"
# SPEC 11.11, 11.12: a link counts as missing, with the same message as a home that is not there
like "$(cat "$TMP/err")" "hl.ini: home $HH/profiles/hl-link does not exist" "with the FILE: home DIR error of a missing home"
ok "$([ ! -e "$SCANDIR/gateway-hl" ] && echo 0 || echo 1)" "no slot published"
rm "$CONF/hl.ini"
fi

# --- 12. hard links into supervise/ ------------------------------------------------------------
if want 12; then
attack "hard links of root-owned objects into a former-layout slot's supervise/"
former hard
mkfifo -m 0666 "$SCANDIR/.victim-fifo"
printf 'root file\n' >"$SCANDIR/.victim-file"
chmod 0666 "$SCANDIR/.victim-file"
as_user ln "$SCANDIR/.victim-fifo" "$SCANDIR/gateway-hard/supervise/control.x" 2>/dev/null
ok "$([ ! -e "$SCANDIR/gateway-hard/supervise/control.x" ] && echo 0 || echo 1)" \
  "(the kernel refuses a hard link of root's FIFO: protected_hardlinks)"
as_user sh -c "cd '$SCANDIR/gateway-hard/supervise' && rm -f death_tally && ln '$SCANDIR/.victim-file' death_tally"
ok $? "the user hard-links a root-owned 0666 file as supervise/death_tally"
g -q apply
is "$(stat -c '%U %G %a %h' "$SCANDIR/.victim-fifo" "$SCANDIR/.victim-file" | tr '\n' ';')" "root root 666 1;root root 666 1;" \
  "adoption leaves root's objects alone: the hard link is removed, not chmodded"
next_pass "hard link"
fi

# --- 13. a link as supervise/status.new ----------------------------------------------------------
if want 13; then
attack "a link planted as supervise/status.new"
former snew
before=$(victim v13)
as_user ln -s "$TMP/v13" "$SCANDIR/gateway-snew/supervise/status.new"
g -q apply
s6-svc -r "$SCANDIR/gateway-snew" 2>/dev/null
wait_for 10000 is_up "$SCANDIR/gateway-snew"
unchanged v13 "$before" "adoption removed the planted status.new before s6-supervise wrote through it"
next_pass "status.new link"
fi

# --- 14. control swapped in a loop while passes run ----------------------------------------------
if want 14; then
attack "control swapped between the FIFO and a link in a loop while passes adopt and remove the slot"
former race
before=$(victim v14)
mkdir -p "$TMP/racer"
chown "$TEST_USER" "$TMP/racer"
as_user sh -c "cd '$SCANDIR/gateway-race/supervise' && ln -s '$TMP/v14' link && mkfifo fifo"
ok $? "the racer's link and FIFO are in place before the pass"
as_user sh -c "cd '$SCANDIR/gateway-race/supervise' && touch '$TMP/racer/on' &&
  while [ ! -e '$TMP/race-stop' ]; do mv -f link control 2>/dev/null; ln -sf '$TMP/v14' link 2>/dev/null;
  mv -f fifo control 2>/dev/null; mkfifo fifo 2>/dev/null; done" &
RACER=$!
wait_for 10000 test -e "$TMP/racer/on"
ok $? "the racer runs (until the pass takes supervise/ away from it)"
g -q apply
rc1=$RC
rm "$CONF/race.ini"
g -q apply
rc2=$RC
touch "$TMP/race-stop"
wait "$RACER"
ok "$([ "$rc1" -ne 124 ] && [ "$rc2" -ne 124 ] && echo 0 || echo 1)" "passes under the race end ($rc1, $rc2)"
unchanged v14 "$before" "the root-owned target of the racing link is unchanged"
rm -f "$TMP/race-stop"
next_pass "race"
fi

# --- 16. a FIFO as lock in a slot being removed ---------------------------------------------------
if want 16; then
attack "a FIFO as supervise/lock in a former-layout slot being removed"
former lockrm
as_user sh -c "cd '$SCANDIR/gateway-lockrm/supervise' && mv lock lock.real && mkfifo lock"
rm "$CONF/lockrm.ini"
g -q apply
ok "$([ "$RC" -ne 124 ] && [ "$RC" -ne 111 ] && echo 0 || echo 1)" "removal ends (exit $RC)"
next_pass "FIFO lock removed"
fi

# --- 17. a deaf gateway behind a planted control link, removed ----------------------------------
if want 17; then
attack "a SIGTERM-ignoring gateway in a former-layout slot whose control is a link, removed"
standin_gateway "$TMP/gw-deaf2" ''
former deaf2 "$TMP/gw-deaf2"
before=$(victim v17)
pid=$(s6-svstat -o pid "$SCANDIR/gateway-deaf2")
at_exit "kill_ours $pid"
as_user sh -c "cd '$SCANDIR/gateway-deaf2/supervise' && mv control control.real && ln -s '$TMP/v17' control"
rm "$CONF/deaf2.ini"
g -q apply
is "$RC" 0 "removed: the gateway is killed without its control FIFO, exit 0"
ok "$(! kill -0 "$pid" 2>/dev/null && echo 0 || echo 1)" "the gateway is gone"
unchanged v17 "$before" "the root-owned target of the link is unchanged"
next_pass "deaf gateway behind a link"
fi

# --- 18. a slot still going away is listed as removing ----------------------------------------
if want 18; then
attack "a removed gateway that ignores SIGTERM and whose timeout_kill outlasts the pass"
standin_gateway "$TMP/gw-deaf3" ''
profile gone program="$TMP/gw-deaf3" notify=3
sed -i 's|^\[gateway\]$|[gateway]\ntimeout_kill = 600000|' "$CONF/gone.ini"
g -q apply
gateway_ready "$SCANDIR/gateway-gone"
ok $? "gateway gone up, its SIGTERM ignored (ready)"
pid=$(s6-svstat -o pid "$SCANDIR/gateway-gone")
at_exit "kill_ours $pid"
rm "$CONF/gone.ini"
g -q apply
is "$RC" 99 "the pass stops waiting at --timeout (s6 kills it only after timeout_kill): exit 99"
g --json status
is "$(slot_field "$TMP/out" gateway-gone removing supervised)" true,true \
  "status lists the slot still going away: removing true, supervised"
g status
like "$(cat "$TMP/out")" "gateway-gone .*removing" "and marks it in text"
next_pass "going away"
ok "$(! kill -0 "$pid" 2>/dev/null && echo 0 || echo 1)" "the next pass sent k: the gateway is gone"
fi

# --- 15. a full file system under the tombstone (last: it shrinks the scandir) -------------------
if want 15; then
attack "a full file system under the tombstone"
profile full
events_public 1  # its event/ open to the group, as where the kernel protects links
g -q apply
is "$RC" 0 "slot full published"
if mount -o remount,size=4m "$SCANDIR" 2>/dev/null; then
  as_user sh -c "dd if=/dev/zero of='$SCANDIR/gateway-full/event/fill' bs=64k 2>/dev/null; mkdir -p '$SCANDIR/gateway-full/event/a/b/c'; :"
  ok "$(df -P "$SCANDIR" | awk 'NR == 2 { exit !($4 < 64) }'; echo $?)" "the scandir is full"
  rm "$CONF/full.ini"
  g -q apply
  is "$RC" 0 "the tombstone is deleted on a full file system"
  [ "$RC" -eq 0 ] || diag "$(head -c 400 "$TMP/err")"
  next_pass "full file system"
else
  ok 0 "# SKIP cannot resize the scandir's tmpfs"
fi
fi

diag "$ATTACKS attacks played"
done_testing
