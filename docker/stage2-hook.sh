#!/bin/sh
# stage2-hook.sh: boot-time set-up of the hermes image (installed as /usr/libexec/hermes/stage2-hook.sh).
#
# s6-overlay runs it as S6_STAGE2_HOOK: as root, once per container start, after s6-svscan is up and
# before the s6-rc services are compiled and the cont-init.d scripts run (so before
# 015-supervise-perms and 02-reconcile-profiles). A non-zero exit is only a warning there. It:
#
#   1. remaps the hermes user and group to HERMES_UID / HERMES_GID (or their aliases PUID / PGID)
#      when they are set (integers 1..65534; anything else is refused and reported, and hermes
#      keeps its uid/gid);
#   2. gives the hermes user the data volume's hermes files: $HERMES_HOME itself, its top-level
#      regular files, and the trees hermes writes (profiles, logs, ...). Symbolic links are never
#      followed: a link is chowned itself (chown -h), a tree or a $HERMES_HOME that is a link is
#      left alone and reported. Other sub-directories (bind mounts from the host) are not touched;
#   3. gives hermes the profiles directory (/etc/hermes/profiles.d) and, on first boot, when it holds
#      no *.ini file, seeds it with the example default.ini (a marker file .hermes-seeded records the
#      seeding, so deleting default.ini later is respected) and the example _defaults.ini, which
#      turns on the discovery of the volume's profile directories (SPEC 10);
#   4. (SPEC 10) with HERMES_PROFILES_ON_VOLUME=yes (the image's default), before 3: keeps the
#      profile files on the data volume, $HERMES_HOME/profiles.d, by replacing the image's empty
#      /etc/hermes/profiles.d with a link to it, unless something is mounted there (a host
#      directory, a ConfigMap: used as it is);
#   5. (SPEC 10) when the container's command is `dashboard` (a second container on the same
#      volume), marks the container as running no gateway (/run/hermes/no-gateways, read by
#      02-reconcile-profiles and the hermes-reconcile services) and writes nothing into the
#      profiles directory.
#
# Idempotent: a second run changes nothing. Exit 0 when everything was done, 1 when something was
# refused or failed (each one reported on stderr, the other steps still done).
#
# Environment: HERMES_UID, HERMES_GID (PUID, PGID), HERMES_HOME (default /opt/data), HERMES_RECONCILE_CONFIG_DIR
# (default /etc/hermes/profiles.d), HERMES_PROFILES_EXAMPLES (default
# /usr/share/hermes/profiles.d-examples), HERMES_S6_BINDIR (default /command),
# HERMES_PROFILES_ON_VOLUME (default no; the image sets yes). For the tests only: HERMES_STAGE2_ROOT,
# a directory that every path above and /etc/passwd, /etc/group are taken under, and
# HERMES_STAGE2_CMDLINE, a file read instead of /proc/$PPID/cmdline for the container's command.
set -eu
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
# The trees of $HERMES_HOME that hermes (and hermes-reconcile's gateways) write.
owned_trees="profiles logs cron sessions memories skills skins hooks plans workspace pairing"
marker=.hermes-seeded
rc=0

