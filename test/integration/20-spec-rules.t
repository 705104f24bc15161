#!/usr/bin/env bash
# 20-spec-rules.t: SPEC rules that no other test covers, each shown by behaviour:
#   9.4  a gateway that exits 0 on SIGTERM under restart = on-failure is up again after an update
#        restart (finish says 125 for it); a leftover restart record is completed by the next pass
#   4    one s6-svscanctl per pass (the writes to .s6-svscan/control, counted under strace)
#   9.3  apply's exit code precedence: 111 over 99 over 1
#   2    -v lists the unchanged slots too
#   3/4  an optional key removed from a profile removes its file from the slot
#   6    an LD_PRELOAD in [env] is loaded by the gateway's user only, never by root
#   9.6  the logger's $HERMES_HOME: the container's with inherit_env = yes, -H's with no
# shellcheck disable=SC2317  # functions called through wait_for
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
command -v strace >/dev/null || { echo "Bail out! no strace (make deps)"; exit 1; }
command -v cc >/dev/null || { echo "Bail out! no cc (make deps)"; exit 1; }
# The container's HERMES_HOME differs from -H (9.6): with-contenv gives it to inherit_env = yes.
CHOME=$TMP/container-home
mkdir -p "$CHOME"
chown "$TEST_UID:$TEST_GID" "$CHOME"
printf '%s' "$CHOME" >"$CONTENV/HERMES_HOME"

# strace_hr OUT ARGS...: hr ARGS under strace -f -y -e trace=write, the trace in OUT.
strace_hr() {
  local out=$1; shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -y -e trace=write -o "$out" \
    "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 "$@" >"$TMP/hr.out" 2>"$TMP/hr.err"
  RC=$?
  OUT=$(cat "$TMP/hr.out")
}

# --- 9.4: a gateway that exits 0 on SIGTERM -----------------------------------------------------
# It records its start as the stand-in does, and on SIGTERM notes it and exits 0: under
# restart = on-failure its finish then exits 125 ("stay down"), which a restart must not obey.
# Its record is written once its trap is set, and it is ready (notification_fd) after that.
GRACEFUL=$TMP/graceful-gateway
# shellcheck disable=SC2016  # the gateway's code
standin_gateway "$GRACEFUL" 'kill "$child"; echo "exit 0 on SIGTERM, pid $$" >>graceful.log; exit 0' \
  '{ printf argv; for a in "$@"; do printf " [%s]" "$a"; done; echo; echo "pid $$"; } >gateway.rec.tmp && mv gateway.rec.tmp gateway.rec'
profile g <<EOF
[gateway]
program = $GRACEFUL
restart = on-failure
notification_fd = 3
EOF
apply
is "$RC" 0 "apply: a gateway that exits 0 on SIGTERM"
gateway_ready "$(slot g)" && rec_is_current g
ok $? "gateway-g is up and ready (its trap set)"
G=$(slot g)
# shellcheck disable=SC2016  # a literal $1
like "$(cat "$G/finish")" 'case \$1 in 0\|78\) exit 125' "its finish keeps an exit 0 down (on-failure)"
old=$(pid_of "$G")
printf '[gateway]\nprogram = %s\nrestart = on-failure\nnotification_fd = 3\nargs = --restarted\n' "$GRACEFUL" >"$CFG/g.ini"
apply
is "$RC" 0 "apply after an args edit: a restart"
like "$OUT" "~ gateway-g \(run\)" "gateway-g is updated (run)"
restarted g "$old" 10000 "gateway-g is up again with a new pid"
gateway_ready "$G"
has_line "$(rec g)" "argv [-p] [g] [gateway] [run] [--replace] [--restarted]" "... running the new args"
has_line "$(cat "$(home_of g)/graceful.log" 2>/dev/null)" "exit 0 on SIGTERM, pid $old" \
  "the old gateway did exit 0 on SIGTERM"
