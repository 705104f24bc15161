#!/usr/bin/env bash
# 51-boot-s6-overlay.t: the image booted for real, under the genuine s6-overlay /init as PID 1.
#
# As root, in a private mount namespace, over an overlay of the host root (nothing on the machine
# changes): the image's root file system is laid out as docker/Dockerfile does it (the two
# s6-overlay tarballs, s6-overlay's /init kept as /init.s6-overlay and /init the hermes shim,
# `make install-image` over them, the hermes user 10000, a stand-in hermes program), then each
# "docker run" is `unshare --pid --fork --mount` + chroot with the Dockerfile's ENV, /init as PID 1
# and main-wrapper.sh as the ENTRYPOINT's second word. "docker exec" is nsenter into the container.
#
# Boots: (A) a full boot, checked from inside, ended by docker stop (SIGTERM to PID 1); (B) a second
# boot on the same volume whose command exits 7; (C) a boot whose cont-init.d fails; (D) a `dashboard`
# container on a volume of the former image (SPEC 10). And the image started as not PID 1 (docker
# run --init).
#
# S6_OVERLAY_DIR: the s6-overlay build (default ../shared/s6-overlay-3.2.3.0 beside the checkout);
# the test skips, saying so, without it. HR_DOCKER_STOP_TIMEOUT (s, default 10, docker's): how long
# "docker stop" waits before SIGKILL. HR_BOOT_KEEP: a directory to keep the containers' output in.
# shellcheck disable=SC2317  # functions called through wait_for
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
S6_OVERLAY_DIR=${S6_OVERLAY_DIR:-$HERE/../../../shared/s6-overlay-3.2.3.0}

if [ -z "${HR_BOOT_NS:-}" ]; then
  skip() { echo "1..0 # SKIP $*"; exit 0; }
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  for f in s6-overlay-noarch.tar.xz s6-overlay-x86_64.tar.xz; do
    [ -f "$S6_OVERLAY_DIR/$f" ] ||
      skip "no s6-overlay build: $S6_OVERLAY_DIR/$f is missing (set S6_OVERLAY_DIR to a directory holding the s6-overlay 3.2.x tarballs)"
  done
  [ "$(uname -m)" = x86_64 ] || skip "the s6-overlay build is x86_64, this machine is $(uname -m)"
  command -v unshare >/dev/null || skip "no unshare"
  command -v nsenter >/dev/null || skip "no nsenter"
  command -v xz >/dev/null || skip "no xz"
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null || skip "no overlayfs"
  unshare --mount --pid --fork --propagation private true 2>/dev/null || skip "unshare not permitted"
  S6_OVERLAY_DIR=$(cd "$S6_OVERLAY_DIR" && pwd)
  export S6_OVERLAY_DIR
  HR_BOOT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

# shellcheck source=test/lib.sh
. "$HERE/../lib.sh"
export LC_ALL=C
REPO=$TOP
STOP_TIMEOUT=${HR_DOCKER_STOP_TIMEOUT:-10}
bail() { echo "Bail out! $*"; exit 1; }
[ -x "$HR" ] || bail "no hermes-reconcile at $HR (make all)"
HR=$(realpath "$HR")

# The namespace's own tmpfs, outside $TMP: lib.sh's rm -rf $TMP must never walk into the overlay.
NS=$(mktemp -d /tmp/hr-boot51.XXXXXX)
at_exit "umount -R -l '$NS'; rmdir '$NS'"
# HR_BOOT_KEEP=DIR: keep each container's output there (DIR/A.out, ...).
[ -z "${HR_BOOT_KEEP:-}" ] || at_exit "cp '$NS'/*.out '$HR_BOOT_KEEP'/"
mount -t tmpfs -o mode=0755 hr-boot "$NS" || skip_all "cannot mount a tmpfs"
mkdir "$NS/upper" "$NS/work" "$NS/root"
ROOT=$NS/root
mount -t overlay hr-boot -o "lowerdir=/,upperdir=$NS/upper,workdir=$NS/work" "$ROOT" ||
  skip_all "cannot mount an overlay of /"
mount -t proc proc "$ROOT/proc"
mount -t tmpfs -o mode=0755 hr-dev "$ROOT/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r n ma mi <<<"$d"
  mknod -m 0666 "$ROOT/dev/$n" c "$ma" "$mi"
done
ln -s /proc/self/fd "$ROOT/dev/fd"
mkdir -p "$ROOT/dev/shm" "$ROOT/dev/pts"

