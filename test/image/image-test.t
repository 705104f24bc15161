#!/usr/bin/env bash
# image-test.t: the built image run by a real container engine (make image-test [IMAGE_BASE=...]).
#
# Two bases (mk/image.mk's IMAGE_BASE), told apart by /opt/hermes/.venv/bin/hermes in the image:
#   - the stand-in base (debian:bookworm-slim, no hermes; fast): a derived image adds the boot tests'
#     stand-in hermes (test/boot/hermes) behind a small front that answers `hermes whoami`, so that
#     the routing of the `docker run` forms, the shim's drop and a gateway draining for 3 s on SIGTERM
#     can be seen;
#   - the real base (make image-base: hermes-agent 0.18.2, ../shared/hermes-agent/build-base.sh): the
#     real hermes CLI and gateways, run as they are.
# SPEC 12's items, each under a "12.N" heading below; what needs the real hermes runs on the real base
# only, and says so (a "# SKIP" line) on the other. A container's output also has the boot's
# messages: expected lines are looked for in it, not compared to all of it.
#
# ENGINE: the engine with its global options (podman --runtime runc, or docker); RUN_FLAGS: options
# for build and run (here: the host's network, the lowered ulimits); IMAGE: the image under test.
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
skip() { ok 0 "# SKIP $*"; }
has_line() { grep -qxF -- "$2" <<<"$1"; }
N=0
cname() { N=$((N + 1)); C=hermes-image-test-$$-$N; at_exit "$ENGINE volume rm -f '$C-vol'"; at_exit "$ENGINE rm -f -v '$C'"; }
booted() { e exec "$C" grep -q ' profile=default ' /opt/data/logs/container-boot.log 2>/dev/null; }
wait_booted() {
  wait_for 90000 booted
  ok $? "$C booted (logs/container-boot.log has profile=default)" || diag "$(e logs "$C" 2>&1 | tail -n 30)"
}
svup() { e exec "$C" s6-svwait -u -t 1000 "/run/service/$1" 2>/dev/null; }
svdown() { e exec "$C" s6-svstat -o up "/run/service/$1" 2>/dev/null | grep -qx false; }

if erun --rm --entrypoint /bin/sh "$IMAGE" -c 'test -x /opt/hermes/.venv/bin/hermes' >/dev/null 2>&1; then
  REAL=1
  T=$IMAGE
  diag "$IMAGE: the real hermes base"
else
  REAL=
  # --- the image with a stand-in hermes ----------------------------------------------------------------
  T=$IMAGE-test-$$
  mkdir "$TMP/ctx"
  cp "$TOP/test/boot/hermes" "$TMP/ctx/hermes-standin"
  # shellcheck disable=SC2016 # expanded in the image
  printf '#!/bin/sh\n[ "${1:-}" != whoami ] || { echo "uid=$(id -u) home=$HOME"; exit 0; }\nexec hermes-standin "$@"\n' \
    >"$TMP/ctx/hermes"
  chmod 0755 "$TMP/ctx/hermes" "$TMP/ctx/hermes-standin"
  printf 'FROM %s\nCOPY hermes hermes-standin /usr/local/bin/\n' "$IMAGE" >"$TMP/ctx/Dockerfile"
  # shellcheck disable=SC2086
  $ENGINE build $RUN_FLAGS -q -t "$T" "$TMP/ctx" >"$TMP/build.log" 2>&1 ||
    { diag "$(cat "$TMP/build.log")"; echo "Bail out! cannot build a test image on $IMAGE"; exit 1; }
  ok 0 "a test image with the stand-in hermes builds on $IMAGE"
  at_exit "$ENGINE rmi -f '$T'"
fi

