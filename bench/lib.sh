# shellcheck shell=bash
# Shared by the benchmark scripts:
#
#   . "$(dirname "$0")/lib.sh"; bench_tmpfs NAME
#
# bench_tmpfs NAME  W: a private tmpfs work directory (a scandir on disk would measure the disk); at
#                   exit the watch of $WATCH_PID and the s6-svscan of $SVSCAN_PID (on $W/svc), when
#                   the script started them, are stopped and W is unmounted and removed.
# bench_scandir     SVC, CONF, HH under W, s6's tools in $W/command, a stand-in gateway, and a
#                   private s6-svscan -c 4000 -t0 on SVC, running.
# write_profiles N  N profile files in CONF (p0001.ini...), each with its home, as user $USER_.
# cg_ir CMD...      the instructions callgrind counts for CMD.
# files_settled     wait until every file of CONF changed more than 2 s ago: only then may a pass
#                   keep its bytes in the ledger (ledger_file_keepable), as a steady node's are.
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

bench_scandir() {
  SVC=$W/svc CONF=$W/conf HH=$W/home
  mkdir -p "$SVC/.s6-svscan" "$CONF" "$HH/profiles" "$HH/logs" "$W/command" "$W/contenv"
  chown "$USER_:" "$HH/logs"
  for p in /usr/bin/s6-*; do ln -s "$p" "$W/command/"; done
  printf '#!/bin/sh\nexec /usr/bin/s6-envdir %s "$@"\n' "$W/contenv" > "$W/command/with-contenv"
  # The stand-in gateway: whatever arguments, a process that stays up.
  printf '#!/bin/sh\nexec sleep 100000\n' > "$W/gateway"
  chmod 0755 "$W/command/with-contenv" "$W/gateway"
  setsid s6-svscan -c 4000 -t0 "$SVC" </dev/null >/dev/null 2>&1 &
  SVSCAN_PID=$!
  for _ in $(seq 500); do s6-svscanctl -a "$SVC" 2>/dev/null && break; sleep 0.01; done
  s6-svscanctl -a "$SVC"
}

write_profiles() {
  local i n
  for i in $(seq "$1"); do
    printf -v n 'p%04d' "$i"
    mkdir -p "$HH/profiles/$n"
    printf '[gateway]\nprogram = %s\nuser = %s\nautostart = yes\n' "$W/gateway" "$USER_" > "$CONF/$n.ini"
  done
}

cg_ir() {
  valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$@" >/dev/null 2>&1
  awk '/^(summary|totals):/ { print $2; exit }' "$W/cg.out"
  rm -f "$W/cg.out"
}

files_settled() {
  local newest
  newest=$(find "$CONF" -maxdepth 1 -type f -printf '%C@\n' | sort -n | tail -n 1)
  newest=${newest%.*}
  while [ "${EPOCHSECONDS:?}" -le $((${newest:-0} + 3)) ]; do sleep 0.2; done
}
