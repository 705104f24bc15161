#!/usr/bin/env bash
# 21-record-upgrade.t: a slot recorded by a version before (record version 1, no "restart" or
# "from" line; version 2, no "events" line) is read as it was: an upgrade restarts no gateway and no
# logger; its pass rewrites the record alone (change "record"), and the pass after it has nothing to
# do. A restart record that such a slot holds is still completed (a version 1 record cannot say it
# is not pending). A record says under which policy the event directories were made (SPEC 11.7):
# when the sysctls change, the next pass converts them and rewrites the records alone.
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

names=(a b c)
start_profiles "${names[@]}"
pids() { local n; for n in "${names[@]}"; do echo "$n $(pid_of "$(slot "$n")") $(pid_of "$(slot "$n")/log")"; done; }

# The record as version 1 wrote it: the same digests, without the lines versions 2 and 3 added.
downgrade() { sed -i -e '1s/^hermes-reconcile 3$/hermes-reconcile 1/' -e '/^restart /d' -e '/^from /d' -e '/^events /d' "$(slot "$1")/.hermes-reconcile"; }
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
is "$(head -n1 "$(slot a)/.hermes-reconcile")" "hermes-reconcile 3" "the records are rewritten, version 3"
like "$(cat "$(slot b)/.hermes-reconcile")" "restart -" "... saying that no restart is pending"
like "$(cat "$(slot b)/.hermes-reconcile")" "events root" "... and that its event directories were made for root's policy (the sysctls read 0 here)"
hr plan
is "$RC" 0 "plan: nothing pending after it"

# Version 2, the version before this one: the same.
sed -i -e '1s/^hermes-reconcile 3$/hermes-reconcile 2/' -e '/^events /d' "$(slot a)/.hermes-reconcile"
hr plan
is "$RC" 2 "plan: a version 2 record is to be rewritten"
like "$OUT" "~ gateway-a \(record\)" "plan: gateway-a (record)"
apply
is "$RC" 0 "apply after it"
is "$(pids)" "$before" "no gateway or logger was restarted"
like "$(cat "$(slot a)/.hermes-reconcile")" "hermes-reconcile 3.*events root" "the record is version 3 again"

# The sysctls read 1 now (a fake /proc/sys/fs): the records say otherwise, so the pass looks,
# converts every slot's event directories, and rewrites the records alone.
mkdir "$TMP/procfs"
echo 1 >"$TMP/procfs/protected_symlinks"
echo 1 >"$TMP/procfs/protected_hardlinks"
export HERMES_RECONCILE_PROC_FS=$TMP/procfs
hr plan
is "$RC" 2 "plan: the sysctls changed: every record is to be rewritten"
like "$OUT" "~ gateway-b \(record\)" "plan: gateway-b (record)"
apply
is "$RC" 0 "apply under the other policy"
is "$(stat -c %a "$(slot b)/event")" 1733 "gateway-b/event/ converted to 01733"
is "$(stat -c %a "$(slot b)/log/event")" 1733 "gateway-b/log/event/ converted to 01733"
like "$(cat "$(slot b)/.hermes-reconcile")" "events public" "the record says so"
is "$(pids)" "$before" "no gateway or logger was restarted"
hr plan
is "$RC" 0 "plan: nothing pending after it"
unset HERMES_RECONCILE_PROC_FS
apply
is "$RC" 0 "and back"
is "$(stat -c %a "$(slot b)/event")" 3730 "gateway-b/event/ is root's again"
like "$(cat "$(slot b)/.hermes-reconcile")" "events root" "the record says so"

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