# --- The docker run forms (main-wrapper.sh) --------------------------------------------------------------
form() { # NAME WANT-EXIT WANT-LINE ARGS...: docker run --rm ARGS; its stdout must have WANT-LINE
  local name=$1 want_rc=$2 want=$3; shift 3
  local out rc
  out=$(erun --rm "$@" 2>"$TMP/err" </dev/null)
  rc=$?
  is "$rc" "$want_rc" "$name: exit code $want_rc"
  has_line "$out" "$want"; ok $? "$name: runs what main-wrapper.sh routes it to ($want)"
  [ "$rc" = "$want_rc" ] || diag "$(tail -n 20 "$TMP/err")"
}
if [ -z "$REAL" ]; then
  form "docker run IMAGE" 0 "hermes" "$T"
  form 'docker run IMAGE chat -q "hello world"' 0 "hermes chat -q hello world" "$T" chat -q "hello world"
  form "docker run IMAGE --tui" 0 "hermes --tui" "$T" --tui
  form "docker run IMAGE --version" 0 "hermes --version" "$T" --version
else
  out=$(erun --rm "$T" --version 2>/dev/null </dev/null)
  is "$?" 0 "docker run IMAGE --version: the real hermes, exit 0"
  like "$out" "Hermes Agent v0\.18\.2" "docker run IMAGE --version: hermes-agent 0.18.2's banner"
fi
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
# Not PID 1, as under docker run --init: a shell is PID 1 and starts the ENTRYPOINT.
out=$(erun --rm --entrypoint /bin/sh "$T" -c '/init /usr/libexec/hermes/main-wrapper.sh id -u' 2>&1 </dev/null)
is "$?" 0 "not PID 1: the command runs, exit code 0"
has_line "$out" 10000; ok $? "not PID 1: the command runs as hermes"
like "$out" "init: not PID 1" "not PID 1: the shim says it runs without s6-overlay"

# --- 12.1 The base and s6-overlay ---------------------------------------------------------------------------
out=$(erun --rm --entrypoint /bin/sh "$T" -c 'ls -d /package/admin/s6-overlay-3.2.3.0 /package/admin/s6-2.15.0.0' 2>&1)
is "$?" 0 "12.1: s6-overlay 3.2.3.0 (s6 2.15.0.0) is installed" || diag "$out"
if [ -n "$REAL" ]; then
  out=$(erun --rm --entrypoint /bin/sh "$T" -c 'ls -d /opt/hermes/scripts /opt/hermes/tools /opt/hermes/skills /opt/hermes/.venv' 2>&1)
  is "$?" 0 "12.1: the base's install tree is there (/opt/hermes: scripts, tools, skills, .venv)" || diag "$out"
else
  skip "12.1: the install tree (the real base only)"
fi

# --- 12.2 docker run --user ---------------------------------------------------------------------------------
for u in 10000:10000 hermes; do
  before=$(now_ms)
  # shellcheck disable=SC2086,SC2016 # word lists; expanded in the container
  out=$(timeout 120 $ENGINE run $RUN_FLAGS --rm --user "$u" "$T" sh -c 'echo "OK $(id -u)"; exit 3' 2>&1 </dev/null)
  rc=$?
  took=$(($(now_ms) - before))
  is "$rc" 3 "12.2: docker run --user $u IMAGE sh -c ...: the command's exit code (3) is the container's"
  has_line "$out" "OK 10000"; ok $? "12.2: --user $u: the command ran, as uid 10000 (${took} ms)" || diag "$(tail -n 25 <<<"$out")"
  is "$(grep -c 'hermes-reconcile-watch: not root' <<<"$out")" 1 "12.2: --user $u: the watch says once that it needs root, and stays down"
  is "$(grep -c 'hermes-reconcile-trigger: not root' <<<"$out")" 1 "12.2: --user $u: the trigger says so once, and stays down"
  [[ $out != *"unable to set supplementary group"* && $out != *"rc.init: fatal"* ]]
  ok $? "12.2: --user $u: no service or boot step failing for lack of root"
