#!/bin/sh
# main-wrapper.sh: the container's main program (installed as /usr/libexec/hermes/main-wrapper.sh).
#
# The image's ENTRYPOINT is ["/init", "/usr/libexec/hermes/main-wrapper.sh"]: s6-overlay's /init is
# PID 1 and runs this script as its CMD, with the container's stdin/stdout/stderr (and TTY); the exit
# code of the program it execs becomes the container's exit code. Putting the wrapper in ENTRYPOINT
# means every `docker run IMAGE ARGS...` argument reaches it, even a leading-dash one such as
# --version that /init would otherwise see first.
#
# Routing (identical to the pre-s6 image):
#   (no arguments)            hermes
#   -ARG ...                  hermes -ARG ...        (--tui, --version, ...)
#   PROGRAM ARGS...           PROGRAM ARGS...        when PROGRAM is a program on PATH (sleep, bash)
#   WORD ARGS...              hermes WORD ARGS...    otherwise (chat -q "...")
#
# Run as root (the default), it drops to the hermes user with s6-setuidgid before the exec; run as
# the hermes user (`--user hermes` or its uid) it execs directly; any other uid is refused, since the
# boot-time set-up (stage2-hook.sh) needs root: use HERMES_UID/HERMES_GID instead of --user.
#
# Environment:
#   HERMES_S6_BINDIR  where s6-overlay's programs are (default /command): with-contenv, s6-setuidgid
#   HERMES_HOME       exported to the program; default: the hermes user's home
# s6-overlay starts the CMD with an emptied environment; the wrapper first re-runs itself once
# through with-contenv to get the container's environment back.
set -eu
prog=main-wrapper.sh
bindir=${HERMES_S6_BINDIR:-/command}
user=hermes

fail() {
  code=$1
  shift
  printf '%s: %s\n' "$prog" "$*" >&2
  exit "$code"
}

# 1. The container's environment (docker run -e, the Dockerfile's ENV).
if [ -z "${HERMES_MAIN_WRAPPER_CONTENV:-}" ] && [ -x "$bindir/with-contenv" ]; then
  exec "$bindir/with-contenv" env HERMES_MAIN_WRAPPER_CONTENV=1 HERMES_S6_BINDIR="$bindir" "$0" "$@"
fi
unset HERMES_MAIN_WRAPPER_CONTENV

# 2. Who runs the program.
hermes_uid=$(id -u "$user" 2>/dev/null) || fail 111 "user $user does not exist in this image"
hermes_home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$hermes_home" ] || hermes_home=/opt/data
uid=$(id -u)
if [ "$uid" -ne 0 ] && [ "$uid" -ne "$hermes_uid" ]; then
  cat >&2 <<EOF
$prog: refusing to run as uid $uid: 'docker run --user $uid' is not supported; this image runs
$prog: hermes as the user $user (uid $hermes_uid). Start the container as root (the default) and give
$prog: the uid and gid that files on the data volume should have instead:
$prog:     docker run -e HERMES_UID=\$(id -u) -e HERMES_GID=\$(id -g) ...   (or PUID/PGID)
EOF
  exit 100
fi

export HOME="$hermes_home" USER="$user" LOGNAME="$user"
export HERMES_HOME="${HERMES_HOME:-$hermes_home}"

# 3. What to run.
# on_path NAME: is NAME an executable file, by path or on PATH? (command -v would also accept
# shell builtins and functions, which cannot be exec'd through s6-setuidgid.)
on_path() {
  case $1 in
    '') return 1 ;;
    */*) [ -f "$1" ] && [ -x "$1" ]; return ;;
  esac
  _ifs=$IFS
  IFS=:
  set -f
  # shellcheck disable=SC2086 # split PATH on ':' only, no globbing
  set -- "$1" $PATH
  IFS=$_ifs
  set +f
  _name=$1
  shift
  for _dir in "$@"; do
    [ -n "$_dir" ] || _dir=.
    if [ -f "$_dir/$_name" ] && [ -x "$_dir/$_name" ]; then return 0; fi
  done
  return 1
}

if [ $# -eq 0 ]; then
  set -- hermes
else
  case $1 in
    -*) set -- hermes "$@" ;;
    *) on_path "$1" || set -- hermes "$@" ;;
  esac
fi
if [ "$1" = hermes ] && ! on_path hermes; then
  fail 127 "hermes: program not found on PATH ($PATH); build the image on a base that ships it (docker build --build-arg BASE_IMAGE=...)"
fi

# 4. Run it: same stdin/stdout/stderr (so the TTY of docker run -it), its exit code is ours.
if [ "$uid" -eq 0 ]; then
  [ -x "$bindir/s6-setuidgid" ] || fail 111 "$bindir/s6-setuidgid: not found (HERMES_S6_BINDIR)"
  exec "$bindir/s6-setuidgid" "$user" "$@"
fi
exec "$@"
