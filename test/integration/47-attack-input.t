#!/usr/bin/env bash
# 47-attack-input.t: the hermes user (here the unprivileged test user) attacks a root pass through what
# it may write: the profile files of a config dir it owns, and what the output shows (SPEC 3, 9.12,
# 11.4, 11.5, 11 Output). Each attack must fail safely: refused with a clear error, nothing published
# for it, nothing of a file it cannot read quoted, valid UTF-8 JSON on every exit.
# shellcheck disable=SC2016  # perl expressions in single quotes
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
perl -MJSON::PP -e 1 2>/dev/null || skip_all "no perl JSON::PP"

# The config dir belongs to the test user, as /etc/hermes/profiles.d does to hermes in the image;
# _defaults.ini (user = the test user) stays root's.
chown "$TEST_UID:$TEST_GID" "$CFG"
# uprofile NAME: the test user writes $CFG/NAME.ini from stdin; root makes the home.
uprofile() {
  local home
  home=$(home_of "$1")
  as_user sh -c 'cat >"$1"' sh "$CFG/$1.ini"
  mkdir -p "$home"
  chown "$TEST_UID:$TEST_GID" "$home"
}
published() { [ -d "$(slot "$1")" ]; }
not_published() { ! published "$1"; }
J=$TMP/hr.out
j() { json_get "$J" "$1"; }
# A secret only root may read, outside the config dir.
SECRET=$TMP/root-only
printf '[s3cr3t-section]\ns3cr3t_key = s3cr3t-value\n' >"$SECRET"
chmod 0600 "$SECRET"
no_secret() { ! grep -q 's3cr3t' "$TMP/hr.out" "$TMP/hr.err"; }

# --- malformed lines (SPEC 3) ------------------------------------------------------------------
printf '[profile] enabled = no\n' | uprofile tail
hr apply
is "$RC" 1 "text after ]: apply exits 1"
like "$ERR" "$CFG/tail.ini:1: text after the \] of a section header" "text after ]: reported at its line"
ok "$(not_published tail; echo $?)" "text after ]: a profile the file turns off is not published"

printf '[profile]\renabled = no\n' | uprofile barecr
hr apply
like "$ERR" "$CFG/barecr.ini:1: a CR not followed by LF" "a bare CR: reported at its line"
ok "$(not_published barecr; echo $?)" "a bare CR: not published"
rm -f "$CFG/tail.ini" "$CFG/barecr.ini"

# --- identity (SPEC 11.5) ----------------------------------------------------------------------
for g in shadow disk sudo adm; do
  getent group "$g" >/dev/null || continue
  printf '[gateway]\ngroup = %s\n' "$g" | uprofile "grp-$g"
  hr apply
  like "$ERR" "$CFG/grp-$g.ini:2: group $g is refused: the file belongs to uid $TEST_UID" \
    "group = $g in a file of $TEST_USER: refused"
  ok "$(not_published "grp-$g"; echo $?)" "group = $g: not published"
  rm "$CFG/grp-$g.ini"
  # the same words in a file of root's: root allows any group but root's
  mkdir -p "$TMP/rootcfg"
  printf '[gateway]\nuser = %s\ngroup = %s\n' "$TEST_USER" "$g" >"$TMP/rootcfg/grp-$g.ini"
  hr check "$TMP/rootcfg/grp-$g.ini"
  is "$RC" 0 "group = $g in a file of root's: accepted"
done

for u in nobody daemon; do
  getent passwd "$u" >/dev/null || continue
  printf '[gateway]\nuser = %s\n' "$u" | uprofile "usr-$u"
  hr apply
  like "$ERR" "$CFG/usr-$u.ini:2: user $u is refused: the file belongs to uid $TEST_UID" \
    "user = $u in a file of $TEST_USER: refused"
  ok "$(not_published "usr-$u"; echo $?)" "user = $u: not published"
  rm "$CFG/usr-$u.ini"
done

printf '[gateway]\nuser = root\n' | uprofile usr-root
hr check "$CFG/usr-root.ini"
is "$RC" 1 "user = root in a file of $TEST_USER: refused"
rm "$CFG/usr-root.ini"