done
cname
erun -d --name "$C" --user 10000:10000 "$T" sleep infinity >/dev/null
wait_for 60000 e exec "$C" s6-svstat -o up /run/s6-rc/servicedirs/main-hermes >/dev/null 2>&1
ok $? "12.2: docker run -d --user 10000:10000 IMAGE sleep infinity: boots (main-hermes up)"
before=$(now_ms)
e stop "$C" >/dev/null
took=$(($(now_ms) - before))
is "$(e inspect --format '{{.State.Status}}' "$C")" exited "12.2: --user 10000:10000: docker stop ends the container"
code=$(e inspect --format '{{.State.ExitCode}}' "$C")
[ "$code" != 137 ]; ok $? "12.2: ...by itself, not docker's SIGKILL (exit $code, ${took} ms)"
e rm -f -v "$C" >/dev/null 2>&1
out=$(erun --rm --user 1000:1000 "$T" sh -c 'echo RAN' 2>&1 </dev/null)
rc=$?
[ "$rc" -ne 0 ]; ok $? "12.2: --user 1000:1000: refused, exit $rc"
like "$out" "not supported" "12.2: --user 1000:1000: the message says the form is not supported"
like "$out" "HERMES_UID" "12.2: ...and names HERMES_UID"
like "$out" "PUID" "12.2: ...and PUID"
[[ $out != *RAN* && $out != *s6-svperms* && $out != *preinit* ]]; ok $? "12.2: ...at once: nothing booted, the command never ran"

# --- SPEC 10: a dashboard container runs no gateway -------------------------------------------------------------------
# docker run IMAGE dashboard, the second container of a compose file sharing the volume (a fresh one here).
cname
erun -d --name "$C" -v "$C-vol:/opt/data" "$T" dashboard --port "$((20000 + ($$ + 1) % 20000))" >/dev/null
wait_for 60000 e exec "$C" s6-svstat -o up /run/s6-rc/servicedirs/main-hermes >/dev/null 2>&1
ok $? "docker run -d IMAGE dashboard: boots (main-hermes up)" || diag "$(e logs "$C" 2>&1 | tail -n 20)"
e exec "$C" test -e /run/hermes/no-gateways
ok $? "docker run IMAGE dashboard: the container is marked as running no gateway (/run/hermes/no-gateways)"
is "$(e exec "$C" sh -c 'ls /run/service | grep -c "^gateway-"')" 0 "docker run IMAGE dashboard: no gateway slot"
e exec "$C" sh -c 'test ! -L /etc/hermes/profiles.d && test ! -e /opt/data/profiles.d'
ok $? "docker run IMAGE dashboard: nothing linked or seeded (no profiles.d on the volume)"
e rm -f -v "$C" >/dev/null 2>&1

# --- One container on a fresh volume, for the rest ---------------------------------------------------------------
cname
VOL=$C-vol
dport=$((20000 + $$ % 20000))
erun -d --name "$C" -v "$VOL:/opt/data" -e HERMES_TEST_DIR=/tmp/hermes-test -e HERMES_DASHBOARD=1 \
  -e HERMES_DASHBOARD_PORT="$dport" -e HERMES_DASHBOARD_BASIC_AUTH_USERNAME=admin \
  -e HERMES_DASHBOARD_BASIC_AUTH_PASSWORD=image-test-pw "$T" sleep infinity >/dev/null
ok $? "docker run -d -v VOLUME IMAGE sleep infinity (dashboard on, port $dport)"
wait_booted
CMAIN=$C

# --- 12.4 / 12.5 / 12.6 the hook and first boot (before 12.3: hermes' `config set` rewrites config.yaml 0600) -----------------------------------
if [ -n "$REAL" ]; then
  is "$(e exec "$C" stat -c '%a %U' /opt/data/.env 2>&1)" "600 hermes" "12.5: a fresh volume gets .env, 0600, the hermes user's"
  is "$(e exec "$C" stat -c '%a %U' /opt/data/config.yaml 2>&1)" "640 hermes" "12.5: ...config.yaml, 0640"
  e exec "$C" cmp -s /opt/data/SOUL.md /opt/hermes/docker/SOUL.md
  ok $? "12.5: ...SOUL.md from the install tree"
  e exec "$C" test -d /opt/data/skills/creative
  ok $? "12.5: ...the bundled skills, synced (skills/creative)"
  # shellcheck disable=SC2016 # expanded in the container
  missing=$(e exec "$C" sh -c 'for d in backups cron sessions logs hooks memories skills skins plans workspace home pairing platforms/pairing lazy-packages; do [ "$(stat -c %U "/opt/data/$d" 2>/dev/null)" = hermes ] || echo "$d"; done')
  is "$missing" "" "12.4: hermes' directory skeleton, the hermes user's"
else
  skip "12.4-12.6: first boot from the install tree (the real base only)"