in_root() { chroot "$ROOT" "$@"; }

# --- the image's root file system, as docker/Dockerfile builds it ------------------------------------
# Whatever the host has at these places is hidden (whiteouts in the overlay; the host is untouched).
rm -rf "$ROOT/etc/hermes" "$ROOT/etc/cont-init.d" "$ROOT/etc/cont-finish.d" "$ROOT/etc/s6-overlay" \
  "$ROOT/command" "$ROOT/package" "$ROOT/init" "$ROOT/init.s6-overlay" "$ROOT/opt/data" \
  "$ROOT/usr/local/bin/hermes" "$ROOT/usr/libexec/hermes" "$ROOT/tmp/hermes-test"
# The s6-overlay stage.
if ! { tar -C "$ROOT" -Jxpf "$S6_OVERLAY_DIR/s6-overlay-noarch.tar.xz" &&
  tar -C "$ROOT" -Jxpf "$S6_OVERLAY_DIR/s6-overlay-x86_64.tar.xz" &&
  mv "$ROOT/init" "$ROOT/init.s6-overlay" && ln -s /usr/libexec/hermes/init.sh "$ROOT/init"; }; then
  bail "cannot unpack s6-overlay from $S6_OVERLAY_DIR"
fi
grep -q 'mv /s6-root/init /s6-root/init.s6-overlay' "$REPO/docker/Dockerfile" &&
  grep -q 'ln -s /usr/libexec/hermes/init.sh /s6-root/init' "$REPO/docker/Dockerfile"
ok $? "the Dockerfile keeps s6-overlay's /init as /init.s6-overlay and makes /init the hermes shim, as laid out here"
# The runtime stage: the layout over s6-overlay's files.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" install-image DESTDIR="$ROOT" IMAGE_BIN="$HR" \
  >"$NS/install.log" 2>&1 || { diag "$(cat "$NS/install.log")"; bail "make install-image failed"; }
ok 0 "make install-image lays the image out over s6-overlay"
[ -f "$ROOT/etc/s6-overlay/s6-rc.d/user/type" ] && [ -e "$ROOT/etc/s6-overlay/s6-rc.d/user/contents.d/dashboard" ] &&
  [ -f "$ROOT/etc/s6-overlay/s6-rc.d/user2/type" ]
ok $? "the project's s6-rc.d is merged over s6-overlay's (user/type from the tarball, user/contents.d from the project)"

# The hermes user, as the Dockerfile's RUN makes it (the host's own hermes, if any, is hidden).
# Each step is retried until it holds: a test running beside this one (make check-stress's heavy
# mode) may be changing the host's /etc, under the overlay, at that moment, and userdel or groupadd
# then fail once (seen: 'group hermes already exists' after a failed userdel).
hermes_gone() {
  if in_root getent passwd hermes >/dev/null; then in_root userdel hermes >>"$NS/user.log" 2>&1; fi
  if in_root getent group hermes >/dev/null; then in_root groupdel hermes >>"$NS/user.log" 2>&1; fi
  ! in_root getent passwd hermes >/dev/null && ! in_root getent group hermes >/dev/null
}
hermes_made() {
  { in_root getent group hermes >/dev/null || in_root groupadd --gid 10000 hermes >>"$NS/user.log" 2>&1; } &&
    { in_root getent passwd hermes >/dev/null || in_root useradd --uid 10000 --gid hermes --home-dir /opt/data \
      --no-create-home --shell /bin/sh hermes >>"$NS/user.log" 2>&1; }
}
wait_for 10000 hermes_gone || bail "cannot hide the host's hermes user in the image: $(tail -n 2 "$NS/user.log")"
in_root getent passwd 10000 >/dev/null && skip_all "uid 10000 is taken on this host"
if ! { wait_for 10000 hermes_made && in_root install -d -o hermes -g hermes -m 0755 /opt/data &&
  in_root chown hermes:hermes /etc/hermes/profiles.d; }; then
  bail "cannot create the hermes user in the image: $(tail -n 2 "$NS/user.log")"
