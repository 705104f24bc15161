#!/bin/sh
# hermes-exec-shim.sh: the `hermes` first on PATH (installed as /usr/libexec/hermes/bin/hermes; the
# Dockerfile puts that directory first on PATH), as in hermes' own image (SPEC 12.3).
#
# `docker exec C hermes login` runs as root: whatever it wrote under $HERMES_HOME (auth.json, .env,
# config.yaml, sessions/, ...) would be root's, and the supervised gateways (the hermes user) could no
# longer read their own home. So, run as root, the shim runs itself again as the hermes user
# (s6-setuidgid, HOME/USER/LOGNAME the hermes user's) and that second run runs the real program.
# HERMES_DOCKER_EXEC_AS_ROOT set to 1, true or yes (the cases hermes' shim accepts) keeps root;
# anything else drops. Run as anyone else (the gateways, the dashboard, `--user hermes`), it runs
# the real program directly.
#
# The real program is the first `hermes` on PATH after the shim's own directory. Looked up as the
# hermes user, that needs no care. Kept as root, a program the hermes user could write or replace
# (a PATH entry under /opt/data/.local/bin, say) would run as root: then only a `hermes` whose every
# path component is root's and writable by nobody else is taken (as these cannot change under us,
# the check is not raced), and none found is an error.
#
# Environment: HERMES_DOCKER_EXEC_AS_ROOT; HERMES_S6_BINDIR (default /command: s6-setuidgid);
# HERMES_EXEC_SHIM_USER (default hermes, for the tests).
set -eu
prog=hermes-shim
bindir=${HERMES_S6_BINDIR:-/command}
user=${HERMES_EXEC_SHIM_USER:-hermes}
case $0 in
  */*) self_dir=$(cd "${0%/*}" && pwd -P) ;;
  *) self_dir=$(pwd -P) ;;
esac

# root_only PATH: PATH and every directory above it are root's and writable by nobody else (or, for a
# directory, sticky: /tmp's root-owned entries cannot be replaced by others either).
root_only() {
  _p=$1
  while :; do
    # shellcheck disable=SC2046 # stat -c: owner and octal mode, two words
    set -- $(stat -c '%u %a' -- "$_p" 2>/dev/null) || return 1
    [ "${1:-}" = 0 ] || return 1
    case ${2:-} in
      [1357]??? ) [ -d "$_p" ] || return 1 ;;
      *[2367]? | *[2367]) return 1 ;;
    esac
    [ "$_p" = / ] && return 0
    _p=${_p%/*}
    [ -n "$_p" ] || _p=/
  done
}

# real [root]: print the first hermes on PATH that is not this shim; with "root", only a root-only one.
real() {
  _ifs=$IFS
  IFS=:
  set -f
  # shellcheck disable=SC2086 # PATH split on ':' only, no globbing
  set -- "${1:-}" $PATH
  IFS=$_ifs
  set +f
  _mode=$1
  shift
  for _dir in "$@"; do
    case $_dir in /*) ;; *) continue ;; esac
    _dir=$(cd "$_dir" 2>/dev/null && pwd -P) || continue
    [ "$_dir" != "$self_dir" ] || continue
    if [ ! -f "$_dir/hermes" ] || [ ! -x "$_dir/hermes" ]; then continue; fi
    _f=$_dir/hermes
    if [ "$_mode" = root ]; then
      _f=$(readlink -f -- "$_f") || continue
      root_only "$_f" || continue
    fi
    printf '%s\n' "$_f"
    return 0
  done
  return 1
}

if [ "$(id -u)" -ne 0 ]; then
  r=$(real) || { echo "$prog: hermes: program not found on PATH ($PATH) beside the shim in $self_dir" >&2; exit 127; }
  exec "$r" "$@"
fi

case ${HERMES_DOCKER_EXEC_AS_ROOT:-} in
  1 | true | TRUE | True | yes | YES | Yes)
    r=$(real root) || {
      echo "$prog: HERMES_DOCKER_EXEC_AS_ROOT: no hermes on PATH that only root can write; not running one as root" >&2
      exit 126
    }
    exec "$r" "$@"
    ;;
esac

home=$(getent passwd "$user" | cut -d: -f6) || home=
[ -n "$home" ] || home=/opt/data
if [ ! -x "$bindir/s6-setuidgid" ]; then
  echo "$prog: $bindir/s6-setuidgid not found; refusing to run hermes as root (use --user $user, or HERMES_DOCKER_EXEC_AS_ROOT=1)" >&2
  exit 126
fi
exec "$bindir/s6-setuidgid" "$user" env HOME="$home" USER="$user" LOGNAME="$user" "$self_dir/${0##*/}" "$@"
