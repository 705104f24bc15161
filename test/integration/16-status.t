#!/usr/bin/env bash
# 16-status.t: status, and what is pending: an edited profile, a slot without a file, a slot that
# no supervisor runs (a pass whose rescan never reached s6-svscan).
# shellcheck disable=SC2016  # perl expressions in single quotes
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

profile s1 <<'EOF'
[profile]
description = first one
EOF
profile s2 </dev/null
profile s3 </dev/null
apply
is "$RC" 0 "apply"
for n in s1 s2 s3; do wait_for 5000 rec_is_current "$n"; done

hr status
is "$RC" 0 "status: exit 0"
is "$(grep -c '^gateway-' <<<"$OUT")" 3 "one line per slot"
like "$(tail -n 1 <<<"$OUT")" "^events: (public|root) \\(fs.protected_symlinks -?[0-9], fs.protected_hardlinks -?[0-9]\\)" \
  "and one line saying which way the event directories go (SPEC 11.7)"
like "$(grep '^gateway-s1 ' <<<"$OUT")" "^gateway-s1 +up +pid $(pid_of "$(slot s1)") +supervised +wantup +current +first one$" \
  "gateway-s1: up, its pid, supervised, wanted up, current, its description"
pending() { # SLOT [SCANDIR]: the pending field of SLOT in status --json
  "$HR" -c "$CFG" -s "${2:-$SCANDIR}" -H "$HH" -b "$BINDIR" --json status >"$TMP/st.json" 2>/dev/null
  json_get "$TMP/st.json" 'my ($s) = grep { $_->{slot} eq "'"$1"'" } @{$j->{slots}};
    join " ", map { !defined $_ ? "null" : JSON::PP::is_bool($_) ? ($_ ? "true" : "false") : $_ } @$s{qw(supervised up pending)}'
}
is "$(pending gateway-s1)" "true true false" "nothing pending after the apply"

# --- an edited file, a deleted file ---------------------------------------------------------------
printf '[gateway]\nargs = --edited\n' >"$CFG/s1.ini"
rm "$CFG/s3.ini"
is "$(pending gateway-s1)" "true true true" "an edited profile is pending"
is "$(pending gateway-s2)" "true true false" "the others are not"
is "$(pending gateway-s3)" "true true true" "a slot whose file is gone is pending"
hr status
like "$(grep '^gateway-s1 ' <<<"$OUT")" " pending( |$)" "status text: gateway-s1 pending"
like "$(grep '^gateway-s2 ' <<<"$OUT")" " current( |$)" "status text: gateway-s2 current"
apply
is "$RC" 0 "apply"
# apply restarted s1 (its args changed) and returned once s6-supervise had the 'u': poll until it is up
wait_for 5000 is_up "$SCANDIR/gateway-s1"
is "$(pending gateway-s1)" "true true false" "applied: not pending any more"
is "$(json_get "$TMP/st.json" 'scalar grep { $_->{slot} eq "gateway-s3" } @{$j->{slots}}')" 0 "the removed slot is not listed"

# --- an unsupervised slot ------------------------------------------------------------------------
# A scandir whose control FIFO is read by nobody but this shell: the pass publishes, its rescan
# goes nowhere, and the slot stays unsupervised, as after a pass killed before its rescan.
S2=$TMP/service2
mkdir -p "$S2/.s6-svscan"
mkfifo -m 0600 "$S2/.s6-svscan/control"
exec 7<>"$S2/.s6-svscan/control"
"$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" -t 200 apply >/dev/null 2>"$TMP/err2"
is "$?" 99 "apply on a scandir whose s6-svscan never rescans: exit 99 (timeout)"
like "$(cat "$TMP/err2")" "no supervisor started before the timeout" "it says which wait timed out"
exec 7>&-
ok "$([ -d "$S2/gateway-s1" ] && [ -d "$S2/gateway-s2" ]; echo $?)" "the slots are published"
is "$(pending gateway-s1 "$S2")" "false false true" "an unsupervised slot is pending"
"$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" plan >"$TMP/out2" 2>&1
is "$?" 2 "plan: exit 2 for an unsupervised slot"
like "$(cat "$TMP/out2")" "~ gateway-s1 \(rescan\)" "plan: gateway-s1 needs a rescan"
"$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" status >"$TMP/out2" 2>&1
like "$(grep '^gateway-s2 ' "$TMP/out2")" "down +pid - +unsupervised +wantdown +pending" "status text: unsupervised, pending"

# Now a real s6-svscan, started while the slots are out of its sight (a sentinel service shows that its first scan is done):
# only the next apply's rescan can make it supervise them, as under s6-overlay.
rm "$S2/.s6-svscan/control"
mkdir "$S2/sentinel"; printf '#!/bin/sh\nexec sleep 1000\n' >"$S2/sentinel/run"; chmod 0755 "$S2/sentinel/run"
mv "$S2/gateway-s1" "$S2/.away-s1"; mv "$S2/gateway-s2" "$S2/.away-s2"
setsid s6-svscan -t0 "$S2" </dev/null >"$TMP/svscan2.log" 2>&1 &
SV2=$!
at_exit "s6-svscanctl -t '$S2'; wait_for 5000 eval '! kill -0 $SV2'; kill -9 $SV2"
wait_for 5000 supervised "$S2/sentinel"
mv "$S2/.away-s1" "$S2/gateway-s1"; mv "$S2/.away-s2" "$S2/gateway-s2"
is "$(pending gateway-s1 "$S2")" "false false true" "still unsupervised and pending under a running s6-svscan"
"$HR" -c "$CFG" -s "$S2" -H "$HH" -b "$BINDIR" -t 10000 apply >"$TMP/out2" 2>&1
is "$?" 0 "apply with s6-svscan running: exit 0"
ok "$(supervised "$S2/gateway-s1" && supervised "$S2/gateway-s1/log"; echo $?)" "the slot is supervised now"
wait_for 5000 is_up "$S2/gateway-s1"
is "$(pending gateway-s1 "$S2")" "true true false" "and not pending"

done_testing