fi

# --- 12.3 docker exec as root: the hermes shim ------------------------------------------------------------------
is "$(e exec "$C" sh -c 'command -v hermes')" /usr/libexec/hermes/bin/hermes "12.3: hermes first on PATH is the shim"
if [ -n "$REAL" ]; then
  e exec "$C" hermes config set display.image_test yes >/dev/null 2>&1
  ok $? "12.3: docker exec C hermes config set ... (as root)"
  is "$(e exec "$C" find /opt/data -user root -print -quit)" "" "12.3: ...leaves no root-owned file in the hermes home"
  is "$(e exec "$C" stat -c %U /opt/data/config.yaml)" hermes "12.3: ...config.yaml is the hermes user's"
  e exec -e HERMES_DOCKER_EXEC_AS_ROOT=TRUE -e HERMES_HOME=/tmp/root-home "$C" hermes config set a.b c >/dev/null 2>&1
  is "$(e exec "$C" stat -c %U /tmp/root-home/config.yaml 2>&1)" root "12.3: HERMES_DOCKER_EXEC_AS_ROOT=TRUE keeps root"
  e exec -e HERMES_DOCKER_EXEC_AS_ROOT=on -e HERMES_HOME=/tmp/on-home "$C" sh -c 'mkdir -m 0777 /tmp/on-home' 2>/dev/null
  e exec -e HERMES_DOCKER_EXEC_AS_ROOT=on -e HERMES_HOME=/tmp/on-home "$C" hermes config set a.b c >/dev/null 2>&1
  is "$(e exec "$C" stat -c %U /tmp/on-home/config.yaml 2>&1)" hermes "12.3: HERMES_DOCKER_EXEC_AS_ROOT=on (not hermes' 1/true/yes) drops"
else
  is "$(e exec "$C" hermes whoami)" "uid=10000 home=/opt/data" "12.3: docker exec C hermes (as root) runs hermes as the hermes user, HOME=/opt/data"
  like "$(e exec -e HERMES_DOCKER_EXEC_AS_ROOT=yes "$C" hermes whoami)" "^uid=0 " "12.3: HERMES_DOCKER_EXEC_AS_ROOT=yes keeps root"
  like "$(e exec -e HERMES_DOCKER_EXEC_AS_ROOT=no "$C" hermes whoami)" "^uid=10000 " "12.3: HERMES_DOCKER_EXEC_AS_ROOT=no drops"
fi

# A second container, on a host directory bound as the home (a bind-mounted home): a host file and a
# host directory of another owner, a link planted in auth.json's place, and both bootstrap variables.
cname
C6=$C
H6=$TMP/home6
mkdir -p "$H6/photos"
printf 'mine\n' >"$H6/notes.txt"
printf 'victim\n' >"$H6/victim"
ln -s victim "$H6/auth.json"
chown -R 4242:4242 "$H6/notes.txt" "$H6/photos" "$H6/victim"
erun -d --name "$C6" -v "$H6:/opt/data" -e HERMES_GATEWAY_BOOTSTRAP_STATE=running \
  -e HERMES_AUTH_JSON_BOOTSTRAP='{"bootstrap":1}' "$T" sleep infinity >/dev/null
wait_booted
is "$(stat -c %u "$H6/notes.txt" "$H6/photos" | tr '\n' ' ')" "4242 4242 " \
  "12.4: a bind-mounted home: the host's own file and directory keep their owner"
is "$(stat -c %u "$H6")" 10000 "12.4: ...the home itself is the hermes user's"
is "$(cat "$H6/gateway_state.json" 2>&1)" '{"gateway_state":"running"}' \
  "12.6: HERMES_GATEWAY_BOOTSTRAP_STATE=running seeds the default profile's gateway_state.json"
wait_for 30000 svup gateway-default
ok $? "12.6: ...so gateway-default runs from the first boot"
[ -L "$H6/auth.json" ] && [ "$(cat "$H6/victim")" = victim ]
ok $? "12.6: HERMES_AUTH_JSON_BOOTSTRAP with a link in auth.json's place: the link and its target are left as they are"
like "$(e logs "$C6" 2>&1 | grep auth.json)" "refusing.*auth\.json|auth\.json.*refusing" "12.6: ...refused, the message naming auth.json"
e rm -f -v "$C6" >/dev/null 2>&1
C=$CMAIN

