#!/bin/bash
# docker/stage2-hook.sh in a temporary root (HERMES_STAGE2_ROOT), with the hermes-reconcile under
# test doing the volume's work (HERMES_STAGE2_HR): HERMES_UID/HERMES_GID validation and remap
# (PUID/PGID as aliases), ownership of the data volume's hermes files without following symbolic
# links (`boot own`), first-boot seeding of profiles.d as hermes (`boot seed`) and when it happens,
# first-boot.sh run as hermes, and idempotence. A refused input is a warning, exit 0 (s6-overlay
# 3.2.3.0 stops the container on a failing hook). Nothing outside $TMP is touched.
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

need_root

HOOK=$TMP/stage2-hook.sh
install -m 0755 "$TOP/docker/stage2-hook.sh" "$HOOK"
EXAMPLE=$TOP/conf.d-examples/default.ini

# mkroot DIR: a fresh image root: hermes 10000:10000 (home /opt/data), another user 2000, the
# example default.ini, an empty profiles.d owned by 10000, and a data volume as left by an older
# container or by `docker exec` as root.
mkroot() {
  local r=$1
  mkdir -p "$r/etc/hermes/profiles.d" "$r/usr/share/hermes/profiles.d-examples" \
    "$r/opt/data/profiles/work" "$r/opt/data/logs/gateways/work" "$r/opt/data/hostdir" "$r/outside"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'other:x:2000:2000::/home/other:/bin/sh' \
    'hermes:x:10000:10000::/opt/data:/bin/sh' 'last:x:3000:3000::/home/last:/bin/sh' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'other:x:2000:' 'hermes:x:10000:' 'last:x:3000:' >"$r/etc/group"
  chmod 0644 "$r/etc/passwd" "$r/etc/group"
  if [ -f "$EXAMPLE" ]; then cp "$EXAMPLE" "$r/usr/share/hermes/profiles.d-examples/default.ini"
  else printf '[profile]\nenabled = yes\n' >"$r/usr/share/hermes/profiles.d-examples/default.ini"; fi
  chown 10000:10000 "$r/etc/hermes/profiles.d"
  echo "model: x" >"$r/opt/data/config.yaml"                   # root-owned top-level file
  echo '{"gateway_state":"running"}' >"$r/opt/data/profiles/work/gateway_state.json"
  echo log >"$r/opt/data/logs/gateways/work/current"
  echo host >"$r/opt/data/hostdir/file"; chown -R 4242:4242 "$r/opt/data/hostdir"  # a host bind mount
  echo secret >"$r/outside/secret"                               # root-owned, outside the volume
  ln -s "$r/outside" "$r/opt/data/skills"                         # a hermes tree that is a link
  ln -s "$r/outside/secret" "$r/opt/data/profiles/work/link"      # a link inside a hermes tree
}

# hook ROOT VAR=VALUE...: run the hook with s6-overlay's emptied environment; sets OUT, ERR, RC.
hook() {
  local r=$1; shift
  OUT=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HERMES_STAGE2_ROOT="$r" HERMES_S6_BINDIR="$TMP/none" HERMES_STAGE2_HR="$HR" \
    "$@" "$HOOK" 2>"$TMP/err")
  RC=$?
  ERR=$(cat "$TMP/err")
}
owner() { stat -c %u:%g "$1"; }
snapshot() { (cd "$1" && find . -printf '%p %y %u:%g %m %s %T@\n' | LC_ALL=C sort; cat etc/passwd etc/group); }

# --- Validation: every invalid value is refused, named, and changes no account --------------------
R=$TMP/r-invalid
mkroot "$R"
rm "$R/opt/data/skills"
cp "$R/etc/passwd" "$TMP/passwd.orig"; cp "$R/etc/group" "$TMP/group.orig"
for bad in 0 65535 -1 abc 12x 010 '1 2' 99999999999999999999; do
  hook "$R" HERMES_UID="$bad"
  is "$RC" 0 "HERMES_UID='$bad': exit code 0 (a warning: the container goes on)"
  like "$ERR" "^stage2-hook.sh: warning: HERMES_UID='$bad' refused: must be an integer from 1 to 65534" \
    "HERMES_UID='$bad': refused on stderr, with the script's name"
  hook "$R" HERMES_GID="$bad"
  like "$ERR" "^stage2-hook.sh: warning: HERMES_GID='$bad' refused" "HERMES_GID='$bad': refused"
