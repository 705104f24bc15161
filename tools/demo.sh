#!/bin/sh
# demo.sh BINARY: run hermes-reconcile for real on a private s6-svscan, with the example profiles.
#
#   make demo        (sh tools/demo.sh ABS_PATH_OF_BINARY, as root)
#
# Everything lives under one temporary directory: a scandir (a tmpfs when it can be mounted) with
# its own s6-svscan, a stand-in for s6-overlay's /command, the container environment, the profile
# files (conf.d-examples/ with a stand-in gateway program) and the hermes home. The demo shows
# plan, apply and status, edits one profile and shows the in-place update, then a profile found on
# the hermes volume (SPEC 10: discovery, import, discovery off), then stops every process it
# started and removes the directory, also when it fails or is interrupted.
set -u

die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
header() { printf '\n=== %s\n' "$*"; }

[ $# -eq 1 ] || die "usage: sh tools/demo.sh ABS_PATH_OF_BINARY"
BIN=$1
case $BIN in /*) ;; *) die "the binary must be an absolute path: $BIN" ;; esac
[ -x "$BIN" ] || die "no executable at $BIN (make all)"
[ "$(id -u)" -eq 0 ] || die "run as root: the demo starts s6-svscan and drops to user hermes"
for p in s6-svscan s6-svscanctl s6-svstat s6-svwait s6-envdir; do
  command -v "$p" >/dev/null 2>&1 || die "no $p (make deps installs s6)"
done
REPO=$(cd "$(dirname "$0")/.." && pwd) || die "cannot find the repository"
[ -d "$REPO/conf.d-examples" ] || die "no $REPO/conf.d-examples"

# The gateways run as user hermes, as in the image (a system user, as mk/docs.mk creates it).
if ! getent passwd hermes >/dev/null; then
  echo "demo: useradd --system --user-group hermes"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hermes ||
    die "cannot create user hermes"
fi

D=$(mktemp -d /tmp/hr-demo.XXXXXX) || die "mktemp failed"
chmod 0755 "$D"
SCANDIR=$D/service
BINDIR=$D/command
CONTENV=$D/contenv
CFG=$D/profiles.d
HH=$D/hermes
GW=$D/gateway
MOUNTED=
SVSCAN=

# Processes of the demo: every process whose working directory is under $D (s6-svscan, the
# supervisors, the loggers, the gateways).
demo_procs() {
  for p in /proc/[0-9]*; do
    c=$(readlink "$p/cwd" 2>/dev/null) || continue
    case $c in "$D" | "$D"/*) printf '%s ' "${p#/proc/}" ;; esac
  done
}

# poll TENTHS CMD...: run CMD every tenth of a second until it succeeds, for TENTHS tenths at most.
poll() {
  n=0 limit=$1
  shift
  until "$@"; do
    [ "$n" -ge "$limit" ] && return 1
    sleep 0.1
    n=$((n + 1))
  done
}

# shellcheck disable=SC2317  # called through poll
no_demo_procs() { [ -z "$(demo_procs)" ]; }

# wait_gone TENTHS: wait up to TENTHS tenths of a second until no process of the demo is left.
wait_gone() { poll "$1" no_demo_procs; }

cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$SVSCAN" ]; then
    s6-svscanctl -t "$SCANDIR" 2>/dev/null || kill "$SVSCAN" 2>/dev/null
  fi
  if ! wait_gone 100; then
    left=$(demo_procs)
    # shellcheck disable=SC2086  # a list of pids
    [ -z "$left" ] || kill $left 2>/dev/null
    if ! wait_gone 30; then
      left=$(demo_procs)
      # shellcheck disable=SC2086
      [ -z "$left" ] || kill -9 $left 2>/dev/null
      wait_gone 30 || echo "demo: processes left behind: $(demo_procs)" >&2
    fi
  fi
  [ -z "$MOUNTED" ] || umount "$SCANDIR" 2>/dev/null || umount -l "$SCANDIR" 2>/dev/null
  rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the scandir and its s6-svscan ----------------------------------------------------------------
mkdir "$SCANDIR"
if mount -t tmpfs -o mode=0755 hr-demo "$SCANDIR" 2>/dev/null; then MOUNTED=1; fi
mkdir "$SCANDIR/.s6-svscan"
# A clean environment, as under s6-overlay: the container's variables come from with-contenv only.
(cd "$SCANDIR" && exec env -i PATH=/usr/bin:/bin s6-svscan -t0 "$SCANDIR" </dev/null >"$D/svscan.log" 2>&1) &
SVSCAN=$!
poll 50 s6-svscanctl -a "$SCANDIR" 2>/dev/null || die "s6-svscan did not start on $SCANDIR"

# --- /command and the container environment --------------------------------------------------------
mkdir -p "$BINDIR" "$CONTENV"
for p in /usr/bin/s6-*; do ln -s "$p" "$BINDIR/"; done
cat >"$BINDIR/with-contenv" <<EOF
#!/bin/sh
exec /usr/bin/s6-envdir '$CONTENV' "\$@"
EOF
chmod 0755 "$BINDIR/with-contenv" "$CONTENV"
printf 'container-discord-token\n' >"$CONTENV/DISCORD_BOT_TOKEN"
printf 'container-telegram-token\n' >"$CONTENV/TELEGRAM_BOT_TOKEN"

# --- the gateway stand-in, the profiles, the homes ------------------------------------------------
cat >"$GW" <<'EOF'
#!/bin/sh
echo "stand-in gateway $* (uid $(id -u), in $(pwd)): telegram token ${TELEGRAM_BOT_TOKEN:-unset}, discord token ${DISCORD_BOT_TOKEN:-unset}"
exec sleep 100000
EOF
chmod 0755 "$GW"
mkdir "$CFG"
cp "$REPO"/conf.d-examples/*.ini "$CFG/"
# The override: the examples run "hermes" from PATH; here every gateway runs the stand-in.
sed "/^\[gateway\]/a program = $GW" "$REPO/conf.d-examples/_defaults.ini" >"$CFG/_defaults.ini"
grep -q "^program = $GW\$" "$CFG/_defaults.ini" || die "no [gateway] section in _defaults.ini"
mkdir -p "$HH/profiles"
for f in "$CFG"/*.ini; do
  name=${f##*/}
  name=${name%.ini}
  case $name in _defaults) ;; default) ;; *) mkdir -p "$HH/profiles/$name" ;; esac
