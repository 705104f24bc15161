#!/bin/bash
# docker/Dockerfile against the image layout, without a container engine: what the Dockerfile
# promises (pinned, checked s6-overlay 3.2.x; make check before the layout; the ENTRYPOINT and
# S6_STAGE2_HOOK paths; the hermes user) and what `make install-image` lays out (those paths exist,
# the installed scripts are docker/'s, the stage2 hook seeds the shipped default.ini). Building and
# running the image itself needs a container engine: see docker/README.md, "Tests".
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

DF=$TOP/docker/Dockerfile
[ -f "$DF" ] || skip_all "no docker/Dockerfile"

# instructions FILE: the Dockerfile's instructions, one a line, as "STAGE<TAB>KEYWORD ARGS": comment
# lines (also inside a continuation) and empty lines dropped, continuation lines joined, blanks
# squeezed; STAGE is the name (AS ...) of the FROM the instruction belongs to, "-" before any FROM.
# Every check below reads instructions, never the file's text, so a comment cannot satisfy one.
instructions() {
  awk '
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { next }
    {
      line = $0
      cont = sub(/\\[ \t]*$/, "", line)
      buf = buf " " line
      if (cont) next
      gsub(/[ \t]+/, " ", buf); sub(/^ /, "", buf); sub(/ $/, "", buf)
      split(buf, w, " ")
      kw = toupper(w[1])
      if (kw == "FROM") { stage = "-"; for (i = 2; i < length(w); i++) if (toupper(w[i]) == "AS") stage = w[i + 1] }
      sub(/^[^ ]+/, kw, buf)
      print (stage == "" ? "-" : stage) "\t" buf
      buf = ""
    }' "$1"
}
# instr STAGE KEYWORD [FILE]: the arguments of every KEYWORD instruction of STAGE ("*": any stage).
instr() {
  instructions "${3:-$DF}" | awk -F'\t' -v st="$1" -v kw="$2" '
    (st == "*" || $1 == st) && index($2, kw " ") == 1 { print substr($2, length(kw) + 2) }'
}
# env_of STAGE NAME: the value an ENV instruction of STAGE gives NAME (ENV NAME=VALUE ... form).
env_of() {
  instr "$1" ENV | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# The parser itself: a Dockerfile whose every instruction is commented out has none, and a
# continuation holding a comment line is one instruction.
# shellcheck disable=SC1003 # a literal backslash
printf '%s\n' '# RUN make check' '  # ENTRYPOINT ["/init"]' 'FROM a AS b' 'RUN x \' '# not this' ' && y' >"$TMP/df"
is "$(instructions "$TMP/df")" "b	FROM a AS b
b	RUN x && y" "the Dockerfile reader drops comments and joins continuations"

# --- The Dockerfile --------------------------------------------------------------------------------
entry=$(instr runtime ENTRYPOINT)
is "$entry" '["/init", "/usr/libexec/hermes/main-wrapper.sh"]' \
  "ENTRYPOINT is /init plus the wrapper (exec form, so leading-dash arguments reach the wrapper)"
is "$(instr '*' CMD)" "" "no CMD: no argument means hermes"
hook_path=$(env_of runtime S6_STAGE2_HOOK)
is "$hook_path" /usr/libexec/hermes/stage2-hook.sh "S6_STAGE2_HOOK is the installed stage2-hook.sh"
is "$(instr - ARG | grep '^S6_OVERLAY_VERSION=')" 'S6_OVERLAY_VERSION=3.2.3.0' "s6-overlay pinned to 3.2.3.0, the version hermes' image pins (SPEC 12.1)"
# The release's sums, as hermes' Dockerfile pins them (../shared/s6-overlay-3.2.3.0/README.md lists them).
is "$(instr - ARG | grep -E '^S6_OVERLAY_(NOARCH|X86_64|AARCH64)_SHA256=' | LC_ALL=C sort | tr '\n' ' ')" \
  "S6_OVERLAY_AARCH64_SHA256=0952056ff913482163cc30e35b2e944b507ba1025d78f5becbb89367bf344581 S6_OVERLAY_NOARCH_SHA256=b720f9d9340efc8bb07528b9743813c836e4b02f8693d90241f047998b4c53cf S6_OVERLAY_X86_64_SHA256=a93f02882c6ed46b21e7adb5c0add86154f01236c93cd82c7d682722e8840563 " \
  "the pinned sums are the official 3.2.3.0 release's"
for a in NOARCH X86_64 AARCH64; do
  like "$(instr - ARG | grep "^S6_OVERLAY_${a}_SHA256=")" "^S6_OVERLAY_${a}_SHA256=[0-9a-f]{64}\$" \
    "S6_OVERLAY_${a}_SHA256 is a SHA256"
done
s6run=$(instr s6-overlay RUN)
like "$s6run" '\| sha256sum -c -;' "the tarballs are checked with sha256sum -c (a RUN of the s6-overlay stage)"
like "$s6run" 'tar -C /s6-root -Jxpf s6-overlay-noarch\.tar\.xz;' "the noarch tarball is installed"
# shellcheck disable=SC2016 # a literal $ in the regex
like "$s6run" 'tar -C /s6-root -Jxpf "s6-overlay-\$s6arch\.tar\.xz";' "the architecture's tarball is installed"
is "$(instr '*' FROM | head -n1)" 'debian:bookworm AS build' "the build stage, the first, is Debian bookworm"
buildrun=$(instr build RUN)
like "$buildrun" 'unit\) make all unit ;; +check\) make check ;;' "the build stage runs make all unit, or make check with CHECK=check"
like "$buildrun" 'esac && make install-image DESTDIR=/image( |$)' "... then install-image"
is "$(instr build ARG)" 'CHECK=unit' "CHECK is a build argument, unit by default"
has_copy=$(instr runtime COPY | grep -cxF -- '--from=build /image/ /')
is "$has_copy" 1 "the runtime stage copies the layout"
like "$(instr - ARG)" '(^|
)BASE_IMAGE=' "the runtime base image is a build argument"
# shellcheck disable=SC2016 # a literal ${BASE_IMAGE}
is "$(instr runtime FROM)" '${BASE_IMAGE} AS runtime' "the runtime stage is FROM the base image"
rtrun=$(instr runtime RUN)
like "$rtrun" 'useradd --uid 10000 --gid hermes --home-dir /opt/data ' "user hermes: uid 10000, home /opt/data"
like "$rtrun" 'groupadd --gid 10000 hermes;' "group hermes: gid 10000"
is "$(env_of runtime HERMES_HOME)" /opt/data "HERMES_HOME=/opt/data"
# shellcheck disable=SC2016 # a literal $PATH
is "$(env_of runtime PATH)" '/usr/libexec/hermes/bin:/command:$PATH' "PATH: the hermes shim first (SPEC 12.3), then /command, then the base's"
like "$rtrun" '(^|
)chown hermes:hermes /etc/hermes/profiles\.d( |$)' "profiles.d is writable by hermes"

