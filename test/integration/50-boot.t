#!/usr/bin/env bash
# 50-boot.t: boot the image layout the way s6-overlay does, without a container engine.
#
# As root, in a private mount + PID namespace, over an overlay of the host root (nothing on the
# machine changes): `make install-image` into the overlay, s6 programs under /command with a
# with-contenv reading /run/s6/container_environment, s6-svscan on a tmpfs /run/service, then an
# s6-rc stand-in (the compiled longruns in /run/s6-rc/servicedirs linked into the scandir,
# supervised but down), /etc/cont-init.d/* in C-locale order, and the user bundle brought up.
# Everything started here dies with the PID namespace; every mount goes with the mount namespace.
# shellcheck disable=SC2317  # functions called through wait_for
# SPEC 10 (at the end): a volume of the former image booted in a fresh container, a profile file
# surviving a second container on the same volume, and a dashboard container that starts no gateway.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

boot_needs() { command -v s6-svperms >/dev/null || skip "no s6-svperms (s6 >= 2.11)"; }
# shellcheck source=test/boot/namespace.sh
. "$HERE/../boot/namespace.sh"

# The namespace's own tmpfs, outside $TMP: lib.sh's rm -rf $TMP must never walk into the overlay.
NS=$(mktemp -d /tmp/hr-boot.XXXXXX)
at_exit "umount -R -l '$NS'; rmdir '$NS'"
mount -t tmpfs -o mode=0755 hr-boot "$NS" || skip_all "cannot mount a tmpfs"
mkdir "$NS/upper" "$NS/work" "$NS/root"
ROOT=$NS/root
BOOTLOG=$NS/boot.log
mount -t overlay hr-boot -o "lowerdir=/,upperdir=$NS/upper,workdir=$NS/work" "$ROOT" ||
  skip_all "cannot mount an overlay of /"
mount -t proc proc "$ROOT/proc"
mount -t tmpfs -o mode=0755 hr-dev "$ROOT/dev"
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
  IFS=: read -r n ma mi <<<"$d"
  mknod -m 0666 "$ROOT/dev/$n" c "$ma" "$mi"
done
ln -s /proc/self/fd "$ROOT/dev/fd"
mount -t tmpfs -o mode=0755 hr-run "$ROOT/run"

# in_root CMD...: run CMD as root inside the image.  as_hermes CMD...: the same as user hermes.
in_root() { chroot "$ROOT" "$@"; }
as_hermes() { chroot "$ROOT" setpriv --reuid=hermes --regid=hermes --init-groups -- "$@"; }

# --- the image ----------------------------------------------------------------------------------
# Whatever the host has at these places is hidden (whiteouts in the overlay; the host is untouched).
rm -rf "$ROOT/etc/hermes" "$ROOT/etc/cont-init.d" "$ROOT/etc/s6-overlay" "$ROOT/command" \
  "$ROOT/srv/hermes-home" "$ROOT/usr/local/bin/hermes"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" install-image DESTDIR="$ROOT" IMAGE_BIN="$HR" \
  >"$NS/install.log" 2>&1 || { diag "$(cat "$NS/install.log")"; bail "make install-image failed"; }
ok 0 "make install-image lays out the image"
names() { local f out=""; for f in "$1"/*; do out+="${f##*/} "; done; echo "$out"; }
missing=""
for f in usr/bin/hermes-reconcile etc/cont-init.d/015-supervise-perms etc/cont-init.d/02-reconcile-profiles \
  etc/s6-overlay/s6-rc.d/dashboard/run etc/s6-overlay/s6-rc.d/dashboard/finish \
  etc/s6-overlay/s6-rc.d/main-hermes/run etc/s6-overlay/s6-rc.d/hermes-reconcile-watch/run; do
  [ -f "$ROOT/$f" ] && [ -x "$ROOT/$f" ] || missing+=" $f"
