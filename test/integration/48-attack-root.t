#!/usr/bin/env bash
# 48-attack-root.t: the hermes user against what root does around a pass (SPEC 11.7, 11.9, 11.11),
# each attack played as the unprivileged test user against a real s6-svscan.
#
#  1 links named like a listener's FIFO in a slot's event/ and log/event/ (s6-supervise, root, opens
#    them for writing when the service changes state): to a root-only file, to another slot's
#    supervise/control (symbolic and hard). Played with fs.protected_symlinks/hardlinks read as 1
#    (event dirs public 01733: the kernel must then refuse root the links, so the real sysctls are
#    set to 1 for that round and restored after) and as 0 (event dirs root's alone). Each round
#    starts from a slot as the former code left it (event/ 03730, group G, links planted): the next
#    pass converts it in place. Nothing is written through; status says which way it went. Then the
#    same in a slot whose profile is removed (the pass's d makes s6-supervise announce).
#  2 a profile whose home is inside a 0700 root directory, once existing and once not: the output
#    is the same (root does not tell the user what exists where it cannot look); the same for a home
#    that is itself root's 0700; a home that is a link is reported as a missing one.
#  3 a client whose stdout is a full pipe nobody reads runs a pass: a second pass started meanwhile
#    gets the lock, and the first ends, exit 111, within its --timeout.
#
# HR_ATTACK_GUARD (default 120) is the per-command guard in seconds.
# shellcheck disable=SC2317,SC2016  # functions called through wait_for; perl code in single quotes
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/4-common.sh
. "$HERE/4-common.sh"
command -v perl >/dev/null || skip_all "no perl"
HR_TIMEOUT=3000
rel_setup 500
hr_reachable
HRC=("$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t "$HR_TIMEOUT")
GUARD=${HR_ATTACK_GUARD:-120}
mkdir "$TMP/procfs"
export HERMES_RECONCILE_PROC_FS=$TMP/procfs
# events_public 1|0: what the next pass reads from fs.protected_symlinks and fs.protected_hardlinks
events_public() { echo "$1" >"$TMP/procfs/protected_symlinks"; echo "$1" >"$TMP/procfs/protected_hardlinks"; }

# g CMD...: hermes-reconcile CMD under the guard; RC, and stdout/stderr in $TMP/out, $TMP/err.
g() {
  timeout "$GUARD" "${HRC[@]}" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}
attack() { diag "attack: $*"; }
# victim NAME: a root-only file whose content and mode must not change.
victim() {
  printf 'root only\n' >"$TMP/$1"
  chmod 0600 "$TMP/$1"
}
unchanged() { is "$(stat -c '%U %a %s' "$TMP/$1") $(cat "$TMP/$1")" "root 600 10 root only" "$2"; }
# listener NAME-CHAR: a name s6-supervise writes to: ftrig1:@ and 31 more characters
listener() { printf 'ftrig1:@%s' "$(printf "%031d" 0 | tr 0 "$1")"; }
# plant DIR VICTIM OTHER-SLOT: as the test user, every link it can make in the event dir DIR.
plant() {
  as_user ln -s "$TMP/$2" "$1/$(listener a)" 2>/dev/null
  as_user ln -s "$3/supervise/control" "$1/$(listener b)" 2>/dev/null
  as_user ln "$3/supervise/control" "$1/$(listener c)" 2>/dev/null
  :
}
# others DIR: the entries of DIR that are not FIFOs (what a converted event dir must not hold)
others() { find "$1" -mindepth 1 ! -type p | wc -l; }
down_up() {
  s6-svc -d "$1" && wait_for 10000 sh -c "! s6-svstat -o up '$1' | grep -qx true" &&
    s6-svc -u "$1" && wait_for 10000 is_up "$1"
}
pid_of() { s6-svstat -o pid "$1"; }
status_field() { json_get "$TMP/st.json" "$1"; }

# --- 1. listener-named links in event/, both ways ----------------------------------------------
SYSCTL=/proc/sys/fs
ORIG_SYM=$(cat "$SYSCTL/protected_symlinks") ORIG_HARD=$(cat "$SYSCTL/protected_hardlinks")
restore_sysctls() { echo "$ORIG_SYM" >"$SYSCTL/protected_symlinks"; echo "$ORIG_HARD" >"$SYSCTL/protected_hardlinks"; }
at_exit restore_sysctls
for m in 1 0; do
  if [ "$m" = 1 ] && ! { echo 1 >"$SYSCTL/protected_symlinks" && echo 1 >"$SYSCTL/protected_hardlinks"; } 2>/dev/null; then
    restore_sysctls
    ok 0 "# SKIP the kernel's link protection cannot be switched on here: public event dirs not played"
    continue
  fi
  want=$([ "$m" = 1 ] && echo "public" || echo "root")
  attack "links planted in event/ and log/event/, sysctls read as $m ($want)"
  events_public "$m"
  profile "a$m"
  profile "b$m"
  g -q apply
  is "$RC" 0 "[$want] slots a$m and b$m published"
  A=$SCANDIR/gateway-a$m B=$SCANDIR/gateway-b$m
  wait_for 10000 is_up "$A" && wait_for 10000 is_up "$B"
  # the slot as the former code left it: event dirs 03730 group G, links planted by the group, and
  # a record (version 2) that does not say for which policy they were made
  for d in "$A/event" "$A/log/event"; do
    chgrp "$TEST_GROUP" "$d" && chmod 03730 "$d"
    victim "v$m"
    plant "$d" "v$m" "$B"
  done
  sed -i -e '1s/ 3$/ 2/' -e '/^events /d' "$A/.hermes-reconcile"
  as_user mkdir -p "$A/event/deep/er"
  ok "$([ "$(others "$A/event")" -ge 3 ]; echo $?)" "[$want] the group planted links in the former event/"
  g -q apply
  is "$RC" 0 "[$want] the next pass ends (exit $RC)"
  mode=$([ "$m" = 1 ] && echo 1733 || echo 3730)
  is "$(stat -c '%U %G %a' "$A/event" "$A/log/event" | tr '\n' ';')" "root root $mode;root root $mode;" \
    "[$want] event/ and log/event/ converted in place: root's, $mode"
  is "$(others "$A/event") $(others "$A/log/event")" "0 0" "[$want] and emptied of what was planted there"
  # planted again, where the user still can
  for d in "$A/event" "$A/log/event"; do plant "$d" "v$m" "$B"; done
  if [ "$m" = 0 ]; then
    is "$(others "$A/event") $(others "$A/log/event")" "0 0" "[$want] the group can plant nothing any more"
  else
    ok "$([ "$(others "$A/event")" -ge 1 ]; echo $?)" "[$want] the user planted links again (the kernel must refuse root them)"
  fi
  bpid=$(pid_of "$B")
  down_up "$A"
  ok $? "[$want] the gateway went down and up (s6-supervise announced both)"
  down_up "$A/log"
  ok $? "[$want] its logger too"
  unchanged "v$m" "[$want] the root-only file behind the links is unchanged"
  is "$(pid_of "$B") $(s6-svstat -o wantedup "$B")" "$bpid true" \
    "[$want] the other slot got no command through its control (same gateway, still wanted up)"
  "${HRC[@]}" --json status >"$TMP/st.json" 2>/dev/null
  is "$(status_field '$j->{events}') $(status_field '$j->{protected_symlinks}') $(status_field '$j->{protected_hardlinks}')" \
    "$want $m $m" "[$want] status --json: events, and the two sysctls"
  is "$(status_field 'join " ", map { $_->{events_ok} ? "yes" : "no" } @{$j->{slots}}')" "yes yes" \
    "[$want] status --json: every slot's event dirs as wanted"
  as_user "${HRC[@]}" --json status >"$TMP/st.json" 2>/dev/null
  is "$(status_field 'join " ", map { $_->{events_ok} ? "yes" : "no" } @{$j->{slots}}')" "yes yes" \
    "[$want] status --json run by the user says the same"
  g status
  like "$(tail -n 1 "$TMP/out")" "^events: $want \\(fs.protected_symlinks $m, fs.protected_hardlinks $m\\)" \
    "[$want] status: one line says which way"
  rm "$CONF/a$m.ini" "$CONF/b$m.ini"
  g -q apply
  is "$RC" 0 "[$want] the slots removed"

  attack "links planted in a former event/, sysctls read as $m ($want), the profile removed"
  profile "r$m"
  profile "c$m"
  g -q apply
  R=$SCANDIR/gateway-r$m C=$SCANDIR/gateway-c$m
  wait_for 10000 is_up "$R" && wait_for 10000 is_up "$C"
  victim "w$m"
  # changed behind the record's back (it says they were made for this policy): a pass that commands
  # the slot looks at them all the same
  chgrp "$TEST_GROUP" "$R/event" && chmod 03730 "$R/event"
  plant "$R/event" "w$m" "$C"
  cpid=$(pid_of "$C")
  rm "$CONF/r$m.ini"
  g -q apply
  is "$RC" 0 "[$want] the removal ends (exit $RC)"
  unchanged "w$m" "[$want] the removal's d did not write through: the root-only file is unchanged"
  is "$(pid_of "$C") $(s6-svstat -o wantedup "$C")" "$cpid true" "[$want] nor into the other slot's control"
  rm "$CONF/c$m.ini"
  g -q apply
  restore_sysctls
done

# --- 2. a home inside a 0700 root directory ----------------------------------------------------
attack "a profile whose home is in a 0700 root directory, existing and not"
# home_hidden HOME MODE WHAT: profile hid's home is HOME, a directory made with MODE (and the test
# user's when MODE is 0755), then removed: apply says the same both times, that it does not exist.
home_hidden() {
  local first
  sed -i "s|^home = .*|home = $1|" "$CONF/hid.ini"
  mkdir -m "$2" "$1"
  [ "$2" != 0755 ] || chown "$TEST_USER" "$1"
  g apply
  first="$RC|$(cat "$TMP/out")|$(cat "$TMP/err")"
  rmdir "$1"
  g apply
  is "$RC|$(cat "$TMP/out")|$(cat "$TMP/err")" "$first" "$3: the same exit code, stdout and stderr as no home"
  like "$first" "hid.ini: home $1 does not exist" "$3: FILE: home DIR does not exist"
}
mkdir -m 0700 "$TMP/rootonly"
profile hid
sed -i "s|^\[profile\]$|[profile]\nhome = $TMP/rootonly/home|" "$CONF/hid.ini"
home_hidden "$TMP/rootonly/home" 0755 "a home inside a 0700 root directory"
ok "$([ ! -e "$SCANDIR/gateway-hid" ]; echo $?)" "no slot for a home the gateway's user cannot enter"
home_hidden "$TMP/locked" 0700 "a home that is itself root's 0700 (reachable, not enterable)"
sed -i "s|^home = .*|home = $TMP/rootonly/home|" "$CONF/hid.ini"
chmod 0755 "$TMP/rootonly"
mkdir "$TMP/rootonly/home"
chown "$TEST_USER" "$TMP/rootonly/home"
g -q apply
is "$RC" 0 "once the user can reach it, the profile is published"
ln -s "$TMP/rootonly/home" "$TMP/homelink"
sed -i "s|^home = .*|home = $TMP/homelink|" "$CONF/hid.ini"
g apply
like "$(cat "$TMP/err")" "hid.ini: home $TMP/homelink does not exist" "a home that is a link: reported as missing"
rm "$CONF/hid.ini"
g -q apply

# --- 3. a client that never reads its stdout ---------------------------------------------------
attack "a pass whose stdout is a full pipe nobody reads"
profile lk
mkfifo "$TMP/full"
# The pass's stdout and stderr: a FIFO it holds open itself (so never without a reader), filled to
# the brim first, and blocking again, as a client's pipe that s6-sudod hands to the root pass.
timeout "$GUARD" perl -MFcntl -e '
  sysopen(my $f, shift, O_RDWR | O_NONBLOCK) or die "$!";
  1 while syswrite($f, "x" x 4096);
  fcntl($f, F_SETFL, O_RDWR) or die "$!";
  open(STDOUT, ">&", $f) or die "$!"; open(STDERR, ">&", $f) or die "$!";
  exec @ARGV or die "$!"' "$TMP/full" "$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 4000 -v apply &
P1=$!
# the pass itself, once it is done with the scandir and stuck with its report
writing() {
  local p
  p=$(pgrep -P "$P1") || return 1
  grep -Eq 'pipe_write|poll' "/proc/$p/wchan" 2>/dev/null
}
wait_for 30000 writing
ok $? "the first pass is at its report"
g -q apply
is "$RC" 0 "a second pass started meanwhile gets the lock (exit $RC, not 111)"
wait "$P1"
is "$?" 111 "the first pass ends within its bound: exit 111, its report not taken"
rm "$CONF/lk.ini"
g -q apply
is "$RC" 0 "the next ordinary pass"

done_testing
