# shellcheck shell=bash
# Shared set-up of the reconcile-pass tests (test/integration/1*.t), on top of test/lib.sh.
#
#   . "$(dirname "$0")/1-common.sh"; hr_setup
#
# hr_setup        root, the test user, a bindir, a private s6-svscan on $SCANDIR, $CFG (profile files,
#                 with a _defaults.ini running the stand-in gateway $GW as $TEST_USER, autostart = yes)
#                 and $HH (the hermes home, owned by the test user)
# profile NAME    write $CFG/NAME.ini from stdin and create the profile's home
# hr ARGS...      run $HR on this set-up; sets RC, OUT, ERR (stdout also in $TMP/hr.out)
# apply           hr apply
# slot NAME       the slot directory of profile NAME
# pid_of DIR      the pid of DIR's service (empty when down)
# rec NAME        what the gateway of NAME recorded (argv, ids, cwd, env) on its last start
# home_of NAME    the home of profile NAME
# files_of DIR    path, inode, type, mode, owner, size of everything below DIR but the supervise state
#                 and the scandir's ledger (a cache a pass that changed nothing may write)
# supervisors DIR number of s6-supervise processes of our s6-svscan running on DIR (scandir-relative)
# one_supervisor_each NAME...  the slots and loggers of NAME... without exactly one supervisor
# drained DIR     every command already sent to DIR's supervisor (a late `u` of a pass) has been acted on
# start_profiles NAME...  profiles NAME..., applied and up (two assertions)
# all_up NAME...  every slot of NAME... and its logger supervised and up
# volume_dir NAME     a profile directory of the former image's volume: $HH/profiles/NAME with SOUL.md
# state_file DIR S    DIR/gateway_state.json saying gateway_state S
# discovery_defaults  $CFG/_defaults.ini as hr_setup writes it, with [discover] profiles = yes

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
export LC_ALL=C

hr_setup() {
  setup_s6 1000
  CFG=$TMP/conf.d
  HH=$TMP/hermes
  GW=$TMP/gateway
  mkdir -p "$CFG" "$HH/profiles"
  chown "$TEST_UID:$TEST_GID" "$HH" "$HH/profiles"
  # The stand-in gateway: records how it was started into its working directory, then waits.
  cat >"$GW" <<'EOS'
#!/bin/sh
{
  printf 'argv'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
  echo "pid $$"
  echo "uid $(id -u)"
  echo "gid $(id -g)"
  echo "groups $(id -G)"
  echo "cwd $(pwd)"
  env | sort | sed 's/^/env /'
} >gateway.rec.tmp && mv gateway.rec.tmp gateway.rec
# readiness notification (notification_fd) when [env] READY_FD says where
[ -z "${READY_FD:-}" ] || echo >&"$READY_FD"
exec sleep 1000
EOS
  chmod 0755 "$GW"
  cat >"$CFG/_defaults.ini" <<EOF
[gateway]
user = $TEST_USER
program = $GW
autostart = yes

[log]
to_stdout = no
EOF
  export CFG HH GW
}

home_of() { if [ "$1" = default ]; then echo "$HH"; else echo "$HH/profiles/$1"; fi; }

profile() {
  local home
  home=$(home_of "$1")
  cat >"$CFG/$1.ini"
  mkdir -p "$home"
  chown "$TEST_UID:$TEST_GID" "$home"
}

# shellcheck disable=SC2034  # RC, OUT, ERR are for the tests
hr() {
  "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 "$@" >"$TMP/hr.out" 2>"$TMP/hr.err"
  RC=$?
  OUT=$(cat "$TMP/hr.out")
  ERR=$(cat "$TMP/hr.err")
  [ -z "${HR_TEST_VERBOSE:-}" ] || [ -z "$ERR" ] || diag "stderr of $*: $ERR"
}
apply() { hr apply; }