done
is "$missing" "" "the image has the binary, cont-init.d and the run scripts, executable"
like "$(names "$ROOT/etc/s6-overlay/s6-rc.d/user/contents.d")" \
  "^(.* )?dashboard (.* )?hermes-reconcile-watch (.* )?main-hermes " \
  "the user bundle holds dashboard, hermes-reconcile-watch and main-hermes"
is "$(names "$ROOT/etc/cont-init.d")" "015-supervise-perms 016-gateway-stale-state 02-reconcile-profiles 03-container-boot-log " \
  "cont-init.d sorts 015-supervise-perms, 016-gateway-stale-state, 02-reconcile-profiles, 03-container-boot-log"
is "$(stat -c %a "$ROOT/etc/hermes/profiles.d")" 755 "/etc/hermes/profiles.d exists, 0755"

# --- what s6-overlay provides: /command, the container environment, the user ----------------------
mkdir -p "$ROOT/command" "$ROOT/run/s6/container_environment" "$ROOT/run/hermes-test"
for p in /usr/bin/s6-* /usr/bin/execlineb; do ln -s "$p" "$ROOT/command/"; done
install -m 0755 "$HERE/../boot/with-contenv" "$ROOT/command/with-contenv"
install -m 0755 "$HERE/../boot/hermes" "$ROOT/usr/local/bin/hermes"
contenv() { # contenv NAME [VALUE]: set (or, without VALUE, unset) a container variable
  if [ $# -gt 1 ]; then printf '%s' "$2" >"$ROOT/run/s6/container_environment/$1"
  else rm -f "$ROOT/run/s6/container_environment/$1"; fi
}
contenv PATH /command:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Not the default /opt/data: the profiles resolve only if cont-init.d sees the container environment.
contenv HERMES_HOME /srv/hermes-home

host_had_hermes=0
getent passwd hermes >/dev/null && host_had_hermes=1
# Retried: a test running beside this one may be changing the host's /etc under the overlay.
hermes_made() {
  in_root getent passwd hermes >/dev/null || in_root useradd --system --user-group --home-dir /srv/hermes-home \
    --no-create-home --shell /usr/sbin/nologin hermes >>"$NS/user.log" 2>&1
}
wait_for 10000 hermes_made || bail "cannot create user hermes in the image: $(tail -n 2 "$NS/user.log")"
if [ "$host_had_hermes" = 0 ]; then
  getent passwd hermes >/dev/null
  ok $((!$?)) "useradd in the image leaves the host's /etc/passwd alone"
fi
HGROUP=$(in_root id -gn hermes)
mkdir -p "$ROOT/srv/hermes-home/profiles/work" "$ROOT/srv/hermes-home/profiles/play" "$ROOT/srv/hermes-home/logs"
in_root chown -R hermes:"$HGROUP" /srv/hermes-home

P=$ROOT/etc/hermes/profiles.d
printf '[gateway]\nautostart = yes\n' >"$P/default.ini"
printf '[profile]\ndescription = work\n[gateway]\nautostart = yes\nargs = --verbose\n' >"$P/work.ini"
printf '[gateway]\nautostart = yes\nno_such_key = 1\n' >"$P/broken.ini"

# --- stage 2: s6-svscan, the s6-rc stand-in, cont-init.d, the user bundle --------------------------
mkdir -p "$ROOT/run/service/.s6-svscan"
chroot "$ROOT" env -i PATH=/command:/usr/bin:/bin setsid s6-svscan /run/service \
  </dev/null >>"$BOOTLOG" 2>&1 &
wait_for 5000 in_root s6-svscanctl -a /run/service 2>/dev/null || bail "s6-svscan did not start"

in_root env -i PATH=/command:/usr/bin:/bin /etc/cont-init.d/015-supervise-perms >>"$BOOTLOG" 2>&1
ok $? "015-supervise-perms: no /run/s6-rc/servicedirs is not an error"

# s6-rc-init: every compiled longrun in the live servicedirs, linked into the scandir, down.
live=/run/s6-rc:s6-rc-init:hrtest
mkdir -p "$ROOT$live/servicedirs"
ln -s "$live" "$ROOT/run/s6-rc"
SD=$ROOT$live/servicedirs
for src in "$ROOT"/etc/s6-overlay/s6-rc.d/*/; do
  name=$(basename "$src")
  [ "$(cat "$src/type" 2>/dev/null)" = longrun ] || continue
  mkdir "$SD/$name"
  for f in "$src"*; do
    case ${f##*/} in type | dependencies | dependencies.d | producer-for | consumer-for | pipeline-name) continue ;; esac
    cp -a "$f" "$SD/$name/"
  done
  touch "$SD/$name/down"