# --- 12.7 the tini entry point --------------------------------------------------------------------------------------
# shellcheck disable=SC2016 # expanded in the container
out=$(erun --rm --entrypoint /usr/bin/tini "$T" -g -- sh -c 'echo "tini $(id -u)"; exit 4' 2>&1 </dev/null)
is "$?" 4 "12.7: --entrypoint /usr/bin/tini IMAGE -g -- sh -c ...: boots, the command's exit code"
has_line "$out" "tini 10000"; ok $? "12.7: ...the command ran, through the wrapper, as hermes"
if [ -z "$REAL" ]; then
  out=$(erun --rm --entrypoint /usr/bin/tini "$T" -g -- 2>&1 </dev/null)
  is "$?" 0 "12.7: --entrypoint /usr/bin/tini -g -- alone: the image's default (hermes), exit 0"
  has_line "$out" hermes; ok $? "12.7: ...hermes ran"
fi

# --- 12.10 the rest of hermes' hook ---------------------------------------------------------------------------------
# A unix socket of gid 4243 mounted as the Docker socket; a Chromium (an executable named chrome) under
# PLAYWRIGHT_BROWSERS_PATH; HERMES_TUI_DIR and HERMES_WEB_DIST given to the container.
unix_socket() { perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0]) or die "$ARGV[0]: $!\n"' "$1"; }
unix_socket "$TMP/docker.sock" && chown 0:4243 "$TMP/docker.sock" && unix_socket "$TMP/root.sock"
ok $? "12.10: host unix sockets, one of gid 4243, one of gid 0"
mkdir -p "$TMP/pw/chromium-1234/chrome-linux"
printf '#!/bin/sh\n' >"$TMP/pw/chromium-1234/chrome-linux/chrome"
chmod -R a+rX "$TMP/pw" && chmod 0755 "$TMP/pw/chromium-1234/chrome-linux/chrome"
# shellcheck disable=SC2016 # expanded in the container
out=$(erun --rm -v "$TMP/docker.sock:/var/run/docker.sock" -v "$TMP/pw:/opt/pw:ro" -e PLAYWRIGHT_BROWSERS_PATH=/opt/pw \
  -e HERMES_TUI_DIR=/opt/tui -e HERMES_WEB_DIST=/opt/web "$T" \
  sh -c 'echo "groups $(id -G)"; echo "browser $AGENT_BROWSER_EXECUTABLE_PATH"; echo "dirs $HERMES_TUI_DIR $HERMES_WEB_DIST"' 2>&1 </dev/null)
is "$?" 0 "12.10: docker run -v SOCKET:/var/run/docker.sock -e PLAYWRIGHT_BROWSERS_PATH=... IMAGE sh -c ...: exit 0"
[[ $(grep '^groups ' <<<"$out") =~ ^groups\ 10000(\ .*)?\ 4243( |$) ]]
ok $? "12.10: the command (as hermes) is in the Docker socket's group, gid 4243" || diag "$(tail -n 20 <<<"$out")"
like "$out" "added hermes to group hostdocker \(gid 4243\)" "12.10: ...a group made for it (hostdocker), said so"
has_line "$out" "browser /opt/pw/chromium-1234/chrome-linux/chrome"
ok $? "12.10: AGENT_BROWSER_EXECUTABLE_PATH: the Chromium found under PLAYWRIGHT_BROWSERS_PATH"
has_line "$out" "dirs /opt/tui /opt/web"; ok $? "12.10: HERMES_TUI_DIR and HERMES_WEB_DIST reach the program as given"
# shellcheck disable=SC2016 # expanded in the container
out=$(erun --rm -v "$TMP/root.sock:/var/run/docker.sock" "$T" sh -c 'echo "groups $(id -G)"' 2>&1 </dev/null)
has_line "$out" "groups 10000"; ok $? "12.10: a Docker socket of gid 0: hermes is not put in root's group (SPEC 11)" ||
  diag "$(tail -n 20 <<<"$out")"
