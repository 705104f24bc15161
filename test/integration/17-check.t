#!/bin/bash
# 17-check.t: hermes-reconcile check over a directory of broken files lists every error with its
# file and line, in one run; the command line's usage errors, --help and --version.
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C
[ -x "$HR" ] || { echo "Bail out! no hermes-reconcile at $HR (make all)"; exit 1; }
need_root
test_user

CFG=$TMP/conf.d
mkdir -p "$CFG"
printf '[gateway]\nuser = %s\n' "$TEST_USER" >"$CFG/_defaults.ini"

check() {
  RC=0
  "$HR" -c "$CFG" -H "$TMP" "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}

# Valid files only: exit 0, nothing on stderr.
printf '[profile]\ndescription = fine\n' >"$CFG/good.ini"
check check
is "$RC" 0 "all valid: exit 0"
is "$ERR" "" "all valid: no error"
like "$OUT" '^check: 1 file, 0 errors$' "all valid: summary"

# A directory of broken files, one kind of error per line.
long=$(printf 'x%.0s' $(seq 1 250))
printf '[gateway]\nrestart = sometimes\nautostart = yes\nautostart = no\n[bogus]\nkey = 1\n' >"$CFG/alpha.ini"
printf 'program = hermes\n[log]\nmax_files = 0\ndir = relative/path\nto_stdout = maybe\n' >"$CFG/beta.ini"
printf '[profile]\ndescription = %s\nenabled = yes\n[gateway]\ndown_signal = SIGNOPE\n[env]\nHOME = /root\n1BAD = x\n' "$long" >"$CFG/gamma.ini"
printf '[gateway]\nuser = root\ngroup = no-such-group-here\nnotification_fd = 2\n' >"$CFG/delta.ini"
printf '[profile]\nenabled = yes\n' >"$CFG/Bad_Name.ini"
printf '[profile]\nenabled = \0yes\n' >"$CFG/nul.ini"
head -c 70000 /dev/zero | tr '\0' ';' >"$CFG/huge.ini"
printf '[profile]\nenabled = no\n' >"$CFG/.hidden.ini"
printf 'not a profile\n' >"$CFG/notes.txt"
check check
is "$RC" 1 "broken files: exit 1"
expect=(
  "$CFG/alpha.ini:2: restart = sometimes: not one of the choices on-failure|always|never"
  "$CFG/alpha.ini:4: autostart set twice in [gateway] (first at line 3)"
  "$CFG/alpha.ini:5: unknown section [bogus]"
  "$CFG/beta.ini:1: program set before any [section]"
  "$CFG/beta.ini:3: max_files = 0: out of range or not an integer 1..1000"
  "$CFG/beta.ini:4: dir = relative/path: expected an absolute path or \$HERMES_HOME/..."
  "$CFG/beta.ini:5: to_stdout = maybe: expected yes/no, true/false, on/off or 1/0"
  "$CFG/gamma.ini:2: line longer than 198 bytes"
  "$CFG/gamma.ini:5: down_signal = SIGNOPE: not a signal name"
  "$CFG/gamma.ini:7: HOME is set by hermes-reconcile and cannot be set in [env]"
  "$CFG/gamma.ini:8: invalid variable name 1BAD in [env]"
  "$CFG/delta.ini:2: user = root: the gateway never runs as root"
  "$CFG/delta.ini:3: group = no-such-group-here: no such group"
  "$CFG/delta.ini:4: notification_fd = 2: out of range or not an integer 3..255"
  "$CFG/Bad_Name.ini: invalid profile name Bad_Name: expected [a-z0-9][a-z0-9_-]*, at most 243 characters"
  "$CFG/nul.ini:2: NUL byte in line"
  "$CFG/huge.ini: file larger than 65536 bytes"
)
for e in "${expect[@]}"; do
  if grep -qxF -- "$e" "$TMP/err"; then ok 0 "reported: ${e#"$CFG/"}"; else ok 1 "reported: ${e#"$CFG/"}"; diag "$ERR"; fi
done
is "$(wc -l <"$TMP/err")" "${#expect[@]}" "nothing else reported (the line after the long one keeps its number)"
if grep -q 'hidden\|notes' "$TMP/err"; then ok 1 "dot files and non-.ini names ignored"; else ok 0 "dot files and non-.ini names ignored"; fi
like "$OUT" "^check: 8 files, ${#expect[@]} errors$" "summary counts files and errors"

# check FILE validates FILE with the _defaults.ini of its own directory, none if it has none, and
# needs no config dir (SPEC 9.12).
mkdir -p "$TMP/other"
printf '[profile]\ndescription = elsewhere\n[gateway]\nuser = %s\n' "$TEST_USER" >"$TMP/other/one.ini"
printf '[gateway]\nuser = no-such-user-here\n' >"$CFG/_defaults.ini"
check check "$TMP/other/one.ini"
is "$RC" 0 "check FILE: valid on its own; the config dir's invalid defaults are not its defaults"
RC=0; "$HR" -c "$TMP/no-such-config-dir" -H "$TMP" check "$TMP/other/one.ini" >"$TMP/out" 2>"$TMP/err" || RC=$?
is "$RC" 0 "check FILE: needs no config dir"
printf '[gateway]\nrestart = sometimes\n' >"$TMP/other/_defaults.ini"
check check "$TMP/other/one.ini"
is "$RC" 1 "check FILE: an invalid _defaults.ini beside it makes it invalid"
like "$ERR" "other/_defaults.ini:2: restart = sometimes: not one of the choices" "check FILE: the defaults' error is reported"
printf '[gateway]\nuser = root\n' >"$TMP/other/_defaults.ini"
check check "$TMP/other/_defaults.ini"
is "$RC" 1 "check DIR/_defaults.ini: validated as defaults, in any directory"
like "$ERR" "other/_defaults.ini:2: user = root: the gateway never runs as root" "check DIR/_defaults.ini: says why"
like "$OUT" "^check: 1 file, 1 error$" "check DIR/_defaults.ini: counted as a file"
printf '[profile]\nhome = /x\n' >"$TMP/other/_defaults.ini"
check check "$TMP/other/_defaults.ini"
like "$ERR" "other/_defaults.ini:2: \\[profile\\] home is not allowed in _defaults.ini" "check DIR/_defaults.ini: checked as defaults, not as a profile"
rm "$TMP/other/_defaults.ini"

# The command line.
check frobnicate
is "$RC" 100 "unknown command: exit 100"
check --no-such-option check
is "$RC" 100 "unknown option: exit 100"
check plan extra
is "$RC" 100 "plan takes no argument: exit 100"
check -t soon plan
is "$RC" 100 "a malformed --timeout: exit 100"
check --help
is "$RC" 0 "--help: exit 0"
like "$OUT" "usage: hermes-reconcile" "--help prints the usage"
check --version
is "$RC" 0 "--version: exit 0"
like "$OUT" '^hermes-reconcile [0-9]+\.[0-9]+' "--version prints the version"
done_testing
