#!/usr/bin/env bash
# 31-trigger.t: the unprivileged trigger. The real service run script
# (s6-overlay/s6-rc.d/hermes-reconcile-trigger/run: s6-ipcserver + s6-ipcserver-access +
# s6-sudod) serves a private socket, allowing the test user only; `hermes-reconcile apply` run as
# that user finds the scandir root's and gets a root pass through it, with the pass's output and
# exit code. Other users are refused, and so is every path, from the command line, the client's
# environment or raw s6-sudo arguments.
# shellcheck disable=SC2317  # functions called through wait_for
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/lib.sh
. "$HERE/../lib.sh"
need_root
[ -x "$HR" ] || { echo "Bail out! no hermes-reconcile at $HR"; exit 1; }
command -v s6-sudo >/dev/null || skip_all "no s6-sudo"
test_user
hr_reachable            # the client side runs it as the test user
s6_bindir
s6_start_scandir 500
SERVICE=$TOP/s6-overlay/s6-rc.d/hermes-reconcile-trigger
# The service finds hermes-reconcile on its PATH, the s6 bindir first: the binary under test.
ln -sf "$HR" "$BINDIR/hermes-reconcile"

CONF=$TMP/profiles.d
HHOME=$TMP/hermes-home
mkdir -p "$CONF" "$HHOME/profiles/a" "$HHOME/profiles/z"
chmod 0755 "$CONF" "$HHOME" "$HHOME/profiles"
gone() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
profile() { printf '[gateway]\nuser = %s\nautostart = no\n[log]\nenabled = no\n' "$TEST_USER"; }
profile >"$CONF/a.ini"

