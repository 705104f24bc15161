#!/usr/bin/env bash
# 52-attack-boot.t: the hermes user attacks the image's root boot side (issue 20; SPEC 11, "the whole
# root side"), through 50-boot.t's machinery (test/boot/containers.sh): a volume prepared as hermes
# could leave it, then a container booted on it (stage2-hook.sh, cont-init.d) as s6-overlay would.
# Each attack: nothing is written through, nothing hangs, the next boot converges, the message is true.
#
# Issue 20's first bullet (root from the boot hook): a dangling .hermes-seeded link, a planted
# temporary name, the volume's profiles.d swapped for a link to a root directory. Its fourth (hangs):
# a FIFO at logs/container-boot.log, four sparse 1 GiB gateway_state.json files. Our own: a hard link
# to a root file in a hermes tree and at a named top-level file, a profile directory whose name
# carries a newline (a forged prior_state), a host file at the top of the home, logs/ and the boot
# log as links, a gateway_state.json that is a link, a deep tree around a root-owned file.
# (SIGSTOP of the watch: 50-boot.t, at its end; a refused HERMES_UID: 51-boot-s6-overlay.t.)
# shellcheck disable=SC2317  # functions called through wait_for
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=test/boot/namespace.sh
. "$HERE/../boot/namespace.sh"

NS=$(mktemp -d /tmp/hr-boot52.XXXXXX)
at_exit "umount -R -l '$NS'; rmdir '$NS'"
mount -t tmpfs -o mode=0755 hr-boot52 "$NS" || skip_all "cannot mount a tmpfs"
BOOTLOG=$NS/boot.log
BOOT_DEV=$NS/dev
mkdir "$BOOT_DEV"
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
  IFS=: read -r n ma mi <<<"$d"
  mknod -m 0666 "$BOOT_DEV/$n" c "$ma" "$mi"
done
ln -s /proc/self/fd "$BOOT_DEV/fd"
export BOOT_DEV
VOL=$NS/volume
HUID=$(id -u hermes 2>/dev/null || echo 10000)
HGID=$(id -g hermes 2>/dev/null || echo 10000)
# shellcheck source=test/boot/containers.sh
. "$HERE/../boot/containers.sh"
HR_CONT_INIT_TIMEOUT=60
as_h() { setpriv --reuid="$HUID" --regid="$HGID" --clear-groups -- "$@"; }   # hermes, on the host side

