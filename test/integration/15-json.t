#!/usr/bin/env bash
# 15-json.t: --json output of plan, apply, check and status parses and carries the SPEC 7 fields.
# shellcheck disable=SC2016  # perl expressions in single quotes
# shellcheck source=test/integration/1-common.sh
. "$(dirname "$0")/1-common.sh"
hr_setup
perl -MJSON::PP -e 1 2>/dev/null || skip_all "no perl JSON::PP"

J=$TMP/hr.out
j() { json_get "$J" "$1"; }
# action_of SLOT: "profile action" of SLOT in the actions array
action_of() { j 'join " ", map { (defined $_->{profile} ? $_->{profile} : "null") . " " . $_->{action} } grep { $_->{slot} eq "'"$1"'" } @{$j->{actions}}'; }
fields_ok() { # the keys every element of ARRAY has
  j 'my @bad = grep { my $e = $_; grep { !exists $e->{$_} } qw('"$2"') } @{$j->{'"$1"'}}; scalar @bad'
}

profile default </dev/null
profile j1 </dev/null
profile jbad <<'EOF'
[gateway]
restart = sometimes
EOF
printf '[profile]\nhome = %s\n' "$TMP/nowhere" >"$CFG/jhome.ini"

# --- plan ----------------------------------------------------------------------------------------
hr --json plan
is "$RC" 1 "plan --json: exit 1 (invalid files)"
is "$(j 'ref $j')" HASH "plan --json prints one JSON object"
is "$(j '$j->{format_version}')" 1 "format_version 1"
is "$(j 'ref $j->{actions}') $(j 'ref $j->{errors}')" "ARRAY ARRAY" "actions and errors are arrays"
is "$(fields_ok actions 'slot profile action')" 0 "every action has slot, profile, action"
is "$(fields_ok errors 'file line message')" 0 "every error has file, line, message"
is "$(action_of gateway-j1)" "j1 add" "gateway-j1: add"
is "$(action_of gateway-default)" "default add" "gateway-default: add"
is "$(action_of gateway-jbad)" "jbad skip" "gateway-jbad: skip"
is "$(j 'join ",", map { "$_->{file}:$_->{line}" } grep { $_->{file} =~ /jbad/ } @{$j->{errors}}')" "$CFG/jbad.ini:2" \
  "the error of jbad.ini: its file and line"
like "$(j '(grep { $_->{file} =~ /jbad/ } @{$j->{errors}})[0]{message}')" "restart" "and a message"
is "$(j '(grep { $_->{file} =~ /jhome/ } @{$j->{errors}})[0]{line}')" 0 "a file-level error has line 0"
is "$(j '(grep { $_->{file} =~ /jhome/ } @{$j->{errors}})[0]{message}')" "home $TMP/nowhere does not exist" \
  "the missing home's message"
ok "$([ -z "$(find "$SCANDIR" -maxdepth 1 -name 'gateway-*')" ]; echo $?)" "plan --json changed nothing"

# --- apply ---------------------------------------------------------------------------------------
hr --json apply
is "$RC" 1 "apply --json: exit 1"
is "$(j '$j->{format_version}')" 1 "apply: format_version 1"
is "$(action_of gateway-j1)" "j1 add" "apply: gateway-j1 added"
is "$(action_of gateway-jbad)" "jbad skip" "apply: gateway-jbad skipped"
is "$(j 'scalar @{$j->{errors}}')" 2 "apply: two errors"
is "$(fields_ok actions 'slot profile action')" 0 "apply: every action has slot, profile, action"
rm "$CFG/jbad.ini" "$CFG/jhome.ini"
hr --json apply
is "$RC" 0 "apply --json: exit 0"
is "$(action_of gateway-j1)" "j1 keep" "gateway-j1: keep"
is "$(j 'scalar @{$j->{errors}}')" 0 "errors: empty array"
printf '[gateway]\nargs = x\n' >"$CFG/j1.ini"
hr --json plan
is "$RC" 2 "plan --json: exit 2"
is "$(action_of gateway-j1)" "j1 update" "gateway-j1: update"
rm "$CFG/j1.ini"
hr --json plan
is "$(action_of gateway-j1)" "null remove" "gateway-j1 without a file: remove, profile null"