# --- The scripts -----------------------------------------------------------------------------------
for s in main-wrapper.sh stage2-hook.sh init.sh first-boot.sh hermes-exec-shim.sh tini-shim.sh; do
  f=$TOP/docker/$s
  is "$(head -n1 "$f")" '#!/bin/sh' "$s: a POSIX sh script"
  grep -qxE 'set -(eu|u)' "$f"; ok $? "$s: set -eu (first-boot.sh: set -u, a failed step is a warning)"
  if command -v shellcheck >/dev/null; then
    shellcheck -s sh "$f" >"$TMP/sc" 2>&1; ok $? "$s: shellcheck -s sh is clean"
    [ -s "$TMP/sc" ] && diag "$(cat "$TMP/sc")"
  fi
done

# --- The layout: make install-image ----------------------------------------------------------------
if ! make -s -C "$TOP" -n install-image DESTDIR=/nonexistent >/dev/null 2>&1; then
  diag "make install-image is not available: layout checks skipped"
  done_testing
fi
IMG=$TMP/image
bin=$HR
if [ ! -x "$bin" ]; then bin=$TMP/stub-hermes-reconcile; printf '#!/bin/sh\n' >"$bin"; chmod 0755 "$bin"; fi
make -s -C "$TOP" install-image DESTDIR="$IMG" IMAGE_BIN="$bin" >"$TMP/make.log" 2>&1
ok $? "make install-image DESTDIR=... succeeds" || diag "$(cat "$TMP/make.log")"

wrapper_path=${entry#*\"/init\", \"}; wrapper_path=${wrapper_path%\"]}
[ -x "$IMG$wrapper_path" ]; ok $? "the ENTRYPOINT's wrapper ($wrapper_path) is in the layout, executable"
cmp -s "$IMG$wrapper_path" "$TOP/docker/main-wrapper.sh"; ok $? "...and it is docker/main-wrapper.sh"
[ -x "$IMG$hook_path" ]; ok $? "S6_STAGE2_HOOK ($hook_path) is in the layout, executable"
cmp -s "$IMG$hook_path" "$TOP/docker/stage2-hook.sh"; ok $? "...and it is docker/stage2-hook.sh"
[ -x "$IMG/usr/bin/hermes-reconcile" ]; ok $? "/usr/bin/hermes-reconcile is in the layout"
for pair in usr/libexec/hermes/first-boot.sh=first-boot.sh usr/libexec/hermes/bin/hermes=hermes-exec-shim.sh \
  usr/bin/tini=tini-shim.sh; do
  [ -x "$IMG/${pair%%=*}" ] && cmp -s "$IMG/${pair%%=*}" "$TOP/docker/${pair#*=}"
  ok $? "/${pair%%=*} is in the layout, executable, and is docker/${pair#*=}"
done
for svc in hermes-reconcile-watch hermes-reconcile-trigger; do
  [ -x "$IMG/etc/s6-overlay/s6-rc.d/$svc/finish" ]; ok $? "$svc has a finish script (down for good when not root)"
done
[ -d "$IMG/etc/hermes/profiles.d" ] && [ -z "$(ls -A "$IMG/etc/hermes/profiles.d")" ]
ok $? "/etc/hermes/profiles.d is in the layout, empty"
[ -f "$IMG/usr/share/hermes/profiles.d-examples/default.ini" ]
ok $? "the example default.ini that the hook seeds from is in the layout"

# The installed hook, on the installed layout, seeds the shipped default.ini.
if [ "$(id -u)" -eq 0 ]; then
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'hermes:x:10000:10000::/opt/data:/bin/sh' >"$IMG/etc/passwd"
  printf '%s\n' 'root:x:0:' 'hermes:x:10000:' >"$IMG/etc/group"
  chown 10000:10000 "$IMG/etc/hermes/profiles.d"
  OUT=$(env -i PATH=/usr/bin:/bin HERMES_STAGE2_ROOT="$IMG" HERMES_S6_BINDIR="$TMP/none" "$IMG$hook_path" 2>&1)
  ok $? "the installed stage2-hook.sh runs cleanly on the layout" || diag "$OUT"
  cmp -s "$IMG/etc/hermes/profiles.d/default.ini" "$IMG/usr/share/hermes/profiles.d-examples/default.ini"
  ok $? "first boot: profiles.d/default.ini is the shipped example"
fi

diag "the image build and the docker run checks are make image-test's (test/image/image-test.t), not run here"
done_testing