done
cmp -s "$R/etc/passwd" "$TMP/passwd.orig" && cmp -s "$R/etc/group" "$TMP/group.orig"
ok $? "invalid values changed neither /etc/passwd nor /etc/group"
hook "$R" HERMES_UID=65534 HERMES_GID=1
is "$RC" 0 "the bounds 65534 and 1 are accepted (exit 0)"
like "$(grep '^hermes:' "$R/etc/passwd")" '^hermes:x:65534:1:' "HERMES_UID=65534 HERMES_GID=1 applied"

# --- First boot with a remap -----------------------------------------------------------------------
R=$TMP/r
mkroot "$R"
hook "$R" HERMES_UID=4321 HERMES_GID=4322
is "$RC" 0 "first boot: exit 0 (a symbolic link was refused, a warning), everything else done"
is "$(grep '^hermes:' "$R/etc/passwd")" "hermes:x:4321:4322::/opt/data:/bin/sh" "passwd: hermes remapped to 4321:4322"
is "$(grep '^hermes:' "$R/etc/group")" "hermes:x:4322:" "group: hermes remapped to 4322"
is "$(grep -v '^hermes:' "$R/etc/passwd" | tr '\n' ' ')" \
  "root:x:0:0:root:/root:/bin/bash other:x:2000:2000::/home/other:/bin/sh last:x:3000:3000::/home/last:/bin/sh " \
  "passwd: the other users are untouched"
is "$(stat -c %a "$R/etc/passwd")" 644 "passwd keeps its mode"
is "$(owner "$R/opt/data")" 4321:4322 "HERMES_HOME itself is hermes's"
is "$(owner "$R/opt/data/config.yaml")" 4321:4322 "top-level files of HERMES_HOME are hermes's"
is "$(owner "$R/opt/data/profiles/work/gateway_state.json")" 4321:4322 "profiles/ tree is hermes's"
is "$(owner "$R/opt/data/logs/gateways/work/current")" 4321:4322 "logs/ tree is hermes's"
is "$(owner "$R/opt/data/profiles/work/link")" 0:0 "a link inside a hermes tree: left as it is, never followed"
is "$(owner "$R/outside/secret")" 0:0 "...and what it points to is not"
is "$(owner "$R/opt/data/skills")" 0:0 "a hermes tree that is a symbolic link is left as it is"
is "$(owner "$R/outside")" 0:0 "...and so is its target"
like "$ERR" "boot own: refusing $R/opt/data/skills: it is not a directory \\(a symbolic link\\?\\)" "the refusal is reported"
is "$(owner "$R/opt/data/hostdir/file")" 4242:4242 "other directories of the volume (host bind mounts) are not touched"
is "$(owner "$R/etc/hermes/profiles.d")" 4321:4322 "profiles.d follows the remap"
is "$(owner "$R/etc/hermes/profiles.d/default.ini")" 4321:4322 "first boot: default.ini seeded, hermes's"
is "$(stat -c %a "$R/etc/hermes/profiles.d/default.ini")" 644 "default.ini is 0644"
cmp -s "$R/etc/hermes/profiles.d/default.ini" "$R/usr/share/hermes/profiles.d-examples/default.ini"
ok $? "default.ini is the example's"
like "$OUT" "first boot: seeded" "the seeding is announced"
is "$(find "$R/etc/hermes/profiles.d" -name '*.tmp' | wc -l)" 0 "no temporary file is left"

# --- Idempotence -----------------------------------------------------------------------------------
before=$(snapshot "$R")
hook "$R" HERMES_UID=4321 HERMES_GID=4322
after=$(snapshot "$R")
is "$after" "$before" "second boot: nothing changed (names, types, owners, modes, sizes, mtimes)"
[[ $OUT != *seeded* ]]; ok $? "second boot: nothing seeded"

# A deleted default.ini stays deleted (the first boot is over).
rm "$R/etc/hermes/profiles.d/default.ini"
hook "$R"
[ ! -e "$R/etc/hermes/profiles.d/default.ini" ]; ok $? "a default.ini deleted by the operator is not seeded again"

