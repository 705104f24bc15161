# shellcheck shell=bash
# Shared helpers for the integration tests (TAP, run by prove).
#
#   . "$(dirname "$0")/../lib.sh"
#
# TAP:      ok COND-EXIT-STATUS NAME | is GOT WANT NAME | like GOT REGEX NAME
#           (ok returns 1 on a failure, so `ok $? NAME || diag WHY` prints WHY only then)
#           TODO=REASON ok ...: a known bug, reported as TAP "# TODO REASON" (its failure does not fail the test)
#           skip_all REASON | diag TEXT | done_testing
# Waiting:  wait_for DEADLINE_MS CMD...   (polls CMD until it succeeds; no fixed sleeps in assertions)
# watch:    start_watch CONF HOME (hermes-reconcile watch in the background; WATCH_PID, $TMP/watch.*)
# s6:       setup_s6 [MAX] (root, s6, $HR, test_user, s6_bindir, s6_start_scandir), or each alone:
#           s6_start_scandir (sets SCANDIR, starts a private s6-svscan; stopped at exit)
#           s6_bindir (sets BINDIR: s6 programs + a with-contenv stand-in reading $CONTENV)
# Users:    test_user (sets TEST_USER/TEST_UID/TEST_GID: an unprivileged user, created if missing)
# Binary:   HR (path of the hermes-reconcile under test; make check sets it)
# JSON:     json_get FILE PERL-EXPR (perl's JSON::PP: no jq needed)
#           hr_reachable (HR becomes a copy in $TMP that the test user can run too)
# Gateways: standin_gateway FILE ON-TERM [THEN] (a stand-in whose SIGTERM handling a test relies on;
#           it tells s6 it is ready once its trap is set: the profile needs notification_fd = 3)
#           gateway_ready DIR [MS] (wait for that readiness, never for "up": up is only "forked")

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The binary under test: $HR as given (make check, the sanitizer run), else the default build.
# A binary that was named but cannot run is an error, never a silent fallback to another one.
if [ -n "${HR:-}" ]; then
  if [ ! -f "$HR" ] || [ ! -x "$HR" ]; then echo "Bail out! HR=$HR is not an executable file"; exit 1; fi
  HR=$(realpath -- "$HR")
else
  HR=$TOP/build/hermes-reconcile
fi
TAP_N=0
TAP_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hr-test.XXXXXX")
chmod 0755 "$TMP"
_cleanups=()

at_exit() { _cleanups+=("$*"); }
_run_cleanups() {
  local i
  for (( i=${#_cleanups[@]}-1; i>=0; i-- )); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap _run_cleanups EXIT
# A test ended by a signal (make check-stress stopping, ^C) cleans up too: bash runs no EXIT trap
# when a signal it does not trap ends it, and the private s6-svscan would stay behind.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
  local status=$1 todo=""; shift
  TAP_N=$((TAP_N + 1))
  [ -z "${TODO:-}" ] || todo=" # TODO $TODO"
  if [ "$status" -eq 0 ]; then echo "ok $TAP_N - $*$todo"; return 0; fi
  echo "not ok $TAP_N - $*$todo"
  [ -n "$todo" ] || TAP_FAILED=$((TAP_FAILED + 1))
  return 1
}
is() {
  local got=$1 want=$2; shift 2
  if [ "$got" = "$want" ]; then ok 0 "$*"; else ok 1 "$*"; diag "got:  '$got'"; diag "want: '$want'"; fi
}
like() {
  local got=$1 re=$2; shift 2
  if [[ $got =~ $re ]]; then ok 0 "$*"; else ok 1 "$*"; diag "got:  '$got'"; diag "want match: /$re/"; fi
}
diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /' >&2; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; exit $?; }

now_ms() { date +%s%3N; }

# wait_for MS CMD...: run CMD until it succeeds or MS milliseconds pass. Returns CMD's last status.
wait_for() {
  local limit=$1; shift
  local deadline=$(( $(now_ms) + limit )) delay=0.005
  while :; do
    "$@" && return 0
    [ "$(now_ms)" -ge "$deadline" ] && { "$@"; return $?; }
    sleep "$delay"
    case $delay in 0.005) delay=0.01 ;; 0.01) delay=0.02 ;; 0.02) delay=0.05 ;; esac
  done
}

need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }

# An unprivileged user for the tests: hr-test (created if missing), else nobody.
test_user() {
  if ! getent passwd hr-test >/dev/null; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin hr-test >/dev/null 2>&1 || true
  fi
  if getent passwd hr-test >/dev/null; then TEST_USER=hr-test; else TEST_USER=nobody; fi
  TEST_UID=$(id -u "$TEST_USER")
  TEST_GID=$(id -g "$TEST_USER")
  TEST_GROUP=$(id -gn "$TEST_USER")
  export TEST_USER TEST_UID TEST_GID TEST_GROUP
}

# as_user CMD...: run CMD as the unprivileged test user.
as_user() { setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --init-groups -- "$@"; }

# s6_bindir: a directory standing in for s6-overlay's /command: the s6 programs, and a
# with-contenv that loads the container environment from $BINDIR/../contenv (s6-envdir format).
s6_bindir() {
  BINDIR=$TMP/command
  CONTENV=$TMP/contenv
  mkdir -p "$BINDIR" "$CONTENV"
  local p
  for p in /usr/bin/s6-*; do ln -sf "$p" "$BINDIR/"; done
  cat > "$BINDIR/with-contenv" <<EOS
#!/bin/sh
exec /usr/bin/s6-envdir '$CONTENV' "\$@"
EOS
  chmod 0755 "$BINDIR/with-contenv"
  chmod 0755 "$TMP/command" "$CONTENV"
  export BINDIR CONTENV
}

