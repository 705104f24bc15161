# shellcheck shell=bash
# Shared by the benchmark scripts:
#
#   . "$(dirname "$0")/lib.sh"; bench_tmpfs NAME
#
# bench_tmpfs NAME  W: a private tmpfs work directory (a scandir on disk would measure the disk); at
#                   exit the watch of $WATCH_PID and the s6-svscan of $SVSCAN_PID (on $W/svc), when
#                   the script started them, are stopped and W is unmounted and removed.
SVSCAN_PID=''
WATCH_PID=''

bench_cleanup() {
  [ -z "$WATCH_PID" ] || kill "$WATCH_PID" 2>/dev/null || true
  if [ -n "$SVSCAN_PID" ]; then
    s6-svscanctl -t "$W/svc" 2>/dev/null || kill "$SVSCAN_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SVSCAN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$SVSCAN_PID" 2>/dev/null || true
  fi
  umount -l "$W" 2>/dev/null || true
  rm -rf "$W"
}

bench_tmpfs() {
  W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap bench_cleanup EXIT
  mount -t tmpfs -o mode=0755 "$1" "$W"
}