# No remap asked: a volume left by 4321 goes back to 10000.
R2=$TMP/r2
mkroot "$R2"
chown -R 4321:4321 "$R2/opt/data/profiles"
hook "$R2"
is "$(owner "$R2/opt/data/profiles/work/gateway_state.json")" 10000:10000 "no remap: the volume's hermes files go to 10000"
is "$(grep '^hermes:' "$R2/etc/passwd")" "hermes:x:10000:10000::/opt/data:/bin/sh" "no remap: passwd unchanged"

# --- Seeding only into an empty profiles.d --------------------------------------------------------
R3=$TMP/r3
mkroot "$R3"
rm "$R3/opt/data/skills"
printf '[gateway]\nautostart = no\n' >"$R3/etc/hermes/profiles.d/work.ini"
hook "$R3"
is "$RC" 0 "no link to refuse: exit 0"
[ ! -e "$R3/etc/hermes/profiles.d/default.ini" ]; ok $? "profiles.d with a profile: nothing seeded"
rm "$R3/etc/hermes/profiles.d/work.ini"
: >"$R3/etc/hermes/profiles.d/.editor.swp"
hook "$R3"
[ ! -e "$R3/etc/hermes/profiles.d/default.ini" ]
ok $? "no *.ini left after the first boot: not seeded again (the container's first boot is over)"
R3b=$TMP/r3b
mkroot "$R3b"
rm "$R3b/opt/data/skills"
: >"$R3b/etc/hermes/profiles.d/.editor.swp"
hook "$R3b"
[ -f "$R3b/etc/hermes/profiles.d/default.ini" ]; ok $? "first boot, profiles.d with dot files only: default.ini seeded"
is "$(owner "$R3b/var/lib/hermes/profiles-seeded")" 0:0 "the first boot is recorded in root's /var/lib/hermes"

# --- HERMES_HOME that is a symbolic link ----------------------------------------------------------
R4=$TMP/r4
mkroot "$R4"
mkdir -p "$R4/elsewhere"; echo x >"$R4/elsewhere/file"
ln -s "$R4/elsewhere" "$R4/linked"
hook "$R4" HERMES_HOME=/linked
is "$RC" 0 "HERMES_HOME a symbolic link: exit 0 (a warning)"
like "$ERR" "boot own: refusing $R4/linked \(HERMES_HOME\): a symbolic link on its path" "HERMES_HOME a link: reported"
is "$(owner "$R4/elsewhere/file")" 0:0 "HERMES_HOME a link: what it points to is not chowned"

# --- PUID/PGID: aliases of HERMES_UID/HERMES_GID ---------------------------------------------------
R6=$TMP/r6
mkroot "$R6"
rm "$R6/opt/data/skills"
hook "$R6" PUID=4401 PGID=4402
is "$RC" 0 "PUID=4401 PGID=4402: exit 0"
like "$(grep '^hermes:' "$R6/etc/passwd")" '^hermes:x:4401:4402:' "PUID/PGID remap the hermes user and its group"
like "$(grep '^hermes:' "$R6/etc/group")" '^hermes:x:4402:' "PGID remaps the hermes group"
is "$(owner "$R6/opt/data/config.yaml")" 4401:4402 "PUID/PGID: the volume's files are given to the new ids"
R7=$TMP/r7
mkroot "$R7"
rm "$R7/opt/data/skills"
hook "$R7" HERMES_UID=4501 PUID=4601 HERMES_GID=4502 PGID=4602
like "$(grep '^hermes:' "$R7/etc/passwd")" '^hermes:x:4501:4502:' "HERMES_UID/HERMES_GID win over PUID/PGID"
hook "$R7" PUID=0 PGID=x
is "$RC" 0 "PUID=0 PGID=x: exit 0 (warnings)"
like "$ERR" "stage2-hook.sh: warning: PUID='0' refused: must be an integer from 1 to 65534" "PUID=0 refused, named PUID"
like "$ERR" "stage2-hook.sh: warning: PGID='x' refused" "PGID=x refused, named PGID"
like "$(grep '^hermes:' "$R7/etc/passwd")" '^hermes:x:4501:4502:' "refused PUID/PGID change nothing"

