#!/usr/bin/env bash
# 18-discover.t: SPEC 10 on a real s6-svscan, with a hermes volume laid out as the former image left
# it (no profile files): default and two named profiles with their gateway_state.json, a directory
# without SOUL.md, one with an invalid name, one that is a symbolic link, one whose SOUL.md is a link.
# shellcheck disable=SC2016  # perl code in single quotes
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

# The volume, made by its owner (the test user), as hermes made it.
state_file "$HH" running
volume_dir alpha && state_file "$HH/profiles/alpha" running
volume_dir beta && state_file "$HH/profiles/beta" stopped
mkdir -p "$HH/profiles/nosoul" && state_file "$HH/profiles/nosoul" running
volume_dir Bad_Name && state_file "$HH/profiles/Bad_Name" running
mkdir -p "$TMP/elsewhere/linked" && echo "# soul" >"$TMP/elsewhere/linked/SOUL.md"
ln -s "$TMP/elsewhere/linked" "$HH/profiles/linked"
mkdir -p "$HH/profiles/softsoul" && ln -s "$TMP/elsewhere/linked/SOUL.md" "$HH/profiles/softsoul/SOUL.md"
volume_dir default                       # profiles/default/ is ignored
volume_dir .hidden                       # dot names are not profiles
chown -R "$TEST_UID:$TEST_GID" "$HH" "$TMP/elsewhere"

discovery_defaults

slots() { find "$SCANDIR" -maxdepth 1 -name 'gateway-*' -printf '%f\n' | sort | tr '\n' ' '; }

# --- discovery off: the files alone (there are none) ----------------------------------------------
sed -i 's/^profiles = yes/profiles = no/' "$CFG/_defaults.ini"
hr plan
is "$RC" 0 "discovery off: plan has nothing to do on a volume without profile files"
sed -i 's/^profiles = no/profiles = yes/' "$CFG/_defaults.ini"

# --- check never discovers -----------------------------------------------------------------------
hr check
is "$RC" 0 "check validates the files only: the invalid directory name is not its business"
printf '[discover]\nprofiles = yes\n' >"$CFG/extra.ini"
hr check
is "$RC" 1 "check: [discover] in a profile file is an error"
like "$ERR" "extra.ini:2: \[discover\] profiles is allowed only in _defaults.ini" "... reported at its line"
rm -f "$CFG/extra.ini"
printf 'max = lots\n' >>"$CFG/_defaults.ini"
hr check
is "$RC" 1 "check: a malformed [discover] max is an error"
sed -i '/^max = lots$/d' "$CFG/_defaults.ini"

# --- plan and apply ------------------------------------------------------------------------------
hr --json plan
is "$RC" 1 "plan: exit 1 (the invalid directory name)"
json_actions() { json_get "$TMP/hr.out" 'join " ", map { "$_->{slot}:$_->{action}:" . ($_->{source} // "null") } @{$j->{actions}}'; }
is "$(json_actions)" \
  "gateway-Bad_Name:skip:discovered gateway-alpha:add:discovered gateway-beta:add:discovered gateway-default:add:discovered" \
  "plan --json: default, alpha and beta to add, the invalid name skipped, each with source discovered"

apply
is "$RC" 1 "apply: exit 1 (the invalid directory name), every other profile applied"
like "$ERR" "$HH/profiles/Bad_Name: invalid profile name Bad_Name" "the invalid name is reported as DIR: message"
[[ $ERR != *linked* && $ERR != *softsoul* && $ERR != *nosoul* && $ERR != *hidden* ]]
ok $? "links, a directory without SOUL.md and dot names are not reported"
like "$OUT" "\+ gateway-alpha \[discovered\]" "text output marks discovered profiles"
is "$(slots)" "gateway-alpha gateway-beta gateway-default " "exactly the slots of default, alpha and beta"
for n in default alpha beta; do
  wait_for 5000 supervised "$(slot "$n")"
  ok $? "gateway-$n is supervised"
