#!/usr/bin/env bash
# image-test.t: the built image run by a real container engine (make image-test, after make image).
#
# A derived image adds the stand-in hermes program of the boot tests (test/boot/hermes) to IMAGE, so
# that the five `docker run` forms of main-wrapper.sh can be seen: no argument, a hermes subcommand
# (chat -q), a program on PATH (sleep, sh), bash on stdin, --tui and --version. Then a container with
# a profile added at run time (docker cp), and docker stop: SIGTERM to PID 1, a gateway that drains
# for 3 s on SIGTERM finishes, within docker's default stop timeout. A container's stdout also has
# the boot's messages: expected lines are looked for in it, not compared to all of it.
#
# ENGINE: the engine with its global options (podman --runtime runc, or docker); RUN_FLAGS: options
# for build and run (the lowered ulimits podman needs here); IMAGE: the image under test.
# shellcheck disable=SC2317  # functions called through wait_for
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

ENGINE=${ENGINE:-docker}
RUN_FLAGS=${RUN_FLAGS:-}
IMAGE=${IMAGE:-hermes:latest}
# shellcheck disable=SC2086 # word lists
e() { $ENGINE "$@"; }
# shellcheck disable=SC2086
erun() { $ENGINE run $RUN_FLAGS "$@"; }
e image inspect "$IMAGE" >/dev/null 2>&1 || skip_all "no image $IMAGE: run make image first"

# --- the image with a stand-in hermes ----------------------------------------------------------------
T=$IMAGE-test-$$
mkdir "$TMP/ctx"
cp "$TOP/test/boot/hermes" "$TMP/ctx/hermes"
printf 'FROM %s\nCOPY hermes /usr/local/bin/hermes\n' "$IMAGE" >"$TMP/ctx/Dockerfile"
# shellcheck disable=SC2086
$ENGINE build $RUN_FLAGS -q -t "$T" "$TMP/ctx" >"$TMP/build.log" 2>&1 ||
  { diag "$(cat "$TMP/build.log")"; echo "Bail out! cannot build a test image on $IMAGE"; exit 1; }
ok 0 "a test image with the stand-in hermes builds on $IMAGE"
at_exit "$ENGINE rmi -f '$T'"

# --- the five docker run forms -------------------------------------------------------------------------
# has_line TEXT LINE: TEXT (the container's output, boot messages included) has LINE.
has_line() { grep -qxF -- "$2" <<<"$1"; }
form() { # NAME WANT-EXIT WANT-LINE ARGS...: docker run --rm T ARGS; its stdout must have WANT-LINE
  local name=$1 want_rc=$2 want=$3; shift 3
  local out rc
  out=$(erun --rm "$@" 2>"$TMP/err" </dev/null)
  rc=$?
  is "$rc" "$want_rc" "$name: exit code $want_rc"
  has_line "$out" "$want"; ok $? "$name: runs what main-wrapper.sh routes it to ($want)"
  [ "$rc" = "$want_rc" ] || diag "$(tail -n 20 "$TMP/err")"
}
form "docker run IMAGE" 0 "hermes" "$T"
form 'docker run IMAGE chat -q "hello world"' 0 "hermes chat -q hello world" "$T" chat -q "hello world"
form "docker run IMAGE --tui" 0 "hermes --tui" "$T" --tui
form "docker run IMAGE --version" 0 "hermes --version" "$T" --version
form "docker run IMAGE echo on-path (a program on PATH)" 0 "on-path" "$T" echo on-path
form "docker run IMAGE sh -c 'echo sh; exit 7': the exit code is the container's" 7 "sh" "$T" sh -c 'echo sh; exit 7'
form "docker run IMAGE id -u: as hermes" 0 10000 "$T" id -u
# shellcheck disable=SC2016 # expanded by the container's bash
out=$(echo 'echo "bash $(id -un)"' | erun --rm -i "$T" bash 2>"$TMP/err")
has_line "$out" "bash hermes"; ok $? "docker run -i IMAGE bash: bash, as hermes, reads the container's stdin"
if command -v script >/dev/null; then
  # shellcheck disable=SC2086
  out=$(script -qec "$ENGINE run $RUN_FLAGS --rm -it $T bash -c 'tty >/dev/null && echo has-tty'" /dev/null </dev/null |
    tr -d '\r')
  has_line "$out" has-tty; ok $? "docker run -it IMAGE bash: the terminal reaches the program"