done
# s6-overlay's own services, which must stay root-only.
for name in s6rc-oneshot-runner s6-linux-test; do
  mkdir "$SD/$name"
  printf '#!/bin/sh\nexec sleep infinity\n' >"$SD/$name/run"
  chmod 0755 "$SD/$name/run"
done
STATIC=$(names "$SD")
for name in $STATIC; do ln -s "/run/s6-rc/servicedirs/$name" "$ROOT/run/service/$name"; done
in_root s6-svscanctl -a /run/service
all_supervised() { local s; for s in $STATIC; do in_root s6-svok "/run/service/$s" || return 1; done; }
wait_for 5000 all_supervised || bail "the static services are not supervised"

run_cont_init() { # the cont-init.d of s6-overlay: each script in name order, minimal environment
  local f rc=0
  for f in "$ROOT"/etc/cont-init.d/*; do
    in_root env -i PATH=/command:/usr/bin:/bin "/etc/cont-init.d/${f##*/}" >>"$BOOTLOG" 2>&1 ||
      { rc=$?; diag "${f##*/} exited $rc"; }
  done
  return "$rc"
}
run_cont_init
ok $? "cont-init.d: every script exits 0, an invalid profile file included"

# s6-rc change user: bring the bundle up, waiting for readiness where there is a notification-fd
# (the dashboard, disabled, is looked at below).
D=/run/service/dashboard
since0=$(in_root s6-svstat -o updownsince "$D")
USER_SERVICES=$(names "$ROOT/etc/s6-overlay/s6-rc.d/user/contents.d")
for name in $USER_SERVICES; do in_root s6-svc -u "/run/service/$name"; done
for name in $USER_SERVICES; do
  [ "$name" != dashboard ] || continue
  if [ -f "$SD/$name/notification-fd" ]; then
    in_root s6-svwait -U -t 10000 "/run/service/$name"
    ok $? "$name is up and ready (notification-fd)"
  else
    in_root s6-svwait -u -t 5000 "/run/service/$name"
    ok $? "$name is up"
  fi
done

# --- permissions ---------------------------------------------------------------------------------
# Only main-hermes and the dashboard are delegated (015: an allow-list); their event directories are
# public (01733) only where fs.protected_symlinks and protected_hardlinks both read 1 (SPEC 11.7).
protected() { [ "$(cat "$ROOT/proc/sys/fs/protected_symlinks")$(cat "$ROOT/proc/sys/fs/protected_hardlinks")" = 11 ]; }
if protected; then EVENTS=public EVMODE="1733 root:root"; else EVENTS="group root" EVMODE="3730 root:root"; fi
perms() { in_root s6-svperms "/run/service/$1" 2>&1 | sed 's/^[^ ]* //' | tr '\n' ' '; }
for name in $STATIC; do
  case $name in
    main-hermes | dashboard)
      is "$(perms "$name")" "status: public control: group $HGROUP events: $EVENTS " "$name: delegated to group $HGROUP" ;;
    hermes-reconcile-*)
      is "$(perms "$name")" "status: owner control: owner events: group root " "$name (runs as root): not delegated" ;;
  esac
done
is "$(stat -c '%a %U:%G' "$SD/dashboard/supervise" "$SD/dashboard/supervise/control" "$SD/dashboard/event" |
  tr '\n' ' ')" "711 root:root 620 root:$HGROUP $EVMODE " \
  "dashboard: supervise/ 0711, control 0620 of group $HGROUP, event/ $EVMODE"