is "$(s6-svstat -o up,wantedup "$G")" "true true" "up and wanted up"
ok "$([ ! -e "$G/.hermes-reconcile.restart" ]; echo $?)" "the restart record is gone"
# The contrast: the same SIGTERM without the pass's restart leaves it down, as finish says.
s6-svc -t "$G"
down_for_good() { [ "$(s6-svstat -o up,wantedup "$G")" = "false false" ]; }
wait_for 10000 down_for_good
ok $? "(a bare SIGTERM: exit 0, finish 125, down and not wanted up)"

# --- 9.4: a leftover restart record is completed by the next pass -------------------------------
# As a pass killed between its `d` and its `u` leaves it: the record says "run", the gateway is
# down and wanted down.
profile r </dev/null
apply
is "$RC" 0 "apply: gateway-r"
wait_for 10000 rec_is_current r
R=$(slot r)
old=$(pid_of "$R")
printf 'run\n' >"$R/.hermes-reconcile.restart"
sed -i 's/^restart -$/restart pending/' "$R/.hermes-reconcile"   # as the killed pass wrote it
s6-svc -d "$R"
s6-svwait -D -t 10000 "$R"
is "$(s6-svstat -o up,wantedup "$R")" "false false" "gateway-r stopped as a killed restart leaves it"
hr plan
is "$RC" 2 "plan: the recorded restart is pending"
like "$OUT" "~ gateway-r \(restart\)" "plan: gateway-r (restart)"
apply
is "$RC" 0 "the next pass"
like "$OUT" "~ gateway-r \(restart\)" "completes the restart of gateway-r"
restarted r "$old" 10000 "gateway-r is up again"
is "$(s6-svstat -o wantedup "$R")" true "and wanted up"
ok "$([ ! -e "$R/.hermes-reconcile.restart" ]; echo $?)" "the record is gone"
hr plan
is "$RC" 0 "plan: nothing pending after it"

# --- 4: one s6-svscanctl per pass -----------------------------------------------------------------
# control_writes TRACE: what was written to s6-svscan's control FIFO, one write a line.
control_writes() { sed -n 's|^[0-9]* *write([0-9]*<.*/\.s6-svscan/control>, "\([^"]*\)".*|\1|p' "$1"; }
for n in c1 c2 c3; do profile "$n" </dev/null; done
strace_hr "$TMP/scan1.trace" apply
is "$RC" 0 "a pass adding three slots"
is "$(control_writes "$TMP/scan1.trace" | tr '\n' ' ')" "a " "... writes s6-svscan's control once: a"
rm "$CFG/c1.ini" "$CFG/c2.ini"
for n in c4 c5; do profile "$n" </dev/null; done
strace_hr "$TMP/scan2.trace" apply
is "$RC" 0 "a pass adding two slots and removing two"
is "$(grep -c '^[-+] ' <<<"$OUT")" 4 "(four slots added or removed)"
is "$(control_writes "$TMP/scan2.trace" | tr '\n' ' ')" "an " "... writes s6-svscan's control once: an"
strace_hr "$TMP/scan3.trace" apply
is "$RC" 0 "a pass with nothing to do"
is "$(control_writes "$TMP/scan3.trace" | wc -l)" 0 "... does not write it at all"
ok "$(grep -q '\.s6-svscan/control>' "$TMP/scan2.trace"; echo $?)" "(the trace does name the FIFO)"

