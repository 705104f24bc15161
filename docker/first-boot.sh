#!/bin/sh
# first-boot.sh: the hermes home's first boot and upgrades, run AS THE HERMES USER (installed as
# /usr/libexec/hermes/first-boot.sh; stage2-hook.sh runs it through s6-setuidgid, with the container's
# environment and HERMES_HOME set, bounded by `timeout`, its exit code only a warning). SPEC 12.5, 12.6:
# what hermes' own stage2 hook does in the hermes home, done as hermes, so that nothing in the home is
# ever written by root.
#
#   1. hermes' directory skeleton in $HERMES_HOME (backups cron sessions logs logs/gateways hooks
#      memories skills skins plans workspace home pairing platforms/pairing lazy-packages);
#   2. a stale $HERMES_HOME/.install_method reading `docker` is removed (the stamp lives in the
#      install tree; one on the volume would make a host install sharing it refuse `hermes update`);
#   3. .env (0600), config.yaml (0640) and SOUL.md (0644) are seeded from the install tree when
#      missing (.env.example, cli-config.yaml.example, docker/SOUL.md, as hermes' hook does); an
#      .env of ours is kept at 0600, and config.yaml at 0640 after step 4 (hermes' hook does both at
#      every boot);
#   4. with a config.yaml, scripts/docker_config_migrate.py (unless HERMES_SKIP_CONFIG_MIGRATION is
#      1/true/yes/on, as hermes reads it);
#   5. HERMES_AUTH_JSON_BOOTSTRAP seeds auth.json (0600) when there is none; with
#      HERMES_AUTH_JSON_REBOOTSTRAP and an auth.json, scripts/docker_rebootstrap_nous_session.py;
#   6. HERMES_GATEWAY_BOOTSTRAP_STATE=running seeds the default profile's gateway_state.json
#      ({"gateway_state":"running"}) when there is none;
#   7. with the install tree's skills/, tools/skills_sync.py.
#
# Every file is created exclusively: written to a new temporary file of ours, then hard-linked to its
# name (link(2) fails on any existing name and never follows a link), so nothing is ever written
# through a link planted in its place: such a link is refused, with a message naming the file and
# saying "refusing". Each program step is bounded (HERMES_FIRST_BOOT_STEP_TIMEOUT seconds, default
# 60). A failed step is a warning: the others still run. Exit 0 when all went well, 1 otherwise.
#
# Environment: HERMES_HOME (required), HERMES_INSTALL_DIR (default /opt/hermes: the install tree),
# HERMES_FIRST_BOOT_STEP_TIMEOUT, and the variables above. The python run is the install tree's
# .venv/bin/python, else python3.
set -u
prog=first-boot.sh
install=${HERMES_INSTALL_DIR:-/opt/hermes}
step_timeout=${HERMES_FIRST_BOOT_STEP_TIMEOUT:-60}
rc=0

warn() {
  printf '%s: warning: %s\n' "$prog" "$*" >&2
  rc=1
}
say() { printf '%s: %s\n' "$prog" "$*"; }

# First, before any path is looked at: nothing here may run as root (SPEC 11).
if [ "$(id -u)" -eq 0 ]; then
  printf '%s: runs as the hermes user, not root (s6-setuidgid hermes %s)\n' "$prog" "$0" >&2
  exit 1
fi

