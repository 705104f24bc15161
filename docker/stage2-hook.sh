#!/bin/sh
# stage2-hook.sh: boot-time set-up of the hermes image (installed as /usr/libexec/hermes/stage2-hook.sh).
#
# s6-overlay runs it as S6_STAGE2_HOOK: as root, once per container start, after s6-svscan is up and
# before the s6-rc services are compiled and the cont-init.d scripts run (so before
# 015-supervise-perms and 02-reconcile-profiles). Under s6-overlay 3.2.3.0 with
# S6_BEHAVIOUR_IF_STAGE2_FAILS=2 a non-zero exit stops the container: so a refused input (a bad
# HERMES_UID, a link planted on the volume) is a warning and the exit stays 0; only a failure of
# root-only work (rewriting /etc/passwd, the profiles.d link, the no-gateways mark) exits 1.
#
# SPEC 11, "the whole root side": this shell, running as root, touches no path the hermes user can
# write or replace. What is done on the data volume is done by `hermes-reconcile boot ...`, on
# descriptors opened without following links, or as the hermes user (hermes-reconcile(8), "The
# image's root side"). Here, in order:
#
#   1. remaps the hermes user and group to HERMES_UID / HERMES_GID (or their aliases PUID / PGID)
#      when they are set (integers 1..65534; anything else is refused with a warning, and hermes
#      keeps its uid/gid): /etc/passwd and /etc/group, root's;
#      then (SPEC 12.10) adds hermes to the group of a mounted Docker socket (never gid 0), and
#      hands the Chromium found under PLAYWRIGHT_BROWSERS_PATH to the services as
#      AGENT_BROWSER_EXECUTABLE_PATH (root's /run/s6/container_environment);
#   2. gives hermes the data volume (`hermes-reconcile boot own UID GID`, SPEC 12.4): $HERMES_HOME
#      itself (made if missing), the top-level files hermes' own hook names, the trees hermes
#      writes (hermes' list, and profiles.d), nothing on another mount, no link followed; then
#      makes hermes' directory skeleton as hermes. The profiles directory itself (not its files)
#      too, when it is a directory (not the link of 4);
#   3. (SPEC 10) in a `dashboard` container (the container's command), marks the container as
#      running no gateway (/run/hermes/no-gateways) and writes nothing into the profiles directory;
#   4. (SPEC 10) with HERMES_PROFILES_ON_VOLUME=yes (the image's default): replaces the image's empty
#      /etc/hermes/profiles.d (in root's /etc/hermes) by a link to $HERMES_HOME/profiles.d, unless
#      something is mounted there or it holds files (used as it is);
#   5. seeds the profiles directory with the examples default.ini and _defaults.ini (discovery of
#      the volume's profiles on) and the marker .hermes-seeded, as hermes (`hermes-reconcile boot
#      seed`, SPEC 11.10). When: the volume's profiles.d is seeded by the boot that makes it (to
#      seed it again, remove the directory itself); any other profiles directory on the container's
#      first boot (root's record /var/lib/hermes/profiles-seeded) when it holds no *.ini file.
#      Deleting every *.ini file and the marker does not bring the examples back;
#   6. runs /usr/libexec/hermes/first-boot.sh, if installed, as hermes (uid:gid, no supplementary
#      group) with the container environment, HERMES_HOME and HOME=$HERMES_HOME, stdin /dev/null, bounded by
#      HERMES_FIRST_BOOT_TIMEOUT seconds (default 600); its exit code is only a warning. It seeds
#      hermes' own files (.env, config.yaml, SOUL.md, migrations, bootstrap variables, SPEC 12.5-6).
#
# Not root (`docker run --user 10000:10000`): nothing that needs root; as the hermes user itself,
# the skeleton (2) and first-boot.sh (6) only, run directly. Exit 0, saying why.
#
# Idempotent: a second run changes nothing. Environment: HERMES_UID, HERMES_GID (PUID, PGID),
# HERMES_HOME (default /opt/data), HERMES_RECONCILE_CONFIG_DIR (default /etc/hermes/profiles.d),
# HERMES_PROFILES_EXAMPLES (default /usr/share/hermes/profiles.d-examples), HERMES_S6_BINDIR
# (default /command), HERMES_PROFILES_ON_VOLUME (default no; the image sets yes),
# HERMES_FIRST_BOOT_TIMEOUT. For the tests only: HERMES_STAGE2_ROOT, a directory that every path
# above and /etc/passwd, /etc/group, /var/lib/hermes, first-boot.sh are taken under;
# HERMES_STAGE2_CMDLINE, a file read instead of /proc/$PPID/cmdline for the container's command;
# HERMES_STAGE2_HR, the hermes-reconcile to run (default /usr/bin/hermes-reconcile, under that root).
set -u
prog=stage2-hook.sh
bindir=${HERMES_S6_BINDIR:-/command}