done
# default.ini and research.ini leave autostart = state: the default gateway was running when the
# "container" last stopped, the research one was not (it has no gateway_state.json).
echo '{"desired_state": "running"}' >"$HH/gateway_state.json"
chown -R hermes: "$HH"

hr() { "$BIN" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 "$@"; }
# wait_up SLOT: wait (5 s at most) until the gateway of SLOT runs.
wait_up() { s6-svwait -u -t 5000 "$SCANDIR/$1" >/dev/null 2>&1 || die "$1 did not come up"; }
# plan_exits CODE [WHEN]: show the plan; its exit code must be CODE (2: changes pending, 0: none).
plan_exits() {
  hr plan
  rc=$?
  [ "$rc" -eq "$1" ] || die "plan${2:+ $2}: exit $rc, expected $1"
}
pid_of() { s6-svstat -o pid "$SCANDIR/$1"; }

echo "demo: scandir $SCANDIR${MOUNTED:+ (tmpfs)}, s6-svscan pid $SVSCAN"
echo "demo: profiles $CFG: $(cd "$CFG" && echo *.ini)"
echo "demo: hermes home $HH, gateways run $GW as user hermes"

header "hermes-reconcile plan"
plan_exits 2

header "hermes-reconcile apply"
hr apply || die "apply: exit $?"
for s in gateway-default gateway-discord gateway-telegram; do wait_up "$s"; done

header "hermes-reconcile status"
hr status || die "status: exit $?"
echo "(default, research: autostart = state; gateway_state.json says running for default and is missing"
echo " for research, so research was published down. slack: enabled = no, so it has no slot.)"

header "what the telegram gateway said (its log)"
poll 50 test -s "$HH/logs/gateways/telegram/current" || die "nothing in the telegram gateway's log"
cat "$HH/logs/gateways/telegram/current"

header "edit: [gateway] args = --verbose in telegram.ini"
old=$(pid_of gateway-telegram)
sed -i '/^\[gateway\]/a args = --verbose' "$CFG/telegram.ini"
grep -A2 '^\[gateway\]' "$CFG/telegram.ini"

header "hermes-reconcile plan"
plan_exits 2

header "hermes-reconcile apply (an in-place update: only the telegram gateway restarts)"
hr apply || die "apply: exit $?"
wait_up gateway-telegram
new=$(pid_of gateway-telegram)
[ "$new" != "$old" ] || die "the telegram gateway was not restarted"

header "hermes-reconcile status"
hr status || die "status: exit $?"
echo "(gateway-telegram: pid $old before the edit, $new after)"

header "hermes-reconcile apply (a second pass: nothing to do)"
hr apply || die "apply: exit $?"

# --- SPEC 10: a profile made by hermes on its volume, without a profile file ------------------------
header "discovery: 'hermes profile create work' made profiles/work/ with SOUL.md, and no profile file"
grep -A2 '^\[discover\]' "$CFG/_defaults.ini"
mkdir "$HH/profiles/work"
echo '{"gateway_state": "running"}' >"$HH/profiles/work/gateway_state.json"
echo '# the soul of work' >"$HH/profiles/work/SOUL.md"
chown -R hermes: "$HH/profiles/work"

header "hermes-reconcile plan (the discovered profile is marked)"
plan_exits 2

header "hermes-reconcile apply --json (each action says its source)"
hr --json apply || die "apply: exit $?"
wait_up gateway-work

header "hermes-reconcile import (a file for each discovered profile without one)"
hr import || die "import: exit $?"
cat "$CFG/work.ini"

header "discovery off ([discover] profiles = no): plan has nothing to do"
sed -i 's/^profiles = yes/profiles = no/' "$CFG/_defaults.ini"
plan_exits 0 "after import and discovery off"

header "tear down"
trap - EXIT
cleanup
[ ! -e "$D" ] || die "could not remove $D"
echo "demo: s6-svscan stopped, no process left, $D removed"
exit 0