# volume: a clean volume of this image (profiles.d, a default profile, a profile work), root's
# corner rootonly/ (0700, root's precious file), and a host file at the top of the home.
volume() {
  rm -rf "$VOL"
  mkdir -p "$VOL/profiles.d" "$VOL/profiles/work" "$VOL/rootonly" "$VOL/skills" "$VOL/logs"
  printf '[gateway]\nautostart = state\n' >"$VOL/profiles.d/default.ini"
  printf '[gateway]\nautostart = state\n' >"$VOL/profiles.d/work.ini"
  echo "# soul" >"$VOL/profiles/work/SOUL.md"
  printf '{"gateway_state": "running"}\n' >"$VOL/gateway_state.json"
  printf '{"gateway_state": "running"}\n' >"$VOL/profiles/work/gateway_state.json"
  chown -R "$HUID:$HGID" "$VOL"
  chown 0:0 "$VOL/rootonly"; chmod 0700 "$VOL/rootonly"
  echo precious >"$VOL/rootonly/precious"; chmod 0600 "$VOL/rootonly/precious"
  echo host >"$VOL/notes.txt"; chown 4242:4242 "$VOL/notes.txt"
}
rootonly() { stat -c '%n %U:%G %a %h %s' "$VOL/rootonly" "$VOL/rootonly"/* | sed "s#$VOL/##" | tr '\n' ' '; }
boot_log() { # the boot log, if it is a regular file (a FIFO would hang the test itself)
  local f=$VOL/logs/container-boot.log
  [ -f "$f" ] && [ ! -L "$f" ] && timeout 5 cat "$f"
}
boot() { # boot N: container N on the volume, then stopped; sets BOOTED (0 if every step passed)
  local n=$1
  : >"$BOOTLOG"
  container "$n"; BOOTED=$?
  SLOTS=$(c_slots)
  stop_container || bail "container $n did not stop"
}

# === Issue 20, bullet 1: root from the boot hook ======================================================
volume
ROOTONLY=$(rootonly)
as_h rm "$VOL/profiles.d/default.ini" "$VOL/profiles.d/work.ini"   # every *.ini deleted: re-armed, before
as_h ln -s /etc/ld.so.preload "$VOL/profiles.d/.hermes-seeded"    # a dangling marker link
as_h ln -s /opt/data/rootonly/precious "$VOL/profiles.d/.default.ini.stage2-hook.sh.tmp"   # a temp name
as_h ln -s /opt/data/rootonly/precious "$VOL/profiles.d/.hr-tmp"
boot 1
is "$BOOTED:$HOOK_RC" 0:0 "planted links in profiles.d: the boot completes, the hook exits 0"
[ ! -e "$NS/c1.upper/etc/ld.so.preload" ] && [ ! -L "$NS/c1.upper/etc/ld.so.preload" ]
ok $? "no /etc/ld.so.preload made through a dangling .hermes-seeded link (the container's upper layer)"
is "$(rootonly)" "$ROOTONLY" "a root-only file behind a planted temporary name is untouched (owner, mode, content)"
set -- "$VOL"/profiles.d/*.ini
[ ! -e "$1" ]; ok $? "every *.ini deleted, a marker link planted: nothing seeded again"

# The last hop of /etc/hermes/profiles.d -> /opt/data/profiles.d swapped for a link to a root
# directory, then the container restarted (its /etc/hermes/profiles.d link kept).
volume
ROOTONLY=$(rootonly)
boot 2
is "$(readlink "$NS/c2.upper/etc/hermes/profiles.d")" ../../opt/data/profiles.d "the first boot links /etc/hermes/profiles.d to the volume"
rm -rf "$VOL/profiles.d"
as_h ln -s rootonly "$VOL/profiles.d"
HR_CONTAINER_RESTART=1 boot 2
is "$HOOK_RC" 0 "profiles.d a link to a root directory: the hook exits 0"
is "$(rootonly)" "$ROOTONLY" "nothing written into the root directory, nor its owner changed"
like "$(cat "$BOOTLOG")" "profiles.d: it is not a directory \(a symbolic link\?\)" "the refusal says why"
as_h rm "$VOL/profiles.d"
as_h mkdir "$VOL/profiles.d"
as_h sh -c "printf '[gateway]\nautostart = yes\n' >'$VOL/profiles.d/work.ini'"
boot 3
is "$BOOTED:$SLOTS" "0:gateway-work " "the next boot, the link replaced by a directory again: it converges"

# === Issue 20, bullet 4: a FIFO at the boot log, four sparse 1 GiB gateway_state.json files ==========
volume
as_h mkfifo "$VOL/logs/container-boot.log"
boot 4
is "$BOOTED" 0 "a FIFO at logs/container-boot.log: the boot completes (03-container-boot-log does not hang)"
[ -f "$VOL/logs/container-boot.log" ] && [ ! -p "$VOL/logs/container-boot.log" ]
ok $? "the FIFO is replaced by a regular boot log"
is "$(stat -c %u "$VOL/logs/container-boot.log")" "$HUID" "...written by hermes"
like "$(cat "$BOOTLOG")" "logs/container-boot.log was not a regular file: replaced" "...and that is said"
volume
for d in "$VOL" "$VOL"/profiles/work "$VOL"/profiles/big1 "$VOL"/profiles/big2; do
  as_h mkdir -p "$d"
  as_h truncate -s 1G "$d/gateway_state.json"
done
boot 5
is "$BOOTED" 0 "four sparse 1 GiB gateway_state.json files: the boot completes (016-gateway-stale-state does not stall)"
like "$(boot_log)" " profile=default prior_state=unknown action=" "a 1 GiB gateway_state.json reads as prior_state=unknown"
boot 6
is "$(boot_log | grep -c ' profile=default ')" 2 "the next boot logs again, one more line"

# === Our own attacks ==================================================================================
# 1. A hard link to a root-only file in a hermes tree; 2. one at a named top-level file (.env);
# 3. a host file at the top of the home (not in hermes' list); 4. a profile directory whose name holds
# a newline, forging another profile's prior_state; 5. logs/ a link to a root directory;
# 6. gateway_state.json a link to a root file; 7. a root-owned file in a deep hermes tree.
volume
ROOTONLY=$(rootonly)
as_h ln "$VOL/rootonly/precious" "$VOL/skills/precious" 2>/dev/null ||
  ln "$VOL/rootonly/precious" "$VOL/skills/precious"      # fs.protected_hardlinks = 1: planted as root
ln "$VOL/rootonly/precious" "$VOL/.env"
as_h mkdir -p "$VOL/profiles/0forged running"$'\n'"work"
d=$VOL/sessions
for i in $(seq 1 100); do d=$d/s; done
as_h mkdir -p "$d"
mkdir "$VOL/sessions/s/rootmade"; echo x >"$VOL/sessions/s/rootmade/f"    # as docker exec as root would
boot 7
is "$BOOTED:$HOOK_RC" 0:0 "hard links, a forged name, a deep tree: the boot completes, the hook exits 0"
is "$(stat -c '%U:%G %a %h' "$VOL/rootonly/precious")" "root:root 600 3" "1, 2. a root-only file hard-linked into skills/ and as .env stays root's, 0600"
like "$(cat "$BOOTLOG")" "refusing precious in /opt/data/skills: it has other hard links" "1. refused, said"
like "$(cat "$BOOTLOG")" "refusing /opt/data/.env: it has other hard links" "2. refused, said"
is "$(stat -c %u:%g "$VOL/notes.txt")" 4242:4242 "3. a host file at the top of the home keeps its owner"
like "$(boot_log | grep ' profile=work ')" " prior_state=running action=" "4. work's prior_state is its own, not forged by a directory name"
is "$(stat -c %u "$VOL/sessions/s/rootmade" "$VOL/sessions/s/rootmade/f" | tr '\n' ' ')" "$HUID $HUID " \
  "7. a root-owned file in a 100-level hermes tree is given to hermes"

rm -f "$VOL/skills/precious" "$VOL/.env"
rm -rf "$VOL/logs"
as_h ln -s rootonly "$VOL/logs"
as_h ln -sf /opt/data/rootonly/precious "$VOL/profiles/work/gateway_state.json"
ROOTONLY=$(rootonly)
boot 8
is "$BOOTED:$HOOK_RC" 0:0 "logs/ and gateway_state.json links: the boot completes, the hook exits 0"
is "$(rootonly)" "$ROOTONLY" "5, 6. the root directory behind logs/ and the root file behind gateway_state.json are untouched"
like "$(cat "$BOOTLOG")" "unable to open /opt/data/logs \(a symbolic link\?\)" "5. the boot log says why it is not written"
as_h rm "$VOL/logs"
boot 9
like "$(boot_log)" " profile=work prior_state=unknown action=" "6. a linked gateway_state.json reads unknown; the next boot logs again"

done_testing
