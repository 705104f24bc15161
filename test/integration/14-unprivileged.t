#!/usr/bin/env bash
# 14-unprivileged.t: the gateway's group controls its slot without root; an operator's s6-svc
# wins over autostart and over edits; autostart = state decides only at publish. "Stays down" is
# read only once the supervisor has acted on every command a pass sent it (drained).
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
# SPEC 11.7: s6-svwait by the group needs public event directories: a host whose kernel protects links
mkdir "$TMP/procfs" && echo 1 >"$TMP/procfs/protected_symlinks" && echo 1 >"$TMP/procfs/protected_hardlinks"
export HERMES_RECONCILE_PROC_FS=$TMP/procfs

profile ops </dev/null
profile st-up <<'EOF'
[gateway]
autostart = state
EOF
profile st-missing <<'EOF'
[gateway]
autostart = state
EOF
profile st-stopped <<'EOF'
[gateway]
autostart = state
EOF
profile ready <<'EOF'
[gateway]
notification_fd = 3
[env]
READY_FD = 3
EOF
echo '{"desired_state":"running","gateway_state":"stopped"}' >"$HH/profiles/st-up/gateway_state.json"
echo '{"gateway_state":"stopped"}' >"$HH/profiles/st-stopped/gateway_state.json"
apply
is "$RC" 0 "apply"
S=$(slot ops)
wait_for 5000 rec_is_current ops
ok "$(all_up ops; echo $?)" "gateway-ops is up"

# --- the gateway's group controls the slot and its logger ---------------------------------------
ok "$(as_user test -w "$S/supervise/control"; echo $?)" "$TEST_USER may write supervise/control"
ok "$(as_user test -r "$S/supervise/control" && echo 1 || echo 0)" "$TEST_USER may not read supervise/control"
ok "$(as_user cat "$S/env/HOME" >/dev/null; echo $?)" "$TEST_USER may read env/ (its group)"
ok "$(setpriv --reuid=65534 --regid=65534 --clear-groups cat "$S/env/HOME" >/dev/null 2>&1 && echo 1 || echo 0)" \
  "nobody else may read env/"
is "$(as_user s6-svstat -o up "$S")" true "$TEST_USER: s6-svstat"
ok "$(as_user s6-svc -d "$S"; echo $?)" "$TEST_USER: s6-svc -d"
ok "$(as_user s6-svwait -D -t 5000 "$S"; echo $?)" "$TEST_USER: s6-svwait -D sees it go down"
is "$(as_user s6-svstat -o up,wantedup "$S")" "false false" "$TEST_USER: s6-svstat says down, wanted down"
ok "$(as_user s6-svc -u "$S"; echo $?)" "$TEST_USER: s6-svc -u"
ok "$(as_user s6-svwait -u -t 5000 "$S"; echo $?)" "$TEST_USER: s6-svwait -u sees it up"
wait_for 5000 rec_is_current ops
ok "$(as_user s6-svc -d "$S/log"; echo $?)" "$TEST_USER: s6-svc -d on log/"
ok "$(as_user s6-svwait -D -t 5000 "$S/log"; echo $?)" "$TEST_USER: s6-svwait -D on log/"
ok "$(as_user s6-svc -u "$S/log"; echo $?)" "$TEST_USER: s6-svc -u on log/"
ok "$(as_user s6-svwait -u -t 5000 "$S/log"; echo $?)" "$TEST_USER: s6-svwait -u on log/"
is "$(as_user s6-svstat -o up "$S/log")" true "$TEST_USER: s6-svstat on log/"
R=$(slot ready)
ok "$(as_user s6-svwait -U -t 5000 "$R"; echo $?)" "$TEST_USER: s6-svwait -U on a slot with notification_fd"
old=$(pid_of "$R")
ok "$(as_user s6-svc -T 5000 -wR -r "$R"; echo $?)" "$TEST_USER: s6-svc -wR -r (restart, wait until ready again)"
ok "$([ "$(pid_of "$R")" != "$old" ]; echo $?)" "the gateway has a new pid"
for d in "$S" "$S/log"; do
  perms=$(s6-svperms -v "$d" 2>&1)
  like "$perms" "status: public" "${d#"$SCANDIR"/}: s6-svperms: status: public"
  like "$perms" "control: group $TEST_GROUP" "${d#"$SCANDIR"/}: s6-svperms: control: group $TEST_GROUP"
  like "$perms" "events: public" "${d#"$SCANDIR"/}: s6-svperms: events: public (SPEC 11.7)"
done
ok "$(as_user sh -c ": >'$S/run'" 2>/dev/null && echo 1 || echo 0)" "$TEST_USER may not rewrite run"
ok "$(as_user rm -rf "$S/supervise/control" 2>/dev/null; [ -p "$S/supervise/control" ]; echo $?)" \
  "$TEST_USER may not remove the control FIFO"

# --- an operator's stop survives passes and edits -----------------------------------------------
as_user s6-svc -d "$S"
as_user s6-svwait -D -t 5000 "$S"
apply
is "$RC" 0 "a pass after the operator stopped the gateway"
drained "$S"
ok $? "(the supervisor has acted on every command the pass sent)"
ok "$(is_up "$S" && echo 1 || echo 0)" "the gateway stays down"
is "$(s6-svstat -o wantedup "$S")" false "and wanted down"
printf '[gateway]\nargs = --edited\n' >"$CFG/ops.ini"
apply
is "$RC" 0 "a pass after an edit that would restart the gateway"
like "$OUT" "~ gateway-ops \(run\)" "the slot is updated"
like "$(cat "$S/run")" "'--edited'" "run has the new args"
drained "$S"
ok $? "(the supervisor has acted on every command the pass sent)"
ok "$(is_up "$S" && echo 1 || echo 0)" "the wanted-down gateway is not started by the edit"
ok "$([ ! -e "$S/.hermes-reconcile.restart" ]; echo $?)" "no restart record is left behind"
apply
drained "$S"
ok "$(is_up "$S" && echo 1 || echo 0)" "nor by the pass after"
as_user s6-svc -u "$S"
wait_for 5000 rec_is_current ops
has_line "$(rec ops)" "argv [-p] [ops] [gateway] [run] [--replace] [--edited]" "started by the operator: the new args"

# --- autostart = state -------------------------------------------------------------------------
wait_for 5000 rec_is_current st-up
ok $? "desired_state running: up"
ok "$([ ! -e "$(slot st-up)/down" ]; echo $?)" "desired_state running: no down file"
for n in st-missing st-stopped; do
  ok "$([ -e "$(slot "$n")/down" ]; echo $?)" "$n: down file"
  drained "$(slot "$n")"
  ok "$(is_up "$(slot "$n")" && echo 1 || echo 0)" "$n: not started"
  ok "$(supervised "$(slot "$n")"; echo $?)" "$n: supervised all the same"
done
# later changes of the state file do not start or stop anything
echo '{"desired_state":"running"}' >"$HH/profiles/st-missing/gateway_state.json"
rm "$HH/profiles/st-up/gateway_state.json"
st_up_pid=$(pid_of "$(slot st-up)")
apply
is "$RC" 0 "a pass after the state files changed"
like "$OUT" "apply: 0 added, 0 updated, 0 removed" "nothing to do"
drained "$(slot st-missing)"
ok $? "(st-missing's supervisor has acted on every command the pass sent)"
ok "$(is_up "$(slot st-missing)" && echo 1 || echo 0)" "st-missing is not started by a later pass"
is "$(pid_of "$(slot st-up)")" "$st_up_pid" "st-up keeps running"

done_testing
