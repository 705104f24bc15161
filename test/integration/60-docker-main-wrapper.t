#!/bin/bash
# docker/main-wrapper.sh without a container engine: the five `docker run` forms of the seed, plus
# --version, a failing program's exit code, the drop to hermes, the refusal of a foreign --user, the
# TTY and the container environment.
#
# Each run happens in a private mount namespace (unshare --mount) where /etc/passwd and /etc/group
# are bind-mounted copies holding a hermes user (uid/gid 10000): the real s6-setuidgid drops to it,
# and the stand-in programs (hermes, sleep, bash) print the argv and uid they were run with.
# HERMES_S6_BINDIR points at a stand-in for s6-overlay's /command: the real s6-setuidgid and a
# with-contenv that, like s6-overlay's, empties the environment and loads a container environment
# directory. The host's /etc is never modified.
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

need_root
unshare --mount true 2>/dev/null || skip_all "unshare --mount not permitted here (a container without CAP_SYS_ADMIN)"
command -v s6-setuidgid >/dev/null || skip_all "s6-setuidgid (Debian package s6) not installed"

WRAPPER=$TMP/main-wrapper.sh
install -m 0755 "$TOP/docker/main-wrapper.sh" "$WRAPPER"
HUID=10000

# Fake account files: the host's, plus hermes.
mkdir -p "$TMP/etc" "$TMP/data"
{ grep -v '^hermes:' /etc/passwd; echo "hermes:x:$HUID:$HUID:hermes:$TMP/data:/bin/sh"; } >"$TMP/etc/passwd"
{ grep -v '^hermes:' /etc/group; echo "hermes:x:$HUID:"; } >"$TMP/etc/group"
chmod 0644 "$TMP/etc/passwd" "$TMP/etc/group"

# Stand-in programs: print the name run, uid, gid, HOME, HERMES_HOME, a container variable,
# whether stdin/stdout are terminals, then one line per argument.
mkdir -p "$TMP/bin" "$TMP/bin-nohermes"
cat >"$TMP/bin/recorder" <<'EOS'
#!/bin/sh
t0=no; [ -t 0 ] && t0=yes
t1=no; [ -t 1 ] && t1=yes
printf 'prog=%s uid=%s gid=%s home=%s hh=%s from_contenv=%s tty=%s/%s\n' "${0##*/}" "$(id -u)" "$(id -g)" \
  "$HOME" "${HERMES_HOME:-}" "${FROM_CONTENV:-}" "$t0" "$t1"
for a in "$@"; do printf 'arg=[%s]\n' "$a"; done
EOS
# shellcheck disable=SC2016 # expanded by the stand-in, not here
printf '#!/bin/sh\necho "failing uid=$(id -u)"\nexit 3\n' >"$TMP/bin/failing"
chmod 0755 "$TMP/bin/recorder" "$TMP/bin/failing"
for p in hermes sleep bash; do ln -s recorder "$TMP/bin/$p"; done
ln -s "$TMP/bin/recorder" "$TMP/bin-nohermes/sleep"

# The container environment, and a stand-in /command.
mk_command() { # DIR CONTENV PATH-IN-CONTAINER
  mkdir -p "$1" "$2"
  ln -s "$(command -v s6-setuidgid)" "$1/s6-setuidgid"
  printf '%s' "$3" >"$2/PATH"
  printf '%s' /opt/data-from-contenv >"$2/HERMES_HOME"
  printf '%s' 1 >"$2/FROM_CONTENV"
  cat >"$1/with-contenv" <<EOS
#!/bin/sh
exec env -i PATH="\$PATH" $(command -v s6-envdir) -Lf '$2' "\$@"
EOS
  chmod 0755 "$1" "$2" "$1/with-contenv"
}
mk_command "$TMP/command" "$TMP/contenv" "$TMP/bin:/usr/bin:/bin"
mk_command "$TMP/command-nohermes" "$TMP/contenv-nohermes" "$TMP/bin-nohermes:/usr/bin:/bin"

# The namespace runner: bind the fake account files, then run CMD... with s6-overlay's emptied
# environment (what /init gives its CMD).
cat >"$TMP/in-ns" <<EOS
#!/bin/sh
set -e
mount --bind '$TMP/etc/passwd' /etc/passwd
mount --bind '$TMP/etc/group' /etc/group
exec "\$@"
EOS
chmod 0755 "$TMP/in-ns"

