#!/usr/bin/env bash
# 19-import.t: hermes-reconcile import (SPEC 10): a file for each discovered profile, exclusive,
# owned by the config dir's owner; then [discover] profiles = no leaves plan with nothing to do.
# shellcheck disable=SC2016  # perl code in single quotes
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

state_file "$HH" running
volume_dir alpha && state_file "$HH/profiles/alpha" running
volume_dir beta && state_file "$HH/profiles/beta" stopped
volume_dir gamma
volume_dir Bad_Name
chown -R "$TEST_UID:$TEST_GID" "$HH"
# The config dir belongs to the test user, as it belongs to hermes in the image.
chown "$TEST_UID:$TEST_GID" "$CFG"
discovery_defaults
printf '[profile]\ndescription = mine\n' >"$CFG/gamma.ini"

apply
is "$RC" 1 "apply on the volume: exit 1 (the invalid name)"
before=$(files_of "$SCANDIR")

# --- NAME ----------------------------------------------------------------------------------------
hr import nosuch
is "$RC" 1 "import NAME that is not a discovered profile: exit 1"
like "$ERR" "nosuch: not a discovered profile" "... and says so"
is "$OUT" "" "... writing nothing"
hr import gamma
is "$RC" 0 "import NAME of a profile that has a file already: exit 0"
like "$ERR" "gamma has a profile file already; left as it is" "... the file is left as it is"
is "$(cat "$CFG/gamma.ini")" "$(printf '[profile]\ndescription = mine')" "gamma.ini is unchanged"

hr import beta
is "$RC" 0 "import beta: exit 0"
is "$OUT" "+ $CFG/beta.ini" "one line for the file written"
is "$(stat -c '%a %u:%g' "$CFG/beta.ini")" "644 $TEST_UID:$TEST_GID" "beta.ini: 0644, owned by the config dir's owner"
is "$(grep -cv '^;' "$CFG/beta.ini")" 0 "beta.ini holds a comment and no key"

# --- every one, --json ---------------------------------------------------------------------------
hr --json import
is "$RC" 0 "import of every discovered profile: exit 0"
is "$(json_get "$TMP/hr.out" 'join " ", $j->{command}, @{$j->{files}}, scalar @{$j->{errors}}, $j->{exit_code}')" \
  "import $CFG/alpha.ini $CFG/default.ini 0 0" \
  "--json: the files written (alpha, default; not beta again, not the invalid name), no error"
for n in alpha default; do
  is "$(stat -c '%a %u:%g' "$CFG/$n.ini")" "644 $TEST_UID:$TEST_GID" "$n.ini: 0644, owned by the config dir's owner"
done
hr import
is "$RC:$OUT" "0:" "a second import writes nothing"

hr --json plan
is "$RC" 1 "plan after import: only the invalid directory name is still reported"
is "$(json_get "$TMP/hr.out" 'join " ", map { "$_->{slot}:$_->{action}:$_->{source}" } @{$j->{actions}}')" \
  "gateway-Bad_Name:skip:discovered gateway-alpha:keep:file gateway-beta:keep:file gateway-default:keep:file gateway-gamma:keep:file" \
  "every slot is kept, now from its file"

# --- discovery off: nothing to do ------------------------------------------------------------------
sed -i 's/^profiles = yes/profiles = no/' "$CFG/_defaults.ini"
hr plan
is "$RC" 0 "import, then [discover] profiles = no: plan has nothing to do"
like "$OUT" "plan: 0 to add, 0 to update, 0 to remove, 4 unchanged, 0 skipped" "... every slot unchanged"
apply
is "$RC" 0 "apply exits 0"
is "$(files_of "$SCANDIR")" "$before" "the slots are exactly as before the import"

# --- a read-only config dir ---------------------------------------------------------------------------
sed -i 's/^profiles = no/profiles = yes/' "$CFG/_defaults.ini"
rm -f "$CFG/alpha.ini"
if mount --bind "$CFG" "$CFG" 2>/dev/null && mount -o remount,bind,ro "$CFG" 2>/dev/null; then
  hr --json import
  is "$RC" 111 "a read-only config dir (a ConfigMap): exit 111"
  like "$(json_get "$TMP/hr.out" '$j->{errors}[0]{message}')" "cannot create: Read-only file system" \
    "--json on exit 111 names the failure"
  umount "$CFG"
else
  umount "$CFG" 2>/dev/null
  ok 0 "# SKIP no bind mount"
  ok 0 "# SKIP no bind mount"
fi

# --- exclusive: never over a file, even one that appears meanwhile -----------------------------------
# A file that is a link to elsewhere (planted by the owner of the dir) is never written through.
ln -s "$TMP/target" "$CFG/alpha.ini"
hr import alpha
is "$RC" 0 "import alpha over a dangling link: exit 0, the link counts as a file"
[ ! -e "$TMP/target" ]
ok $? "nothing was written through the link"

done_testing