fi
install -m 0755 "$HERE/../boot/hermes" "$ROOT/usr/local/bin/hermes"
mapfile -t IMAGE_ENV < <("$HERE/../boot/dockerfile-env" "$REPO/docker/Dockerfile")
[ "${#IMAGE_ENV[@]}" -gt 0 ] || bail "no ENV found in docker/Dockerfile's runtime stage"
HOOK=""; for e in "${IMAGE_ENV[@]}"; do case $e in S6_STAGE2_HOOK=*) HOOK=${e#*=} ;; esac; done
is "$HOOK" /usr/libexec/hermes/stage2-hook.sh "the image's ENV has the stage2 hook"

# --- docker run, docker exec, docker stop -------------------------------------------------------------
T=/tmp/hermes-test             # the stand-in's record directory, inside the image
mkdir -m 0777 "$ROOT$T"
# run_container NAME [VAR=VALUE...] [-- ARGS...]: docker run -d (fresh /run each time, the data volume
# kept); sets UPID (the unshare process) and CPID (the container's PID 1, as the host sees it).
run_container() {
  local name=$1; shift
  local -a envs=() args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -eq 0 ] || { shift; args=("$@"); }
  umount "$ROOT/run" 2>/dev/null
  mount -t tmpfs -o mode=0755 hr-run "$ROOT/run"
  OUT=$NS/$name.out
  unshare --pid --fork --mount --propagation private --kill-child \
    "$HERE/../boot/container" "$ROOT" /opt/data "${IMAGE_ENV[@]}" HERMES_TEST_DIR="$T" "${envs[@]}" \
    /init /usr/libexec/hermes/main-wrapper.sh "${args[@]}" </dev/null >"$OUT" 2>&1 &
  UPID=$!
  at_exit "kill -9 $UPID"
  child_of() { CPID=$(cat "/proc/$UPID/task/$UPID/children" 2>/dev/null); CPID=${CPID%% *}; [ -n "$CPID" ]; }
  wait_for 10000 child_of || bail "the container of boot $name did not start"
}
# cexec CMD...: docker exec (as root, or `cexec s6-setuidgid hermes CMD...`), in the container's
# PID and mount namespaces, root directory and working directory, with the image's ENV.
cexec() { nsenter -t "$CPID" -p -m -r -w -- /usr/bin/env -i "${IMAGE_ENV[@]}" "$@"; }
as_hermes() { cexec /command/s6-setuidgid hermes "$@"; }
# container_exit: wait (at most WAIT s) for the container to end; sets EXIT to its exit code.
container_exit() {
  local wait_s=${1:-60}
  gone() { ! kill -0 "$UPID" 2>/dev/null; }
  wait_for $((wait_s * 1000)) gone || return 1
  wait "$UPID"; EXIT=$?
}
out_has() { grep -q -- "$1" "$OUT"; }
diag_out() { diag "container output ($OUT):"; diag "$(tail -n 60 "$OUT")"; }

# --- the data volume, as a previous container left it -------------------------------------------------
V=$ROOT/opt/data
P=$ROOT/etc/hermes/profiles.d
mkdir -p "$V/profiles/work" "$V/profiles/slow" "$V/profiles/stuck" "$V/logs/gateways/default"
echo '{"gateway_state": "running", "pid": 4242}' >"$V/gateway_state.json"
echo '{"desired_state": "stopped", "gateway_state": "running"}' >"$V/profiles/work/gateway_state.json"
echo 4242 >"$V/gateway.pid"; echo '{"4242": {}}' >"$V/processes.json"
echo 4343 >"$V/profiles/work/gateway.pid"
echo precious >"$ROOT/etc/precious"
ln -s /etc/precious "$V/profiles/work/processes.json"            # a link where a stale file would be
head -c 300000 /dev/zero | tr '\0' x >"$V/logs/container-boot.log"  # past 256 KiB: rotated this boot
in_root chown -R hermes:hermes /opt/data
# A lock left in the logger's directory by a previous container running as another uid.
echo stale >"$V/logs/gateways/default/lock"; chown 0:0 "$V/logs/gateways/default/lock"; chmod 0644 "$V/logs/gateways/default/lock"