# s6-overlay runs the hook with an emptied environment: get the container's back, once.
if [ -z "${HERMES_STAGE2_CONTENV:-}" ] && [ -x "$bindir/with-contenv" ]; then
  exec "$bindir/with-contenv" env HERMES_STAGE2_CONTENV=1 HERMES_S6_BINDIR="$bindir" "$0" "$@"
fi
unset HERMES_STAGE2_CONTENV

root=${HERMES_STAGE2_ROOT:-}
user=hermes
passwd=$root/etc/passwd
group=$root/etc/group
home=${HERMES_HOME:-/opt/data}
data=$root$home
confdir=$root${HERMES_RECONCILE_CONFIG_DIR:-/etc/hermes/profiles.d}
examples=$root${HERMES_PROFILES_EXAMPLES:-/usr/share/hermes/profiles.d-examples}
hr=${HERMES_STAGE2_HR:-$root/usr/bin/hermes-reconcile}
first_boot=$root/usr/libexec/hermes/first-boot.sh
seeded_record=$root/var/lib/hermes/profiles-seeded
rc=0

say() { printf '%s: %s\n' "$prog" "$*"; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
fail() {
  printf '%s: %s\n' "$prog" "$*" >&2
  rc=1
}

# field FILE NAME N: field N of the entry NAME of a passwd-format file.
field() { awk -F: -v name="$2" -v n="$3" '$1 == name { print $n; exit }' "$1"; }

# valid_id VALUE: an integer 1..65534, written without leading zeros.
valid_id() {
  case $1 in
    '' | *[!0-9]* | 0*) return 1 ;;
  esac
  [ "${#1}" -le 5 ] && [ "$1" -ge 1 ] && [ "$1" -le 65534 ]
}

# set_field FILE NAME N VALUE: set field N of entry NAME, replacing FILE atomically, mode kept.
set_field() {
  _tmp=$1.$prog.tmp
  awk -F: -v OFS=: -v name="$2" -v n="$3" -v value="$4" '$1 == name { $n = value } { print }' "$1" >"$_tmp" &&
    chmod --reference="$1" "$_tmp" && chown --reference="$1" "$_tmp" && mv -f "$_tmp" "$1"
}

# first_boot_script: step 6, as the hermes user (we are root: dropped to uid:gid; else already hermes).
first_boot_script() {
  [ -x "$first_boot" ] || return 0
  _t=${HERMES_FIRST_BOOT_TIMEOUT:-600}
  case $_t in '' | *[!0-9]*) warn "HERMES_FIRST_BOOT_TIMEOUT='$_t' is not a number of seconds; using 600"; _t=600 ;; esac
  if [ "$(id -u)" -eq 0 ]; then
    set -- "$bindir/s6-setuidgid" "$uid:$gid" "$first_boot"
  else
    set -- "$first_boot"
  fi
  (cd / && HOME=$home HERMES_HOME=$home exec timeout -k 10 "$_t" "$@" </dev/null)
  _rc=$?
  case $_rc in
    0) ;;
    124 | 137) warn "$first_boot did not end within ${_t} s (HERMES_FIRST_BOOT_TIMEOUT): stopped; going on" ;;
    *) warn "$first_boot exited $_rc; going on" ;;
  esac
}

uid=$(field "$passwd" "$user" 3)
gid=$(field "$passwd" "$user" 4)
if [ -z "$uid" ] || [ -z "$gid" ]; then
  fail "user $user is not in $passwd; nothing done"
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  say "not running as root (docker run --user): user remap, data-volume ownership and profile seeding skipped" >&2
  if [ "$(id -u)" = "$uid" ]; then
    "$hr" -H "$data" boot own "$uid" "$gid" || warn "hermes' directory skeleton is incomplete (above)"
    first_boot_script
  fi
  exit 0
fi