home=${HERMES_HOME:-}
case $home in
  /*) ;;
  *)
    printf '%s: HERMES_HOME must be an absolute path (got "%s")\n' "$prog" "$home" >&2
    exit 1
    ;;
esac
cd "$home" || {
  printf '%s: cannot enter HERMES_HOME %s\n' "$prog" "$home" >&2
  exit 1
}

# truthy VALUE: hermes' truthy set (utils.TRUTHY_STRINGS): 1, true, yes, on, any case, blanks trimmed.
truthy() {
  case $(printf '%s' "$1" | tr -d ' \t\n' | tr '[:upper:]' '[:lower:]') in
    1 | true | yes | on) return 0 ;;
  esac
  return 1
}

# create NAME MODE: create $home/NAME, mode MODE, from stdin, only if no file of that name exists.
# Returns 0 when created, 1 when NAME already exists (kept), 2 when refused or failed (reported).
create() {
  _tmp=$(mktemp "$home/.first-boot.XXXXXX") || {
    warn "$1: cannot make a temporary file in $home"
    return 2
  }
  if ! cat >"$_tmp" || ! chmod "$2" "$_tmp"; then
    rm -f "$_tmp"
    warn "$1: cannot write it"
    return 2
  fi
  if ln -T "$_tmp" "$home/$1" 2>/dev/null; then
    rm -f "$_tmp"
    return 0
  fi
  rm -f "$_tmp"
  if [ -L "$home/$1" ]; then
    warn "refusing to write $home/$1: it is a symbolic link"
    return 2
  fi
  if [ -e "$home/$1" ]; then return 1; fi
  warn "$1: cannot create it"
  return 2
}

# run_step NAME PROGRAM ARGS...: run a step, bounded; a failure or a timeout is a warning.
run_step() {
  _name=$1
  shift
  timeout -k 5 "$step_timeout" "$@"
  _st=$?
  case $_st in
    0) ;;
    124 | 137) warn "$_name: still running after ${step_timeout}s, stopped" ;;
    *) warn "$_name: exited $_st" ;;
  esac
}

_tmp=
trap 'rm -f "$_tmp"' EXIT
python=$install/.venv/bin/python
[ -x "$python" ] || python=python3

# 1. The skeleton.
for d in backups cron sessions logs logs/gateways hooks memories skills skins plans workspace home pairing \
  platforms/pairing lazy-packages; do
  mkdir -p "$home/$d" 2>/dev/null || warn "cannot make $home/$d"
done

# 2. A stale install-method stamp on the volume.
if [ -f .install_method ] && [ ! -L .install_method ]; then
  stamp=$(timeout 5 head -c 64 .install_method 2>/dev/null | tr -d ' \t\r\n')
  if [ "$stamp" = docker ]; then
    if rm -f .install_method; then say "removed the stale $home/.install_method (docker)"; else
      warn "cannot remove $home/.install_method"
    fi
  fi
fi

# 3. The first-boot files, from the install tree.
seed() { # NAME MODE SOURCE
  [ -f "$install/$3" ] || return 0
  [ -e "$home/$1" ] && [ ! -L "$home/$1" ] && return 0
  if create "$1" "$2" <"$install/$3"; then say "seeded $home/$1 from $install/$3"; fi
}
seed .env 0600 .env.example
seed config.yaml 0640 cli-config.yaml.example
seed SOUL.md 0644 docker/SOUL.md
# keep_mode NAME MODE: as hermes' hook does at every boot, for a regular file of ours.
keep_mode() {
  if [ -f "$1" ] && [ ! -L "$1" ] && [ -O "$1" ]; then chmod "$2" "$1" || warn "cannot chmod $2 $home/$1"; fi
}
keep_mode .env 0600

# 4. The config schema of an upgraded image.
if [ -f config.yaml ]; then
  if truthy "${HERMES_SKIP_CONFIG_MIGRATION:-}"; then
    say "HERMES_SKIP_CONFIG_MIGRATION is set: config migration skipped"
  else
    run_step "config migration ($install/scripts/docker_config_migrate.py)" \
      "$python" "$install/scripts/docker_config_migrate.py"
  fi
  keep_mode config.yaml 0640
fi

# 5. auth.json from the environment, on first boot only (an existing one may hold rotated tokens).
if [ -n "${HERMES_AUTH_JSON_BOOTSTRAP:-}" ]; then
  if printf '%s' "$HERMES_AUTH_JSON_BOOTSTRAP" | create auth.json 0600; then
    say "seeded $home/auth.json from HERMES_AUTH_JSON_BOOTSTRAP"
  fi
fi
if [ -n "${HERMES_AUTH_JSON_REBOOTSTRAP:-}" ] && [ -f auth.json ] && [ ! -L auth.json ] &&
  [ -f "$install/scripts/docker_rebootstrap_nous_session.py" ]; then
  run_step "auth.json re-bootstrap" "$python" "$install/scripts/docker_rebootstrap_nous_session.py" "$home/auth.json"
fi

# 6. The default profile's gateway state on a blank volume (only "running" means anything).
if [ "${HERMES_GATEWAY_BOOTSTRAP_STATE:-}" = running ]; then
  if printf '{"gateway_state":"running"}\n' | create gateway_state.json 0644; then
    say "seeded $home/gateway_state.json (running) from HERMES_GATEWAY_BOOTSTRAP_STATE"
  fi
fi

# 7. The bundled skills.
if [ -d "$install/skills" ]; then
  run_step "skills sync ($install/tools/skills_sync.py)" "$python" "$install/tools/skills_sync.py"
fi

exit "$rc"