printf '[gateway]\nautostart = state\n' >"$P/default.ini"
printf '[gateway]\nautostart = state\n' >"$P/work.ini"                      # desired_state stopped: down
printf '[gateway]\nautostart = yes\ntimeout_kill = 6000\n' >"$P/slow.ini"   # drains for 5 s on SIGTERM
printf '[gateway]\nautostart = yes\n' >"$P/stuck.ini"                       # ignores SIGTERM, no timeout_kill
printf '[gateway]\nautostart = yes\nno_such_key = 1\n' >"$P/broken.ini"
chown 10000:10000 "$P"/*.ini
echo 5 >"$ROOT$T/drain-slow"
: >"$ROOT$T/stuck-stuck"

# === Boot A ===========================================================================================
# With the image's settings: the container maximum (HERMES_GATEWAY_STOP_MAXTIME) is when the stuck
# gateway is SIGKILLed; the slow one has drained by then (5 s, within its timeout_kill of 6 s).
MAXTIME=""; for e in "${IMAGE_ENV[@]}"; do case $e in HERMES_GATEWAY_STOP_MAXTIME=*) MAXTIME=${e#*=} ;; esac; done
if [ -z "$MAXTIME" ] || [ "$MAXTIME" -le 5500 ]; then
  bail "the image's HERMES_GATEWAY_STOP_MAXTIME ($MAXTIME) leaves the 5 s drain no room"
fi
run_container A -- sleep infinity
# What hermes' own docker tests wait for before they probe a container.
booted() { grep -q ' profile=default ' "$V/logs/container-boot.log" 2>/dev/null; }
wait_for 30000 booted
ok $? "boot A: logs/container-boot.log has profile=default" || { diag_out; bail "boot A did not complete"; }
services_up() { cexec s6-svwait -U -t 1000 /run/service/hermes-reconcile-watch 2>/dev/null; }
wait_for 30000 services_up
ok $? "boot A: hermes-reconcile-watch is up and ready"

# --- cont-init.d output ---
for f in 015-supervise-perms 016-gateway-stale-state 02-reconcile-profiles 03-container-boot-log; do
  out_has "cont-init: info: running /etc/cont-init.d/$f"; ok $? "cont-init.d: $f ran"
done
out_has '^+ gateway-default$' && out_has '^+ gateway-slow$'
ok $? "02-reconcile-profiles: apply added the gateways"
out_has '^! gateway-broken: unknown key no_such_key in \[gateway\]; left as it is$'
ok $? "02-reconcile-profiles: the invalid profile is reported and skipped"
out_has '02-reconcile-profiles: invalid profile files (above) were skipped'
ok $? "02-reconcile-profiles: an invalid profile file does not stop the container"
out_has "hermes-reconcile: boot stale: removed stale /opt/data/gateway.pid"
ok $? "016-gateway-stale-state: says what it removed"
first=$(grep -n 'cont-init: info: running /etc/cont-init.d/015' "$OUT" | cut -d: -f1)
hook_line=$(grep -n 'stage2-hook.sh' "$OUT" | head -n1 | cut -d: -f1)
[ -z "$hook_line" ] || [ "$hook_line" -lt "$first" ]
ok $? "the stage2 hook's output, if any, comes before cont-init.d"

# --- slots and their modes ---
for g in default slow stuck; do
  cexec s6-svwait -u -t 10000 "/run/service/gateway-$g" 2>/dev/null
  ok $? "gateway-$g is up"
done
[ -e "$ROOT/run/service/gateway-work/down" ] && [ "$(cexec s6-svstat -o up /run/service/gateway-work)" = false ]
ok $? "gateway-work: autostart = state, desired_state stopped: published down"
[ ! -e "$ROOT/run/service/gateway-broken" ]; ok $? "the invalid profile has no slot"
# Event directories public only where fs.protected_symlinks and protected_hardlinks read 1 (SPEC 11.7).
if [ "$(cat /proc/sys/fs/protected_symlinks)$(cat /proc/sys/fs/protected_hardlinks)" = 11 ]; then EVENTS=public; else EVENTS=root; fi
perms() { cexec s6-svperms "/run/service/$1" 2>&1 | sed 's/^[^ ]* //' | tr '\n' ' '; }
for s in gateway-default gateway-default/log dashboard; do
  like "$(perms "$s")" "^status: public control: group hermes " "$s: delegated to group hermes (s6-svperms)"
done
if [ "$EVENTS" = public ]; then ev="public"; else ev="group root"; fi
is "$(perms dashboard)" "status: public control: group hermes events: $ev " "dashboard: events $ev (015, SPEC 11.7)"
is "$(perms hermes-reconcile-watch)" "status: owner control: owner events: group root " \
  "hermes-reconcile-watch runs as root: not delegated"
is "$(in_root sh -c 'cd /run/service/gateway-default && stat -L -c "%a %U:%G" supervise supervise/control' | tr '\n' ' ')" \
  "711 root:hermes 620 root:hermes " "gateway-default: supervise/ 0711, control 0620"
is "$(in_root stat -c '%a %U:%G' /run/service/gateway-default/env)" "750 root:hermes" \
  "gateway-default: env/ 0750, group hermes"

# --- control by the hermes user ---
for s in dashboard gateway-default; do
  as_hermes s6-svstat "/run/service/$s" >/dev/null 2>&1; ok $? "hermes: s6-svstat $s"
done
d=/run/service/gateway-default
as_hermes s6-svc -d "$d" && cexec s6-svwait -d -t 10000 "$d" && as_hermes s6-svc -u "$d" &&
  cexec s6-svwait -u -t 10000 "$d"
ok $? "hermes: s6-svc -d / -u gateway-default (waited for as root: event/ may be root-only)"
for n in hermes-reconcile-watch hermes-reconcile-trigger; do
  as_hermes s6-svc -p "/run/service/$n" >/dev/null 2>&1; ok $((!$?)) "hermes cannot s6-svc -p (SIGSTOP) $n"
done
OWN=""
for s in "$ROOT"/run/service/*; do
  n=${s##*/}
  case $n in s6rc-* | s6-linux-*) OWN+="$n " ;; esac