SOCK=$TMP/run/hermes-reconcile/trigger
mkdir -p "$TMP/run"
# The service, as s6 would run it: cwd its directory, fd 3 its notification-fd.
(
  cd "$SERVICE" &&
    HERMES_RECONCILE_TRIGGER=$SOCK HERMES_RECONCILE_TRIGGER_USER=$TEST_USER \
      HERMES_RECONCILE_CONFIG_DIR=$CONF S6_PROFILE_GATEWAY_SCANDIR=$SCANDIR HERMES_HOME=$HHOME \
      HERMES_RECONCILE_S6_BINDIR=$BINDIR \
      exec setsid sh ./run 3>"$TMP/trigger.ready" >"$TMP/trigger.log" 2>&1
) &
TRIGGER_PID=$!
at_exit "kill -- -$TRIGGER_PID"
wait_for 10000 test -s "$TMP/trigger.ready"
ok $? "the service is ready (a newline on its notification-fd) once the socket listens"
ok "$(test -S "$SOCK"; echo $?)" "the trigger socket exists"
is "$(stat -c '%U:%G %a' "${SOCK%/*}")" "root:$TEST_GROUP 750" "its directory is root:$TEST_GROUP 0750"

# client [setpriv options --] CMD...: run as the test user, with the trigger socket named.
client() {
  as_user env HERMES_RECONCILE_TRIGGER="$SOCK" HERMES_RECONCILE_S6_BINDIR="$BINDIR" \
    S6_PROFILE_GATEWAY_SCANDIR="$SCANDIR" "$@"
}

# --- the hermes user gets a root pass --------------------------------------------------------------
[ ! -e "$SCANDIR/gateway-a" ]
ok $? "before: no gateway-a"
out=$(client "$HR" apply 2>"$TMP/err"); rc=$?
is "$rc" 0 "apply as $TEST_USER: exit 0"
is "$out" "+ gateway-a
apply: 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped" "apply as $TEST_USER prints the pass's report"
ok "$(supervised "$SCANDIR/gateway-a"; echo $?)" "gateway-a is published and supervised"
is "$(stat -c %U "$SCANDIR/gateway-a/run")" root "the pass ran as root (the slot is root's)"
# s6-ipcserver-access -v2: "info: allow pid P uid U gid G": the allowed connection is the test user's.
accepted() { grep -qE "allow .*uid $TEST_UID( |\$)" "$TMP/trigger.log"; }
wait_for 5000 accepted
ok $? "the service logged the accepted connection of uid $TEST_UID" || diag "$(cat "$TMP/trigger.log")"
ok "$(grep -E 'allow ' "$TMP/trigger.log" | grep -vqE "uid $TEST_UID( |\$)" && echo 1 || echo 0)" \
  "... and allowed no other uid"

out=$(client "$HR" -q apply); rc=$?
is "$rc:$out" "0:" "-q is forwarded: nothing printed, exit 0"
out=$(client "$HR" --json apply); rc=$?
like "$out" '"format_version": ?1' "--json is forwarded: the pass prints JSON"
like "$out" '"action": ?"keep"' "... and the second pass keeps gateway-a"

printf '[gateway]\nno_such_key = 1\n' >"$CONF/bad.ini"
client "$HR" apply >/dev/null 2>"$TMP/err"; rc=$?
is "$rc" 1 "the pass's exit code comes back (1: an invalid file)"
like "$(cat "$TMP/err")" 'bad\.ini:2: ' "... and its errors reach the caller's stderr"
rm "$CONF/bad.ini"

# --- no path can be chosen by the client -------------------------------------------------------------
for opt in "-c $TMP" "-s $TMP" "-H $TMP" "-b $TMP" "-t 5"; do
  # shellcheck disable=SC2086  # option and value
  client "$HR" $opt apply >/dev/null 2>"$TMP/err"; rc=$?
  is "$rc" 100 "apply $opt as $TEST_USER: refused, exit 100"
done
like "$(cat "$TMP/err")" 'cannot be given through the trigger' "... saying why"

# The client's environment never reaches the pass: a config dir named there is not used.
mkdir -p "$TMP/evil"
profile >"$TMP/evil/z.ini"
client env HERMES_RECONCILE_CONFIG_DIR="$TMP/evil" HERMES_HOME="$TMP" "$HR" apply >/dev/null 2>&1
is "$?" 0 "apply with HERMES_RECONCILE_CONFIG_DIR in the client's environment: exit 0"
ok "$(gone "$SCANDIR/gateway-z"; echo $?)" "... and the service's config dir was used (no gateway-z)"

# Raw s6-sudo, bypassing hermes-reconcile: the server refuses every argument but -j/-q/-v.
rm "$CONF/a.ini"
for args in "-c $TMP/evil" "plan" "--config-dir=$TMP/evil" "apply"; do
  # shellcheck disable=SC2086  # the arguments
  client s6-sudo -e "$SOCK" $args >/dev/null 2>"$TMP/err"; rc=$?
  is "$rc" 100 "s6-sudo SOCK $args: refused by the server, exit 100"
done
like "$(cat "$TMP/err")" 'refused: the trigger takes no arguments' "... saying why"
ok "$(supervised "$SCANDIR/gateway-a"; echo $?)" "no pass ran for a refused request (gateway-a still there)"
client "$HR" apply >/dev/null; rc=$?
is "$rc" 0 "a plain apply still works"
ok "$(gone "$SCANDIR/gateway-a"; echo $?)" "... and removes gateway-a, its file gone"

# --- other users are refused ---------------------------------------------------------------------------
nobody_run() { setpriv --reuid=65534 --regid=65534 --clear-groups -- env HERMES_RECONCILE_TRIGGER="$SOCK" \
  S6_PROFILE_GATEWAY_SCANDIR="$SCANDIR" "$@"; }
profile >"$CONF/a.ini"
nobody_run "$HR" apply >/dev/null 2>"$TMP/err"; rc=$?
is "$rc" 111 "apply as nobody: exit 111"
like "$(cat "$TMP/err")" 'unable to reach the trigger socket .*: Permission denied' \
  "... the socket's directory keeps nobody out"
# nobody in the test user's group gets through the directory; the access rules refuse it.
setpriv --reuid=65534 --regid="$TEST_GID" --clear-groups -- s6-sudo -e "$SOCK" >/dev/null 2>"$TMP/err"; rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "nobody in group $TEST_GROUP: s6-sudo fails (exit $rc)"
wait_for 5000 grep -q "deny.*uid 65534\|uid 65534.*deny" "$TMP/trigger.log"
ok $? "... the service logged the denied connection"
ok "$(gone "$SCANDIR/gateway-a"; echo $?)" "no pass ran for another user (gateway-a not published)"

# --- without the service, and with a scandir of one's own --------------------------------------------
as_user env HERMES_RECONCILE_TRIGGER="$TMP/none/trigger" S6_PROFILE_GATEWAY_SCANDIR="$SCANDIR" \
  "$HR" apply >/dev/null 2>"$TMP/err"; rc=$?
is "$rc" 111 "no trigger service: exit 111"
is "$(cat "$TMP/err")" \
  "hermes-reconcile: fatal: the scandir is root's; run as root, or start the hermes-reconcile-trigger service" \
  "... saying what to do"
OWN=$TMP/own
mkdir -p "$OWN/scandir" "$OWN/profiles.d"
chown -R "$TEST_UID:$TEST_GID" "$OWN"
out=$(client "$HR" -c "$OWN/profiles.d" -s "$OWN/scandir" -H "$HHOME" apply 2>&1); rc=$?
is "$rc:$out" "0:apply: 0 added, 0 updated, 0 removed, 0 unchanged, 0 skipped" \
  "a scandir the caller can write: the pass runs directly, paths allowed"
out=$("$HR" -c "$CONF" -s "$SCANDIR" -H "$HHOME" -b "$BINDIR" apply 2>&1); rc=$?
is "$rc" 0 "root runs its pass directly, with its own paths"

done_testing