# run [--bindir DIR] [--as UID] ARGS...: run the wrapper; sets OUT (stdout+stderr) and RC.
run() {
  local bindir=$TMP/command as=
  while [ $# -gt 0 ]; do
    case $1 in
      --bindir) bindir=$2; shift 2 ;;
      --as) as=$2; shift 2 ;;
      *) break ;;
    esac
  done
  local -a pre=()
  [ -z "$as" ] || pre=(setpriv --reuid="$as" --regid="$as" --clear-groups --)
  OUT=$(unshare --mount "$TMP/in-ns" "${pre[@]}" env -i PATH=/usr/bin:/bin HERMES_S6_BINDIR="$bindir" \
    "$WRAPPER" "$@" 2>&1 </dev/null)
  RC=$?
}

expect_run() { # NAME WANT-OUTPUT ARGS...
  local name=$1 want=$2; shift 2
  run "$@"
  is "$RC" 0 "$name: exit code 0"
  is "$OUT" "$want" "$name: program, uid and argv"
}
base="uid=$HUID gid=$HUID home=$TMP/data hh=/opt/data-from-contenv from_contenv=1 tty=no/no"

# The five forms of the seed, and --version.
expect_run "docker run IMAGE" "prog=hermes $base"
# shellcheck disable=SC2016 # the $(id) must reach hermes unexpanded
expect_run 'docker run IMAGE chat -q "..."' "prog=hermes $base
arg=[chat]
arg=[-q]
arg=[hello  world; \$(id)]" chat -q 'hello  world; $(id)'
expect_run "docker run IMAGE sleep infinity" "prog=sleep $base
arg=[infinity]" sleep infinity
expect_run "docker run IMAGE bash" "prog=bash $base" bash
expect_run "docker run IMAGE --tui" "prog=hermes $base
arg=[--tui]" --tui
expect_run "docker run IMAGE --version" "prog=hermes $base
arg=[--version]" --version

# A hermes subcommand that is no program on PATH goes to hermes, arguments intact.
expect_run "docker run IMAGE gateway run --replace" "prog=hermes $base
arg=[gateway]
arg=[run]
arg=[--replace]" gateway run --replace

# The exit code of the program is the wrapper's (so the container's).
run failing
is "$RC" 3 "a failing program's exit code (3) is the wrapper's"
is "$OUT" "failing uid=$HUID" "the failing program ran as hermes"

# The TTY is inherited: under a pseudo-terminal, --tui sees one on stdin and stdout.
if command -v script >/dev/null; then
  cat >"$TMP/tty-run" <<EOS
#!/bin/sh
exec unshare --mount '$TMP/in-ns' env -i PATH=/usr/bin:/bin HERMES_S6_BINDIR='$TMP/command' '$WRAPPER' --tui
EOS
  chmod 0755 "$TMP/tty-run"
  OUT=$(script -qefc "$TMP/tty-run" /dev/null </dev/null | tr -d '\r')
  like "$OUT" "prog=hermes uid=$HUID .* tty=yes/yes" "--tui: hermes gets the terminal as stdin and stdout"
  like "$OUT" "arg=\[--tui\]" "--tui: passed to hermes"
else
  ok 0 "# SKIP script(1) not installed"
fi

# Started as the hermes user itself (docker run --user hermes): no drop needed, same result.
run --as "$HUID" chat -q hi
is "$RC" 0 "--user hermes: exit code 0"
like "$OUT" "^prog=hermes uid=$HUID " "--user hermes: hermes runs as hermes"

# A foreign --user is refused, clearly, and nothing is run.
run --as 12345 chat -q hi
is "$RC" 100 "--user 12345: refused with exit code 100"
like "$OUT" "main-wrapper.sh: refusing to run as uid 12345" "--user 12345: the message names the script and the uid"
like "$OUT" "is not supported" "--user 12345: the message says the form is not supported"
like "$OUT" "HERMES_UID" "--user 12345: the message tells what to use instead"
[[ $OUT != *prog=* ]]; ok $? "--user 12345: no program was run"

# No hermes program in the image: a clear message and 127, not a shell error.
run --bindir "$TMP/command-nohermes"
is "$RC" 127 "no hermes on PATH: exit code 127"
like "$OUT" "main-wrapper.sh: hermes: program not found on PATH" "no hermes on PATH: the message says so"
run --bindir "$TMP/command-nohermes" sleep infinity
like "$OUT" "^prog=sleep uid=$HUID" "no hermes on PATH: other programs still run"

# Without a with-contenv (not under s6-overlay) the environment given is used as it is.
OUT=$(unshare --mount "$TMP/in-ns" env -i PATH="$TMP/bin:/usr/bin:/bin" HERMES_HOME=/given \
  HERMES_S6_BINDIR="$TMP/no-such-dir" "$WRAPPER" 2>&1)
is "$?" 111 "no s6-setuidgid in HERMES_S6_BINDIR: exit code 111"
like "$OUT" "s6-setuidgid: not found" "no s6-setuidgid: the message says so"