# s6_start_scandir [MAXSERVICES]: start a private s6-svscan on $TMP/service (a tmpfs when root).
s6_start_scandir() {
  SCANDIR=$TMP/service
  mkdir -p "$SCANDIR"
  if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o mode=0755 hr-test "$SCANDIR" 2>/dev/null; then
    at_exit "umount -l '$SCANDIR'"
  fi
  mkdir -p "$SCANDIR/.s6-svscan"
  setsid s6-svscan -c "${1:-500}" -t0 "$SCANDIR" </dev/null >"$TMP/svscan.log" 2>&1 &
  SVSCAN_PID=$!
  at_exit "s6_stop_scandir"
  wait_for 5000 test -p "$SCANDIR/.s6-svscan/control" || { echo "Bail out! s6-svscan did not start"; exit 1; }
  wait_for 5000 s6-svscanctl -a "$SCANDIR" || { echo "Bail out! s6-svscan does not answer"; exit 1; }
  export SCANDIR SVSCAN_PID
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

s6_stop_scandir() {
  [ -n "${SVSCAN_PID:-}" ] || return 0
  s6-svscanctl -t "$SCANDIR" 2>/dev/null || kill "$SVSCAN_PID" 2>/dev/null
  wait_for 5000 pid_gone "$SVSCAN_PID" || kill -9 -- "-$SVSCAN_PID" 2>/dev/null
  SVSCAN_PID=
}

# setup_s6 [MAXSERVICES]: what every test against a real s6-svscan needs: root, s6, the binary,
# the unprivileged test user, a bindir, and a private s6-svscan on $SCANDIR.
setup_s6() {
  need_root
  command -v s6-svscan >/dev/null || skip_all "no s6-svscan"
  [ -x "$HR" ] || { echo "Bail out! no hermes-reconcile at $HR (make all)"; exit 1; }
  test_user
  s6_bindir
  s6_start_scandir "${1:-500}"
}

# hr_reachable: copy $HR into $TMP (0755 all the way down) and point HR at the copy, so that the
# test user can run it even when the tree lies in a directory only root can enter (a clone in a
# `mktemp -d`, or under /root).
hr_reachable() {
  mkdir -p "$TMP/bin"
  chmod 0755 "$TMP/bin"
  cp -- "$HR" "$TMP/bin/hermes-reconcile" || { echo "Bail out! cannot copy $HR"; exit 1; }
  chmod 0755 "$TMP/bin/hermes-reconcile"
  HR=$TMP/bin/hermes-reconcile
}

# json_get FILE PERL-EXPR: evaluate EXPR with $j the decoded JSON object of FILE; prints the result.
# shellcheck disable=SC2016  # perl code
json_get() {
  perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die; my $j = JSON::PP->new->decode(<$f>);
    my $r = eval $ARGV[1]; die $@ if $@; print defined $r ? $r : "undef"' "$1" "$2"
}

# standin_gateway FILE ON-TERM [THEN]: write FILE, a stand-in gateway whose SIGTERM trap runs ON-TERM
# (shell code, no single quote; its sleeping child is $child; empty: SIGTERM ignored, and the gateway
# is that sleep itself). THEN (shell code) runs once the trap is set; then the gateway writes a newline
# to fd 3, s6's readiness notification: the profile says notification_fd = 3. "Up" only means that
# s6-supervise forked the run script: a test that sends SIGTERM as soon as the slot is up can kill the
# shell before its trap exists. It waits with gateway_ready instead.
standin_gateway() {
  local on_term=$2 then=${3:-:}
  if [ -z "$on_term" ]; then
    printf '#!/bin/sh\ntrap "" TERM\n%s\necho >&3\nexec sleep 100000 3>&-\n' "$then" >"$1"
  else
    # shellcheck disable=SC2016  # the gateway's own $!, $child
    printf '#!/bin/sh\nsleep 100000 3>&- &\nchild=$!\ntrap '"'%s'"' TERM\n%s\necho >&3\nexec 3>&-\nwait "$child"\n' \
      "$on_term" "$then" >"$1"
  fi
  chmod 0755 "$1"
}
# gateway_ready DIR [MS]: within MS (default 10000), DIR's service is up and ready (s6-svwait -U:
# its notification-fd said so). Also for a slot whose supervisor is not running yet.
gateway_ready() { wait_for "${2:-10000}" s6-svwait -U -t 1000 "$1" 2>/dev/null; }

# supervised DIR: is a supervisor running on DIR (lock held)?
supervised() { s6-svok "$1"; }
# is_up DIR: is the service of DIR up?
is_up() { s6-svstat -o up "$1" 2>/dev/null | grep -qx true; }

# start_watch CONF HOME: hermes-reconcile watch on CONF, $SCANDIR, HOME and $BINDIR, in the background:
# stdout, stderr and the readiness fd in $TMP/watch.out, watch.err, watch.ready, its exit code in
# $TMP/watch.rc once it ends. Sets WATCH_PID; the watch is stopped at exit.
start_watch() {
  (
    "$HR" -c "$1" -s "$SCANDIR" -H "$2" -b "$BINDIR" -t 10000 --notify-fd 3 watch \
      3>"$TMP/watch.ready" >"$TMP/watch.out" 2>"$TMP/watch.err" &
    echo $! >"$TMP/watch.pid"
    wait $!
    echo $? >"$TMP/watch.rc"
  ) &
  at_exit "kill \$(cat '$TMP/watch.pid')"
  wait_for 5000 test -s "$TMP/watch.pid"
  WATCH_PID=$(cat "$TMP/watch.pid")
  export WATCH_PID
}