# 1. Remap. PUID/PGID (the names other images use) are aliases of HERMES_UID/HERMES_GID; when both
# of a pair are set, the HERMES_ one wins.
uid_var=HERMES_UID
gid_var=HERMES_GID
if [ -z "${HERMES_UID:-}" ] && [ -n "${PUID:-}" ]; then uid_var=PUID; HERMES_UID=$PUID; fi
if [ -z "${HERMES_GID:-}" ] && [ -n "${PGID:-}" ]; then gid_var=PGID; HERMES_GID=$PGID; fi
new_gid=${HERMES_GID:-}
if [ -n "$new_gid" ] && ! valid_id "$new_gid"; then
  warn "$gid_var='$new_gid' refused: must be an integer from 1 to 65534; hermes keeps gid $gid"
elif [ -n "$new_gid" ] && [ "$new_gid" != "$gid" ]; then
  other=$(awk -F: -v g="$new_gid" '$3 == g && $1 != "hermes" { print $1; exit }' "$group")
  [ -z "$other" ] || say "note: gid $new_gid is also the group $other"
  if set_field "$group" "$user" 3 "$new_gid" && set_field "$passwd" "$user" 4 "$new_gid"; then
    say "group $user: gid $gid -> $new_gid"
    gid=$new_gid
  else
    fail "could not change the gid of $user in $group and $passwd"
  fi
fi
new_uid=${HERMES_UID:-}
if [ -n "$new_uid" ] && ! valid_id "$new_uid"; then
  warn "$uid_var='$new_uid' refused: must be an integer from 1 to 65534; hermes keeps uid $uid"
elif [ -n "$new_uid" ] && [ "$new_uid" != "$uid" ]; then
  other=$(awk -F: -v u="$new_uid" '$3 == u && $1 != "hermes" { print $1; exit }' "$passwd")
  [ -z "$other" ] || say "note: uid $new_uid is also the user $other"
  if set_field "$passwd" "$user" 3 "$new_uid"; then
    say "user $user: uid $uid -> $new_uid"
    uid=$new_uid
  else
    fail "could not change the uid of $user in $passwd"
  fi
fi

# 1b. (SPEC 12.10) The Docker socket's group, when the host's socket is mounted: hermes joins the
# group that owns it (made as "hostdocker" if /etc/group has none), as hermes' own hook does, so that
# s6-setuidgid's initgroups keeps it. Never root's group: gid 0 among hermes' groups is refused
# (SPEC 11.5); use --group-add with a group that is not 0, or give the socket another group.
add_member() { # add_member GROUP USER: USER appended to GROUP's member list in /etc/group
  _tmp=$group.$prog.tmp
  awk -F: -v OFS=: -v g="$1" -v u="$2" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' "$group" >"$_tmp" &&
    chmod --reference="$group" "$_tmp" && chown --reference="$group" "$_tmp" && mv -f "$_tmp" "$group"
}
docker_socket_group() {
  for _sock in "$root/var/run/docker.sock" "$root/run/docker.sock"; do
    [ -S "$_sock" ] || continue
    _sgid=$(stat -c %g "$_sock") || return 0
    if [ "$_sgid" = 0 ]; then
      warn "$_sock belongs to gid 0: hermes is not added to root's group (give the socket another group)"
      return 0
    fi
    [ "$_sgid" != "$gid" ] || return 0
    _sgroup=$(awk -F: -v g="$_sgid" '$3 == g { print $1; exit }' "$group")
    if [ -z "$_sgroup" ]; then
      _sgroup=hostdocker
      if ! printf '%s:x:%s:\n' "$_sgroup" "$_sgid" >>"$group"; then fail "cannot add the group $_sgroup to $group"; return 0; fi
      say "created group $_sgroup (gid $_sgid) for $_sock"
    fi
    if awk -F: -v g="$_sgroup" -v u="$user" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) f = 1 } END { exit !f }' "$group"; then
      return 0
    fi
    if add_member "$_sgroup" "$user"; then say "added $user to group $_sgroup (gid $_sgid) for $_sock"
    else fail "could not add $user to group $_sgroup in $group"
    fi
    return 0
  done
}
docker_socket_group