# A link of the test user's to a root-owned file inside the config dir borrows nothing from root.
printf '[gateway]\nuser = %s\ngroup = shadow\n' "$TEST_USER" >"$CFG/.root-words"
as_user ln -s .root-words "$CFG/borrow.ini"
hr check "$CFG/borrow.ini"
is "$RC" 1 "a link of $TEST_USER's to a root file asking for group shadow: refused"
like "$ERR" "borrow.ini:3: group \(not quoted\) is refused" "and the link's target is not quoted"
rm -f "$CFG/borrow.ini" "$CFG/.root-words"

# Supplementary groups. A user of this test's own (not the shared test user, whose groups other tests
# running at the same time assert), in an extra group.
SGU=hr-test-sg$$
SGX=hr-test-sgx$$
useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$SGU" >/dev/null 2>&1 &&
  at_exit "userdel '$SGU'; groupdel '$SGU'"
groupadd --system "$SGX" >/dev/null 2>&1 && at_exit "groupdel '$SGX'"
if getent passwd "$SGU" >/dev/null && getent group "$SGX" >/dev/null && gpasswd -a "$SGU" "$SGX" >/dev/null; then
  SGX_GID=$(getent group "$SGX" | cut -d: -f3)
  SGU_GID=$(id -g "$SGU")
  profile sg <<EOF
[gateway]
user = $SGU
EOF
  chown "$SGU:$SGU" "$(home_of sg)"
  hr apply
  is "$RC" 0 "a profile whose user has a supplementary group: applied"
  wait_for 10000 rec_is_current sg
  has_line "$(rec sg)" "groups $SGU_GID $SGX_GID" "the gateway runs with the user's supplementary groups"
  like "$(cat "$(slot sg)/run")" "-G $SGU_GID,$SGX_GID " "run's s6-applyuidgid -G lists them"
  gpasswd -d "$SGU" "$SGX" >/dev/null
  hr plan
  is "$RC" 2 "a change of membership: plan has a change"
  like "$OUT" "~ gateway-sg \(run" "the run part changed (the gateway restarts)"
  hr apply
  wait_for 10000 rec_is_current sg
  has_line "$(rec sg)" "groups $SGU_GID" "after the apply the gateway has lost the group"
  rm "$CFG/sg.ini"
  hr apply
else
  ok 0 "# SKIP cannot create a user and a group"
fi

# --- output (SPEC 11, Output) ------------------------------------------------------------------
printf '[profile]\ndescription = red\033[31m bell\007 latin1 caf\351 csi\302\233x\n' | uprofile ansi
hr apply
wait_for 10000 rec_is_current ansi
hr status
ok "$(grep -q $'\033' "$TMP/hr.out"; [ $? = 1 ]; echo $?)" "status: no escape character reaches the terminal"
like "$OUT" 'red\\x1b\[31m bell\\x07 latin1 caf\\xe9 csi\\xc2\\x9bx' "status: controls and non-UTF-8 shown as \\xNN"
hr --json status
perl -MJSON::PP -e 'local $/; open my $f, "<:raw", $ARGV[0] or die; JSON::PP->new->utf8->decode(<$f>)' "$J" 2>/dev/null
is "$?" 0 "status --json: strict UTF-8 JSON"
is "$(j '(grep { $_->{slot} eq "gateway-ansi" } @{$j->{slots}})[0]{description}')" \
  'red\x1b[31m bell\x07 latin1 caf\xe9 csi\xc2\x9bx' "status --json: the description with \\xNN as text"
printf '[gat\001way\377]\n' | uprofile badbytes
hr --json check
perl -MJSON::PP -e 'local $/; open my $f, "<:raw", $ARGV[0] or die; JSON::PP->new->utf8->decode(<$f>)' "$J" 2>/dev/null
is "$?" 0 "check --json with control characters and bad bytes: strict UTF-8 JSON"
is "$(j '(grep { $_->{file} =~ /badbytes/ } @{$j->{errors}})[0]{message}')" 'unknown section [gat\x01way\xff]' \
  "check --json: the message shows \\xNN"
hr check
ok "$(grep -q $'\001' "$TMP/hr.err"; [ $? = 1 ]; echo $?)" "check: no control character on stderr"
rm "$CFG/badbytes.ini"

