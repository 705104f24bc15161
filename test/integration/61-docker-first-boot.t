#!/bin/bash
# docker/first-boot.sh (SPEC 12.5, 12.6) without a container engine: run as the unprivileged test user
# in a temporary HERMES_HOME, with a fake install tree standing in for /opt/hermes (the seed files,
# skills/, and a .venv/bin/python that records which script it ran, as whom, with which HERMES_HOME,
# and can fail or hang on demand). Checks the skeleton, the seeds and their modes, no re-seeding, the
# migration (and HERMES_SKIP_CONFIG_MIGRATION), the skills sync, the stale .install_method, the two
# bootstrap variables, links refused with "refusing", a FIFO costing nothing, a failing and a hanging
# step only warned about, and the refusal to run as root.
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"

need_root
test_user
[ -f "$TOP/docker/first-boot.sh" ] || skip_all "no docker/first-boot.sh"
# A copy in $TMP: the checkout may sit in a directory the test user cannot enter (a 0700 clone).
FB=$TMP/first-boot.sh
install -m 0755 "$TOP/docker/first-boot.sh" "$FB"

# The fake install tree, root's and readable by all, as /opt/hermes is.
INST=$TMP/opt-hermes
mkdir -p "$INST/.venv/bin" "$INST/scripts" "$INST/tools" "$INST/docker" "$INST/skills/demo"
printf 'OPENAI_API_KEY=\n' >"$INST/.env.example"
printf 'model: example\n' >"$INST/cli-config.yaml.example"
printf 'You are Hermes.\n' >"$INST/docker/SOUL.md"
: >"$INST/scripts/docker_config_migrate.py"
: >"$INST/tools/skills_sync.py"
LOG=$TMP/python.log
cat >"$INST/.venv/bin/python" <<EOS
#!/bin/sh
# The stand-in python: one line per run, then what the test asked for.
s=\${1##*/}
echo "\$s uid=\$(id -u) home=\$HERMES_HOME skip=\${HERMES_SKIP_CONFIG_MIGRATION:-}" >>'$LOG'
case \$s in
  docker_config_migrate.py)
    # hermes' migration rewrites config.yaml 0600
    [ ! -f config.yaml ] || chmod 0600 config.yaml
    [ -z "\${STUB_MIGRATE_SLEEP:-}" ] || exec sleep "\$STUB_MIGRATE_SLEEP"; exit "\${STUB_MIGRATE_RC:-0}" ;;
esac
exit 0
EOS
chmod -R a+rX,go-w "$INST"
chmod 0755 "$INST/.venv/bin/python"
: >"$LOG"
chmod 0666 "$LOG"

# fb [VAR=VALUE...]: run first-boot.sh as the test user on $H; sets OUT (stdout+stderr) and RC.
fb() {
  OUT=$(as_user env -i PATH=/usr/bin:/bin HERMES_HOME="$H" HERMES_INSTALL_DIR="$INST" "$@" \
    timeout 60 sh "$FB" 2>&1)
  RC=$?
}
new_home() {
  H=$TMP/home-$1
  mkdir "$H"
  chown "$TEST_UID:$TEST_GID" "$H"
  : >"$LOG"
}
mode_owner() { stat -c '%a %u' "$1"; }
log() { cat "$LOG"; }

# --- A blank volume -----------------------------------------------------------------------------------
new_home blank
fb
is "$RC" 0 "blank volume: exit 0" || diag "$OUT"
missing=
for d in backups cron sessions logs logs/gateways hooks memories skills skins plans workspace home pairing \
  platforms/pairing lazy-packages; do
  [ -d "$H/$d" ] && [ "$(stat -c %u "$H/$d")" = "$TEST_UID" ] || missing="$missing $d"
done
is "$missing" "" "blank volume: hermes' directory skeleton, made by the hermes user"
is "$(mode_owner "$H/.env")" "600 $TEST_UID" ".env seeded, 0600, the hermes user's"
cmp -s "$H/.env" "$INST/.env.example"; ok $? ".env is the install tree's .env.example"
is "$(mode_owner "$H/config.yaml")" "640 $TEST_UID" "config.yaml seeded, 0640 (again after the migration made it 0600)"
cmp -s "$H/config.yaml" "$INST/cli-config.yaml.example"; ok $? "config.yaml is cli-config.yaml.example"
is "$(mode_owner "$H/SOUL.md")" "644 $TEST_UID" "SOUL.md seeded, 0644"
cmp -s "$H/SOUL.md" "$INST/docker/SOUL.md"; ok $? "SOUL.md is docker/SOUL.md"
is "$(log)" "docker_config_migrate.py uid=$TEST_UID home=$H skip=
skills_sync.py uid=$TEST_UID home=$H skip=" "the config migration, then the skills sync, as the hermes user with HERMES_HOME"
[ ! -e "$H/auth.json" ] && [ ! -e "$H/gateway_state.json" ]
ok $? "no bootstrap variable: no auth.json, no gateway_state.json"
is "$(find "$H" -maxdepth 1 -name '.first-boot.*' | wc -l)" 0 "no temporary file left behind"

