#!/usr/bin/env bash
# 49-attack-config.t: the hermes user (here the unprivileged test user) attacks the input side of a
# root pass through the trees it owns, laid out as in the image: the hermes home, its profiles/, and
# the config dir $HH/profiles.d that the root-owned link $ETC/profiles.d names (the image's
# /etc/hermes/profiles.d -> $HERMES_HOME/profiles.d). Each attack must fail safe (SPEC 10, 11.10,
# 11.12): nothing written where root would not write, nothing published past the cap, nothing of a
# root file quoted or taken as root's, the error truthful, and the watch never blind.
# shellcheck disable=SC2016  # perl expressions in single quotes
# shellcheck disable=SC2317  # functions called through wait_for
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
perl -MJSON::PP -e 1 2>/dev/null || skip_all "no perl JSON::PP"

# The image's layout: the config dir is the test user's, reached through a link of root's.
ETC=$TMP/etc
mkdir -p "$ETC" "$HH/profiles.d"
mv "$CFG/_defaults.ini" "$HH/profiles.d/"
rmdir "$CFG"
ln -s "$HH/profiles.d" "$ETC/profiles.d"
chown "$TEST_UID:$TEST_GID" "$HH/profiles.d"
CFG=$ETC/profiles.d
discovery_defaults
# as_hermes CMD...: what the test user does, in the trees it owns.
as_hermes() { as_user "$@"; }
soul() { as_hermes mkdir -p "$HH/profiles/$1" && as_hermes sh -c 'echo "# soul" >"$1/SOUL.md"' sh "$HH/profiles/$1"; }
discovered_slots() { find "$SCANDIR" -maxdepth 1 -name 'gateway-*' ! -name gateway-default -printf '%f\n' | sort | tr '\n' ' '; }
published() { [ -d "$(slot "$1")" ]; }

# --- [discover] max: a newcomer never displaces an incumbent (SPEC 10) --------------------------------
printf 'max = 2\n' >>"$CFG/_defaults.ini"
soul m1
soul m2
apply
is "$RC" 0 "max = 2, two discovered directories: exit 0"
is "$(discovered_slots)" "gateway-m1 gateway-m2 " "both published"
# the attack: one directory more at a time, each sorting before the incumbents
for n in a0 a1 a2 a3 a4; do
  soul "$n"
  apply
  if [ "$RC" != 1 ]; then break; fi
done
is "$RC" 1 "five newcomers after the incumbents: exit 1 each time"
like "$ERR" "$HH/profiles/a4: more discovered profiles than \[discover\] max = 2 allows: not published" \
  "the newcomer is the error, naming the cap"
is "$(discovered_slots)" "gateway-m1 gateway-m2 " "still exactly the two incumbents live (main: one more each pass)"
hr --json plan
is "$(json_get "$TMP/hr.out" 'join " ", map { "$_->{slot}:$_->{action}" } grep { $_->{slot} =~ /-(a0|m1)$/ } @{$j->{actions}}')" \
  "gateway-a0:skip gateway-m1:keep" "plan: the newcomer is skipped, the incumbent kept"
# an incumbent that goes leaves its place to the first newcomer in name order
rm -rf "$HH/profiles/m2"
apply
is "$(discovered_slots)" "gateway-a0 gateway-m1 " "m2 gone: a0, the first newcomer, takes its place"
# import caps as the plan does: what it writes is exactly what is live, so the plan stays as it is
hr import a1
is "$RC" 1 "import of a newcomer past the cap: exit 1 (main: imported, by name order alone)"
like "$ERR" "$HH/profiles/a1: more discovered profiles than \[discover\] max = 2 allows" "naming the cap"
ok "$([ ! -e "$CFG/a1.ini" ]; echo $?)" "no file written for it"
hr import
is "$RC" 0 "import of every discovered profile: exit 0"
is "$(find "$CFG/" -maxdepth 1 -name '*.ini' -printf '%f\n' | sort | tr '\n' ' ')" "_defaults.ini a0.ini default.ini m1.ini " \
  "the incumbents' files written, none past the cap"