for name in s6rc-oneshot-runner s6-linux-test; do
  is "$(stat -c '%a %U:%G' "$SD/$name/supervise" "$SD/$name/supervise/control" | tr '\n' ' ')" \
    "700 root:root 600 root:root " "$name: supervise/ and control stay root-only"
  as_hermes s6-svstat "/run/service/$name" >/dev/null 2>&1
  ok $((!$?)) "$name: hermes cannot read its status"
done

# --- gateways --------------------------------------------------------------------------------------
GATEWAYS="gateway-default gateway-work"
for g in $GATEWAYS; do
  wait_for 5000 in_root s6-svwait -u -t 1000 "/run/service/$g" 2>/dev/null
  ok $? "$g is up after boot"
done
[ ! -e "$ROOT/run/service/gateway-broken" ]
ok $? "the invalid profile file has no slot"

# --- idempotence -----------------------------------------------------------------------------------
snapshot() { # every entry of the live state with type, mode, owner and inode, and every pid
  (cd "$ROOT" && find run/service "${live#/}/servicedirs" -printf '%p %y %m %u:%g %i\n' | sort)
  for s in "$ROOT"/run/service/*; do echo "${s##*/} $(in_root s6-svstat -o up,pid "/run/service/${s##*/}")"; done
}
# The snapshot waits until the first boot has settled: a gateway up is not yet its logger up, and
# the disabled dashboard, brought up above, is down for good only once its run and finish are over.
first_boot_settled() {
  local g st
  for g in $GATEWAYS; do
    [ ! -d "$ROOT/run/service/$g/log" ] || in_root s6-svwait -u -t 1000 "/run/service/$g/log" 2>/dev/null || return 1
  done
  st=$(in_root s6-svstat -o up,wantedup,updownsince "$D")
  [ "${st% *}" = "false false" ] && [ "${st##* }" != "$since0" ]
}
wait_for 10000 first_boot_settled || diag "the first boot did not settle"
before=$(snapshot)
run_cont_init
ok $? "cont-init.d a second time: every script exits 0"
is "$(diff <(echo "$before") <(snapshot))" "" "cont-init.d a second time changes nothing"

mkdir "$ROOT/run/no-svscan"
contenv S6_PROFILE_GATEWAY_SCANDIR /run/no-svscan
in_root env -i PATH=/command:/usr/bin:/bin /etc/cont-init.d/02-reconcile-profiles >>"$BOOTLOG" 2>&1
is $? 111 "02-reconcile-profiles fails (111) on a system failure: no s6-svscan on the scandir"
contenv S6_PROFILE_GATEWAY_SCANDIR

# --- control as hermes -----------------------------------------------------------------------------
for s in dashboard $GATEWAYS; do
  as_hermes s6-svstat "/run/service/$s" >/dev/null
  ok $? "hermes: s6-svstat $s"
done
for g in $GATEWAYS; do
  d=/run/service/$g
  as_hermes s6-svc -d "$d" && in_root s6-svwait -d -t 5000 "$d"
  ok $? "hermes: s6-svc -d $g (waited for as root: event/ may be root-only)"
  as_hermes s6-svc -u "$d" && in_root s6-svwait -u -t 5000 "$d"
  ok $? "hermes: s6-svc -u $g"
done

# --- the dashboard ---------------------------------------------------------------------------------
# stopped_since T: the dashboard changed state after T (TAI64N) and is now down, not wanted up.
stopped_since() {
  local st; st=$(in_root s6-svstat -o up,wantedup,updownsince "$D")
  [ "${st% *}" = "false false" ] && [ "${st##* }" != "$1" ]
}
stays_down() { # still down, not wanted up, and no 'u' event within a bounded wait
  [ "$(in_root s6-svstat -o up,wantedup "$D")" = "false false" ] &&
    ! in_root s6-svwait -u -t 1500 "$D" 2>/dev/null
}
wait_for 5000 stopped_since "$since0" && stays_down
ok $? "HERMES_DASHBOARD unset: the dashboard is down and stays down"
like "$(in_root s6-svstat "$D")" '^down ' "HERMES_DASHBOARD unset: s6-svstat reports down"