for cmd in plan apply status; do
  "$HR" -c "$CFG" -s "$TMP/no-scandir" -H "$HH" -b "$BINDIR" --json "$cmd" >"$J" 2>"$TMP/hr.err"
  is "$?" 111 "$cmd --json with no scandir: exit 111"
  like "$(j '$j->{errors}[0]{message}')" "unable to open the scandir" "$cmd --json on 111: a document whose errors say why"
done
"$HR" -c "$TMP/no-config" -s "$SCANDIR" -H "$HH" --json check >"$J" 2>"$TMP/hr.err"
is "$?" 111 "check --json with no config dir: exit 111"
like "$(j '$j->{errors}[0]{message}')" "unable to read the config dir" "check --json on 111: a document whose errors say why"
"$HR" -c "$TMP/no-config" -s "$SCANDIR" -H "$HH" --json plan >"$J" 2>"$TMP/hr.err"
is "$?" 111 "plan --json with no config dir: exit 111"
is "$(j '$j->{exit_code}')" 111 "plan --json on 111: exit_code 111 in the document"

for cmd in plan check status; do
  "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" "$cmd" >/dev/full 2>"$TMP/hr.err"
  is "$?" 111 "$cmd >/dev/full: exit 111"
done
"$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" --json check >/dev/full 2>"$TMP/hr.err"
is "$?" 111 "check --json >/dev/full: exit 111"
# watch prints one summary per pass: the first one lost ends it with 111 (the timeout only stops a
# watch that would otherwise run forever; it asserts nothing about time)
timeout -s KILL 300 "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" watch >/dev/full 2>"$TMP/hr.err"
is "$?" 111 "watch >/dev/full: exit 111 after its first pass"
like "$(cat "$TMP/hr.err")" "unable to write the report to stdout" "... saying why"
# own attack: a reader that went away (a pipe with no reader left) is a failed write too, not a
# signal: fd 4 is the write end of a FIFO whose only reader (fd 3) is closed before the pass writes.
mkfifo "$TMP/pipe.fifo"
exec 3<>"$TMP/pipe.fifo"
exec 4>"$TMP/pipe.fifo"
exec 3<&-
"$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" --json status >&4 2>"$TMP/hr.err"
is "$?" 111 "status with its reader gone: exit 111, not killed by SIGPIPE"
exec 4>&-
rm "$TMP/pipe.fifo"
rm "$CFG/ansi.ini"
hr apply

# --- links in the config dir (SPEC 3, 11.4) ----------------------------------------------------
as_user ln -s "$SECRET" "$CFG/leak.ini"
hr apply
is "$RC" 1 "a link to a root-only file outside the config dir: exit 1"
like "$ERR" "$CFG/leak.ini: refused: a symbolic link that leads out of its directory" "refused, as a file-level error"
ok "$(no_secret; echo $?)" "nothing of the root-only file quoted"
ok "$(not_published leak; echo $?)" "not published"
rm "$CFG/leak.ini"
as_user ln -s "../$(basename "$SECRET")" "$CFG/leak2.ini"
hr --json check
like "$(j '(grep { $_->{file} =~ /leak2/ } @{$j->{errors}})[0]{message}')" "leads out of its directory" \
  "a relative ../ link out: refused too"
ok "$(no_secret; echo $?)" "nothing quoted"
rm "$CFG/leak2.ini"

# own attack: a hard link to a root-only file inside the config dir (the kernel's protected_hardlinks
# refuses it; if it did not, the file is root's but not world-readable: never quoted)
cp "$SECRET" "$CFG/.secret-inside"
chmod 0600 "$CFG/.secret-inside"
as_user ln "$CFG/.secret-inside" "$CFG/hard.ini" 2>/dev/null || ln "$CFG/.secret-inside" "$CFG/hard.ini"
hr check
is "$RC" 1 "a hard link to a root-only file: invalid"
ok "$(no_secret; echo $?)" "a hard link to a root-only file: nothing quoted"
like "$ERR" "hard.ini:1: unknown section \[\(not quoted\)\]" "still FILE:LINE and what is wrong"
rm -f "$CFG/hard.ini" "$CFG/.secret-inside"

# own attack: a FIFO as a profile file (would block a reader that opens it blocking)
as_user mkfifo "$CFG/fifo.ini"
timeout 60 "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 apply >"$TMP/hr.out" 2>"$TMP/hr.err"
is "$?" 1 "a FIFO as a profile file: the pass does not block, exit 1"
like "$(cat "$TMP/hr.err")" "fifo.ini: refused: not a regular file" "a FIFO: refused"
rm "$CFG/fifo.ini"