# --- check ---------------------------------------------------------------------------------------
# (check FILE takes the _defaults.ini of FILE's own directory: $TMP has none, so it names its user)
printf '[gateway]\nuser = %s\nbogus = 1\n' "$TEST_USER" >"$TMP/check-bad.ini"
hr --json check "$TMP/check-bad.ini"
is "$RC" 1 "check --json FILE: exit 1"
is "$(j '$j->{format_version}')" 1 "check: format_version 1"
is "$(j 'join ",", map { "$_->{file}:$_->{line}" } @{$j->{errors}}')" "$TMP/check-bad.ini:3" "check: file and line"
is "$(fields_ok errors 'file line message')" 0 "check: every error has file, line, message"
hr --json check
is "$RC" 0 "check --json: exit 0"
is "$(j 'ref $j->{errors}') $(j 'scalar @{$j->{errors}}')" "ARRAY 0" "check: errors is an empty array"

# --- status --------------------------------------------------------------------------------------
profile j1 </dev/null
apply
wait_for 5000 rec_is_current j1
s6-svc -d "$(slot default)"
s6-svwait -D -t 5000 "$(slot default)"
hr --json status
is "$RC" 0 "status --json: exit 0"
is "$(j '$j->{format_version}')" 1 "status: format_version 1"
is "$(fields_ok slots 'slot profile supervised up pid wantup pending')" 0 \
  "every slot has slot, profile, supervised, up, pid, wantup, pending"
row() { j 'my ($s) = grep { $_->{slot} eq "'"$1"'" } @{$j->{slots}};
  join " ", $s->{profile}, map { !defined $_ ? "null" : JSON::PP::is_bool($_) ? ($_ ? "true" : "false") : $_ } @$s{qw(supervised up pid wantup pending)}'; }
is "$(row gateway-j1)" "j1 true true $(pid_of "$(slot j1)") true false" "j1: supervised, up with its pid, wanted up, current"
is "$(row gateway-default)" "default true false null false false" "default (stopped): down, pid null, wanted down"
is "$(j 'my ($s) = grep { $_->{slot} eq "gateway-j1" } @{$j->{slots}}; $s->{pid} =~ /^\d+$/ && !ref $s->{pid} ? "int" : "not"')" \
  int "pid is a JSON number"
like "$(cat "$J")" '"pid":null' "pid is null when down"
is "$(j 'ref $j->{errors}') $(j 'scalar @{$j->{errors}}') $(j '$j->{exit_code}')" "ARRAY 0 0" \
  "status: errors (empty) and exit_code, like every other command"
printf '[gateway]\nrestart = sometimes\n' >"$CFG/jbad.ini"
hr --json status
is "$(j 'join ",", map { "$_->{file}:$_->{line}" } @{$j->{errors}}')" "$CFG/jbad.ini:2" "status: the errors of the files"
rm "$CFG/jbad.ini"

# --- exit 111: still one document, whose errors say why (SPEC 11, Output) -------------------------
for cmd in plan apply status; do
  "$HR" -c "$CFG" -s "$TMP/no-scandir" -H "$HH" -b "$BINDIR" --json "$cmd" >"$J" 2>/dev/null
  is "$?" 111 "$cmd --json, no scandir: exit 111"
  is "$(j '$j->{exit_code}') $(j '$j->{errors}[0]{file}') $(j '$j->{errors}[0]{line}')" "111 $TMP/no-scandir 0" \
    "$cmd --json on 111: exit_code, and the failure in errors"
done
"$HR" -c "$TMP/no-config" -H "$HH" --json check >"$J" 2>/dev/null
is "$?" 111 "check --json, no config dir: exit 111"
is "$(j '$j->{exit_code}') $(j '$j->{valid} ? "valid" : "invalid"') $(j '$j->{errors}[0]{file}')" "111 invalid $TMP/no-config" \
  "check --json on 111: exit_code, not valid, the failure in errors"

done_testing