contenv HERMES_DASHBOARD 1
as_hermes s6-svc -u "$D" && in_root s6-svwait -u -t 5000 "$D"
ok $? "HERMES_DASHBOARD=1: hermes starts the dashboard"
pid=$(in_root s6-svstat -o pid "$D")
HUID=$(in_root id -u hermes)
runs_as_hermes() { [ "$(awk '/^Uid:/ { print $2 }' "$ROOT/proc/$pid/status")" = "$HUID" ]; }
wait_for 5000 runs_as_hermes  # up = forked: the run script drops to hermes right after
ok $? "the dashboard runs as hermes"
kill -9 "$pid"
new_pid() { local p; p=$(in_root s6-svstat -o up,pid "$D"); [ "${p#true }" != "$p" ] && [ "${p#true }" != "$pid" ]; }
wait_for 5000 new_pid
ok $? "kill -9: the dashboard comes back with a new pid"

as_hermes s6-svc -d "$D" && in_root s6-svwait -d -t 5000 "$D"
ok $? "hermes: s6-svc -d dashboard"

echo 78 >"$ROOT/run/hermes-test/dashboard-exit"
contenv HERMES_DASHBOARD Yes
since=$(in_root s6-svstat -o updownsince "$D")
as_hermes s6-svc -u "$D"
wait_for 5000 stopped_since "$since" && stays_down && [ "$(in_root s6-svstat -o exitcode "$D")" = 78 ]
ok $? "HERMES_DASHBOARD=Yes, exit 78: the dashboard ran and stays down"
rm -f "$ROOT/run/hermes-test/dashboard-exit"

contenv HERMES_DASHBOARD 0
since=$(in_root s6-svstat -o updownsince "$D")
as_hermes s6-svc -u "$D"
wait_for 5000 stopped_since "$since" && stays_down
ok $? "HERMES_DASHBOARD=0: s6-svc -u runs it once and it stays down"

# --- the watch -------------------------------------------------------------------------------------
printf '[gateway]\nautostart = yes\n' >"$P/play.ini"
wait_for 10000 in_root s6-svwait -u -t 500 /run/service/gateway-play 2>/dev/null
ok $? "hermes-reconcile-watch publishes a new profile file"

# --- SPEC 10: a volume of the former image, a second container, a dashboard container ---------------
# Each container is a fresh overlay of the host root (its own upper layer: a new root file system)
# with the image installed, its own /run and s6-svscan, and the same volume bind-mounted on
# /opt/data; stage2-hook.sh runs as s6-overlay runs it (the container environment holding the
# Dockerfile's ENV), with the container's command where it reads it, then cont-init.d.
VOL=$NS/volume
HUID=$(in_root id -u hermes)
HGID=$(in_root id -g hermes)
mkdir -p "$VOL"
former_volume() { # as the former image left it: no profile files, profile directories
  local d
  printf '{"gateway_state": "running"}\n' >"$VOL/gateway_state.json"
  for d in alpha:running beta:stopped Bad_Name:running; do
    mkdir -p "$VOL/profiles/${d%%:*}"
    echo "# soul" >"$VOL/profiles/${d%%:*}/SOUL.md"
    printf '{"gateway_state": "%s"}\n' "${d#*:}" >"$VOL/profiles/${d%%:*}/gateway_state.json"
  done
  mkdir -p "$VOL/profiles/nosoul" "$VOL/elsewhere/linked"
  echo "# soul" >"$VOL/elsewhere/linked/SOUL.md"
  ln -s ../elsewhere/linked "$VOL/profiles/linked"
  chown -R "$HUID:$HGID" "$VOL"
}
former_volume

