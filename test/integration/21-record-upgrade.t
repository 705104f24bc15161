#!/usr/bin/env bash
# 21-record-upgrade.t: a slot recorded by the version before (record version 1, no "restart" or
# "from" line) is read as it was: an upgrade restarts no gateway and no logger; its pass rewrites
# the record alone (change "record"), and the pass after it has nothing to do. A restart record
# that such a slot holds is still completed (a version 1 record cannot say it is not pending).
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

names=(a b c)
start_profiles "${names[@]}"
pids() { local n; for n in "${names[@]}"; do echo "$n $(pid_of "$(slot "$n")") $(pid_of "$(slot "$n")/log")"; done; }

# The record as version 1 wrote it: the same digests, without the lines version 2 added.
downgrade() { sed -i -e '1s/^hermes-reconcile 2$/hermes-reconcile 1/' -e '/^restart /d' -e '/^from /d' "$(slot "$1")/.hermes-reconcile"; }
for n in "${names[@]}"; do downgrade "$n"; done
is "$(head -n1 "$(slot a)/.hermes-reconcile")" "hermes-reconcile 1" "the records are version 1"
before=$(pids)

hr plan
is "$RC" 2 "plan: the version 1 records are to be rewritten"
like "$OUT" "~ gateway-a \(record\)" "plan: gateway-a (record), nothing else"
ok "$(grep -Eq "\\((run|control|log|unrecorded)" <<<"$OUT"; [ $? -eq 1 ]; echo $?)" "plan: no slot is changed or adopted"
apply
is "$RC" 0 "apply after the upgrade"
is "$(pids)" "$before" "no gateway or logger was restarted"
is "$(head -n1 "$(slot a)/.hermes-reconcile")" "hermes-reconcile 2" "the records are rewritten, version 2"
like "$(cat "$(slot b)/.hermes-reconcile")" "restart -" "... saying that no restart is pending"
hr plan
is "$RC" 0 "plan: nothing pending after it"

# A restart left by a pass of the version before, killed between its d and its u.
downgrade c
old=$(pid_of "$(slot c)")
printf 'run\n' >"$(slot c)/.hermes-reconcile.restart"
s6-svc -d "$(slot c)"
s6-svwait -D -t 10000 "$(slot c)"
apply
is "$RC" 0 "the next pass"
like "$OUT" "~ gateway-c \(restart" "completes the restart of gateway-c"
restarted c "$old" 10000 "gateway-c is up again"
ok "$([ ! -e "$(slot c)/.hermes-reconcile.restart" ]; echo $?)" "the restart record is gone"
done_testing