say() { printf '%s: %s\n' "$prog" "$*"; }
warn() {
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

if [ "$(id -u)" -ne 0 ]; then
  say "not running as root: user remap and data-volume ownership skipped" >&2
fi

uid=$(field "$passwd" "$user" 3)
gid=$(field "$passwd" "$user" 4)
if [ -z "$uid" ] || [ -z "$gid" ]; then
  warn "user $user is not in $passwd; nothing done"
  exit 1
fi

# 1. Remap.
# PUID/PGID (the names other images use) are aliases of HERMES_UID/HERMES_GID; when both of a pair
# are set, the HERMES_ one wins.
uid_var=HERMES_UID
gid_var=HERMES_GID
if [ -z "${HERMES_UID:-}" ] && [ -n "${PUID:-}" ]; then uid_var=PUID; HERMES_UID=$PUID; fi
if [ -z "${HERMES_GID:-}" ] && [ -n "${PGID:-}" ]; then gid_var=PGID; HERMES_GID=$PGID; fi
if [ "$(id -u)" -eq 0 ]; then
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
      warn "could not change the gid of $user in $group and $passwd"
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
      warn "could not change the uid of $user in $passwd"
    fi
  fi
fi

# chown_tree DIR: give hermes every file of DIR that it does not own yet, links themselves only.
chown_tree() {
  if [ -L "$1" ]; then
    warn "refusing to chown $1: it is a symbolic link"
    return 0
  fi
  [ -d "$1" ] || return 0
  find "$1" \( ! -user "$uid" -o ! -group "$gid" \) -exec chown -h "$uid:$gid" {} + ||
    warn "chown of $1 failed"
}

# own_dir DIR warn|say MESSAGE: create DIR if missing and give it (not its contents) to hermes; a
# symbolic link is left alone, with MESSAGE. 0 if DIR is a directory of ours.
own_dir() {
  if [ -L "$1" ]; then
    "$2" "$3"
    return 1
  fi
  [ -d "$1" ] || mkdir -p "$1" || warn "cannot create $1"
  [ -d "$1" ] || return 1
  find "$1" -maxdepth 0 \( ! -user "$uid" -o ! -group "$gid" \) -exec chown -h "$uid:$gid" {} + ||
    warn "chown of $1 failed"
}

# ---- SPEC 10: the volume of the former image, a dashboard container ------------------------------

# first_boot_of DIR: DIR holds no *.ini file and was never seeded.
first_boot_of() {
  for _f in "$1"/*.ini; do
    if [ -e "$_f" ] || [ -L "$_f" ]; then return 1; fi
  done
  [ ! -e "$1/$marker" ]
}

# container_command: the first argument of the container's command. rc.init, the hook's parent,
# runs as `rc.init top /usr/libexec/hermes/main-wrapper.sh ARGS...`: ARGS come after the wrapper.
container_command() {
  _cmdline=${HERMES_STAGE2_CMDLINE:-/proc/$PPID/cmdline}
  [ -r "$_cmdline" ] || return 0
  tr '\0' '\n' <"$_cmdline" | awk 'found { print; exit } /(^|\/)main-wrapper\.sh$/ { found = 1 }'
}

# gateways_or_not: sets gateways to off in a `dashboard` container (marked for the services), else on.
gateways=on
no_gateways_flag=$root/run/hermes/no-gateways
gateways_or_not() {
  if [ "$(container_command)" != dashboard ]; then
    [ ! -e "$no_gateways_flag" ] || rm -f "$no_gateways_flag" || warn "cannot remove $no_gateways_flag"
    return 0
  fi
  gateways=off
  if mkdir -p "${no_gateways_flag%/*}" && : >"$no_gateways_flag"; then
    say "dashboard container: no gateway runs here, and nothing is written into $confdir"
  else
    warn "cannot create $no_gateways_flag: gateways may start in this dashboard container"
  fi
}

# profiles_on_volume: the image's empty config dir becomes a link to $HERMES_HOME/profiles.d (made
# hermes's), so that profile files survive a new container on the same volume; a mount is kept.
profiles_on_volume() {
  case ${HERMES_PROFILES_ON_VOLUME:-no} in yes | 1 | true) ;; *) return 0 ;; esac
  _target=../..$home/profiles.d   # relative: /etc/hermes/profiles.d -> ../../opt/data/profiles.d
  case $confdir in "$root/etc/hermes/profiles.d") ;; *) return 0 ;; esac  # a chosen config dir
  if [ -L "$confdir" ]; then
    # a restarted container: the link is there; after a remap, the files go to hermes's new ids
    if [ "$(readlink "$confdir")" != "$_target" ]; then say "$confdir is a link to $(readlink "$confdir"): used as it is"
    elif [ "$(id -u)" -eq 0 ]; then chown_tree "$data/profiles.d"
    fi
    return 0
  fi
  if mountpoint -q "$confdir" 2>/dev/null; then
    say "$confdir is a mount: its profile files are used as they are"
    return 0
  fi
  if [ -n "$(ls -A "$confdir" 2>/dev/null)" ]; then
    warn "$confdir holds files: used as it is; move them to $home/profiles.d to keep them on the volume"
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    own_dir "$data/profiles.d" warn "refusing $data/profiles.d: it is a symbolic link" || return 0
  elif [ ! -d "$data/profiles.d" ]; then
    mkdir "$data/profiles.d" || { warn "cannot create $data/profiles.d"; return 0; }
  fi
  if rmdir "$confdir" && ln -s "$_target" "$confdir"; then
    say "profile files on the data volume: $confdir -> $home/profiles.d"
  else
    warn "could not link $confdir to $home/profiles.d: profile files stay in the container"
    [ -d "$confdir" ] || mkdir -p "$confdir"
  fi
}

# seed_discovery_defaults: the example _defaults.ini ([discover] profiles = yes), on the first boot.
seed_discovery_defaults() {
  [ -f "$examples/_defaults.ini" ] || return 0
  [ ! -e "$confdir/_defaults.ini" ] && [ ! -L "$confdir/_defaults.ini" ] || return 0
  _tmp=$confdir/._defaults.ini.$prog.tmp
  if cp "$examples/_defaults.ini" "$_tmp" && chmod 0644 "$_tmp" &&
    { [ "$(id -u)" -ne 0 ] || chown "$uid:$gid" "$_tmp"; } && mv -f "$_tmp" "$confdir/_defaults.ini"; then
    say "first boot: seeded $confdir/_defaults.ini (discovery of the volume's profiles on)"
  else
    rm -f "$_tmp"
    warn "could not seed $confdir/_defaults.ini"
  fi
}

if [ "$(id -u)" -eq 0 ]; then
  # 2. The data volume.
  if own_dir "$data" warn "refusing to chown $data (HERMES_HOME): it is a symbolic link"; then
    find "$data" -mindepth 1 -maxdepth 1 -type f \( ! -user "$uid" -o ! -group "$gid" \) \
      -exec chown -h "$uid:$gid" {} + || warn "chown of the files of $data failed"
    for tree in $owned_trees; do
      chown_tree "$data/$tree"
    done
  fi
  # 3. The profiles directory.
  own_dir "$confdir" say "$confdir is a symbolic link: its owner is left as it is" || true
fi

# 5, 4 (SPEC 10): a dashboard container, profile files on the volume; before the seeding.
gateways_or_not
[ "$gateways" = off ] || profiles_on_volume
seed_defaults=no
first_boot_of "$confdir" && [ "$gateways" = on ] && seed_defaults=yes

has_ini=no
for f in "$confdir"/*.ini; do
  if [ -e "$f" ] || [ -L "$f" ]; then
    has_ini=yes
    break
  fi
done
if [ ! -d "$confdir" ]; then
  warn "$confdir does not exist: no profile seeded"
elif [ "$has_ini" = no ] && [ ! -e "$confdir/$marker" ] && [ "$gateways" = on ]; then
  if [ ! -f "$examples/default.ini" ]; then
    warn "$examples/default.ini does not exist: $confdir left empty"
  else
    tmp=$confdir/.default.ini.$prog.tmp
    if cp "$examples/default.ini" "$tmp" && chmod 0644 "$tmp" &&
      { [ "$(id -u)" -ne 0 ] || chown "$uid:$gid" "$tmp"; } && mv -f "$tmp" "$confdir/default.ini" &&
      : >"$confdir/$marker"; then
      [ "$(id -u)" -ne 0 ] || chown "$uid:$gid" "$confdir/$marker"
      say "first boot: seeded $confdir/default.ini from $examples/default.ini"
    else
      rm -f "$tmp"
      warn "could not seed $confdir/default.ini"
    fi
  fi
fi

[ "$seed_defaults" = no ] || seed_discovery_defaults

exit "$rc"