# --- /init (docker/init.sh): s6-overlay's init as PID 1, the command directly otherwise --------------
INIT=$TMP/init.sh
install -m 0755 "$TOP/docker/init.sh" "$INIT"
# shellcheck disable=SC2016 # expanded by the stand-ins
printf '#!/bin/sh\necho "s6-init pid=$$ args=$*"\n' >"$TMP/s6-init"
# shellcheck disable=SC2016
printf '#!/bin/sh\necho "hook contenv=${HERMES_STAGE2_CONTENV:-} uid=$(id -u)"\nexit 4\n' >"$TMP/hook"
# shellcheck disable=SC2016
printf '#!/bin/sh\necho "cmd contenv=${HERMES_MAIN_WRAPPER_CONTENV:-} args=$*"\nexit 6\n' >"$TMP/cmd"
chmod 0755 "$TMP/s6-init" "$TMP/hook" "$TMP/cmd"
OUT=$(unshare --pid --fork env -i PATH=/usr/bin:/bin HERMES_S6_INIT="$TMP/s6-init" S6_STAGE2_HOOK="$TMP/hook" \
  "$INIT" "$TMP/cmd" --version 2>&1)
is "$OUT" "s6-init pid=1 args=$TMP/cmd --version" "init.sh as PID 1: execs s6-overlay's init with every argument"
OUT=$(env -i PATH=/usr/bin:/bin HERMES_S6_INIT="$TMP/s6-init" S6_STAGE2_HOOK="$TMP/hook" \
  "$INIT" "$TMP/cmd" --version 2>&1)
is "$?" 6 "init.sh not PID 1 (docker run --init): the command's exit code is the container's"
is "$OUT" "init: not PID 1 (docker run --init?): running the command without s6-overlay; no gateway, dashboard or profile reconciliation runs
hook contenv=1 uid=0
init: warning: $TMP/hook exited 4
cmd contenv=1 args=--version" \
  "init.sh not PID 1: says so, runs the stage2 hook (a failure only warned), then the command, without with-contenv"

# init.sh and a foreign --user (SPEC 12.2): refused at once, before s6-overlay's init or the hook.
# in_ns_as UID CMD...: CMD as UID (and gid) in the namespace with the fake account files.
in_ns_as() {
  local as=$1; shift
  unshare --mount "$TMP/in-ns" setpriv --reuid="$as" --regid="$as" --clear-groups -- "$@"
}
OUT=$(in_ns_as 1000 env -i PATH=/usr/bin:/bin HERMES_S6_INIT="$TMP/s6-init" S6_STAGE2_HOOK="$TMP/hook" \
  "$INIT" "$TMP/cmd" 2>&1)
is "$?" 100 "init.sh as uid 1000 (docker run --user 1000:1000): refused, exit 100"
like "$OUT" "'docker run --user 1000' is not supported" "...the message says the form is not supported"
like "$OUT" "HERMES_UID=.*PUID" "...and names HERMES_UID and PUID"
[[ $OUT != *s6-init* && $OUT != *hook* && $OUT != *cmd* ]]; ok $? "...before s6-overlay's init, the hook or the command"
OUT=$(in_ns_as "$HUID" env -i PATH=/usr/bin:/bin HERMES_S6_INIT="$TMP/s6-init" S6_STAGE2_HOOK="$TMP/hook" \
  "$INIT" "$TMP/cmd" x 2>&1)
is "$?" 6 "init.sh as the hermes user (--user 10000:10000): not refused, the command runs"
[[ $OUT != *"not supported"* && $OUT != *hook* ]]; ok $? "...with no refusal, and no root hook"
OUT=$(unshare --mount --pid --fork "$TMP/in-ns" setpriv --reuid="$HUID" --regid="$HUID" --clear-groups -- \
  env -i PATH=/usr/bin:/bin HERMES_S6_INIT="$TMP/s6-init" "$INIT" "$TMP/cmd" 2>&1)
is "$OUT" "s6-init pid=1 args=$TMP/cmd" "init.sh as the hermes user and PID 1: s6-overlay's init boots"