done
wait_for 5000 rec_is_current default && wait_for 5000 rec_is_current alpha
ok $? "default and alpha are up: their gateway_state.json says running"
is "$(s6-svstat -o up,wantedup "$(slot beta)")" "false false" "beta is down: its gateway_state.json says stopped"
has_line "$(rec alpha)" "argv [-p] [alpha] [gateway] [run] [--replace]" "alpha runs as 'hermes -p alpha'"
has_line "$(rec alpha)" "cwd $HH/profiles/alpha" "alpha runs in its profile directory"

hr --json status
is "$(json_get "$TMP/hr.out" 'join " ", map { "$_->{profile}:$_->{source}:" . ($_->{pending} ? 1 : 0) } @{$j->{slots}}')" \
  "alpha:discovered:0 beta:discovered:0 default:discovered:0" "status --json: source discovered, nothing pending"

apply
is "$RC" 1 "a second apply: still exit 1 for the invalid name"
like "$OUT" "apply: 0 added, 0 updated, 0 removed, 3 unchanged, 1 skipped" "... and changes nothing"

# --- a profile file replaces the implicit profile; enabled = no turns one off --------------------
printf '[profile]\ndescription = from a file\n' >"$CFG/beta.ini"
printf '[profile]\nenabled = no\n' >"$CFG/alpha.ini"
hr --json apply
is "$(json_actions)" \
  "gateway-Bad_Name:skip:discovered gateway-alpha:remove:file gateway-beta:keep:file gateway-default:keep:discovered" \
  "beta.ini replaces beta (same slot, kept), alpha.ini with enabled = no removes alpha"
is "$(slots)" "gateway-beta gateway-default " "the slot of alpha is gone"
hr status
like "$OUT" "gateway-beta .* from a file" "status shows beta's description from its file"
rm -f "$CFG/alpha.ini" "$CFG/beta.ini"

# --- deleting a profile directory (or its SOUL.md) removes its slot -------------------------------
apply
is "$(slots)" "gateway-alpha gateway-beta gateway-default " "without the files, alpha is back"
rm "$HH/profiles/beta/SOUL.md"
hr --json apply
is "$(json_actions)" \
  "gateway-Bad_Name:skip:discovered gateway-alpha:keep:discovered gateway-beta:remove:null gateway-default:keep:discovered" \
  "SOUL.md deleted: beta is removed, with source null"
is "$(slots)" "gateway-alpha gateway-default " "the slot of beta is gone"

# --- links are never followed: a profile directory replaced by a link loses its slot ---------------
mv "$HH/profiles/alpha" "$TMP/elsewhere/alpha"
ln -s "$TMP/elsewhere/alpha" "$HH/profiles/alpha"
apply
is "$(slots)" "gateway-default " "profiles/alpha replaced by a link to a profile directory: no slot"
rm "$HH/profiles/alpha" && mv "$TMP/elsewhere/alpha" "$HH/profiles/alpha"

# --- [discover] max ----------------------------------------------------------------------------------
rm -rf "$HH/profiles/Bad_Name"
for n in m1 m2 m3; do volume_dir "$n"; done
chown -R "$TEST_UID:$TEST_GID" "$HH/profiles"
printf 'max = 2\n' >>"$CFG/_defaults.ini"
hr --json apply
is "$RC" 1 "max = 2 with 4 discovered directories: exit 1"
is "$(json_actions)" \
  "gateway-alpha:add:discovered gateway-default:keep:discovered gateway-m1:add:discovered gateway-m2:skip:discovered gateway-m3:skip:discovered" \
  "past max, the rest are skipped in name order (default does not count)"
like "$ERR" "$HH/profiles/m2: more discovered profiles than \[discover\] max = 2 allows" "m2 is reported"
like "$ERR" "$HH/profiles/m3: more discovered profiles" "m3 is reported"
sed -i '/^max = 2$/d' "$CFG/_defaults.ini"

# --- discovery off: the discovered slots are removed like deleted files -----------------------------
sed -i 's/^profiles = yes/profiles = no/' "$CFG/_defaults.ini"
apply
is "$RC" 0 "discovery off: apply exits 0"
is "$(slots)" "" "discovery off and no profile files: no slot"

done_testing