# --- A second boot changes nothing it seeded ---------------------------------------------------------------
printf 'OPENAI_API_KEY=mine\n' >"$H/.env"
chmod 0644 "$H/.env"
printf 'model: mine\n' >"$H/config.yaml"
fb
is "$RC" 0 "second boot: exit 0"
is "$(cat "$H/.env")" "OPENAI_API_KEY=mine" "second boot: the user's .env is kept"
is "$(mode_owner "$H/.env")" "600 $TEST_UID" "second boot: .env tightened back to 0600"
is "$(cat "$H/config.yaml")" "model: mine" "second boot: the user's config.yaml is kept"
[[ $OUT != *seeded* ]]; ok $? "second boot: nothing seeded again"

# --- HERMES_SKIP_CONFIG_MIGRATION ----------------------------------------------------------------------------
: >"$LOG"
fb HERMES_SKIP_CONFIG_MIGRATION=' True '
is "$(log)" "skills_sync.py uid=$TEST_UID home=$H skip= True " "HERMES_SKIP_CONFIG_MIGRATION=' True ': no migration; the skills sync still runs"
like "$OUT" "config migration skipped" "...and it says so"
: >"$LOG"
fb HERMES_SKIP_CONFIG_MIGRATION=0
like "$(log)" "^docker_config_migrate.py" "HERMES_SKIP_CONFIG_MIGRATION=0: the migration runs"

# --- No config.yaml: no migration; no skills/ in the install tree: no sync -----------------------------------
new_home noconfig
mv "$INST/cli-config.yaml.example" "$TMP/cli.saved"
mv "$INST/skills" "$TMP/skills.saved"
fb
is "$RC" 0 "no config.yaml to seed, no skills/: exit 0"
is "$(log)" "" "no config.yaml: no migration; no install-tree skills/: no skills sync"
mv "$TMP/cli.saved" "$INST/cli-config.yaml.example"
mv "$TMP/skills.saved" "$INST/skills"

# --- The stale install-method stamp ------------------------------------------------------------------------------
new_home stamp
printf ' docker \n' >"$H/.install_method"
chown "$TEST_UID" "$H/.install_method"
fb
[ ! -e "$H/.install_method" ]; ok $? ".install_method reading docker is removed"
like "$OUT" "removed the stale $H/.install_method" "...and it says so"
printf 'curl\n' >"$H/.install_method"
fb
is "$(cat "$H/.install_method")" curl ".install_method reading anything else is kept"

# --- The bootstrap variables -------------------------------------------------------------------------------------
new_home boot
fb HERMES_GATEWAY_BOOTSTRAP_STATE=running HERMES_AUTH_JSON_BOOTSTRAP='{"providers":{"x":1}}'
is "$RC" 0 "bootstrap variables on a blank volume: exit 0" || diag "$OUT"
is "$(cat "$H/gateway_state.json")" '{"gateway_state":"running"}' "HERMES_GATEWAY_BOOTSTRAP_STATE=running seeds gateway_state.json"
is "$(mode_owner "$H/gateway_state.json")" "644 $TEST_UID" "...the hermes user's"
is "$(cat "$H/auth.json")" '{"providers":{"x":1}}' "HERMES_AUTH_JSON_BOOTSTRAP seeds auth.json with its value, as it is"
is "$(mode_owner "$H/auth.json")" "600 $TEST_UID" "...0600, the hermes user's"
printf '{"gateway_state":"stopped"}\n' >"$H/gateway_state.json"
printf 'rotated' >"$H/auth.json"
fb HERMES_GATEWAY_BOOTSTRAP_STATE=running HERMES_AUTH_JSON_BOOTSTRAP='{"providers":{"x":1}}'
is "$(cat "$H/gateway_state.json")" '{"gateway_state":"stopped"}' "next boot: the persisted gateway state wins"
is "$(cat "$H/auth.json")" rotated "next boot: the existing auth.json (rotated tokens) is kept"
new_home stopped
fb HERMES_GATEWAY_BOOTSTRAP_STATE=stopped
[ ! -e "$H/gateway_state.json" ]; ok $? "HERMES_GATEWAY_BOOTSTRAP_STATE other than running: nothing seeded"

