# shellcheck shell=bash
# Shared by the reliability tests 40-45: a private s6-svscan, a hermes home, profiles whose
# gateway is a stand-in that execs sleep, and the convergence oracle.
#
#   . "$(dirname "$0")/4-common.sh"
#   rel_setup [MAXSERVICES]          root, hr-test, BINDIR, SCANDIR (s6-svscan), HH, CONF, GW
#   profile NAME [KEY=VALUE...]      write CONF/NAME.ini (+ its home); keys: args autostart log enabled
#                                    program (default $GW), notify (notification_fd: 3 for a stand-in
#                                    of lib.sh's standin_gateway, which gateway_ready waits for)
#   hr CMD...                        run $HR on CONF/SCANDIR/HH/BINDIR (--timeout $HR_TIMEOUT)
#                                    (HRC: the same command line as an array, for strace and friends)
#   desired                          the names of CONF's enabled profiles
#   converged                        0 iff the scandir is exactly the desired slots (CONV_WHY says why not)
#   supervisors                      the directories of the s6-supervise processes under SCANDIR, sorted
#   is_asan                          is $HR built with AddressSanitizer?
#   traced STRACE-OPTS... -- ARGS... $HR ARGS under strace (LSan off: it cannot run under ptrace)

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
export LC_ALL=C
HR_TIMEOUT=${HR_TIMEOUT:-5000}

rel_setup() {
  setup_s6 "${1:-500}"
  HH=$TMP/home
  CONF=$TMP/conf
  GW=$TMP/gw
  mkdir -p "$HH/profiles" "$CONF" "$TMP/logs"
  chown "$TEST_USER" "$TMP/logs"
  printf '#!/bin/sh\nexec sleep 100000\n' >"$GW"
  chmod 0755 "$GW"
  HRC=("$HR" -c "$CONF" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t "$HR_TIMEOUT")
  export HH CONF GW
}

# profile NAME [args=WORDS] [autostart=yes|no|state] [log=yes|no] [enabled=yes|no] [program=PATH] [notify=FD]
profile() {
  local name=$1 args="" autostart=yes log=yes enabled=yes program=$GW notify="" kv
  shift
  for kv in "$@"; do
    case $kv in
      args=*) args=${kv#args=} ;;
      autostart=*) autostart=${kv#autostart=} ;;
      log=*) log=${kv#log=} ;;
      enabled=*) enabled=${kv#enabled=} ;;
      program=*) program=${kv#program=} ;;
      notify=*) notify=${kv#notify=} ;;
    esac
  done
  mkdir -p "$HH/profiles/$name"
  {
    printf '[profile]\nenabled = %s\n' "$enabled"
    printf '[gateway]\nprogram = %s\nuser = %s\nautostart = %s\n' "$program" "$TEST_USER" "$autostart"
    [ -n "$args" ] && printf 'args = %s\n' "$args"
    [ -n "$notify" ] && printf 'notification_fd = %s\n' "$notify"
    printf '[log]\nenabled = %s\ndir = %s/logs/%s\n' "$log" "$TMP" "$name"
  } >"$CONF/$name.ini.tmp"
  mv "$CONF/$name.ini.tmp" "$CONF/$name.ini"
}

hr() { "${HRC[@]}" "$@"; }

# desired: "NAME LOG" for every enabled profile of CONF (LOG: yes or no), sorted. Pure bash: cheap.
desired() {
  local f n line sec enabled log
  for f in "$CONF"/*.ini; do
    [ -e "$f" ] || continue
    n=${f##*/}
    n=${n%.ini}
    sec="" enabled=yes log=yes
    while IFS= read -r line; do
      case $line in
        \[*\]) sec=$line ;;
        'enabled = no') if [ "$sec" = "[log]" ]; then log=no; elif [ "$sec" = "[profile]" ]; then enabled=no; fi ;;
      esac
    done <"$f"
    [ "$enabled" = yes ] && echo "$n $log"
  done | sort
}

# supervisors: the working directory of every s6-supervise process running under SCANDIR. A process
# named s6-supervise whose parent is one too is no supervisor: it is one that forked to run ./run or
# ./finish and has not exec'd it yet, in the same directory (under load, for long enough to be seen).
supervisors() {
  local d
  ps -C s6-supervise -o pid=,ppid= |
    awk '{ pid[NR] = $1; parent[NR] = $2; sup[$1] = 1 } END { for (i = 1; i <= NR; i++) if (!(parent[i] in sup)) print pid[i] }' |
    sed 's|.*|/proc/&/cwd|' | xargs -r readlink 2>/dev/null | while IFS= read -r d; do
    case $d in "$SCANDIR"/*) echo "${d#"$SCANDIR"/}" ;; esac
  done | sort
}

# converged: every desired slot supervised by exactly one supervisor (and its logger by one),
# no other slot or supervisor, no staging or tombstone entry. Sets CONV_WHY.
converged() {
  local want got entries name log e
  want=$(desired | while read -r name log; do
    echo "gateway-$name"
    [ "$log" = yes ] && echo "gateway-$name/log"
  done | sort)
  entries=$(cd "$SCANDIR" && for e in gateway-* .hr-*; do [ -e "$e" ] || [ -L "$e" ] && echo "$e"; done | sort)
  got=$(supervisors)
  CONV_WHY=""
  [ "$entries" = "$(echo "$want" | grep -v /log)" ] || CONV_WHY="entries: $(echo "$entries" | tr '\n' ' ') "
  [ "$got" = "$want" ] || CONV_WHY+="supervisors: $(echo "$got" | tr '\n' ' ')(want $(echo "$want" | tr '\n' ' '))"
  [ -z "$CONV_WHY" ]
}

# converges NAME: the oracle, polled briefly (an exiting supervisor may still be a zombie).
converges() {
  if wait_for 10000 converged; then ok 0 "$*"; else ok 1 "$*"; diag "$CONV_WHY"; fi
}

is_asan() { grep -q __asan_init "$HR" 2>/dev/null; }

# traced STRACE-OPTIONS... -- ARGS...: hermes-reconcile ARGS under strace -f -qq -o /dev/null.
# LeakSanitizer cannot run under ptrace: leak checking is off there (the untraced runs and
# 45-memory.t check leaks).
traced() {
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null "${opts[@]}" "${HRC[@]}" "$@"
}