# --- the hermes shim (docker/hermes-exec-shim.sh, SPEC 12.3) -----------------------------------------------
# The shim in a directory of its own first on PATH; the real hermes (the recorder) after it.
mkdir -p "$TMP/shim"
install -m 0755 "$TOP/docker/hermes-exec-shim.sh" "$TMP/shim/hermes"
shim() { # [--as UID] ARGS...: run `hermes ARGS` through the shim; sets OUT and RC
  local -a pre=(unshare --mount "$TMP/in-ns")
  if [ "${1:-}" = --as ]; then pre+=(setpriv --reuid="$2" --regid="$2" --clear-groups --); shift 2; fi
  OUT=$("${pre[@]}" env -i PATH="$TMP/shim:${SHIM_PATH:-$TMP/bin}:/usr/bin:/bin" HOME=/root HERMES_S6_BINDIR="$TMP/command" \
    ${SHIM_ENV:+"$SHIM_ENV"} hermes "$@" 2>&1 </dev/null)
  RC=$?
}
shim login --x
is "$RC" 0 "hermes shim as root: exit 0"
is "$OUT" "prog=hermes uid=$HUID gid=$HUID home=$TMP/data hh= from_contenv= tty=no/no
arg=[login]
arg=[--x]" "hermes shim as root: the real hermes runs as the hermes user, HOME its home, arguments intact"
for v in 1 true TRUE True yes YES Yes; do
  SHIM_ENV=HERMES_DOCKER_EXEC_AS_ROOT=$v shim login
  like "$OUT" "^prog=recorder uid=0 gid=0 home=/root " "HERMES_DOCKER_EXEC_AS_ROOT=$v: keeps root (the real hermes by its resolved path)"
done
for v in 0 no false on tRuE Y ''; do
  SHIM_ENV=HERMES_DOCKER_EXEC_AS_ROOT=$v shim login
  like "$OUT" "^prog=hermes uid=$HUID " "HERMES_DOCKER_EXEC_AS_ROOT='$v': drops to hermes"
done
shim --as "$HUID" chat
like "$OUT" "^prog=hermes uid=$HUID gid=$HUID home=/root " "hermes shim as the hermes user: runs hermes directly, environment as it is"
# Kept as root, a hermes that the hermes user can write is never run.
mkdir -p "$TMP/data-bin"
# shellcheck disable=SC2016 # expanded by the stand-in
printf '#!/bin/sh\necho "data-bin hermes uid=$(id -u)"\n' >"$TMP/data-bin/hermes"
chmod 0755 "$TMP/data-bin/hermes"
chown -R "$HUID:$HUID" "$TMP/data-bin"
SHIM_PATH=$TMP/data-bin SHIM_ENV=HERMES_DOCKER_EXEC_AS_ROOT=1 shim login
is "$RC" 126 "HERMES_DOCKER_EXEC_AS_ROOT=1 with only a hermes-writable hermes on PATH: refused, exit 126"
like "$OUT" "no hermes on PATH that only root can write" "...it says why"
SHIM_PATH=$TMP/data-bin shim login
is "$OUT" "data-bin hermes uid=$HUID" "...while the drop to hermes runs that one, as hermes"
SHIM_PATH=$TMP/bin-nohermes shim
is "$RC" 127 "no real hermes beside the shim: exit 127"
like "$OUT" "hermes: program not found on PATH" "...it says so (and does not run itself again)"
OUT=$(unshare --mount "$TMP/in-ns" env -i PATH="$TMP/shim:$TMP/bin:/usr/bin:/bin" HERMES_S6_BINDIR="$TMP/none" hermes 2>&1)
is "$?" 126 "no s6-setuidgid: the shim refuses to run hermes as root (exit 126)"

# --- the tini shim (docker/tini-shim.sh, SPEC 12.7) -------------------------------------------------------------
install -m 0755 "$TOP/docker/tini-shim.sh" "$TMP/tini"
# shellcheck disable=SC2016 # expanded by the stand-in
printf '#!/bin/sh\nprintf "[%%s]" "$@"; echo\n' >"$TMP/rec-init"
chmod 0755 "$TMP/rec-init"
W=/usr/libexec/hermes/main-wrapper.sh
tini() { env -i PATH=/usr/bin:/bin HERMES_TINI_SHIM_TARGET="$TMP/rec-init" "$TMP/tini" "$@" 2>&1; }
is "$(tini -g --)" "[$W]" "tini -g --: /init with the wrapper (the image's own ENTRYPOINT)"
is "$(tini)" "[$W]" "tini with nothing: the same"
is "$(tini -g -- gateway run)" "[$W][gateway][run]" "tini -g -- gateway run: the wrapper routes gateway run"
is "$(tini -s -p SIGTERM -v -vv -w -l -e 143 --kill-process-group --subreaper --unknown -- chat -q 'a b')" \
  "[$W][chat][-q][a b]" "every tini option dropped, -p and -e with their argument"
is "$(tini -- /init /opt/hermes/docker/main-wrapper.sh --version)" "[$W][--version]" \
  "an entrypoint that already names /init and hermes' wrapper: not wrapped twice, this image's wrapper"
is "$(tini "$W" sleep 1)" "[$W][sleep][1]" "an entrypoint that names this image's wrapper: not wrapped twice"
is "$(tini sh -c 'exit 3')" "[$W][sh][-c][exit 3]" "a command with no tini option: run by the wrapper"

done_testing
