#!/usr/bin/env bash
# 11-update.t: edits of live profiles are applied in place and restart exactly what they must.
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup

names=(a b c d e)
for n in "${names[@]}"; do profile "$n" </dev/null; done
apply
is "$RC" 0 "initial apply"
bad=""
for n in "${names[@]}"; do wait_for 5000 rec_is_current "$n" || bad+=" $n"; done
is "$bad" "" "every gateway is up"

# pids: "NAME gateway-pid logger-pid" for every profile
pids() { local n; for n in "${names[@]}"; do echo "$n $(pid_of "$(slot "$n")") $(pid_of "$(slot "$n")/log")"; done; }
pid_line() { pids | grep "^$1 "; }
ino() { stat -c %i "$(slot "$1")"; }
without() { grep -v -e "^$1 " <<<"$2"; }

# --- args: restart that gateway only ------------------------------------------------------------
before=$(pids); ino_a=$(ino a); old_a=$(pid_of "$(slot a)")
printf '[gateway]\nargs = --new-arg\n' >"$CFG/a.ini"
hr plan
is "$RC" 2 "plan: exit 2 when changes are pending"
like "$OUT" "~ gateway-a \(run\)" "plan: gateway-a is updated (run)"
is "$(pids)" "$before" "plan restarted nothing"
apply
is "$RC" 0 "apply after an args edit"
like "$OUT" "~ gateway-a \(run\)" "apply reports the update of gateway-a"
restarted a "$old_a" 5000 "gateway-a was restarted"
has_line "$(rec a)" "argv [-p] [a] [gateway] [run] [--replace] [--new-arg]" "gateway-a runs with the new args"
is "$(ino a)" "$ino_a" "gateway-a keeps its inode (updated in place)"
is "$(pid_line a | cut -d' ' -f3)" "$(grep '^a ' <<<"$before" | cut -d' ' -f3)" "gateway-a's logger keeps its pid"
is "$(without a "$(pids)")" "$(without a "$before")" "every other gateway and logger keeps its pid"
is "$(one_supervisor_each "${names[@]}")" "" "one supervisor per slot and logger"

# --- restart policy: finish only, no restart ----------------------------------------------------
before=$(pids); ino_b=$(ino b)
printf '[gateway]\nrestart = never\n' >"$CFG/b.ini"
apply
is "$RC" 0 "apply after a restart-policy edit"
like "$OUT" "~ gateway-b \(control\)" "gateway-b: a control change"
like "$(cat "$(slot b)/finish")" "case \\\$1 in \*\) exit 125" "finish says: every exit stays down"
is "$(pids)" "$before" "no gateway or logger was restarted"
is "$(ino b)" "$ino_b" "gateway-b keeps its inode"

# --- logger settings: restart the logger only ---------------------------------------------------
before=$(pids); old_log=$(pid_of "$(slot c)/log")
printf '[log]\nmax_files = 5\n' >"$CFG/c.ini"
apply
is "$RC" 0 "apply after a logger edit"
like "$OUT" "~ gateway-c \(log\)" "gateway-c: a log change"
like "$(cat "$(slot c)/log/run")" " n5 " "log/run has the new setting"
wait_for 5000 is_up "$(slot c)/log"
new_log=$(pid_of "$(slot c)/log")
ok "$([ -n "$new_log" ] && [ "$new_log" != "$old_log" ]; echo $?)" "gateway-c's logger was restarted"
is "$(pid_line c | cut -d' ' -f2)" "$(grep '^c ' <<<"$before" | cut -d' ' -f2)" "gateway-c's gateway keeps its pid"
is "$(without c "$(pids)")" "$(without c "$before")" "every other gateway and logger keeps its pid"

# --- autostart only: the down file only ---------------------------------------------------------
before=$(pids)
files_before=$(files_of "$(slot d)" | grep -v '^\./\.hermes-reconcile ')
printf '[gateway]\nautostart = no\n' >"$CFG/d.ini"
apply
is "$RC" 0 "apply after an autostart edit"
like "$OUT" "~ gateway-d \(autostart\)" "gateway-d: an autostart change"
files_after=$(files_of "$(slot d)" | grep -v '^\./\.hermes-reconcile ')
is "$(diff <(echo "$files_before") <(echo "$files_after") | grep '^[<>]' | cut -d' ' -f1-2)" "> ./down" \
  "only the down file was added; no other file of the slot was rewritten"
is "$(pids)" "$before" "the running gateway is not stopped by autostart = no"
printf '[gateway]\nautostart = yes\n' >"$CFG/d.ini"
apply
is "$RC" 0 "apply after autostart = yes again"
files_after=$(files_of "$(slot d)" | grep -v '^\./\.hermes-reconcile ')
is "$files_after" "$files_before" "the down file is gone, nothing else changed"

# --- dropping the logger replaces the slot ------------------------------------------------------
before=$(pids); ino_e=$(ino e)
printf '[log]\nenabled = no\n' >"$CFG/e.ini"
apply
is "$RC" 0 "apply after log enabled = no"
like "$OUT" "~ gateway-e \(logger\)" "gateway-e: the logger is dropped"
ok "$([ "$(ino e)" != "$ino_e" ]; echo $?)" "gateway-e is a new directory"
ok "$([ ! -e "$(slot e)/log" ]; echo $?)" "gateway-e has no log/"
is "$(supervisors gateway-e)" 1 "exactly one supervisor on gateway-e after the pass"
is "$(supervisors gateway-e/log)" 0 "no supervisor on gateway-e/log"
wait_for 5000 rec_is_current e
ok $? "gateway-e is up again"
is "$(find "$SCANDIR" -maxdepth 1 -name '.hr-*' | wc -l)" 0 "no staging or tombstone entry is left"
is "$(without e "$(pids)")" "$(without e "$before")" "every other gateway and logger keeps its pid"
rm "$CFG/e.ini"; profile e </dev/null
apply
is "$RC" 0 "apply after the logger is enabled again"
is "$(supervisors gateway-e) $(supervisors gateway-e/log)" "1 1" "one supervisor on the slot and one on its logger"
ok "$(all_up e; echo $?)" "gateway-e and its logger are up"

# --- nothing left to do --------------------------------------------------------------------------
hr plan
is "$RC" 0 "plan: nothing pending after the edits"
before=$(pids)
apply
is "$RC" 0 "a further pass is a no-op"
is "$(pids)" "$before" "and restarts nothing"
is "$(one_supervisor_each "${names[@]}")" "" "one supervisor per slot and logger"

done_testing