done
[ -n "$OWN" ]; ok $? "s6-overlay's own services are in the scandir: $OWN"
for n in $OWN; do
  as_hermes s6-svstat "/run/service/$n" >/dev/null 2>&1; ok $((!$?)) "hermes cannot s6-svstat $n"
  as_hermes s6-svc -u "/run/service/$n" >/dev/null 2>&1; ok $((!$?)) "hermes cannot s6-svc $n"
done

# --- the dashboard ---
D=/run/service/dashboard
dash() { cexec s6-svstat -o up,wantedup,exitcode "$D"; }
dash_down() { [ "$(dash)" = "false false 0" ]; }
wait_for 10000 dash_down
ok $? "HERMES_DASHBOARD unset: the dashboard is down, not wanted up (finish exit 125)"
printf 1 >"$ROOT/run/s6/container_environment/HERMES_DASHBOARD"   # as docker run -e HERMES_DASHBOARD=1 would
as_hermes s6-svc -u "$D" && cexec s6-svwait -u -t 10000 "$D"
ok $? "HERMES_DASHBOARD=1: hermes starts the dashboard"
wait_for 10000 test -s "$ROOT$T/dashboard.args"
# the default bind is the run script's (SPEC 12.9: hermes' own, 0.0.0.0 behind its auth gate)
like "$(tr '\n' ' ' <"$ROOT$T/dashboard.args" 2>/dev/null)" "^HOME=/opt/data dashboard --no-open --host (127\\.0\\.0\\.1|0\\.0\\.0\\.0) --port 9119 \$" \
  "the dashboard runs with HOME = the hermes home and --no-open"
pid=$(cexec s6-svstat -o pid "$D")
# shellcheck disable=SC2016 # awk's $2
is "$(cexec awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 10000 "the dashboard runs as hermes"

# --- stale state, the boot log, the logger ---
[ ! -e "$V/gateway.pid" ] && [ ! -e "$V/processes.json" ] && [ ! -e "$V/profiles/work/gateway.pid" ] &&
  [ ! -L "$V/profiles/work/processes.json" ]
ok $? "stale gateway.pid and processes.json are gone (a link among them too)"
is "$(cat "$ROOT/etc/precious")" precious "...and the link's target is untouched"
[ -e "$ROOT$T/started-default" ] && [ ! -e "$ROOT$T/stale-default" ]
ok $? "gateway-default started with no stale gateway.pid or processes.json in its home"
L=$V/logs/container-boot.log
is "$(in_root stat -c '%U %s' /opt/data/logs/container-boot.log.1)" "hermes 300000" "container-boot.log past 256 KiB was rotated to .1"
is "$(in_root stat -c %U /opt/data/logs/container-boot.log)" hermes "container-boot.log is written by hermes"
re="^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z profile=default prior_state=running action=started slot=gateway-default events=$EVENTS\$"
like "$(grep ' profile=default ' "$L")" "$re" "container-boot.log: default, prior state running, started (hermes' words, SPEC 12.8)"
like "$(grep ' profile=work ' "$L")" " prior_state=stopped action=registered slot=gateway-work events=$EVENTS\$" \
  "container-boot.log: work, prior state stopped (desired_state), registered (left down)"