like "$ERR" "a4 is past \[discover\] max: not imported" "the rest said on stderr"
rm "$CFG/a0.ini" "$CFG/default.ini" "$CFG/m1.ini"
rm -rf "$HH/profiles"/a? "$HH/profiles/m1"
sed -i '/^max = 2$/d' "$CFG/_defaults.ini"
apply
is "$(discovered_slots)" "" "the volume emptied: no discovered slot left"

# --- an unreadable profile directory, read by a root without CAP_DAC_OVERRIDE (SPEC 10) ---------------
# (NFS root_squash, --cap-drop): the entry is its own error with its true cause; the rest goes on.
soul open
soul locked
chmod 0700 "$HH/profiles/locked"
nodac() {
  setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search -- "$@"
}
if nodac true 2>/dev/null; then
  nodac "$HR" -c "$CFG" -s "$SCANDIR" -H "$HH" -b "$BINDIR" -t 10000 apply >"$TMP/hr.out" 2>"$TMP/hr.err"
  RC=$?
  ERR=$(cat "$TMP/hr.err")
  is "$RC" 1 "a profile directory root cannot look into: exit 1"
  like "$ERR" "$HH/profiles/locked: cannot look into: Permission denied" "that entry's error, with its true cause"
  ok "$(! grep -q 'nothing is changed' "$TMP/hr.err"; echo $?)" "not an error of the whole pass"
  ok "$(published open; echo $?)" "the readable profile is still published (main: nothing was)"
  ok "$(! published locked; echo $?)" "the unreadable one is not"
else
  for i in 1 2 3 4 5; do ok 0 "# SKIP setpriv cannot drop CAP_DAC_OVERRIDE here"; done
fi
rm -rf "$HH/profiles/open" "$HH/profiles/locked"
apply

# --- import writes as the config dir's owner, never as root through its link (SPEC 11.10) --------------
soul imp
ROOTDIR=$TMP/root-only.d
mkdir -m 0755 "$ROOTDIR"
as_hermes mv "$HH/profiles.d" "$HH/profiles.d.real"
as_hermes ln -s "$ROOTDIR" "$HH/profiles.d"
hr import
is "$RC" 111 "import through a link of hermes' to a root directory: exit 111"
like "$ERR" "$CFG/.*: cannot create: Permission denied" "written as hermes, who may not write there"
is "$(find "$ROOTDIR" -mindepth 1 | wc -l)" 0 "nothing written into the root directory (main: root-owned files)"
as_hermes rm "$HH/profiles.d"
as_hermes mv "$HH/profiles.d.real" "$HH/profiles.d"
# the config dir hermes owns: written as hermes
hr import imp
is "$RC" 0 "import into the config dir of hermes': exit 0"
is "$(stat -c '%a %u' "$HH/profiles.d/imp.ini")" "644 $TEST_UID" "imp.ini: 0644, hermes' own"
rm "$HH/profiles.d/imp.ini"
# a root-owned config dir reached through no link of hermes': written as root
mkdir -m 0755 "$TMP/rootcfg"
cp "$CFG/_defaults.ini" "$TMP/rootcfg/"
"$HR" -c "$TMP/rootcfg" -s "$SCANDIR" -H "$HH" -b "$BINDIR" import imp >"$TMP/hr.out" 2>"$TMP/hr.err"
is "$?" 0 "import into a config dir of root's: exit 0"
is "$(stat -c '%a %u' "$TMP/rootcfg/imp.ini")" "644 0" "imp.ini: 0644, root's"
rm -rf "$HH/profiles/imp"
apply

# --- a config dir reached through a link of hermes' is hermes' tree (SPEC 11.10, 11.5, 11.4) ------------
# A root directory holding a root file that asks for group shadow: hermes points its link at it.
getent group shadow >/dev/null && GROUP=shadow || GROUP=disk
as_hermes mkdir -p "$HH/profiles/borrow"
printf '[gateway]\nuser = %s\ngroup = %s\nprogram = %s\n' "$TEST_USER" "$GROUP" "$GW" >"$ROOTDIR/borrow.ini"
as_hermes mv "$HH/profiles.d" "$HH/profiles.d.real"
as_hermes ln -s "$ROOTDIR" "$HH/profiles.d"
apply
is "$RC" 1 "a root file reached through hermes' link asking for group $GROUP: exit 1"
like "$ERR" "borrow.ini:3: group \(not quoted\) is refused: the file belongs to uid $TEST_UID" \
  "refused as a file of hermes' (main: accepted as root's)"
