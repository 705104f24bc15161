#!/usr/bin/env bash
# 13-invalid.t: bad input never damages a live slot; missing homes; no s6-svscan.
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

start_profiles good bad other

state() { # NAME: inode, pids and files of a slot
  echo "$(stat -c %i "$(slot "$1")") $(pid_of "$(slot "$1")") $(pid_of "$(slot "$1")/log")"
  files_of "$(slot "$1")"
}
everything() { local d; for d in "$SCANDIR"/gateway-*; do echo "${d##*/}"; state "${d##*/gateway-}"; done; }

# --- an invalid file: its slot is left exactly as it is, the others are applied -----------------
bad_before=$(state bad)
printf '[gateway]\nargs = --changed\nbogus = 1\n' >"$CFG/bad.ini"
printf '[gateway]\nargs = --changed\n' >"$CFG/good.ini"
profile new </dev/null
old_good=$(pid_of "$(slot good)")
hr plan
is "$RC" 1 "plan: exit 1 when a file is invalid"
like "$ERR" "(^|/)bad\.ini:3: " "plan reports FILE:LINE"
apply
is "$RC" 1 "apply: exit 1 when a file is invalid"
has_line "$ERR" "$CFG/bad.ini:3: unknown key bogus in [gateway]" "stderr: FILE:LINE: message naming the key"
like "$OUT" "! gateway-bad" "gateway-bad is skipped"
is "$(state bad)" "$bad_before" "the invalid profile's slot is untouched (inode, pids, every file)"
wait_for 5000 rec_is_current good
ok "$([ "$(pid_of "$(slot good)")" != "$old_good" ]; echo $?)" "the valid edit of good was applied (restarted)"
has_line "$(rec good)" "argv [-p] [good] [gateway] [run] [--replace] [--changed]" "good runs with its new args"
wait_for 5000 rec_is_current new
ok $? "the new profile was published and started"
rm "$CFG/bad.ini"; profile bad </dev/null
apply
is "$RC" 0 "with bad.ini fixed: exit 0"
is "$(state bad)" "$bad_before" "and its slot, which matches it again, is still untouched"

# --- an invalid _defaults.ini: nothing changes --------------------------------------------------
cp "$CFG/_defaults.ini" "$TMP/defaults.ok"
printf '\n[gateway]\nnot_a_key = 1\n' >>"$CFG/_defaults.ini"
printf '[gateway]\nargs = --again\n' >"$CFG/good.ini"
rm "$CFG/other.ini"
profile new2 </dev/null
before=$(everything)
hr plan
is "$RC" 1 "plan with invalid defaults: exit 1"
apply
is "$RC" 1 "apply with invalid defaults: exit 1"
like "$ERR" "_defaults\.ini:[0-9]+: " "the defaults' error is reported with its line"
is "$(everything)" "$before" "nothing was published, updated or removed"
is "$(find "$SCANDIR" -maxdepth 1 -name '.hr-*' | wc -l)" 0 "no staging or tombstone entry"
cp "$TMP/defaults.ok" "$CFG/_defaults.ini"
apply
is "$RC" 0 "with the defaults fixed: exit 0"
ok "$([ ! -e "$(slot other)" ] && [ -d "$(slot new2)" ]; echo $?)" "the pending changes are applied now"

# --- a missing home ------------------------------------------------------------------------------
printf '[profile]\nhome = %s\n' "$TMP/nowhere" >"$CFG/nohome.ini"
hr plan
is "$RC" 1 "plan: exit 1 for a missing home"
apply
is "$RC" 1 "apply: exit 1 for a missing home"
has_line "$ERR" "$CFG/nohome.ini: home $TMP/nowhere does not exist" "stderr: FILE: home DIR does not exist"
has_line "$OUT" "! gateway-nohome: home $TMP/nowhere does not exist; left as it is" "the skip line says why"
ok "$([ ! -e "$(slot nohome)" ]; echo $?)" "no slot is published"
ok "$([ ! -e "$TMP/nowhere" ]; echo $?)" "the home is not created"
rm "$CFG/nohome.ini"
# the home of a live profile disappears: its slot is left as it is
mv "$HH/profiles/new2" "$HH/profiles/new2.away"
printf '[gateway]\nargs = --x\n' >"$CFG/new2.ini"
new2_before=$(state new2)
apply
is "$RC" 1 "a live profile whose home is gone: exit 1"
like "$ERR" "new2\.ini: home $HH/profiles/new2 does not exist" "reported"
is "$(state new2)" "$new2_before" "its live slot is left as it is"
mv "$HH/profiles/new2.away" "$HH/profiles/new2"
apply
is "$RC" 0 "home back: exit 0"

# --- no s6-svscan on the scandir ----------------------------------------------------------------
for kind in "no .s6-svscan" "a control FIFO nobody reads"; do
  S2=$(mktemp -d "$TMP/svc2.XXXXXX")
  [ "$kind" = "no .s6-svscan" ] || { mkdir "$S2/.s6-svscan"; mkfifo -m 0600 "$S2/.s6-svscan/control"; }
  "$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" -t 10000 apply >"$TMP/out2" 2>"$TMP/err2"
  is "$?" 111 "$kind: apply exits 111"
  like "$(cat "$TMP/err2")" "no s6-svscan is running on $S2" "$kind: says why"
  is "$(find "$S2" -maxdepth 1 \( -name 'gateway-*' -o -name '.hr-*' \) | wc -l)" 0 "$kind: nothing published"
  "$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" plan >/dev/null 2>&1
  is "$?" 2 "$kind: plan still works (exit 2)"
done

done_testing