slot() { echo "$SCANDIR/gateway-$1"; }
pid_of() { local p; p=$(s6-svstat -o pid "$1" 2>/dev/null) || return 0; [ "${p:--1}" -gt 0 ] 2>/dev/null && echo "$p"; }
rec() { cat "$(home_of "$1")/gateway.rec" 2>/dev/null; }
# rec_is_current NAME: the gateway of NAME is up and its record is from this run.
rec_is_current() { local p; p=$(pid_of "$(slot "$1")"); [ -n "$p" ] && rec "$1" | grep -qx "pid $p"; }
# restarted NAME OLD-PID MS MESSAGE: within MS, the gateway of profile NAME runs with a pid other than
# OLD-PID and has written its record (it did start again, and is not merely about to).
restarted() {
  local new
  wait_for "$3" rec_is_current "$1"
  new=$(pid_of "$(slot "$1")")
  ok "$([ -n "$new" ] && [ "$new" != "$2" ]; echo $?)" "$4 ($2 -> ${new:-none})"
}

files_of() {
  (cd "$1" && find . -mindepth 1 \( -path '*/supervise/*' -o -path '*/event/*' -o -path ./.hermes-reconcile.ledger \) -prune -o \
    \( -type d -printf '%p %i %y %m %u:%g -\n' \) -o -printf '%p %i %y %m %u:%g %s\n' | sort)
}

supervisors() {
  pgrep -a -P "$SVSCAN_PID" -x s6-supervise | awk -v d="$1" '$2 == "s6-supervise" && $3 == d && NF == 3 { n++ } END { print n + 0 }'
}
# one_supervisor_each NAME...: prints the slots (and loggers) of NAME... that have not exactly one supervisor.
one_supervisor_each() {
  local census n d
  census=$(pgrep -a -P "$SVSCAN_PID" -x s6-supervise | awk 'NF == 3 { print $3 }')
  for n in "$@"; do
    for d in "gateway-$n" "gateway-$n/log"; do
      [ "$(grep -cxF -- "$d" <<<"$census")" = 1 ] || printf ' %s' "$d"
    done
  done
}

# drained DIR: send DIR's supervisor an `O` (once at most: for a service that is down and wanted
# down, a no-op; a service that some earlier `u` started stays up) and wait until it has rewritten
# supervise/status (a new inode: it does so for every command it acts on). The control FIFO is
# read in order, so every command written before, such as a late `u` of a pass that has exited,
# has been acted on by then: is_up afterwards is the final word.
status_ino() { stat -c %i "$1/supervise/status" 2>/dev/null; }
status_ino_not() { [ "$(status_ino "$1")" != "$2" ]; }
drained() {
  local ino
  ino=$(status_ino "$1")
  s6-svc -O "$1" && wait_for 10000 status_ino_not "$1" "$ino"
}

# start_profiles NAME...: write default profiles NAME..., apply, and assert the apply and that every
# slot is up (each gateway has recorded its start).
start_profiles() {
  local n
  for n in "$@"; do profile "$n" </dev/null; done
  apply
  is "$RC" 0 "initial apply"
  for n in "$@"; do wait_for 5000 rec_is_current "$n"; done
  ok "$(all_up "$@"; echo $?)" "$# slots up"
}

all_up() {
  local n
  for n in "$@"; do
    supervised "$(slot "$n")" && supervised "$(slot "$n")/log" && is_up "$(slot "$n")" && is_up "$(slot "$n")/log" || return 1
  done
}

# has_line TEXT LINE NAME: TEXT has the exact line LINE.
has_line() {
  local text=$1 line=$2; shift 2
  if grep -qxF -- "$line" <<<"$text"; then ok 0 "$@"; else ok 1 "$@"; diag "no line '$line' in:" "$text"; fi
}

volume_dir() { mkdir -p "$HH/profiles/$1" && echo "# soul" >"$HH/profiles/$1/SOUL.md"; }
state_file() { printf '{"gateway_state": "%s", "pid": 1}\n' "$2" >"$1/gateway_state.json"; }
discovery_defaults() {
  cat >"$CFG/_defaults.ini" <<EOF
[gateway]
user = $TEST_USER
program = $GW

[log]
to_stdout = no

[discover]
profiles = yes
EOF
}