BOOT_DEV=$ROOT/dev   # the containers' /dev
export BOOT_DEV
# shellcheck source=test/boot/containers.sh
. "$HERE/../boot/containers.sh"

container 1 || bail "the first container on the former volume did not boot"
is "$HOOK_RC" 0 "the stage2 hook exits 0"
is "$(c_slots)" "gateway-alpha gateway-beta gateway-default " \
  "first boot on a volume of the former image: default, alpha and beta get slots (not the invalid name, the link, nosoul)"
for g in gateway-default gateway-alpha; do
  wait_for 5000 c_up "$g"
  ok $? "$g is up: its gateway_state.json says running"
done
wait_for 5000 in_c s6-svok /run/service/gateway-beta && [ "$(in_c s6-svstat -o up,wantedup /run/service/gateway-beta)" = "false false" ]
ok $? "gateway-beta is supervised and down: its gateway_state.json says stopped"
like "$(cat "$BOOTLOG")" "/opt/data/profiles/Bad_Name: invalid profile name" "the invalid directory name is reported in the boot log"
is "$(readlink "$C/etc/hermes/profiles.d")" ../../opt/data/profiles.d "/etc/hermes/profiles.d is a link to the volume"
grep -qx 'profiles = yes' "$VOL/profiles.d/_defaults.ini"
ok $? "the seeded _defaults.ini, on the volume, turns discovery on"

# A profile file written in the container (as hermes, through /etc/hermes/profiles.d).
mkdir -p "$VOL/profiles/gamma" && chown "$HUID:$HGID" "$VOL/profiles/gamma"
in_c setpriv --reuid=hermes --regid=hermes --init-groups -- \
  sh -c 'printf "[gateway]\nautostart = yes\n" >/etc/hermes/profiles.d/gamma.ini'
in_c env -i PATH=/command:/usr/bin:/bin /command/with-contenv /usr/bin/hermes-reconcile apply >>"$BOOTLOG" 2>&1
wait_for 5000 c_up gateway-gamma
ok $? "a profile file written in the container gets its gateway"
seeded=$(grep -c 'first boot: seeded' "$BOOTLOG")
stop_container
ok $? "the first container stops"

container 2 || bail "the second container on the same volume did not boot"
is "$(c_slots)" "gateway-alpha gateway-beta gateway-default gateway-gamma " \
  "a fresh root file system on the same volume: gamma.ini survived, every profile is supervised"
wait_for 5000 c_up gateway-gamma
ok $? "gateway-gamma is up after the second boot"
is "$(grep -c 'first boot: seeded' "$BOOTLOG")" "$seeded" "nothing is seeded again on the second boot"

snap_profiles() { (cd "$VOL" && find profiles.d profiles -printf '%p %y %u:%g %m %s %T@\n' | LC_ALL=C sort); }
before=$(snap_profiles)
C2=$C
# container 2's default gateway runs on the volume: its pid file is not the dashboard container's to clear
printf '4242\n' >"$VOL/gateway.pid" && chown "$HUID:$HGID" "$VOL/gateway.pid"
container 3 dashboard || bail "the dashboard container did not boot"
[ -f "$VOL/gateway.pid" ]
ok $? "the dashboard container leaves the gateway.pid of the container that shares the volume"
is "$(c_slots)" "" "a dashboard container on the same volume: no gateway slot"
[ -e "$C/run/hermes/no-gateways" ]
ok $? "the dashboard container is marked as running no gateway"
is "$(snap_profiles)" "$before" "the dashboard container wrote nothing into the profiles directories"
[ -d "$C/etc/hermes/profiles.d" ] && [ ! -L "$C/etc/hermes/profiles.d" ] && [ -z "$(ls -A "$C/etc/hermes/profiles.d")" ]
ok $? "its /etc/hermes/profiles.d stays the image's empty directory"
# Its hermes-reconcile-watch service, run as s6-supervise runs it: ready at once, and not watching.
(cd "$C/etc/s6-overlay/s6-rc.d/hermes-reconcile-watch" &&
  exec chroot "$C" sh -c 'cd /etc/s6-overlay/s6-rc.d/hermes-reconcile-watch && exec ./run' \
    3>"$NS/c3.ready" >"$NS/c3.watch" 2>&1) &
