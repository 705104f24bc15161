#!/bin/sh
# init.sh: the image's /init (a symbolic link to /usr/libexec/hermes/init.sh); s6-overlay's own
# /init is kept as /init.s6-overlay.
#
# s6-overlay can only run as PID 1: started as anything else (docker run --init puts its own init
# first; some platforms do the same) it stops with "can only run as pid 1". The former hermes image
# then ran its command without supervision, and so does this: as PID 1 it execs s6-overlay's /init
# with every argument; otherwise it says so on stderr, runs the stage2 hook when root (the
# HERMES_UID/HERMES_GID remap, the volume's ownership, the first-boot profile), and execs the
# arguments (main-wrapper.sh and the docker run arguments) directly. No gateway, dashboard or
# profile reconciliation runs then; the command's exit code is still the container's.
#
# `docker run --user`: root (the default) and the hermes user (`--user hermes`, `--user 10000:10000`)
# boot; any other uid is refused here, first, before anything fails for lack of root (SPEC 12.2).
#
# Environment: HERMES_S6_INIT (default /init.s6-overlay), S6_STAGE2_HOOK (the Dockerfile's ENV).
set -eu
prog=init
s6init=${HERMES_S6_INIT:-/init.s6-overlay}

uid=$(id -u)
hermes_uid=$(id -u hermes 2>/dev/null) || hermes_uid=10000
if [ "$uid" -ne 0 ] && [ "$uid" -ne "$hermes_uid" ]; then
  cat >&2 <<EOF
$prog: 'docker run --user $uid' is not supported: this image runs as root (the default) or as the
$prog: user hermes ('--user hermes', uid $hermes_uid). To have the files of the data volume owned by
$prog: your own uid and gid, start it as root and remap hermes instead:
$prog:     docker run -e HERMES_UID=\$(id -u) -e HERMES_GID=\$(id -g) ...   (or PUID/PGID)
EOF
  exit 100
fi

if [ "$$" -eq 1 ]; then
  exec "$s6init" "$@"
fi

echo "$prog: not PID 1 (docker run --init?): running the command without s6-overlay; no gateway, dashboard or profile reconciliation runs" >&2
if [ "$uid" -eq 0 ] && [ -n "${S6_STAGE2_HOOK:-}" ]; then
  # There is no s6-overlay container environment to load: the environment is already the container's.
  rc=0
  HERMES_STAGE2_CONTENV=1 "$S6_STAGE2_HOOK" || rc=$?
  [ "$rc" -eq 0 ] || echo "$prog: warning: $S6_STAGE2_HOOK exited $rc" >&2
fi
[ $# -gt 0 ] || { echo "$prog: no command to run" >&2; exit 100; }
HERMES_MAIN_WRAPPER_CONTENV=1
export HERMES_MAIN_WRAPPER_CONTENV
exec "$@"
