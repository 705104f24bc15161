#!/usr/bin/env bash
# 32-watch-discover.t: watch and SPEC 10. A profile directory made by the hermes user (here the
# test user: mkdir, then SOUL.md) gets a supervised slot, up or down as its gateway_state.json says;
# deleting it removes the slot; profiles/ itself may appear after the watch started; a profile
# skipped for a missing home is published once the home exists. Every event is waited for with a
# bound, never a fixed sleep.
# shellcheck disable=SC2317  # functions called through wait_for
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

rmdir "$HH/profiles"            # profiles/ appears later
printf '{"gateway_state": "running"}\n' >"$HH/gateway_state.json"
chown "$TEST_UID:$TEST_GID" "$HH/gateway_state.json"
discovery_defaults

ERRW=$TMP/watch.err
READY=$TMP/watch.ready
start_watch "$CFG" "$HH"
gone() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
down_supervised() { supervised "$1" && [ "$(s6-svstat -o up,wantedup "$1")" = "false false" ]; }

wait_for 20000 test -s "$READY"
ok $? "the watch is ready"
wait_for 10000 rec_is_current default
ok $? "gateway-default is up: discovery on, its gateway_state.json says running"

# --- profiles/ appears, then a profile directory in it, as the hermes user -------------------------
as_user mkdir "$HH/profiles"
as_user mkdir "$HH/profiles/alpha"
as_user sh -c "printf '{\"gateway_state\": \"running\"}\n' >'$HH/profiles/alpha/gateway_state.json'"
as_user sh -c "echo '# soul' >'$HH/profiles/alpha/SOUL.md'"
wait_for 20000 rec_is_current alpha
ok $? "profiles/ and alpha/ made after the watch started, then SOUL.md: gateway-alpha supervised and up"

as_user mkdir "$HH/profiles/beta"
as_user mkdir "$HH/profiles/sync"
as_user sh -c "echo '# soul' >'$HH/profiles/sync/SOUL.md'"
wait_for 20000 supervised "$(slot sync)"
ok "$(test -e "$(slot beta)"; echo $((!$?)))" "a directory without SOUL.md gets no slot (a later one did)"
as_user sh -c "echo '# soul' >'$HH/profiles/beta/SOUL.md'"
wait_for 20000 down_supervised "$(slot beta)"
ok $? "SOUL.md written: gateway-beta supervised and down (no gateway_state.json)"

# --- deleting a profile directory, or its SOUL.md, removes its slot ---------------------------------
as_user rm "$HH/profiles/beta/SOUL.md"
wait_for 20000 gone "$(slot beta)"
ok $? "SOUL.md deleted: gateway-beta removed"
as_user rm -rf "$HH/profiles/alpha"
wait_for 20000 gone "$(slot alpha)"
ok $? "profile directory deleted: gateway-alpha removed"

# --- a profile file whose home is missing is published once the home exists -----------------------
printf '[profile]\nhome = %s\n' "$TMP/later/home" >"$CFG/late.ini"
wait_for 20000 grep -q "late.ini: home $TMP/later/home does not exist" "$ERRW"
ok $? "a profile file with a missing home is reported"
mkdir -p "$TMP/later/home"
chown "$TEST_UID:$TEST_GID" "$TMP/later/home"
wait_for 20000 supervised "$(slot late)"
ok $? "its home made (two levels at once): gateway-late is supervised"

# --- a link in profiles/ is not a profile ------------------------------------------------------------
mkdir -p "$TMP/elsewhere/gamma" && echo '# soul' >"$TMP/elsewhere/gamma/SOUL.md"
as_user ln -s "$TMP/elsewhere/gamma" "$HH/profiles/gamma"
as_user mkdir "$HH/profiles/delta"
as_user sh -c "echo '# soul' >'$HH/profiles/delta/SOUL.md'"
wait_for 20000 supervised "$(slot delta)"
ok $? "gateway-delta supervised"
ok "$(test -e "$(slot gamma)"; echo $((!$?)))" "a link in profiles/ gets no slot"

kill -TERM "$WATCH_PID"
wait_for 10000 test -s "$TMP/watch.rc"
is "$(cat "$TMP/watch.rc" 2>/dev/null)" 0 "SIGTERM: exit 0"
done_testing