like "$(grep ' profile=broken ' "$L")" ' prior_state=none action=skipped slot=gateway-broken events=[a-z]+ reason="unknown key no_such_key in \[gateway\]"$' \
  "container-boot.log: broken, skipped, with the reason"
is "$(wc -l <"$L")" 5 "container-boot.log: one line per profile"
C=$V/logs/gateways/default/current
logged() { grep -q 'gateway default: started' "$C" 2>/dev/null; }
wait_for 10000 logged
ok $? "gateway-default's logger runs although a stale root-owned lock was in its directory"
like "$(grep -m1 'gateway default: started' "$C")" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} +gateway default: started$' \
  "a line of the log dir's current has an ISO 8601 timestamp, s6-log T (hermes-profiles(5), timestamp = iso)"
out_has '^gateway default: started$'
ok $? "to_stdout: the line is also on the container's stdout, as the gateway wrote it"

# --- watch and trigger ---
printf '[gateway]\nautostart = yes\n' >"$P/play.ini"; chown 10000:10000 "$P/play.ini"
mkdir -p "$V/profiles/play"; chown 10000:10000 "$V/profiles/play"
wait_for 20000 cexec s6-svwait -u -t 1000 /run/service/gateway-play 2>/dev/null
ok $? "watch: a profile file added at run time gets its gateway"
rm "$P/play.ini"
gone_play() { [ ! -e "$ROOT/run/service/gateway-play" ]; }
wait_for 20000 gone_play
ok $? "watch: a profile file removed at run time loses its gateway"
TRIG=$(as_hermes hermes-reconcile apply 2>&1)
rc=$?
is "$rc" 1 "trigger: hermes-reconcile apply as hermes runs the root pass (exit 1: broken.ini)"
like "$TRIG" "apply: 0 added, 0 updated, 0 removed, 4 unchanged, 1 skipped" "trigger: the pass's report reaches hermes"
out_has "s6-ipcserver-access: info: allow pid [0-9]* uid 10000 "; ok $? "trigger: the connection was hermes's, allowed"

# --- docker stop ---
# Up is only forked: the stand-ins note started-NAME once their SIGTERM traps are set.
trapped() { [ -e "$ROOT$T/started-slow" ] && [ -e "$ROOT$T/started-stuck" ]; }
wait_for 10000 trapped || diag "gateway-slow or gateway-stuck did not start"
before=$(now_ms)
kill -TERM "$CPID"
stopped() { ! kill -0 "$UPID" 2>/dev/null; }
wait_for $((STOP_TIMEOUT * 1000)) stopped
in_time=$?
[ "$in_time" -eq 0 ] || kill -KILL "$CPID"   # what docker does when the stop timeout ends
wait "$UPID"
took=$(( $(now_ms) - before ))
diag "docker stop: the container exited after $took ms"
ok "$in_time" "docker stop: the container exits by itself within docker's default ${STOP_TIMEOUT} s"
out_has 'gateway slow: SIGTERM, draining' && [ -e "$ROOT$T/drained-slow" ]
ok $? "docker stop: gateway-slow got SIGTERM and drained for 5 s (past s6-overlay's 3 s S6_KILL_GRACETIME) within its timeout_kill" ||
  diag_out
out_has 'gateway stuck: SIGTERM ignored' &&
  out_has "00-stop-gateways: gateways still running after $MAXTIME ms (HERMES_GATEWAY_STOP_MAXTIME): SIGKILL"
ok $? "docker stop: gateway-stuck got SIGTERM, then SIGKILL at the container maximum"
grep -q 'gateway slow: drained' "$V/logs/gateways/slow/current"
ok $? "docker stop: gateway-slow's last line reached its log"