ok "$(! published borrow; echo $?)" "not published"
rm "$ROOTDIR/borrow.ini"
# A 0644 root file in a 0700 root directory: its words are never quoted back.
SECRETDIR=$TMP/secret.d
mkdir -m 0700 "$SECRETDIR"
printf '[s3cr3t-section]\ns3cr3t_key = s3cr3t-value\n' >"$SECRETDIR/leak.ini"
chmod 0644 "$SECRETDIR/leak.ini"
as_hermes ln -sfn "$SECRETDIR" "$HH/profiles.d"
hr --json apply
is "$RC" 1 "a 0644 file in a 0700 root directory, through hermes' link: exit 1"
ok "$(! grep -q s3cr3t "$TMP/hr.out" "$TMP/hr.err"; echo $?)" "nothing of it quoted (main: section and key names)"
like "$(json_get "$TMP/hr.out" '$j->{errors}[0]{message}')" "unknown section \[\(not quoted\)\]" \
  "still says what is wrong, and where"
# the same file through a root-owned path that everyone may search: quoted, as a file everyone may read
as_hermes rm "$HH/profiles.d"
as_hermes mv "$HH/profiles.d.real" "$HH/profiles.d"
hr check "$SECRETDIR/leak.ini"
like "$ERR" "unknown section \[\(not quoted\)\]" "check of it directly: not quoted either (its directory is 0700)"
chmod 0755 "$SECRETDIR"
hr check "$SECRETDIR/leak.ini"
like "$ERR" "unknown section \[s3cr3t-section\]" "once its directory is searchable by all: quoted"
apply

# --- watch: the config dir removed and made again, a link on its path replaced (SPEC 11.12) --------------
# The homes are made first: a directory appearing in profiles/ wakes the watch by itself (SPEC 10),
# and only the config dir's own watch may see what follows.
soul w1
for n in wnew wlink wlater; do as_hermes mkdir -p "$HH/profiles/$n"; done
as_hermes mkdir "$HH/other.d" "$HH/third.d"
start_watch "$CFG" "$HH"
wait_for 20000 test -s "$TMP/watch.ready"
wait_for 10000 published w1
ok $? "watch: the first pass published w1"
wprofile() {
  as_hermes sh -c 'printf "[gateway]\nuser = %s\nprogram = %s\n[log]\nto_stdout = no\n" "$2" "$3" >"$1"' \
    sh "$1" "$TEST_USER" "$GW"
}
as_hermes rm -rf "$HH/profiles.d"
wait_for 10000 grep -q 'exited 111' "$TMP/watch.err"
ok $? "the config dir deleted: a pass says it cannot read it"
as_hermes mkdir "$HH/profiles.d"
wprofile "$HH/profiles.d/wnew.ini"
wait_for 10000 published wnew
ok $? "the config dir made again: a new file in it is applied (main: blind for good)"
# the config dir replaced by a link to another directory of hermes', then that link replaced
as_hermes mv "$HH/profiles.d" "$HH/profiles.d.old"
as_hermes ln -s "$HH/other.d" "$HH/profiles.d"
wprofile "$HH/other.d/wlink.ini"
wait_for 10000 published wlink
ok $? "the config dir replaced by a link: a file in what it names now is applied"
as_hermes ln -sfn "$HH/third.d" "$HH/profiles.d"
wprofile "$HH/third.d/wlater.ini"
wait_for 10000 published wlater
ok $? "that link replaced by another: a file in its new target is applied (main: blind)"
kill "$WATCH_PID"
wait_for 10000 test -s "$TMP/watch.rc"
is "$(cat "$TMP/watch.rc")" 0 "watch: SIGTERM ends it with 0"

done_testing
