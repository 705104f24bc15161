#!/usr/bin/env bash
# 12-remove.t: removed profiles are reaped; leftovers are cleaned; what is not ours is left alone.
# shellcheck disable=SC2317  # functions called through wait_for
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

start_profiles r1 r2 keep
old_r1=$(pid_of "$(slot r1)"); old_r2=$(pid_of "$(slot r2)"); keep_pid=$(pid_of "$(slot keep)")

# --- removal: file deleted, and enabled = no ----------------------------------------------------
rm "$CFG/r1.ini"
printf '[profile]\nenabled = no\n' >"$CFG/r2.ini"
hr plan
is "$RC" 2 "plan: exit 2"
like "$OUT" "- gateway-r1" "plan: gateway-r1 to remove (file deleted)"
like "$OUT" "- gateway-r2" "plan: gateway-r2 to remove (enabled = no)"
ok "$(all_up r1 r2; echo $?)" "plan changed nothing"
apply
is "$RC" 0 "apply removes both"
like "$OUT" "apply: 0 added, 0 updated, 2 removed, 1 unchanged" "summary: 2 removed"
ok "$([ ! -e "$(slot r1)" ] && [ ! -e "$(slot r2)" ]; echo $?)" "both slot directories are gone"
is "$(find "$SCANDIR" -maxdepth 1 -name '.hr-*' | wc -l)" 0 "no tombstone or staging entry is left"
no_supervisor() { [ "$(supervisors "$1")" = 0 ]; }
for d in gateway-r1 gateway-r1/log gateway-r2 gateway-r2/log; do
  wait_for 10000 no_supervisor "$d"
  ok $? "no supervisor process on $d"
done
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 5000 gone "$old_r1"; ok $? "the gateway of r1 is gone"
wait_for 5000 gone "$old_r2"; ok $? "the gateway of r2 is gone"
is "$(pid_of "$(slot keep)")" "$keep_pid" "the other gateway keeps running"
apply
is "$RC" 0 "the next pass"
like "$OUT" "apply: 0 added, 0 updated, 0 removed, 1 unchanged" "has nothing to remove"

# --- leftovers of an interrupted pass ------------------------------------------------------------
mkdir -p "$TMP/precious"
echo keep-me >"$TMP/precious/file"
mkdir -m 0700 "$SCANDIR/.hr-stage.99999.1"
mkdir -p "$SCANDIR/.hr-stage.99999.1/env" "$SCANDIR/.hr-stage.99999.1/supervise"
echo x >"$SCANDIR/.hr-stage.99999.1/run"
chmod 0700 "$SCANDIR/.hr-stage.99999.1/env"
mkdir -p "$SCANDIR/.hr-tomb.99999.2/log/supervise"
echo y >"$SCANDIR/.hr-tomb.99999.2/log/run"
ln -s "$TMP/precious" "$SCANDIR/.hr-tomb.99999.3"
is "$(stat -c '%U %a' "$SCANDIR/.hr-stage.99999.1")" "root 700" "a root-owned 0700 staging leftover"
hr plan
is "$RC" 2 "plan reports the leftovers as pending"
like "$OUT" "- \.hr-stage\.99999\.1 \(left over" "plan: the staging leftover"
apply
is "$RC" 0 "apply cleans the leftovers"
is "$(find "$SCANDIR" -maxdepth 1 -name '.hr-*' | wc -l)" 0 "no staging or tombstone entry is left"
is "$(cat "$TMP/precious/file" 2>/dev/null)" keep-me "a leftover that is a symlink is unlinked, not followed"
is "$(pid_of "$(slot keep)")" "$keep_pid" "the live slot keeps running"

# --- what is not ours ---------------------------------------------------------------------------
mksvc() { mkdir -p "$1"; printf '#!/bin/sh\nexec sleep 1000\n' >"$1/run"; chmod 0755 "$1/run"; }
mksvc "$TMP/svc-foo"; mksvc "$TMP/svc-link"; mksvc "$SCANDIR/other"
ln -s "$TMP/svc-foo" "$SCANDIR/foo"
ln -s "$TMP/svc-link" "$SCANDIR/gateway-link"
echo "not a slot" >"$SCANDIR/gateway-file"
profile link </dev/null
profile file </dev/null
profile new </dev/null
# what must not change: the entries themselves, their targets, .s6-svscan
ours() {
  local e
  for e in foo gateway-link gateway-file other .s6-svscan; do
    echo "$e $(stat -c '%i %F %a %U %s %Y' "$SCANDIR/$e") $(readlink "$SCANDIR/$e")"
  done
  files_of "$TMP/svc-foo"; files_of "$TMP/svc-link"; files_of "$SCANDIR/other"; cat "$SCANDIR/gateway-file"
  find "$SCANDIR/.s6-svscan" -printf '%p %i %y %m\n' | sort
}
# s6-svscan picks them up first (and its supervisors add their own event/ and supervise/)
s6-svscanctl -a "$SCANDIR"
for e in foo gateway-link other; do wait_for 5000 supervised "$SCANDIR/$e"; done
before=$(ours)
apply
is "$RC" 1 "apply: exit 1 when a slot name is taken"
like "$ERR" "link\.ini: gateway-link exists in the scandir and is not a directory of ours" "the symlinked name is reported"
like "$ERR" "file\.ini: gateway-file exists" "the regular file under a slot name is reported"
like "$OUT" "! gateway-link" "gateway-link is skipped"
wait_for 5000 rec_is_current new
ok $? "the other new profile was applied"
is "$(ours)" "$before" "symlinks, their targets, a foreign directory, a file and .s6-svscan are untouched"
ok "$(supervised "$SCANDIR/foo" && supervised "$SCANDIR/gateway-link" && supervised "$SCANDIR/other"; echo $?)" \
  "their supervisors still run"
apply
is "$RC" 1 "the next pass reports the same error"
is "$(ours)" "$before" "and still touches nothing that is not ours"
rm "$CFG/link.ini" "$CFG/file.ini"
apply
is "$RC" 0 "with those profiles gone: exit 0"
is "$(ours)" "$before" "a symlink named gateway-* is never removed as a stale slot"

done_testing
