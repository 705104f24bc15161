# shellcheck shell=bash
# containers.sh: boot containers of the image on a data volume, the way 50-boot.t simulates
# s6-overlay (sourced by 50-boot.t and 52-attack-boot.t, inside their private mount + PID namespace).
# Each container is a fresh overlay of the host root (its own upper layer) with the image installed
# (`make install-image`), its own /run and s6-svscan, the volume $VOL bind-mounted on /opt/data;
# stage2-hook.sh runs as s6-overlay runs it (the container environment holding the Dockerfile's ENV,
# with the container's command where it reads it), then cont-init.d in order.
#
# Needs: NS (the namespace's tmpfs), BOOT_DEV (a /dev to bind), REPO, HR, HERE, BOOTLOG, VOL,
# HUID; lib.sh's wait_for and diag. Sets C (the container's root) and HOOK_RC (the hook's exit).
# HR_CONTAINER_ENV: extra NAME=VALUE container variables for the next container (space-separated).
# HR_CONTAINER_RESTART=1: `docker restart`: container N's root file system is kept as its last boot
# left it (its upper layer), only /run is new.
# HR_CONT_INIT_TIMEOUT: seconds a cont-init.d script may take (default 120) before the boot fails.
# shellcheck disable=SC2317  # functions called through wait_for
# container N CMD-ARG...: boot container N on the volume; its root is $C (in_c runs in it).
in_c() { chroot "$C" "$@"; }
container() {
  local n=$1 f; shift
  C=$NS/c$n
  mkdir -p "$NS/c$n.upper" "$NS/c$n.work" "$C"
  mount -t overlay "hr-boot-c$n" -o "lowerdir=/,upperdir=$NS/c$n.upper,workdir=$NS/c$n.work" "$C" || return 1
  mount -t proc proc "$C/proc"
  mount --rbind "$BOOT_DEV" "$C/dev"
  mount -t tmpfs -o mode=0755 "hr-run-c$n" "$C/run"
  if [ -z "${HR_CONTAINER_RESTART:-}" ]; then   # a restart keeps the container's root file system
    rm -rf "$C/etc/hermes" "$C/etc/cont-init.d" "$C/etc/s6-overlay" "$C/command" "$C/usr/local/bin/hermes" "$C/var/lib/hermes"
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" install-image DESTDIR="$C" IMAGE_BIN="$HR" \
      >"$NS/install-c$n.log" 2>&1 || return 1
    mkdir -p "$C/command"
    for f in /usr/bin/s6-* /usr/bin/execlineb; do ln -s "$f" "$C/command/"; done
  fi
  mkdir -p "$C/run/s6/container_environment" "$C/run/hermes-test" "$C/opt/data" "$C/run/service/.s6-svscan"
  install -m 0755 "$HERE/../boot/with-contenv" "$C/command/with-contenv"
  install -m 0755 "$HERE/../boot/hermes" "$C/usr/local/bin/hermes"
  in_c getent passwd hermes >/dev/null ||
    in_c useradd --uid "$HUID" --user-group --home-dir /opt/data --no-create-home --shell /bin/sh hermes || return 1
  mount --bind "$VOL" "$C/opt/data"
  # the Dockerfile's ENV, and where this test puts the container's command for the hook
  printf '%s' /command:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin >"$C/run/s6/container_environment/PATH"
  printf '%s' /opt/data >"$C/run/s6/container_environment/HERMES_HOME"
  printf '%s' yes >"$C/run/s6/container_environment/HERMES_PROFILES_ON_VOLUME"
  printf '%s' /run/hermes-test/cmdline >"$C/run/s6/container_environment/HERMES_STAGE2_CMDLINE"
  printf 'sh\0-e\0/run/s6/basedir/scripts/rc.init\0top\0/usr/libexec/hermes/main-wrapper.sh\0' >"$C/run/hermes-test/cmdline"
  [ $# -eq 0 ] || printf '%s\0' "$@" >>"$C/run/hermes-test/cmdline"
  local kv
  for kv in ${HR_CONTAINER_ENV:-}; do printf '%s' "${kv#*=}" >"$C/run/s6/container_environment/${kv%%=*}"; done
  chroot "$C" env -i PATH=/command:/usr/bin:/bin setsid s6-svscan /run/service </dev/null >>"$BOOTLOG" 2>&1 &
  wait_for 5000 in_c s6-svscanctl -a /run/service 2>/dev/null || return 1
  in_c env -i PATH=/command:/usr/bin:/bin /usr/libexec/hermes/stage2-hook.sh >>"$BOOTLOG" 2>&1
  export HOOK_RC=$?   # read by the test that sources this
  for f in "$C"/etc/cont-init.d/*; do
    # bounded: a script that hangs on what the volume holds fails the boot instead of the test
    timeout -k 5 "${HR_CONT_INIT_TIMEOUT:-120}" chroot "$C" env -i PATH=/command:/usr/bin:/bin \
      "/etc/cont-init.d/${f##*/}" >>"$BOOTLOG" 2>&1 || { diag "container $n: ${f##*/} failed or hung"; return 1; }
  done
}
# stop_container: s6-svscan and every supervisor and gateway of $C end (as at docker stop).
svscan_of_c() { pgrep -f "^s6-svscan /run/service\$" | while read -r p; do
  [ "$(readlink "/proc/$p/root")" = "$C" ] && echo "$p"; done; }
# no_process_in_c: no process has $C as its root (builtins only: the host may run thousands).
no_process_in_c() { local p; for p in /proc/[0-9]*; do [ ! "$p/root" -ef "$C" ] || return 1; done; }
stop_container() {
  in_c s6-svscanctl -t /run/service 2>/dev/null
  wait_for 10000 no_process_in_c || { diag "container $C: processes left"; return 1; }
  umount -R -l "$C"
}
c_slots() { find "$C/run/service" -maxdepth 1 -name 'gateway-*' -printf '%f\n' | sort | tr '\n' ' '; }
c_up() { in_c s6-svwait -u -t 1000 "/run/service/$1" 2>/dev/null; }