# --- 9.3: exit code precedence, 111 over 99 over 1 ------------------------------------------------
# A config dir of its own: one valid profile, one invalid file (1). A scandir whose control FIFO
# only this shell holds open: the rescan goes nowhere and the wait for a supervisor times out (99).
# A full stdout: the report cannot be written (111).
PC=$TMP/prec.d
mkdir -p "$PC"
cp "$CFG/_defaults.ini" "$PC/"
: >"$PC/p1.ini"
mkdir -p "$HH/profiles/p1"
chown "$TEST_UID:$TEST_GID" "$HH/profiles/p1"
printf '[gateway]\nno_such_key = 1\n' >"$PC/bad.ini"
hr_p() { "$HR" -c "$PC" -s "$1" -H "$HH" -b "$BINDIR" -t 300 apply; }
"$HR" -c "$PC" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 apply >/dev/null 2>&1
is "$?" 1 "an invalid file alone: 1"
PS=$TMP/prec-scandir
mkdir -p "$PS/.s6-svscan"
mkfifo -m 0600 "$PS/.s6-svscan/control"
exec 7<>"$PS/.s6-svscan/control"
hr_p "$PS" >/dev/null 2>"$TMP/prec.err"
is "$?" 99 "an invalid file and a supervisor that never starts: 99 over 1"
like "$(cat "$TMP/prec.err")" "bad\.ini:2: " "(the invalid file was reported)"
like "$(cat "$TMP/prec.err")" "no supervisor started before the timeout" "(the wait timed out)"
# 111 from a failed publish: strace makes the second publishing rename fail (EIO); the first slot
# is published and its supervisor never starts (99); the invalid file stays (1).
: >"$PC/p2.ini"
mkdir -p "$HH/profiles/p2"
chown "$TEST_UID:$TEST_GID" "$HH/profiles/p2"
PS2=$TMP/prec-scandir2
mkdir -p "$PS2/.s6-svscan"
mkfifo -m 0600 "$PS2/.s6-svscan/control"
exec 8<>"$PS2/.s6-svscan/control"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null \
  -e inject=renameat2:error=EIO:when=2 "$HR" -c "$PC" -s "$PS2" -H "$HH" -b "$BINDIR" -t 300 apply \
  >/dev/null 2>"$TMP/prec.err"
is "$?" 111 "an invalid file, a supervisor that never starts and a failed publish: 111 over 99 and 1"
like "$(cat "$TMP/prec.err")" "no supervisor started before the timeout" "(the wait timed out in that pass too)"
like "$(cat "$TMP/prec.err")" "bad\.ini:2: " "(and the invalid file was reported)"
is "$(find "$PS2" -mindepth 1 -maxdepth 1 -name 'gateway-*' | wc -l)" 1 "(one slot was published, the other failed)"
exec 8>&-
rm "$PC/p2.ini"
# SPEC 11: "a failed write to stdout is exit 111".
hr_p "$PS" >/dev/full 2>"$TMP/prec.err"
is "$?" 111 "the same pass with stdout on /dev/full: 111"
exec 7>&-

# --- 2: -v ---------------------------------------------------------------------------------------
hr apply
is "$RC" 0 "a pass with nothing to do"
is "$(grep -c '^= ' <<<"$OUT")" 0 "without -v: no line for an unchanged slot"
for v in -v --verbose; do
  hr "$v" apply
  is "$RC" 0 "apply $v"
  has_line "$OUT" "= gateway-r" "apply $v: a line for the unchanged gateway-r"
  is "$(grep -c '^= gateway-' <<<"$OUT")" "$(find "$SCANDIR" -mindepth 1 -maxdepth 1 -name 'gateway-*' | wc -l)" \
    "apply $v: one line for every unchanged slot"
done
hr -v plan
is "$RC" 0 "plan -v"
has_line "$OUT" "= gateway-r" "plan -v: the unchanged slots too"

# --- 3/4: a removed optional key removes its file -------------------------------------------------
profile opt <<'EOF'
[gateway]
autostart = no
timeout_finish = 3000
timeout_kill = 4000
down_signal = SIGINT
notification_fd = 5
max_death_tally = 7
EOF
apply
is "$RC" 0 "a profile with every optional gateway key"
O=$(slot opt)
keyfiles() { local f; for f in timeout-finish timeout-kill down-signal notification-fd max-death-tally; do
  [ -e "$O/$f" ] && printf '%s=%s ' "$f" "$(cat "$O/$f")"; done; }
is "$(keyfiles)" "timeout-finish=3000 timeout-kill=4000 down-signal=SIGINT notification-fd=5 max-death-tally=7 " \
  "each has its file"
printf '[gateway]\nautostart = no\ntimeout_finish = 3000\ntimeout_kill = 4000\ndown_signal = SIGINT\nnotification_fd = 5\n' \
  >"$CFG/opt.ini"