like "$out" "belongs to gid 0" "12.10: ...and the hook says why"
# The base's own values: the image sets none of them (hermes' image sets them in its own layers).
for v in HERMES_TUI_DIR HERMES_WEB_DIST PLAYWRIGHT_BROWSERS_PATH; do
  want=${IMAGE_BASE:+$(e image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE_BASE" | grep "^$v=")}
  got=$(e image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep "^$v=")
  if [ -n "${IMAGE_BASE:-}" ]; then is "$got" "$want" "12.10: $v kept from the base ($IMAGE_BASE: '${want#*=}')"
  else is "$got" "" "12.10: $v: the image sets none over the base's"
  fi
done

# --- 12.9 the dashboard ---------------------------------------------------------------------------------------------
if [ -n "$REAL" ]; then
  # /proc/net/tcp: a listening (0A) socket on 0.0.0.0 (00000000) and the port, in hex.
  hexport=$(printf '%04X' "$dport")
  listening() { e exec "$C" grep -q ": 00000000:$hexport 00000000:0000 0A" /proc/net/tcp; }
  wait_for 60000 listening
  ok $? "12.9: the dashboard listens on 0.0.0.0:$dport (HERMES_DASHBOARD_HOST's default, HERMES_DASHBOARD_PORT)" ||
    diag "$(e exec "$C" sh -c 'tail -n 20 /run/service/dashboard/log 2>/dev/null; s6-svstat /run/s6-rc/servicedirs/dashboard')"
  if command -v curl >/dev/null; then
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$dport/" 2>/dev/null)
    [ -n "$code" ] && [ "$code" != 000 ]; ok $? "12.9: ...and answers (HTTP $code)"
  fi
else
  # The stand-in records its arguments once it may write in HERMES_TEST_DIR: make that, restart it.
  e exec "$C" sh -c 'mkdir -p -m 0777 /tmp/hermes-test && s6-svc -t /run/s6-rc/servicedirs/dashboard'
  wait_for 30000 e exec "$C" test -s /tmp/hermes-test/dashboard.args 2>/dev/null
  like "$(e exec "$C" cat /tmp/hermes-test/dashboard.args 2>&1 | tr '\n' ' ')" "--host 0\.0\.0\.0 --port $dport" \
    "12.9: the dashboard is run with --host 0.0.0.0 (the default) and HERMES_DASHBOARD_PORT"
fi

# --- Profiles and gateways -------------------------------------------------------------------------------------------
if [ -n "$REAL" ]; then
  e exec "$C" hermes profile create work >"$TMP/create.log" 2>&1
  ok $? "docker exec C hermes profile create work (the real CLI)" || diag "$(cat "$TMP/create.log")"
  wait_for 30000 e exec "$C" s6-svok /run/service/gateway-work 2>/dev/null
  ok $? "...gets its slot gateway-work (discovery and watch: SPEC 12, by design not hermes' /run/service write)"
  e exec -u hermes "$C" hermes -p work gateway start >"$TMP/start.log" 2>&1
  ok $? "docker exec -u hermes C hermes -p work gateway start" || diag "$(cat "$TMP/start.log")"
  wait_for 30000 svup gateway-work
  ok $? "...the real gateway runs under s6"
  like "$(e exec "$C" ps -eo user,args 2>&1 | grep -e '-p work gateway run')" "^hermes .*hermes -p work gateway run" \
    "...as the hermes user: hermes -p work gateway run"
  e exec -u hermes "$C" hermes -p work gateway stop >"$TMP/stop.log" 2>&1
  ok $? "docker exec -u hermes C hermes -p work gateway stop" || diag "$(cat "$TMP/stop.log")"
  wait_for 30000 svdown gateway-work
  ok $? "...the gateway is down"
  e exec -u hermes "$C" hermes -p work gateway start >/dev/null 2>&1
  wait_for 30000 svup gateway-work
  ok $? "gateway start again: up"
  # Running, not starting: the gateway has written its own pid and "running" to gateway_state.json
  # (its SIGTERM handler is in place by then).
  # shellcheck disable=SC2016 # expanded in the container
  gw_running() { e exec "$C" sh -c 'p=$(s6-svstat -o pid /run/service/gateway-work) && f=/opt/data/profiles/work/gateway_state.json &&
    grep -q "\"pid\":$p," "$f" && grep -q "\"gateway_state\":\"running\"" "$f"' 2>/dev/null; }
  wait_for 60000 gw_running
  ok $? "...and running: its gateway_state.json has its pid and gateway_state running"
  GW=gateway-work
else
  printf '[gateway]\nautostart = yes\n' >"$TMP/work.ini"
  e exec "$C" mkdir -p /opt/data/profiles/work && e exec "$C" chown hermes:hermes /opt/data/profiles/work &&
    e cp "$TMP/work.ini" "$C:/etc/hermes/profiles.d/work.ini"
  ok $? "docker cp work.ini into /etc/hermes/profiles.d"
  wait_for 30000 svup gateway-work
  ok $? "hermes-reconcile watch gives the new profile its gateway"
  # gateway-default drains for 3 s on SIGTERM (past s6-overlay's 1 s S6_KILL_GRACETIME of this image).
  e exec "$C" sh -c 'mkdir -p -m 0777 /tmp/hermes-test && echo 3 >/tmp/hermes-test/drain-default && rm -f /tmp/hermes-test/started-default'
  e exec -u hermes "$C" s6-svc -u /run/service/gateway-default
  wait_for 20000 e exec "$C" test -e /tmp/hermes-test/started-default
  ok $? "hermes starts gateway-default, which drains for 3 s on SIGTERM"
  GW=gateway-default
fi
like "$(e exec "$C" hermes-reconcile status 2>&1)" "gateway-work" "hermes-reconcile status lists gateway-work"

# --- docker stop: the gateways drain within the timeout -------------------------------------------------------------
before=$(now_ms)
e stop "$C" >/dev/null
took=$(($(now_ms) - before))
diag "docker stop with $GW running took $took ms"
is "$(e inspect --format '{{.State.Status}}' "$C")" exited "docker stop: the container stopped"
logs=$(e logs "$C" 2>&1)
if [ -n "$REAL" ]; then
  erun --rm -v "$VOL:/opt/data" --entrypoint /bin/sh "$T" -c 'cat /opt/data/logs/gateways/work/current' >"$TMP/gw.log" 2>&1
  grep -q 'Shutdown context: signal=SIGTERM' "$TMP/gw.log"
  ok $? "docker stop: the real gateway got SIGTERM from its supervisor" || diag "$(tail -n 15 "$TMP/gw.log")"
else
  like "$logs" "gateway default: SIGTERM, draining for 3s" "docker stop: gateway-default got SIGTERM"
  like "$logs" "gateway default: drained" "docker stop: gateway-default drained and exited by itself"
fi
[[ $logs != *"gateways still running after"* ]]; ok $? "docker stop: no gateway needed the container maximum (HERMES_GATEWAY_STOP_MAXTIME)"
code=$(e inspect --format '{{.State.ExitCode}}' "$C")
[ "$code" != 137 ]; ok $? "docker stop: the container ended by itself in $took ms, not by docker's SIGKILL at its 10 s stop timeout (exit $code)"

# --- docker rm + docker run on the same volume: the running gateways come back --------------------------------------
e rm -f -v "$C" >/dev/null
erun -d --name "$C" -v "$VOL:/opt/data" "$T" sleep infinity >/dev/null
ok $? "docker rm, docker run again on the same volume"
wait_booted
if [ -n "$REAL" ]; then
  wait_for 30000 svup gateway-work
  ok $? "the gateway that was running (gateway-work) runs again"
  like "$(e exec "$C" cat /opt/data/logs/container-boot.log)" "profile=work prior_state=running action=started( |$)" \
    "12.8: logs/container-boot.log in hermes' words: profile=work prior_state=running action=started"
else
  wait_for 30000 svup gateway-work
  ok $? "gateway-work (autostart = yes) runs again"
  like "$(e exec "$C" cat /opt/data/logs/container-boot.log)" "profile=work prior_state=[a-z]+ action=started( |$)" \
    "12.8: logs/container-boot.log in hermes' words: profile=work ... action=started"
fi
e stop "$C" >/dev/null

done_testing