# --- Links in their place are refused, nothing is written through them --------------------------------------------
new_home links
mkdir -p "$TMP/elsewhere"
chown "$TEST_UID" "$TMP/elsewhere"
printf 'victim\n' >"$TMP/elsewhere/existing"
chown "$TEST_UID" "$TMP/elsewhere/existing"
ln -s "$TMP/elsewhere/auth" "$H/auth.json"
ln -s "$TMP/elsewhere/existing" "$H/gateway_state.json"
ln -s "$TMP/elsewhere/env" "$H/.env"
fb HERMES_GATEWAY_BOOTSTRAP_STATE=running HERMES_AUTH_JSON_BOOTSTRAP=secret
is "$RC" 1 "links in place of the seeded files: exit 1 (a warning for the hook)"
like "$OUT" "refusing to write $H/auth.json: it is a symbolic link" "auth.json link: refused, the message names it"
like "$OUT" "refusing to write $H/gateway_state.json: it is a symbolic link" "gateway_state.json link: refused"
like "$OUT" "refusing to write $H/.env: it is a symbolic link" ".env link: refused"
[ ! -e "$TMP/elsewhere/auth" ] && [ ! -e "$TMP/elsewhere/env" ]; ok $? "no file made at a dangling link's target"
is "$(cat "$TMP/elsewhere/existing")" victim "a linked file's content is untouched"
[ -L "$H/auth.json" ] && [ -L "$H/gateway_state.json" ]; ok $? "the links themselves are left as they are"
is "$(mode_owner "$H/config.yaml")" "640 $TEST_UID" "the other seeds are still done"

# A FIFO in auth.json's place: kept as an existing file, no open, no wait.
new_home fifo
mkfifo "$H/auth.json"
chown "$TEST_UID" "$H/auth.json"
fb HERMES_AUTH_JSON_BOOTSTRAP=secret
is "$RC" 0 "a FIFO in auth.json's place: first-boot.sh finishes (it is kept, never opened)"
[ -p "$H/auth.json" ]; ok $? "...and stays a FIFO"

# --- A failing and a hanging step: warnings, the rest still done -----------------------------------------------------
new_home fail
fb STUB_MIGRATE_RC=3
is "$RC" 1 "the migration fails: exit 1"
like "$OUT" "warning: config migration .* exited 3" "...a warning naming the step and its exit code"
like "$(log)" "skills_sync.py" "...and the skills sync still runs"
new_home hang
before=$(now_ms)
fb STUB_MIGRATE_SLEEP=30 HERMES_FIRST_BOOT_STEP_TIMEOUT=1
took=$(($(now_ms) - before))
is "$RC" 1 "a hanging migration: exit 1"
like "$OUT" "config migration .* still running after 1s, stopped" "...stopped at HERMES_FIRST_BOOT_STEP_TIMEOUT"
[ "$took" -lt 20000 ]; ok $? "...so the whole run is bounded (${took} ms, the step sleeps 30 s)"
like "$(log)" "skills_sync.py" "...and the skills sync still runs"

# --- Not as root -----------------------------------------------------------------------------------------------
new_home root
OUT=$(env -i PATH=/usr/bin:/bin HERMES_HOME="$H" HERMES_INSTALL_DIR="$INST" sh "$FB" 2>&1)
is "$?" 1 "run as root: exit 1"
like "$OUT" "runs as the hermes user, not root" "...it says so"
[ ! -e "$H/.env" ] && [ ! -e "$H/logs" ]; ok $? "...and writes nothing"
OUT=$(env -i PATH=/usr/bin:/bin HERMES_HOME="$TMP/no-such-home" HERMES_INSTALL_DIR="$INST" sh "$FB" 2>&1)
like "$OUT" "runs as the hermes user, not root" "...before it looks at any path (a missing HERMES_HOME is not even entered)"

OUT=$(as_user env -i PATH=/usr/bin:/bin HERMES_HOME=relative sh "$FB" 2>&1)
is "$?" 1 "a relative HERMES_HOME: exit 1"

done_testing