apply
is "$RC" 0 "max_death_tally removed"
like "$OUT" "~ gateway-opt " "gateway-opt is updated"
is "$(keyfiles)" "timeout-finish=3000 timeout-kill=4000 down-signal=SIGINT notification-fd=5 " "max-death-tally is gone, the rest stay"
printf '[gateway]\nautostart = no\n' >"$CFG/opt.ini"
apply
is "$RC" 0 "every other optional key removed"
is "$(keyfiles)" "" "every file of an optional key is gone"
hr plan
is "$RC" 0 "plan: nothing pending"

# --- 6: LD_PRELOAD from [env] reaches the gateway's user only --------------------------------------
# A library whose constructor appends the uid of every process that loads it to a log.
cat >"$TMP/uidlog.c" <<'EOC'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void uidlog(void)
{
  char b[32];
  int n = snprintf(b, sizeof b, "%u\n", (unsigned)getuid());
  int fd = open(UIDLOG, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, b, (size_t)n) < 0) { /* nothing to do */ }
    close(fd);
  }
}
EOC
cc -shared -fPIC -o "$TMP/uidlog.so" -DUIDLOG="\"$TMP/uidlog.probe\"" "$TMP/uidlog.c"
ok $? "the uid-logging library builds"
chmod 0755 "$TMP/uidlog.so"
install -m 0666 /dev/null "$TMP/uidlog.probe"
LD_PRELOAD=$TMP/uidlog.so /bin/true
is "$(cat "$TMP/uidlog.probe")" 0 "(the library logs root when root loads it)"
cc -shared -fPIC -o "$TMP/uidlog.so" -DUIDLOG="\"$TMP/uidlog.log\"" "$TMP/uidlog.c"
install -m 0666 /dev/null "$TMP/uidlog.log"
profile pre <<EOF
[env]
LD_PRELOAD = $TMP/uidlog.so
EOF
apply
is "$RC" 0 "a profile with LD_PRELOAD in [env]"
wait_for 10000 rec_is_current pre
ok $? "gateway-pre is up"
has_line "$(rec pre)" "env LD_PRELOAD=$TMP/uidlog.so" "the gateway has LD_PRELOAD"
s6-svc -r "$(slot pre)"                          # a second start: the run script runs again
wait_for 10000 rec_is_current pre
uids=$(sort -u "$TMP/uidlog.log")
is "$uids" "$TEST_UID" "every process that loaded it ran as $TEST_UID, none as root"
ok "$([ "$(wc -l <"$TMP/uidlog.log")" -ge 2 ]; echo $?)" "(it was loaded: $(wc -l <"$TMP/uidlog.log") times)"

# --- 9.6: the logger's $HERMES_HOME ---------------------------------------------------------------
profile lh-yes <<'EOF'
[gateway]
inherit_env = yes
EOF
profile lh-no <<'EOF'
[gateway]
inherit_env = no
EOF
apply
is "$RC" 0 "two profiles, inherit_env yes and no, default log dir (\$HERMES_HOME/logs/gateways/NAME)"
wait_for 10000 test -e "$CHOME/logs/gateways/lh-yes/current"
ok $? "inherit_env = yes: the logger writes under the container's HERMES_HOME ($CHOME)"
ok "$([ ! -e "$HH/logs/gateways/lh-yes" ]; echo $?)" "... and not under -H"
wait_for 10000 test -e "$HH/logs/gateways/lh-no/current"
ok $? "inherit_env = no: the logger writes under -H ($HH)"
ok "$([ ! -e "$CHOME/logs/gateways/lh-no" ]; echo $?)" "... and not under the container's"
wait_for 10000 rec_is_current lh-yes
wait_for 10000 rec_is_current lh-no
has_line "$(rec lh-yes)" "env HERMES_HOME=$HH" "the gateway's HERMES_HOME is -H's either way (inherit_env = yes)"
has_line "$(rec lh-no)" "env HERMES_HOME=$HH" "the gateway's HERMES_HOME is -H's either way (inherit_env = no)"

done_testing