c3_watch=$!
wait_for 5000 test -s "$NS/c3.ready"
ok $? "the dashboard container's hermes-reconcile-watch is ready"
wait_for 5000 grep -q 'dashboard container: not watching' "$NS/c3.watch"
ok $? "... and says it does not watch"
kill "$c3_watch"
stop_container
C=$C2
is "$(c_slots)" "gateway-alpha gateway-beta gateway-default gateway-gamma " "the other container's gateways are untouched"
stop_container

# --- Attacks on the root services (issue 20): hermes cannot pause or stop the watch ----------------
# 015 delegated every static service to the hermes group: hermes could SIGSTOP hermes-reconcile-watch
# (s6-svc -p) mid-pass and hold the scandir lock for ever. Now only main-hermes and the dashboard.
W=/run/service/hermes-reconcile-watch
wpid=$(in_root s6-svstat -o pid "$W")
as_hermes s6-svc -p "$W" 2>/dev/null
ok $((!$?)) "hermes cannot s6-svc -p (SIGSTOP) hermes-reconcile-watch"
[ "$(awk '/^State:/ { print $2 }' "$ROOT/proc/$wpid/status")" != T ]
ok $? "...the watch is not stopped"
as_hermes s6-svc -d "$W" 2>/dev/null
ok $((!$?)) "hermes cannot bring hermes-reconcile-watch down"
as_hermes s6-svc -d /run/service/hermes-reconcile-trigger 2>/dev/null
ok $((!$?)) "hermes cannot control hermes-reconcile-trigger"
is "$(in_root s6-svstat -o up,pid "$W")" "true $wpid" "...the watch still runs, the same process"

# --- SPEC 11.7 both ways: the sysctls read 1 (files bound over them in this namespace's /proc) -------
# Only 015's decision is shown here: the kernel itself is unchanged.
echo 1 >"$NS/one"
mount --bind "$NS/one" "$ROOT/proc/sys/fs/protected_symlinks" &&
  mount --bind "$NS/one" "$ROOT/proc/sys/fs/protected_hardlinks"
ok $? "fs.protected_symlinks and protected_hardlinks made to read 1 in the image"
in_root env -i PATH=/command:/usr/bin:/bin /etc/cont-init.d/015-supervise-perms >>"$BOOTLOG" 2>&1
is "$(perms dashboard)" "status: public control: group $HGROUP events: public " "protected: the dashboard's events are public"
is "$(stat -c '%a %U:%G' "$SD/dashboard/event")" "1733 root:root" "...event/ 01733, root's"
contenv HERMES_DASHBOARD 1
as_hermes s6-svc -u "$D" && as_hermes s6-svwait -u -t 5000 "$D"
ok $? "...and hermes can s6-svwait it"
as_hermes s6-svc -d "$D"
umount "$ROOT/proc/sys/fs/protected_symlinks" "$ROOT/proc/sys/fs/protected_hardlinks"
if ! protected; then
  in_root env -i PATH=/command:/usr/bin:/bin /etc/cont-init.d/015-supervise-perms >>"$BOOTLOG" 2>&1
  is "$(stat -c '%a %U:%G' "$SD/dashboard/event")" "3730 root:root" "not protected again: event/ back to root-only"
  as_hermes s6-svwait -d -t 100 "$D" 2>/dev/null
  ok $((!$?)) "...and hermes cannot subscribe to it"
fi
like "$(cat "$BOOTLOG")" "015-supervise-perms: fs.protected_symlinks = fs.protected_hardlinks = 1: event directories public" \
  "015 says which way it went"

[ "$TAP_FAILED" -eq 0 ] || diag "$(tail -n 40 "$BOOTLOG")"
done_testing