# --- The volume's profiles.d (HERMES_PROFILES_ON_VOLUME): seeded by the boot that makes it -------
RV=$TMP/rv
mkroot "$RV"
rm "$RV/opt/data/skills"
chmod 0755 "$RV/etc/hermes"
cp "$RV/usr/share/hermes/profiles.d-examples/default.ini" "$RV/usr/share/hermes/profiles.d-examples/_defaults.ini"
hook "$RV" HERMES_PROFILES_ON_VOLUME=yes
is "$RC" 0 "on the volume: exit 0"
is "$(readlink "$RV/etc/hermes/profiles.d")" ../../opt/data/profiles.d "/etc/hermes/profiles.d is a link to the volume"
is "$(stat -c '%u:%g %a' "$RV/opt/data/profiles.d" "$RV/opt/data/profiles.d/default.ini" "$RV/opt/data/profiles.d/_defaults.ini" \
  "$RV/opt/data/profiles.d/.hermes-seeded" | tr '\n' ' ')" "10000:10000 755 10000:10000 644 10000:10000 644 10000:10000 644 " \
  "the volume's profiles.d is made and seeded by hermes (default.ini, _defaults.ini, marker)"
rm "$RV"/opt/data/profiles.d/*.ini "$RV/opt/data/profiles.d/.hermes-seeded"
hook "$RV" HERMES_PROFILES_ON_VOLUME=yes
is "$(find "$RV/opt/data/profiles.d" -mindepth 1)" "" "every *.ini and the marker deleted: nothing seeded again (no re-arming)"
rmdir "$RV/opt/data/profiles.d"
hook "$RV" HERMES_PROFILES_ON_VOLUME=yes
[ -f "$RV/opt/data/profiles.d/default.ini" ]; ok $? "the directory itself removed: the next boot makes and seeds it again"

# The replacement is hermes-reconcile's (boot link-volume), on a descriptor of /etc/hermes: only an
# empty directory in a parent that is root's alone is replaced; anything else is used as it is.
RL=$TMP/rl
mkroot "$RL"
rm "$RL/opt/data/skills"
chmod 0775 "$RL/etc/hermes"
hook "$RL" HERMES_PROFILES_ON_VOLUME=yes
is "$(stat -c %F "$RL/etc/hermes/profiles.d")" directory "/etc/hermes writable by its group: profiles.d is not replaced"
like "$ERR" "refusing $RL/etc/hermes: not root's alone" "...and the refusal says why"
like "$ERR" "could not link $RL/etc/hermes/profiles.d" "...and that the profile files stay in the container"
chmod 0755 "$RL/etc/hermes"
printf '[gateway]\n' >"$RL/etc/hermes/profiles.d/mine.ini"
hook "$RL" HERMES_PROFILES_ON_VOLUME=yes
is "$(stat -c %F "$RL/etc/hermes/profiles.d")" directory "profiles.d holding a file: used as it is"
[ -f "$RL/etc/hermes/profiles.d/mine.ini" ]; ok $? "...the file still there"
like "$ERR" "profiles.d holds files: used as it is" "...and that is said"
rm -r "$RL/etc/hermes/profiles.d"
ln -s ../../outside "$RL/etc/hermes/profiles.d"
hook "$RL" HERMES_PROFILES_ON_VOLUME=yes
is "$(readlink "$RL/etc/hermes/profiles.d")" ../../outside "profiles.d a link elsewhere: used as it is"
like "$ERR" "profiles.d is a link elsewhere: used as it is" "...and that is said"
[ ! -e "$RL/opt/data/profiles.d/default.ini" ]; ok $? "...and the volume's profiles.d is not seeded for it"
rm "$RL/etc/hermes/profiles.d"
: >"$RL/etc/hermes/profiles.d"
hook "$RL" HERMES_PROFILES_ON_VOLUME=yes
is "$(stat -c %F "$RL/etc/hermes/profiles.d")" "regular empty file" "profiles.d a regular file: used as it is"
like "$ERR" "profiles.d is not a directory: used as it is" "...and that is said"

# --- Attacks on the seeding (issue 20): nothing root-chosen becomes hermes's ----------------------
# The volume's profiles.d replaced by a link to a root directory, a dangling marker link, a
# planted temporary name: whatever is written there is written as hermes, and root's files stay.
RA=$TMP/ra
mkroot "$RA"
rm "$RA/opt/data/skills"
mkdir -m 0700 "$RA/rootdir"; echo root >"$RA/rootdir/keep"
hook "$RA" HERMES_PROFILES_ON_VOLUME=yes          # first boot: the link exists
rm -rf "$RA/opt/data/profiles.d"
ln -s ../rootdir "$RA/opt/data/profiles.d"        # the last hop swapped for a link to a root dir
chown -h 10000:10000 "$RA/opt/data/profiles.d"
hook "$RA" HERMES_PROFILES_ON_VOLUME=yes
is "$RC" 0 "profiles.d swapped for a link to a root directory: exit 0"
is "$(find "$RA/rootdir" -mindepth 1 -printf '%f ')" "keep " "...nothing written into the root directory"
is "$(stat -c '%u:%g %a' "$RA/rootdir" "$RA/rootdir/keep" | tr '\n' ' ')" "0:0 700 0:0 644 " "...its owner and mode unchanged"
like "$ERR" "refusing $RA/opt/data/profiles.d: a symbolic link" "...and the refusal says why"
# a fresh image dir on its first boot with a dangling marker link and a planted temporary name
RB=$TMP/rb
mkroot "$RB"
rm "$RB/opt/data/skills"
ln -s ../../ld.so.preload "$RB/etc/hermes/profiles.d/.hermes-seeded"
ln -s ../../shadow-new "$RB/etc/hermes/profiles.d/.default.ini.stage2-hook.sh.tmp"
ln -s ../../shadow-new2 "$RB/etc/hermes/profiles.d/.hr-tmp"
chown -h 10000:10000 "$RB"/etc/hermes/profiles.d/.??*
hook "$RB"
is "$RC" 0 "planted links in profiles.d: exit 0"
[ ! -e "$RB/etc/ld.so.preload" ] && [ ! -e "$RB/etc/shadow-new" ] && [ ! -e "$RB/etc/shadow-new2" ]
ok $? "...no file made through a dangling marker link or a planted temporary name"
[ -L "$RB/etc/hermes/profiles.d/.hermes-seeded" ]; ok $? "...the marker link is left as it is"
is "$(owner "$RB/etc/hermes/profiles.d/default.ini")" 10000:10000 "...default.ini seeded all the same, hermes's"

# --- Attacks on the ownership walk --------------------------------------------------------------
RO=$TMP/ro
mkroot "$RO"
rm "$RO/opt/data/skills"
mkdir -p "$RO/opt/data/skills" "$RO/opt/data/sessions/host"
ln "$RO/outside/secret" "$RO/opt/data/skills/hard"               # a hard link to a root file
ln "$RO/outside/secret" "$RO/opt/data/auth.json"                 # ... as a named top-level file
mkfifo "$RO/opt/data/profiles/work/fifo"                          # a FIFO: chowned, never opened
echo host >"$RO/outside/hostfile"
mount --bind "$RO/outside" "$RO/opt/data/sessions/host"          # a bind mount inside a tree
at_exit "umount -l '$RO/opt/data/sessions/host'"
d=$RO/opt/data/workspace
for i in $(seq 1 80); do d=$d/d; done
mkdir -p "$d"; echo deep >"$d/f"; chown -R 4000:4000 "$RO/opt/data/workspace"
hook "$RO"
is "$RC" 0 "hard links, a FIFO, a bind mount, an 80-level tree: exit 0"
is "$(stat -c '%u:%g %h' "$RO/outside/secret")" "0:0 3" "a hard-linked root file stays root's"
like "$ERR" "refusing hard in $RO/opt/data/skills: it has other hard links" "...refused, said"
is "$(owner "$RO/opt/data/profiles/work/fifo")" 10000:10000 "a FIFO in a tree is chowned without being opened"
is "$(owner "$RO/outside/hostfile")" 0:0 "a bind mount inside a tree keeps its owner"
is "$(owner "$RO/opt/data/workspace/d/d/d/d/d/d/d/d/d/d")" 10000:10000 "a deep tree is walked..."
is "$(owner "$d/f")" 4000:4000 "...to 64 levels: deeper entries are left as they are"
like "$ERR" "workspace: entries more than 64 levels deep are left as they are" "...and that is said"

# --- first-boot.sh (h21image's): run as hermes, its failure a warning -------------------------------
RF=$TMP/rf
mkroot "$RF"
rm "$RF/opt/data/skills"
mkdir -p "$RF/usr/libexec/hermes" "$TMP/s6bin"
ln -sf "$(command -v s6-setuidgid)" "$TMP/s6bin/s6-setuidgid"
# shellcheck disable=SC2016 # expanded by the script
printf '#!/bin/sh\necho "first-boot: uid=$(id -u) gid=$(id -g) HOME=$HOME FOO=$FOO stdin=$(cat)" >&2\nexit 3\n' >"$RF/usr/libexec/hermes/first-boot.sh"
chmod 0755 "$RF/usr/libexec/hermes/first-boot.sh"
hook "$RF" HERMES_S6_BINDIR="$TMP/s6bin" FOO=bar HERMES_UID=4321
is "$RC" 0 "first-boot.sh exiting 3: the hook still exits 0"
like "$ERR" "first-boot: uid=4321 gid=10000 HOME=/opt/data FOO=bar stdin="$'\n' \
  "first-boot.sh runs as hermes (after the remap), HOME the hermes home, the container environment, stdin empty"
like "$ERR" "stage2-hook.sh: warning: $RF/usr/libexec/hermes/first-boot.sh exited 3; going on" "...its exit code is a warning"
printf '#!/bin/sh\nexec sleep 60\n' >"$RF/usr/libexec/hermes/first-boot.sh"
hook "$RF" HERMES_S6_BINDIR="$TMP/s6bin" HERMES_FIRST_BOOT_TIMEOUT=1
is "$RC" 0 "first-boot.sh that hangs: the hook exits 0"
like "$ERR" "did not end within 1 s \(HERMES_FIRST_BOOT_TIMEOUT\): stopped" "...stopped after HERMES_FIRST_BOOT_TIMEOUT, said"

# --- SPEC 12.10: the Docker socket's group, agent-browser's Chromium ----------------------------------
RD=$TMP/rd
mkroot "$RD"
rm "$RD/opt/data/skills"
mkdir -p "$RD/run"
sock() { rm -f "$RD/run/docker.sock"; python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$RD/run/docker.sock" && chgrp "$1" "$RD/run/docker.sock"; }
sock 998
hook "$RD"
is "$RC" 0 "a Docker socket of gid 998: exit 0"
is "$(grep '^hostdocker:' "$RD/etc/group")" "hostdocker:x:998:hermes" "a group hostdocker (998) is made, with hermes in it"
hook "$RD"
is "$(grep -c '^hostdocker:' "$RD/etc/group"):$(grep '^hostdocker:' "$RD/etc/group")" "1:hostdocker:x:998:hermes" "idempotent"
sock 2000
hook "$RD"
is "$(grep '^other:' "$RD/etc/group")" "other:x:2000:hermes" "a socket of an existing group's gid: hermes joins that group"
sock 0
hook "$RD"
is "$RC:$(grep '^root:' "$RD/etc/group")" "0:root:x:0:" "a socket of gid 0: hermes never joins root's group"
like "$ERR" "docker.sock belongs to gid 0: hermes is not added" "...said"
rm -f "$RD/run/docker.sock"
mkdir -p "$RD/pw/chromium-1/chrome-linux"
install -m 0755 /dev/null "$RD/pw/chromium-1/chrome-linux/libGLESv2.so"
install -m 0755 /dev/null "$RD/pw/chromium-1/chrome-linux/chrome"
hook "$RD" PLAYWRIGHT_BROWSERS_PATH=/pw
is "$(cat "$RD/run/s6/container_environment/AGENT_BROWSER_EXECUTABLE_PATH" 2>/dev/null)" /pw/chromium-1/chrome-linux/chrome \
  "AGENT_BROWSER_EXECUTABLE_PATH: the chrome binary under PLAYWRIGHT_BROWSERS_PATH, not a library"
rm -rf "$RD/run/s6"
hook "$RD" PLAYWRIGHT_BROWSERS_PATH=/pw AGENT_BROWSER_EXECUTABLE_PATH=/usr/bin/chromium
[ ! -e "$RD/run/s6/container_environment/AGENT_BROWSER_EXECUTABLE_PATH" ]; ok $? "...kept when the user set it"

# --- No hermes user -------------------------------------------------------------------------------
R5=$TMP/r5
mkroot "$R5"
sed -i '/^hermes:/d' "$R5/etc/passwd"
hook "$R5"
is "$RC" 1 "no hermes user: exit 1"
like "$ERR" "stage2-hook.sh: user hermes is not in" "no hermes user: reported"

done_testing
