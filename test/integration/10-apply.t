#!/usr/bin/env bash
# 10-apply.t: a cold apply of many profiles on a real s6-svscan, what the gateways are started
# with, and a second pass that changes nothing.
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
# SPEC 11.7: the event directories follow fs.protected_*; here, as on a kernel left at its defaults
mkdir "$TMP/procfs" && echo 0 >"$TMP/procfs/protected_symlinks" && echo 0 >"$TMP/procfs/protected_hardlinks"
export HERMES_RECONCILE_PROC_FS=$TMP/procfs

N=30
names=(default)
profile default <<'EOF'
[profile]
description = the root profile
EOF
for i in $(seq -w 1 $((N - 1))); do
  names+=("p$i")
  profile "p$i" </dev/null
done
# A container environment (with-contenv) and three profiles that use it differently.
printf 'from the container\n' >"$CONTENV/CONTAINER_VAR"
printf 'container-secret\n' >"$CONTENV/DISCORD_BOT_TOKEN"
profile p01 <<'EOF'
[gateway]
args = --verbose  --model   gpt-x   it's
[env]
TELEGRAM_BOT_TOKEN = 123:abc
DISCORD_BOT_TOKEN =
SPACED = a "quoted" $value; not a comment
EOF
profile p02 <<'EOF'
[gateway]
inherit_env = no
[env]
ONLY_MINE = yes
EOF

apply
is "$RC" 0 "cold apply of $N profiles exits 0"
like "$OUT" "apply: $N added, 0 updated, 0 removed" "the summary counts $N additions"
is "$(find "$SCANDIR" -maxdepth 1 -name 'gateway-*' | wc -l)" "$N" "$N slots in the scandir"
bad=""
for n in "${names[@]}"; do all_up "$n" || bad+=" $n"; done
is "$bad" "" "every slot and every logger is supervised and up right after the pass"
is "$(one_supervisor_each "${names[@]}")" "" "exactly one supervisor per slot and per logger"
is "$(find "$SCANDIR" -maxdepth 1 -name '.hr-*' | wc -l)" 0 "no staging or tombstone entry is left"

bad=""
for n in "${names[@]}"; do wait_for 5000 rec_is_current "$n" || bad+=" $n"; done
is "$bad" "" "every gateway started and recorded itself"

# --- argv, ids, working directory ---------------------------------------------------------------
r=$(rec default)
has_line "$r" "argv [gateway] [run] [--replace]" "default runs 'gateway run --replace', without -p"
r=$(rec p01)
has_line "$r" "argv [-p] [p01] [gateway] [run] [--replace] [--verbose] [--model] [gpt-x] [it's]" \
  "p01 runs '-p p01 gateway run --replace ARGS', one argument per word, quotes kept literally"
has_line "$(rec p05)" "argv [-p] [p05] [gateway] [run] [--replace]" "p05 runs '-p p05 gateway run --replace'"
for n in default p01 p02; do
  r=$(rec "$n")
  has_line "$r" "uid $TEST_UID" "$n runs as uid $TEST_UID"
  has_line "$r" "gid $TEST_GID" "$n runs as gid $TEST_GID"
  has_line "$r" "groups $TEST_GID" "$n has no supplementary group but $TEST_GID"
  has_line "$r" "cwd $(home_of "$n")" "$n runs in its profile's home"
  has_line "$r" "env HOME=$HH" "$n: HOME is the hermes home"
  has_line "$r" "env HERMES_HOME=$HH" "$n: HERMES_HOME is the hermes home"
  has_line "$r" "env HERMES_S6_SUPERVISED_CHILD=1" "$n: HERMES_S6_SUPERVISED_CHILD=1"
  has_line "$r" "env HERMES_SUPERVISED_CHILD=1" "$n: HERMES_SUPERVISED_CHILD=1"
done

# --- environment --------------------------------------------------------------------------------
r=$(rec p01)
has_line "$r" "env TELEGRAM_BOT_TOKEN=123:abc" "p01: an [env] value reaches the gateway"
# shellcheck disable=SC2016  # a literal $ in the value
has_line "$r" 'env SPACED=a "quoted" $value; not a comment' "p01: an [env] value is passed verbatim"
has_line "$r" "env CONTAINER_VAR=from the container" "p01: the container's variables are inherited"
ok "$(grep -c '^env DISCORD_BOT_TOKEN' <<<"$r")" "p01: an empty [env] value unsets the container's variable"
r=$(rec p05)
has_line "$r" "env DISCORD_BOT_TOKEN=container-secret" "p05: the container's variable is inherited otherwise"
r=$(rec p02)
has_line "$r" "env ONLY_MINE=yes" "p02 (inherit_env = no): its [env] value is set"
ok "$(grep -c -e '^env CONTAINER_VAR' -e '^env DISCORD_BOT_TOKEN' <<<"$r")" \
  "p02 (inherit_env = no): no container variable"

# --- the slot's files ---------------------------------------------------------------------------
s=$(slot p01)
is "$(stat -c '%a %U:%G' "$s/env" "$s/env/TELEGRAM_BOT_TOKEN" "$s/run" "$s/finish" | tr '\n' ' ')" \
  "750 root:$TEST_GROUP 640 root:$TEST_GROUP 755 root:root 755 root:root " "env/ is readable by the group only; scripts are root's"
is "$(cat "$s/type")" longrun "type is longrun"
ok "$([ ! -e "$s/down" ]; echo $?)" "autostart = yes: no down file"
perms=$(s6-svperms -v "$s" 2>&1)
like "$perms" "status: public" "s6-svperms: status public"
like "$perms" "control: group $TEST_GROUP" "s6-svperms: control by group $TEST_GROUP"
# SPEC 11.7: this host's sysctls are set below to 0 (the kernel's default): event/ is root's alone
like "$perms" "events: group root" "s6-svperms: events root's alone (s6-supervise's own)"
perms=$(s6-svperms -v "$s/log" 2>&1)
like "$perms" "status: public.*control: group $TEST_GROUP.*events: group root" "s6-svperms on log/ too"
logdir=$HH/logs/gateways/p01
wait_for 5000 test -e "$logdir/current"
is "$(stat -c %U "$logdir" 2>/dev/null)" "$TEST_USER" "the logger writes \$HERMES_HOME/logs/gateways/NAME as the gateway user"

# --- a second pass changes nothing --------------------------------------------------------------
snap() {
  local n
  for n in "${names[@]}"; do
    echo "$n $(stat -c %i "$(slot "$n")") $(pid_of "$(slot "$n")") $(pid_of "$(slot "$n")/log")"
    files_of "$(slot "$n")"
  done
}
before=$(snap)
hr plan
is "$RC" 0 "plan after the apply: exit 0, nothing to do"
apply
is "$RC" 0 "second apply exits 0"
like "$OUT" "apply: 0 added, 0 updated, 0 removed, $N unchanged, 0 skipped" "second apply reports $N unchanged"
after=$(snap)
is "$after" "$before" "second pass: same inodes of slot dirs and files, same pids"
is "$(one_supervisor_each "${names[@]}")" "" "still exactly one supervisor per slot and per logger"

done_testing