# 1c. (SPEC 12.10) agent-browser's Chromium, found under PLAYWRIGHT_BROWSERS_PATH (the base's install
# tree, root's) and handed to the services through the container environment (root's /run).
browser_path() {
  [ -z "${AGENT_BROWSER_EXECUTABLE_PATH:-}" ] && [ -n "${PLAYWRIGHT_BROWSERS_PATH:-}" ] || return 0
  [ -d "$root$PLAYWRIGHT_BROWSERS_PATH" ] || return 0
  _bin=$(find "$root$PLAYWRIGHT_BROWSERS_PATH" -type f -executable \( -name chrome -o -name chromium \
    -o -name chrome-headless-shell -o -name headless_shell -o -name chromium-browser \) 2>/dev/null | head -n 1)
  if [ -z "$_bin" ]; then
    warn "no Chromium binary under $PLAYWRIGHT_BROWSERS_PATH; the browser tool may fail"
    return 0
  fi
  _env=$root/run/s6/container_environment
  if mkdir -p "$_env" && printf '%s' "${_bin#"$root"}" >"$_env/AGENT_BROWSER_EXECUTABLE_PATH"; then
    say "agent-browser's Chromium: ${_bin#"$root"}"
  else
    fail "cannot write $_env/AGENT_BROWSER_EXECUTABLE_PATH"
  fi
}
browser_path

# 2. The data volume, on descriptors; the skeleton as hermes; and the image's profiles directory
# itself (in root's /etc/hermes: hermes cannot replace it) when it is one. Refusals are warnings.
set --
[ -L "$confdir" ] || [ ! -d "$confdir" ] || set -- "$confdir"
"$hr" -H "$data" boot own "$uid" "$gid" "$@" || warn "the data volume is not entirely hermes's (above); going on"

# container_command: the first argument of the container's command. rc.init, the hook's parent,
# runs as `rc.init top /usr/libexec/hermes/main-wrapper.sh ARGS...`: ARGS come after the wrapper.
container_command() {
  _cmdline=${HERMES_STAGE2_CMDLINE:-/proc/$PPID/cmdline}
  [ -r "$_cmdline" ] || return 0
  tr '\0' '\n' <"$_cmdline" | awk 'found { print; exit } /(^|\/)main-wrapper\.sh$/ { found = 1 }'
}

# 3. A dashboard container: marked for the services (root's /run/hermes).
gateways=on
no_gateways_flag=$root/run/hermes/no-gateways
if [ "$(container_command)" != dashboard ]; then
  [ ! -e "$no_gateways_flag" ] || rm -f "$no_gateways_flag" || fail "cannot remove $no_gateways_flag"
else
  gateways=off
  if mkdir -p "${no_gateways_flag%/*}" && : >"$no_gateways_flag"; then
    say "dashboard container: no gateway runs here, and nothing is written into $confdir"
  else
    fail "cannot create $no_gateways_flag: gateways may start in this dashboard container"
  fi
fi

# 4. profiles_on_volume: the image's empty config dir becomes a link to $HERMES_HOME/profiles.d, so
# that profile files survive a new container on the same volume; a mount or files are kept. Only
# root's /etc/hermes is written. Sets seed_mode: new (the volume's), empty (another dir), none.
seed_mode=empty
profiles_on_volume() {
  case ${HERMES_PROFILES_ON_VOLUME:-no} in yes | 1 | true) ;; *) return 0 ;; esac
  _target=../..$home/profiles.d   # relative: /etc/hermes/profiles.d -> ../../opt/data/profiles.d
  case $confdir in "$root/etc/hermes/profiles.d") ;; *) return 0 ;; esac  # a chosen config dir
  # What may be replaced is hermes's (the config dir, step 2), inside root's /etc/hermes: that work is
  # hermes-reconcile's, on a descriptor of /etc/hermes checked to be root's alone (volume.h); the
  # shell only reads the word it prints.
  case $("$hr" -c "$confdir" boot link-volume "$_target") in
    new) seed_mode=new ;;
    kept) ;;
    *) fail "could not link $confdir to $home/profiles.d: profile files stay in the container" ;;
  esac
}

# 5. Seeding, as hermes, through descriptors.
if [ "$gateways" = on ]; then
  profiles_on_volume
  if [ "$seed_mode" = new ]; then
    "$hr" -c "$data/profiles.d" boot seed "$uid" "$gid" "$examples" new ||
      warn "$data/profiles.d: not seeded (above)"
  elif [ ! -e "$seeded_record" ]; then
    "$hr" -c "$confdir" boot seed "$uid" "$gid" "$examples" empty || warn "$confdir: not seeded (above)"
    { mkdir -p "${seeded_record%/*}" && : >"$seeded_record"; } || fail "cannot write $seeded_record"
  fi
fi

# 6. hermes' own first-boot work, as hermes.
first_boot_script

exit "$rc"