fi
# Not PID 1, as under docker run --init (podman needs catatonit for --init, not installed here): a
# shell is PID 1 and starts the ENTRYPOINT.
out=$(erun --rm --entrypoint /bin/sh "$T" -c '/init /usr/libexec/hermes/main-wrapper.sh id -u' 2>&1 </dev/null)
is "$?" 0 "not PID 1: the command runs, exit code 0"
has_line "$out" 10000; ok $? "not PID 1: the command runs as hermes"
like "$out" "init: not PID 1" "not PID 1: the shim says it runs without s6-overlay"
[[ $out != *"can only run as pid 1"* ]]; ok $? "not PID 1: no 'can only run as pid 1'"

# --- a profile, added at run time ------------------------------------------------------------------------
C=hermes-image-test-$$
at_exit "$ENGINE rm -f '$C'"
erun -d --name "$C" -e HERMES_TEST_DIR=/tmp/hermes-test "$T" sleep infinity >/dev/null
ok $? "docker run -d IMAGE sleep infinity"
booted() { e exec "$C" grep -q ' profile=default ' /opt/data/logs/container-boot.log 2>/dev/null; }
wait_for 60000 booted
rc=$?
ok "$rc" "the first boot seeds default.ini and logs profile=default in logs/container-boot.log"
[ "$rc" -eq 0 ] || diag "$(e logs "$C" 2>&1 | tail -n 30)"
e exec "$C" s6-svok /run/service/gateway-default
ok $? "gateway-default is supervised (down: the seeded default.ini's autostart = state, no gateway_state.json)"
printf '[gateway]\nautostart = yes\n' >"$TMP/work.ini"
e exec "$C" mkdir -p /opt/data/profiles/work && e exec "$C" chown hermes:hermes /opt/data/profiles/work &&
  e cp "$TMP/work.ini" "$C:/etc/hermes/profiles.d/work.ini"
ok $? "docker cp work.ini into /etc/hermes/profiles.d"
work_up() { e exec "$C" s6-svwait -u -t 1000 /run/service/gateway-work 2>/dev/null; }
wait_for 30000 work_up
ok $? "hermes-reconcile watch gives the new profile its gateway"
like "$(e exec "$C" hermes-reconcile status 2>&1)" "gateway-work" "hermes-reconcile status lists gateway-work"

# --- docker stop ---------------------------------------------------------------------------------------
# gateway-default drains for 3 s on SIGTERM (past s6-overlay's 1 s S6_KILL_GRACETIME of this image).
e exec "$C" sh -c 'mkdir -p -m 0777 /tmp/hermes-test && echo 3 >/tmp/hermes-test/drain-default && rm -f /tmp/hermes-test/started-default'
e exec -u hermes "$C" s6-svc -u /run/service/gateway-default
started() { e exec "$C" test -e /tmp/hermes-test/started-default; }
wait_for 20000 started
ok $? "hermes starts gateway-default, which drains for 3 s on SIGTERM"
before=$(now_ms)
e stop "$C" >/dev/null
took=$(( $(now_ms) - before ))
diag "docker stop took $took ms"
state=$(e inspect --format '{{.State.Status}}' "$C")
is "$state" exited "docker stop: the container stopped"
logs=$(e logs "$C" 2>&1)
like "$logs" "gateway default: SIGTERM, draining for 3s" "docker stop: gateway-default got SIGTERM"
like "$logs" "gateway default: drained" "docker stop: gateway-default drained and exited by itself"
[[ $logs != *"gateways still running after"* ]]; ok $? "docker stop: no gateway needed the container maximum"
code=$(e inspect --format '{{.State.ExitCode}}' "$C")
[ "$code" != 137 ]; ok $? "docker stop: the container ended by itself, not by docker's SIGKILL at its 10 s stop timeout (exit $code)"

done_testing