# own attack: a huge (sparse) file
as_user truncate -s 4G "$CFG/huge.ini"
timeout 60 "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" check >"$TMP/hr.out" 2>"$TMP/hr.err"
is "$?" 1 "a 4 GiB file: exit 1, read no further than the limit"
like "$(cat "$TMP/hr.err")" "huge.ini: file larger than 65536 bytes" "a huge file: refused"
rm "$CFG/huge.ini"

# own attack: a link loop, and a link to a directory
as_user ln -s loop.ini "$CFG/loop.ini"
as_user mkdir "$CFG/sub"
as_user ln -s sub "$CFG/dir.ini"
hr check
like "$ERR" "loop.ini: refused: too many levels of symbolic links" "a link loop: refused"
like "$ERR" "dir.ini: refused: not a regular file" "a link to a directory: refused"
rm -rf "$CFG/loop.ini" "$CFG/dir.ini" "$CFG/sub"

# own attack: a rename race, a link swapped between a valid file and the root-only file during passes
printf '[profile]\ndescription = fine\n' | uprofile .race-ok
as_user sh -c 'i=0; while [ ! -e "$1/.stop" ] && [ $i -lt 100000 ]; do
  ln -sfn .race-ok.ini "$1/.r1" && mv -T "$1/.r1" "$1/race.ini"
  ln -sfn "$2" "$1/.r2" && mv -T "$1/.r2" "$1/race.ini"; i=$((i+1)); done' sh "$CFG" "$SECRET" &
RACER=$!
bad=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  hr check
  case $RC in 0|1) ;; *) bad=1 ;; esac
  no_secret || bad=1
done
touch "$CFG/.stop"
wait "$RACER"
is "$bad" 0 "a link swapped during passes: every pass 0 or 1, nothing of the root-only file quoted"
rm -f "$CFG/race.ini" "$CFG/.race-ok.ini" "$CFG/.stop" "$CFG/.r1" "$CFG/.r2"

# A ConfigMap mount: name.ini -> ..data/name.ini, ..data -> ..2026_x (all root's) is accepted.
CM=$TMP/configmap
mkdir -p "$CM/..2026_01_01_00_00_00.1"
cp "$CFG/_defaults.ini" "$CM/..2026_01_01_00_00_00.1/_defaults.ini"
printf '[profile]\ndescription = from a ConfigMap\n' >"$CM/..2026_01_01_00_00_00.1/cm.ini"
ln -s ..2026_01_01_00_00_00.1 "$CM/..data"
ln -s ..data/cm.ini "$CM/cm.ini"
ln -s ..data/_defaults.ini "$CM/_defaults.ini"
mkdir -p "$(home_of cm)"
"$HR" -c "$CM" -s "$SCANDIR" -H "$HH" -b "$BINDIR" plan >"$TMP/hr.out" 2>"$TMP/hr.err"
is "$?" 2 "a ConfigMap layout: valid, a change pending"
like "$(cat "$TMP/hr.out")" "\+ gateway-cm" "a ConfigMap layout: its profile would be added"

# --- check (SPEC 9.12) -------------------------------------------------------------------------
mkdir -p "$TMP/other/dir"
printf '[gateway]\nuser = root\n' >"$TMP/other/dir/_defaults.ini"
hr check "$TMP/other/dir/_defaults.ini"
is "$RC" 1 "check other/dir/_defaults.ini with user = root: exit 1"
printf '[gateway]\nuser = %s\n' "$TEST_USER" >"$TMP/other/dir/alone.ini"
rm "$TMP/other/dir/_defaults.ini"
"$HR" -c "$TMP/no-config" -H "$HH" check "$TMP/other/dir/alone.ini" >"$TMP/hr.out" 2>"$TMP/hr.err"
is "$?" 0 "check FILE without a config dir: works"

# Whatever was refused above, the pass still converges: one ordinary apply, nothing pending after.
hr apply
is "$RC" 0 "after the attacks, an ordinary apply: exit 0"
hr plan
is "$RC" 0 "and nothing is pending"

done_testing