# === Boot B: the same volume again; the command's exit code is the container's =======================
rm -f "$ROOT$T"/*
echo 555 >"$V/gateway.pid"; chown 10000:10000 "$V/gateway.pid"
run_container B -- sh -c 'exit 7'
container_exit 60 || bail "boot B did not end"
is "$EXIT" 7 "boot B: the command's exit code (7) is the container's"
is "$(grep -c ' profile=default ' "$L")" 2 "boot B: container-boot.log has a line for default from each boot"
[ ! -e "$V/gateway.pid" ]; ok $? "boot B: the stale gateway.pid of boot A's gateway is removed"
like "$(grep ' profile=default ' "$L" | tail -n1)" ' prior_state=running action=started ' \
  "boot B: default's prior state is read again"

# === Boot C: a failing cont-init.d stops the container ================================================
printf '#!/bin/sh\necho "00-fail: failing"\nexit 3\n' >"$ROOT/etc/cont-init.d/00-fail"
chmod 0755 "$ROOT/etc/cont-init.d/00-fail"
run_container C -- touch "$T/cmd-ran"
container_exit 60 || bail "boot C did not end"
[ "$EXIT" -ne 0 ]; ok $? "boot C: a failing cont-init.d script stops the container, non-zero ($EXIT)"
[ ! -e "$ROOT$T/cmd-ran" ]; ok $? "boot C: the command never ran"
out_has 'fatal: stopping the container'; ok $? "boot C: s6-overlay says why"
rm "$ROOT/etc/cont-init.d/00-fail"

# === Boot D: a dashboard container on a volume of the former image (SPEC 10) ==========================
# A new container (the image's empty /etc/hermes/profiles.d) on a volume as the former image left it:
# profile directories, no profile files, a gateway_state.json saying running, and the gateway.pid of
# the gateways another container runs on that volume. Its command is `dashboard`: the stage2 hook
# must find it itself, in its parent's command line (no HERMES_STAGE2_CMDLINE here).
find "$V" -mindepth 1 -delete
find "$P" -mindepth 1 -delete
rm -f "$ROOT$T"/*
mkdir -p "$V/profiles/alpha"
echo "# soul" >"$V/profiles/alpha/SOUL.md"
printf '{"gateway_state": "running"}\n' >"$V/gateway_state.json"
printf '{"gateway_state": "running"}\n' >"$V/profiles/alpha/gateway_state.json"
echo 4242 >"$V/gateway.pid"; echo 4343 >"$V/profiles/alpha/gateway.pid"
in_root chown -R hermes:hermes /opt/data /etc/hermes/profiles.d
# snap_profiles: the volume's profiles.d and profiles, and the container's profiles directory.
snap_profiles() {
  local d
  for d in "$V/profiles.d" "$V/profiles" "$P"; do
    if [ -e "$d" ] || [ -L "$d" ]; then
      find "$d" -printf '%p %y %U:%G %m %s %T@ %l\n' | LC_ALL=C sort
    else
      echo "$d absent"
    fi
  done
}
before=$(snap_profiles)
for e in "${IMAGE_ENV[@]}"; do case $e in HERMES_STAGE2_CMDLINE=*) bail "the image's ENV sets $e" ;; esac; done
printf '%s\n' "${IMAGE_ENV[@]}" | grep -qx HERMES_PROFILES_ON_VOLUME=yes
ok $? "boot D: the image's ENV has HERMES_PROFILES_ON_VOLUME=yes, and no HERMES_STAGE2_CMDLINE"
run_container D -- dashboard --host 0.0.0.0
wait_for 30000 test -s "$ROOT$T/dashboard.args"
ok $? "boot D: the command (hermes dashboard) runs, after cont-init.d and the services" ||
  { diag_out; bail "boot D did not complete"; }
is "$(tr '\n' ' ' <"$ROOT$T/dashboard.args")" "HOME=/opt/data dashboard --host 0.0.0.0 " \
  "boot D: hermes dashboard got the container's arguments"
# rc.init, which ran the hook ($hook, from its own shell), still runs: it waits for the command.
# shellcheck disable=SC2016 # expanded in the container
RCINIT=$(cexec sh -c 'for p in /proc/[0-9]*; do
  [ "${p#/proc/}" != $$ ] || continue
  c=$(tr "\0" " " <"$p/cmdline" 2>/dev/null); case $c in *rc.init*) echo "${p#/proc/} $c";; esac; done')
diag "boot D: rc.init, the stage2 hook's parent: $RCINIT"
like "$RCINIT" '^[0-9]+ /bin/sh -e /run/s6/basedir/scripts/rc.init top /usr/libexec/hermes/main-wrapper.sh dashboard --host 0.0.0.0 $' \
  "boot D: rc.init's command line holds main-wrapper.sh then the container's command"
cexec test -e /run/hermes/no-gateways
ok $? "boot D: the hook found the command in /proc/\$PPID/cmdline: /run/hermes/no-gateways exists" ||
  diag_out
out_has 'stage2-hook.sh: dashboard container: no gateway runs here'
ok $? "boot D: the hook says it is a dashboard container"
cexec test ! -e /run/s6/container_environment/HERMES_STAGE2_CMDLINE
ok $? "boot D: HERMES_STAGE2_CMDLINE is not in the container's environment"
wait_for 30000 services_up
ok $? "boot D: hermes-reconcile-watch is up and ready"
out_has 'hermes-reconcile-watch: dashboard container: not watching'
ok $? "boot D: hermes-reconcile-watch does not watch"
is "$(cexec find /run/service -maxdepth 1 -name 'gateway-*' -printf '%f ')" "" "boot D: no gateway-* slot in /run/service"
is "$(snap_profiles)" "$before" "boot D: nothing was written into the volume's profiles.d and profiles, nor /etc/hermes/profiles.d"
[ -f "$V/gateway.pid" ] && [ "$(cat "$V/gateway.pid")" = 4242 ] && [ -f "$V/profiles/alpha/gateway.pid" ]
ok $? "boot D: the gateway.pid files planted on the volume survive (016-gateway-stale-state skipped)"
! grep -q 'profile=' "$V/logs/container-boot.log" 2>/dev/null
ok $? "boot D: no line in logs/container-boot.log"
kill -TERM "$CPID"
container_exit "$STOP_TIMEOUT" || { kill -KILL "$CPID"; container_exit 10; }
ok $? "boot D: docker stop ends the dashboard container"

# === Boot E: attacks on the boot under the genuine s6-overlay (issue 20) ==============================
# A FIFO at logs/container-boot.log hung 03 for good (the command never ran); four sparse 1 GiB
# gateway_state.json files stalled 016; a refused HERMES_UID made the hook exit 1, which stops the
# container under s6-overlay 3.2.3.0 (S6_BEHAVIOUR_IF_STAGE2_FAILS=2). The command must run.
umount "$ROOT/run"; mount -t tmpfs -o mode=0755 hr-run "$ROOT/run"
find "$V" -mindepth 1 -delete
rm -f "$ROOT$T"/*
mkdir -p "$V/logs" "$V/profiles/work" "$V/profiles/big1" "$V/profiles/big2"
mkfifo "$V/logs/container-boot.log"
for d in "$V" "$V/profiles/work" "$V/profiles/big1" "$V/profiles/big2"; do truncate -s 1G "$d/gateway_state.json"; done
in_root chown -R hermes:hermes /opt/data
run_container E HERMES_UID=abc -- sh -c 'touch /tmp/hermes-test/cmd-ran; exit 4'
container_exit 120 || { diag_out; bail "boot E did not end"; }
is "$EXIT" 4 "boot E: the command ran and its exit code (4) is the container's"
[ -e "$ROOT$T/cmd-ran" ]; ok $? "boot E: the command ran despite a FIFO boot log, 1 GiB state files, HERMES_UID=abc"
out_has "stage2-hook.sh: warning: HERMES_UID='abc' refused"; ok $? "boot E: HERMES_UID=abc is refused with a warning"
[ -f "$V/logs/container-boot.log" ] && grep -q ' profile=default prior_state=unknown action=' "$V/logs/container-boot.log"
ok $? "boot E: the FIFO was replaced by a regular boot log; a 1 GiB gateway_state.json reads prior_state=unknown"
out_has 'logs/container-boot.log was not a regular file: replaced'; ok $? "boot E: the replacement is said"

# === Not PID 1: docker run --init =====================================================================
umount "$ROOT/run"; mount -t tmpfs -o mode=0755 hr-run "$ROOT/run"
# shellcheck disable=SC2016 # expanded in the container
NOTPID1=$(unshare --pid --fork --mount --propagation private "$HERE/../boot/container" "$ROOT" /opt/data \
  "${IMAGE_ENV[@]}" PUID=10000 /bin/sh -c '/init /usr/libexec/hermes/main-wrapper.sh sh -c "echo pid=\$\$ uid=\$(id -u); exit 5"' 2>&1)
is "$?" 5 "not PID 1: the command runs without s6-overlay, its exit code (5) is the container's"
like "$NOTPID1" "init: not PID 1 \(docker run --init\?\): running the command without s6-overlay" \
  "not PID 1: the shim says so"
like "$NOTPID1" "pid=[0-9]+ uid=10000" "not PID 1: the command runs as hermes"
[[ $NOTPID1 != *"can only run as pid 1"* ]]; ok $? "not PID 1: no 'can only run as pid 1' failure"

done_testing
