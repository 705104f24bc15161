/* Loading and validation: load_profile_buffer, load_defaults_buffer (SPEC 3, 6, 9). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr.h"
#include "load.h"
#include "render.h"
#include "schema.h"
#include "unit.h"

/* Profile alpha from text must be invalid with exactly one error, at line, containing needle. */
static void invalid_at(char const *text, unsigned int line, char const *needle)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load("alpha", text, 0, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_msg(t_error(&errs, t_file("alpha"), line, needle), "want %s:%u: ...%s..., got %s:%u: %s",
                t_file("alpha"), line, needle, errs.v[0].file, errs.v[0].line, errs.v[0].message);
  errors_free(&errs);
  profile_free(&p);
}

/* _defaults.ini from text must have exactly one problem, at line, containing needle. */
static void defaults_invalid_at(char const *text, unsigned int line, char const *needle)
{
  struct hr_settings d = { 0 };
  struct hr_errors errs = { 0 };
  ck_assert_uint_eq(load_defaults_buffer(t_file("_defaults"), text, strlen(text), &t_lctx, &d, &errs), 1);
  t_errors_n(&errs, 1);
  ck_assert_msg(t_error(&errs, t_file("_defaults"), line, needle), "want line %u ...%s..., got %u: %s", line,
                needle, errs.v[0].line, errs.v[0].message);
  errors_free(&errs);
  settings_free(&d);
}

START_TEST(test_unknown_section)
{
  invalid_at("[gateway]\nprogram = hermes\n[gatway]\nprogram = x\n", 3, "unknown section [gatway]");
}
END_TEST

START_TEST(test_unknown_key)
{
  invalid_at("; comment\n[gateway]\nprogramm = hermes\n", 3, "unknown key programm in [gateway]");
}
END_TEST

START_TEST(test_key_twice)
{
  invalid_at("[gateway]\nrestart = always\n\nrestart = never\n", 4, "restart set twice in [gateway] (first at line 2)");
  invalid_at("[env]\nFOO = 1\nBAR = 2\n[gateway]\n[env]\nFOO = 3\n", 6, "FOO set twice in [env] (first at line 2)");
}
END_TEST

START_TEST(test_key_before_section)
{
  invalid_at("program = hermes\n[gateway]\n", 1, "program set before any [section]");
}
END_TEST

START_TEST(test_bad_section_header)
{
  invalid_at("[gateway\n", 1, "missing ]");
  /* the keys under a rejected header belong to no section: they are not reported again */
  invalid_at("[gateway]\n[log\nmax_files = 3\nprogram = x\n", 2, "missing ]");
  invalid_at("[gateway\nprogram = x\n", 1, "missing ]");
  invalid_at("[gateway]\njust words\n", 2, "expected key = value");
  /* inih does not trim a section name: the header is the error, not every key under it */
  invalid_at("[ gateway ]\nrestart = never\nuser = hermes\n", 1, "unknown section [ gateway ]");
  invalid_at("[gateway]\n[" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "]\nx = 1\n", 2, "section name too long");
  invalid_at("[env]\n" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" " = 1\n", 2, "key name too long");
}
END_TEST

/* Profile alpha from text in a file owned by owner (secret: not world-readable), over defaults owned by downer. */
static int load_as(char const *text, uid_t owner, int secret, char const *defaults, uid_t downer, struct profile *p,
                   struct hr_errors *errs)
{
  struct hr_settings d = { .origin = { downer, 0 } };
  struct hr_origin o = { owner, secret };
  if (defaults) load_defaults_buffer(t_file("_defaults"), defaults, strlen(defaults), &t_lctx, &d, errs);
  load_profile_origin("alpha", t_file("alpha"), &o, text, strlen(text), defaults ? &d : 0, &t_lctx, p, errs);
  settings_free(&d);
  return p->valid;
}

/* load_as must fail with exactly one error, at line, containing needle. */
static void refused_as(char const *text, uid_t owner, char const *defaults, uid_t downer, unsigned int line,
                       char const *needle)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(load_as(text, owner, 0, defaults, downer, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_msg(t_error(&errs, t_file("alpha"), line, needle), "want line %u ...%s..., got %u: %s", line, needle,
                errs.v[0].line, errs.v[0].message);
  errors_free(&errs);
  profile_free(&p);
}

static void allowed_as(char const *text, uid_t owner, char const *defaults, uid_t downer)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  int valid = load_as(text, owner, 0, defaults, downer, &p, &errs);
  t_errors_n(&errs, 0);
  ck_assert_int_eq(valid, 1);
  errors_free(&errs);
  profile_free(&p);
}

START_TEST(test_identity_rule)
{
  /* hermes (1000) may run its gateway as itself, with its own groups (hermes, staff) */
  allowed_as("", 1000, 0, 0);
  allowed_as("[gateway]\nuser = hermes\ngroup = staff\n", 1000, 0, 0);
  /* and nothing else: another user, a group it is not in, wherever they were set */
  refused_as("[gateway]\nuser = alice\n", 1000, 0, 0, 2, "user alice is refused: the file belongs to uid 1000");
  refused_as("[gateway]\n\ngroup = alice\n", 1000, 0, 0, 3, "group alice is refused");
  refused_as("", 1001, 0, 0, 0, "user hermes is refused");
  refused_as("", 1000, "[gateway]\ngroup = alice\n", 0, 0, "group alice is refused: the file belongs");
  refused_as("", 0, "[gateway]\nuser = alice\n", 1000, 0, "user alice is refused: " T_DIR "/_defaults.ini belongs to uid 1000");
  /* root allows any user and group but root's */
  allowed_as("[gateway]\nuser = alice\ngroup = staff\n", 0, "[gateway]\ngroup = hermes\n", 0);
  allowed_as("[gateway]\nuser = alice\n", 1001, "[gateway]\nrestart = never\n", 0);
  /* a group root's defaults set is still refused by the profile's own owner, who is not in it */
  refused_as("[gateway]\nuser = alice\n", 1001, "[gateway]\ngroup = hermes\n", 0, 0, "group hermes is refused");
}
END_TEST

START_TEST(test_identity_contributors)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(load_as("[gateway]\nuser = alice\n", 0, 0, "", 1001, &p, &errs), 1);
  ck_assert_uint_eq(p.ncontributors, 2);
  ck_assert_uint_eq(p.contributors[0], 0);
  ck_assert_uint_eq(p.contributors[1], 1001);
  /* a third contributor (a discovered profile's directory) is one call */
  ck_assert_uint_eq(profile_contribute(&p, 1001, "/opt/data/profiles/alpha", &errs), 0);
  ck_assert_int_eq(p.valid, 1);
  ck_assert_uint_eq(profile_contribute(&p, 1000, "/opt/data/profiles/alpha", &errs), 1);
  ck_assert_int_eq(p.valid, 0);
  ck_assert_uint_eq(p.ncontributors, 4);
  t_errors_n(&errs, 1);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "/opt/data/profiles/alpha belongs to uid 1000"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_supplementary_groups)
{
  struct profile p;
  t_load_ok("alpha", "", 0, &p);
  ck_assert_uint_eq(p.ngroups, 2);
  ck_assert_uint_eq(p.groups[0], 1000);
  ck_assert_uint_eq(p.groups[1], 50);
  profile_free(&p);
  t_load_ok("alpha", "[gateway]\nuser = alice\n", 0, &p);
  ck_assert_uint_eq(p.ngroups, 1);
  ck_assert_uint_eq(p.groups[0], 1001);
  profile_free(&p);
}
END_TEST

/* A secret file's errors give FILE:LINE and what is wrong, never its text. */
static void secret_at(char const *text, unsigned int line, char const *needle, char const *hidden)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(load_as(text, 0, 1, 0, 0, &p, &errs), 0);
  ck_assert_msg(t_error(&errs, t_file("alpha"), line, needle), "want line %u ...%s...", line, needle);
  for (size_t i = 0; i < errs.n; i++)
    ck_assert_msg(!strstr(errs.v[i].message, hidden), "%s quoted in: %s", hidden, errs.v[i].message);
  errors_free(&errs);
  profile_free(&p);
}

START_TEST(test_secret_not_quoted)
{
  secret_at("[gatway]\n", 1, "unknown section [" HR_NOT_QUOTED "]", "gatway");
  secret_at("[gateway]\nrestart = s3cr3t\n", 2, "restart = " HR_NOT_QUOTED ": not one of the choices", "s3cr3t");
  secret_at("[gateway]\nuser = s3cr3t\n", 2, "no such user", "s3cr3t");
  secret_at("[gateway]\ns3cr3t = 1\n", 2, "unknown key " HR_NOT_QUOTED, "s3cr3t");
  secret_at("s3cr3t = 1\n", 1, "set before any [section]", "s3cr3t");
  secret_at("[env]\ns3-cr3t = 1\n", 2, "invalid variable name", "cr3t");
  secret_at("[env]\nS3CR3T = 1\nS3CR3T = 2\n", 3, "set twice", "S3CR3T");
  secret_at("[" "s3cr3taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "]\n", 1, "section name too long", "s3cr3t");
  /* an identity refused in a secret file: the user is not named */
  struct profile p;
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(load_as("[gateway]\nuser = alice\n", 1000, 1, 0, 0, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "user " HR_NOT_QUOTED " is refused"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_malformed_lines)
{
  /* text after a section's ]: the line is the error, and the keys under it count for nothing */
  invalid_at("[gateway]\nrestart = never\n[profile] enabled = no\n", 3, "text after the ] of a section header");
  invalid_at("[profile]x\nenabled = no\n", 1, "text after the ]");
  invalid_at("[log] # not a comment here\n", 1, "text after the ]");
  /* blanks and a ; comment after ] are fine */
  struct profile p;
  t_load_ok("alpha", "[profile]   \n[gateway] ; the gateway\nrestart = never\n[log];x\n", 0, &p);
  ck_assert_int_eq(p.restart, HR_RESTART_NEVER);
  profile_free(&p);
  /* a bare CR: a line end inih does not see, reported at the line that holds it */
  invalid_at("[gateway]\nrestart = never\rprogram = x\n", 2, "bare CR");
  invalid_at("[profile]\r[gateway]\n", 1, "bare CR");
  invalid_at("[gateway]\n\nrestart = never\r \n", 3, "bare CR");
  invalid_at("[gateway]\nrestart = never\r", 2, "bare CR");
  /* CRLF stays a line end, and the line after a bare CR keeps its number */
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load("alpha", "[gateway]\r\na = 1\rb\r\nbogus = 2\r\n", 0, &p, &errs), 0);
  t_errors_n(&errs, 2);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "bare CR"));
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 3, "unknown key bogus"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_malformed_values)
{
  static struct { char const *text, *needle; } const cases[] = {
    { "[profile]\nenabled = maybe\n", "enabled = maybe: expected yes/no" },
    { "[log]\nto_stdout = 2\n", "to_stdout = 2: expected yes/no" },
    { "[gateway]\nautostart = sometimes\n", "autostart = sometimes: not one of the choices yes|no|state" },
    { "[gateway]\nrestart = On-Failure\n", "not one of the choices on-failure|always|never" },
    { "[log]\ntimestamp = local\n", "not one of the choices iso|tai64n|none" },
    { "[log]\nmax_files = 0\n", "max_files = 0: out of range or not an integer 1..1000" },
    { "[log]\nmax_files = 1001\n", "1..1000" },
    { "[log]\nmax_size = 4095\n", "max_size = 4095: out of range or not an integer 4096..268435456" },
    { "[log]\nmax_size = 268435457\n", "4096..268435456" },
    { "[gateway]\nnotification_fd = 2\n", "notification_fd = 2: out of range or not an integer 3..255" },
    { "[gateway]\nnotification_fd = 256\n", "3..255" },
    { "[gateway]\nmax_death_tally = 4097\n", "0..4096" },
    { "[gateway]\ntimeout_kill = -1\n", "timeout_kill = -1: out of range" },
    { "[gateway]\ntimeout_finish = 10s\n", "timeout_finish = 10s: out of range" },
    { "[gateway]\ntimeout_finish = 99999999999999999999\n", "out of range" },
    { "[gateway]\ndown_signal = SIGBOGUS\n", "down_signal = SIGBOGUS: not a signal name" },
    { "[gateway]\ndown_signal = 15\n", "down_signal = 15: not a signal name" },
    { "[profile]\nhome = srv/alpha\n", "home = srv/alpha: expected an absolute path" },
    { "[gateway]\nprogram = hermes gateway\n", "program = hermes gateway: expected a command name or an absolute path" },
    { "[gateway]\nprogram = ../bin/hermes\n", "expected a command name or an absolute path" },
    { "[log]\ndir = logs/alpha\n", "dir = logs/alpha: expected an absolute path or $HERMES_HOME/..." },
    { "[log]\ndir = $HOME/logs\n", "dir = $HOME/logs: expected" },
    { "[log]\ndir = $HERMES_HOMEX/logs\n", "expected an absolute path or $HERMES_HOME" },
    { "[log]\ndir = /var/log/$USER\n", "expected an absolute path or $HERMES_HOME" },
    { "[env]\n1FOO = x\n", "invalid variable name 1FOO in [env]" },
    { "[env]\nFOO-BAR = x\n", "invalid variable name FOO-BAR in [env]" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) invalid_at(cases[i].text, 2, cases[i].needle);
}
END_TEST

START_TEST(test_valid_values)
{
  struct profile p;
  t_load_ok("alpha",
            "[profile]\nenabled = TRUE\nhome = /srv/alpha\ndescription = The alpha gateway; $x `y`\n"
            "[gateway]\nprogram = /usr/local/bin/hermes\nautostart = no\nrestart = never\nuser = alice\n"
            "group = staff\ninherit_env = off\ntimeout_finish = 0\ntimeout_kill = 2147483647\n"
            "down_signal = sighup\nnotification_fd = 3\nmax_death_tally = 4096\n"
            "[log]\nenabled = On\ndir = $HERMES_HOME\nmax_files = 1000\nmax_size = 4096\ntimestamp = tai64n\n"
            "to_stdout = 0\n",
            0, &p);
  ck_assert_str_eq(p.home, "/srv/alpha");
  ck_assert_str_eq(p.description, "The alpha gateway; $x `y`");
  ck_assert_str_eq(p.program, "/usr/local/bin/hermes");
  ck_assert_int_eq(p.autostart, HR_AUTOSTART_NO);
  ck_assert_int_eq(p.restart, HR_RESTART_NEVER);
  ck_assert_str_eq(p.user, "alice");
  ck_assert_uint_eq(p.uid, 1001);
  ck_assert_uint_eq(p.gid, 50);
  ck_assert_int_eq(p.inherit_env, 0);
  ck_assert_int_eq(p.timeout_finish, 0);
  ck_assert_int_eq(p.timeout_kill, 2147483647);
  ck_assert_str_eq(p.down_signal, "SIGHUP");
  ck_assert_int_eq(p.notification_fd, 3);
  ck_assert_int_eq(p.max_death_tally, 4096);
  ck_assert_int_eq(p.log_enabled, 1);
  ck_assert_str_eq(p.log_dir, "$HERMES_HOME");
  ck_assert_int_eq(p.max_files, 1000);
  ck_assert_int_eq(p.max_size, 4096);
  ck_assert_int_eq(p.timestamp, HR_TS_TAI64N);
  ck_assert_int_eq(p.to_stdout, 0);
  profile_free(&p);
}
END_TEST

START_TEST(test_bools)
{
  static char const *const yes[] = { "yes", "YES", "true", "True", "on", "ON", "1" };
  static char const *const no[] = { "no", "No", "false", "FALSE", "off", "oFF", "0" };
  for (size_t i = 0; i < 7; i++) {
    int b = -1;
    ck_assert_int_eq(schema_parse_bool(yes[i], &b), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(schema_parse_bool(no[i], &b), 0);
    ck_assert_int_eq(b, 0);
  }
  int b = 7;
  ck_assert_int_eq(schema_parse_bool("y", &b), -1);
  ck_assert_int_eq(schema_parse_bool("", &b), -1);
  ck_assert_int_eq(schema_parse_bool("yes please", &b), -1);
  ck_assert_int_eq(b, 7);
}
END_TEST

START_TEST(test_reserved_env)
{
  static char const *const reserved[] = { "HOME", "HERMES_HOME", "HERMES_S6_SUPERVISED_CHILD", "HERMES_SUPERVISED_CHILD" };
  for (size_t i = 0; i < 4; i++) {
    char text[128], needle[128];
    snprintf(text, sizeof text, "[env]\n%s = /tmp\n", reserved[i]);
    snprintf(needle, sizeof needle, "%s is set by hermes-reconcile and cannot be set in [env]", reserved[i]);
    invalid_at(text, 2, needle);
  }
  /* names only: a lower-case home or a longer name is the profile's own */
  struct profile p;
  t_load_ok("alpha", "[env]\nhome = x\nHOME_DIR = y\nHERMES_HOMES = z\n_x = \n", 0, &p);
  ck_assert_uint_eq(p.nenv, 4);
  profile_free(&p);
}
END_TEST

START_TEST(test_user_group)
{
  invalid_at("[gateway]\nuser = nobody\n", 2, "user = nobody: no such user");
  invalid_at("[gateway]\nuser = root\n", 2, "user = root: the gateway never runs as root");
  invalid_at("[gateway]\nuser = toor\n", 2, "never runs as root");
  invalid_at("[gateway]\ngroup = nogroup\n", 2, "group = nogroup: no such group");
  invalid_at("[gateway]\ngroup = wheel\n", 2, "group = wheel: root's group is never given control of a slot");
  invalid_at("[gateway]\nuser = alice\ngroup = root\n", 3, "root's group");
  /* the default user's primary group is root's: only an explicit group helps */
  invalid_at("[gateway]\nuser = rootgrp\n", 0, "the primary group of user rootgrp is root's");
  /* nor does it: the gateway would keep gid 0 among its supplementary groups, as initgroups gives them */
  invalid_at("[gateway]\nuser = rootgrp\ngroup = staff\n", 2, "user rootgrp is a member of root's group (gid 0)");
  invalid_at("[gateway]\nuser = wheely\n", 2, "user wheely is a member of root's group (gid 0)");
  struct profile p;
  t_load_ok("alpha", "[gateway]\nuser = alice\ngroup = staff\n", 0, &p);
  ck_assert_uint_eq(p.uid, 1001);
  ck_assert_uint_eq(p.gid, 50);
  profile_free(&p);
  t_load_ok("alpha", "[gateway]\nuser = alice\n", 0, &p);
  ck_assert_uint_eq(p.uid, 1001);
  ck_assert_uint_eq(p.gid, 1001);
  ck_assert_ptr_null(p.group);
  profile_free(&p);
}
END_TEST

START_TEST(test_default_user_missing)
{
  struct load_ctx ctx = { T_HOME, &t_ids_nohermes, 0, 0 };
  struct profile p;
  struct hr_errors errs = { 0 };
  char const *text = "[gateway]\nrestart = always\n";
  load_profile_buffer("alpha", t_file("alpha"), text, strlen(text), 0, &ctx, &p, &errs);
  ck_assert_int_eq(p.valid, 0);
  t_errors_n(&errs, 1);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 0, "user hermes does not exist"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

/* A user database that cannot be read (-2) is not reported as a missing user. */
static int broken_user(char const *name, uid_t *uid, gid_t *gid)
{
  (void)name; (void)uid; (void)gid;
  return -2;
}

/* Answers once, then not: the databases changed between the two lookups of one load. */
static int fickle_calls;
static int fickle_user(char const *name, uid_t *uid, gid_t *gid)
{
  (void)name;
  if (fickle_calls++) return -1;
  *uid = 1000;
  *gid = 1000;
  return 0;
}

static void load_with_users(int (*user)(char const *, uid_t *, gid_t *), char const *text, struct profile *p,
                            struct hr_errors *errs)
{
  struct hr_ids ids = { user, t_ids.group, t_ids.grouplist };
  struct load_ctx ctx = { T_HOME, &ids, 0, 0 };
  load_profile_buffer("alpha", t_file("alpha"), text, strlen(text), 0, &ctx, p, errs);
}

START_TEST(test_user_database_unreadable)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  load_with_users(broken_user, "[gateway]\nuser = alice\n", &p, &errs);
  ck_assert_int_eq(p.valid, 0);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "user = alice: the user database cannot be read"));
  errors_free(&errs);
  profile_free(&p);
  load_with_users(broken_user, "[gateway]\nrestart = always\n", &p, &errs);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 0, "the user database cannot be read to find user hermes"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_invalid_never_silent)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  fickle_calls = 0;
  load_with_users(fickle_user, "[gateway]\nuser = alice\n", &p, &errs);
  ck_assert_int_eq(p.valid, 0);
  t_errors_n(&errs, 1);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 0, "could not be resolved"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

static char *repeat(char c, size_t n)
{
  char *s = malloc(n + 1);
  memset(s, c, n);
  s[n] = 0;
  return s;
}

START_TEST(test_long_line)
{
  /* "description = " is 14 bytes: a value of HR_LINE_MAX - 14 makes a line of exactly HR_LINE_MAX */
  char *fits = repeat('x', HR_LINE_MAX - 14), *over = repeat('y', HR_LINE_MAX - 13);
  size_t cap = 2 * HR_LINE_MAX + 200;
  char *text = malloc(cap);
  struct profile p;
  snprintf(text, cap, "[profile]\ndescription = %s\n", fits);
  t_load_ok("alpha", text, 0, &p);
  ck_assert_str_eq(p.description, fits);
  profile_free(&p);

  /* one byte more: an error at its own line; later lines keep their numbers */
  struct hr_errors errs = { 0 };
  snprintf(text, cap, "[profile]\n\ndescription = %s\n[gateway]\nbogus = 1\nrestart = never\n", over);
  ck_assert_int_eq(t_load("alpha", text, 0, &p, &errs), 0);
  t_errors_n(&errs, 2);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 3, "line longer than " HR_STR(HR_LINE_MAX) " bytes"));
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 5, "unknown key bogus in [gateway]"));
  /* nothing of the long line's tail was parsed as a line of its own */
  ck_assert_str_eq(p.description, "");
  ck_assert_int_eq(p.restart, HR_RESTART_NEVER);
  profile_free(&p);
  errors_free(&errs);

  /* far longer than inih's buffer: still one error */
  char *huge = repeat('z', 5000);
  snprintf(text, cap, "[gateway]\nargs = ");
  char *t2 = malloc(strlen(text) + 5000 + 64);
  strcpy(t2, text);
  strcat(t2, huge);
  strcat(t2, "\n[x]\n");
  ck_assert_int_eq(t_load("alpha", t2, 0, &p, &errs), 0);
  t_errors_n(&errs, 2);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "line longer than"));
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 3, "unknown section [x]"));
  ck_assert_uint_eq(p.nargs, 0);
  profile_free(&p);
  errors_free(&errs);
  free(huge);
  free(t2);
  free(text);
  free(fits);
  free(over);
}
END_TEST

START_TEST(test_nul_byte)
{
  static char const text[] = "[gateway]\nprogram = her\0mes\nrestart = nope\n";
  struct profile p;
  struct hr_errors errs = { 0 };
  load_profile_buffer("alpha", t_file("alpha"), text, sizeof text - 1, 0, &t_lctx, &p, &errs);
  ck_assert_int_eq(p.valid, 0);
  t_errors_n(&errs, 2);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "NUL byte"));
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 3, "restart = nope"));
  ck_assert_str_eq(p.program, "hermes");
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_file_size)
{
  /* exactly HR_FILE_MAX bytes of comments is fine; one more is a file-level error */
  char *text = repeat('\n', HR_FILE_MAX + 1);
  for (size_t i = 0; i + 100 < HR_FILE_MAX; i += 100) memset(text + i, '#', 99);
  struct profile p;
  struct hr_errors errs = { 0 };
  load_profile_buffer("alpha", t_file("alpha"), text, HR_FILE_MAX, 0, &t_lctx, &p, &errs);
  t_errors_n(&errs, 0);
  ck_assert_int_eq(p.valid, 1);
  profile_free(&p);
  load_profile_buffer("alpha", t_file("alpha"), text, HR_FILE_MAX + 1, 0, &t_lctx, &p, &errs);
  ck_assert_int_eq(p.valid, 0);
  t_errors_n(&errs, 1);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 0, "file larger than 65536 bytes"));
  errors_free(&errs);
  profile_free(&p);
  free(text);
}
END_TEST

START_TEST(test_profile_names)
{
  static char const *const bad[] = { "Alpha", "-alpha", "_alpha", "al.pha", "al pha", "alphA", "" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct profile p;
    struct hr_errors errs = { 0 };
    ck_assert_int_eq(t_load(bad[i], "", 0, &p, &errs), 0);
    t_errors_n(&errs, 1);
    ck_assert_ptr_nonnull(t_error(&errs, t_file(bad[i]), 0, "invalid profile name"));
    errors_free(&errs);
    profile_free(&p);
  }
  char *longest = repeat('a', 243), *too_long = repeat('b', 244);
  struct profile p;
  t_load_ok(longest, "", 0, &p);
  profile_free(&p);
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load(too_long, "", 0, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_uint_eq(errs.v[0].line, 0);
  errors_free(&errs);
  profile_free(&p);
  t_load_ok("0-a_b", "", 0, &p);
  profile_free(&p);
  free(longest);
  free(too_long);
}
END_TEST

START_TEST(test_defaults_errors)
{
  defaults_invalid_at("[profile]\nhome = /srv/x\n", 2, "[profile] home is not allowed in _defaults.ini");
  defaults_invalid_at("[gateway]\nuser = root\n", 2, "user = root: the gateway never runs as root");
  defaults_invalid_at("[log]\nmax_files = many\n", 2, "max_files = many");
  defaults_invalid_at("\n\n[nope]\n", 3, "unknown section [nope]");
  /* and a profile over valid defaults does not inherit their errors */
  struct hr_settings d = { 0 };
  struct hr_errors errs = { 0 };
  char const *text = "[gateway]\nrestart = always\n[env]\nA = 1\n";
  ck_assert_uint_eq(load_defaults_buffer(t_file("_defaults"), text, strlen(text), &t_lctx, &d, &errs), 0);
  t_errors_n(&errs, 0);
  settings_free(&d);
}
END_TEST

START_TEST(test_all_errors_at_once)
{
  struct profile p;
  struct hr_errors errs = { 0 };
  char const *text =
    "stray = 1\n"               /* 1 */
    "[profile]\n"               /* 2 */
    "enabled = perhaps\n"       /* 3 */
    "[gateway]\n"               /* 4 */
    "restart = sometimes\n"     /* 5 */
    "user = nobody\n"           /* 6 */
    "restart = always\n"        /* 7 */
    "[weird]\n"                 /* 8 */
    "anything = goes\n"         /* 9: not reported again */
    "[env]\n"                   /* 10 */
    "HOME = /root\n"            /* 11 */
    "[log]\n"                   /* 12 */
    "max_size = 1\n";           /* 13 */
  ck_assert_int_eq(t_load("Bad", text, 0, &p, &errs), 0);
  t_errors_n(&errs, 9);
  char const *f = t_file("Bad");
  ck_assert_ptr_nonnull(t_error(&errs, f, 0, "invalid profile name Bad"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 1, "stray set before any [section]"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 3, "enabled = perhaps"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 5, "restart = sometimes"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 6, "no such user"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 7, "restart set twice in [gateway] (first at line 5)"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 8, "unknown section [weird]"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 11, "HOME is set by hermes-reconcile"));
  ck_assert_ptr_nonnull(t_error(&errs, f, 13, "max_size = 1"));
  errors_free(&errs);
  profile_free(&p);

  /* the errors of the defaults and of the profile, in one run */
  ck_assert_int_eq(t_load("alpha", "[log]\nmax_size = 1\n", "[gateway]\nrestart = x\n", &p, &errs), 0);
  t_errors_n(&errs, 2);
  ck_assert_ptr_nonnull(t_error(&errs, t_file("_defaults"), 2, "restart = x"));
  ck_assert_ptr_nonnull(t_error(&errs, t_file("alpha"), 2, "max_size = 1"));
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_syntax_variants)
{
  struct profile p;
  /* CRLF line ends, a BOM, indented keys and sections, inline comments, comment lines */
  t_load_ok("alpha",
            "\xEF\xBB\xBF[gateway]\r\n"
            "  program = hermes2 ; the new one\r\n"
            "\targs = --a;b  --c\r\n"
            "# restart = never\r\n"
            "; restart = never\r\n"
            "  [env]\r\n"
            "    TOKEN = abc\t\r\n"
            "[log]\r\n"
            "max_files=5\r\n",
            0, &p);
  ck_assert_str_eq(p.program, "hermes2");
  ck_assert_uint_eq(p.nargs, 2);
  ck_assert_str_eq(p.args[0], "--a;b");
  ck_assert_str_eq(p.args[1], "--c");
  ck_assert_int_eq(p.restart, HR_RESTART_ON_FAILURE);
  ck_assert_uint_eq(p.nenv, 1);
  ck_assert_str_eq(p.env[0].name, "TOKEN");
  ck_assert_str_eq(p.env[0].value, "abc");
  ck_assert_int_eq(p.max_files, 5);
  profile_free(&p);

  /* an indented line is a key of its own, never the continuation of the one before */
  t_load_ok("alpha", "[gateway]\nargs = one\n  restart = never\n", 0, &p);
  ck_assert_uint_eq(p.nargs, 1);
  ck_assert_int_eq(p.restart, HR_RESTART_NEVER);
  profile_free(&p);

  /* a BOM is not special after the first line: there it is part of a key */
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load("alpha", "[gateway]\n\xEF\xBB\xBFprogram = x\n", 0, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_uint_eq(errs.v[0].line, 2);
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

/* inih r55's rules that settings.c keeps (its parse is inih's, rule for rule): pinned here */
START_TEST(test_inih_rules)
{
  struct profile p;
  /* a line indented with a blank the reader leaves (\v, \f) continues the key before it */
  invalid_at("[gateway]\nrestart = always\n\vrestart = never\n", 3, "restart set twice in [gateway] (first at line 2)");
  /* a ; after a blank starts a comment, before the = too: no = left on the line */
  invalid_at("[gateway]\nrestart ;x = never\n", 2, "syntax error");
  /* a ; straight after the = is the value's, as one after any other non-blank */
  t_load_ok("alpha", "[gateway]\nargs =;x a;b\f;c\n", 0, &p);
  ck_assert_uint_eq(p.nargs, 2);
  ck_assert_str_eq(p.args[0], ";x");
  ck_assert_str_eq(p.args[1], "a;b");
  profile_free(&p);
  /* a second BOM on the first line of a key is skipped too: the key is restart */
  struct hr_errors errs = { 0 };
  ck_assert_int_eq(t_load("alpha", "\xEF\xBB\xBF\xEF\xBB\xBFrestart = never\n[gateway]\n", 0, &p, &errs), 0);
  t_errors_n(&errs, 1);
  ck_assert_str_eq(errs.v[0].message, "restart set before any [section]");
  errors_free(&errs);
  profile_free(&p);
}
END_TEST

START_TEST(test_empty_file_defaults)
{
  struct profile p;
  t_load_ok("alpha", "", 0, &p);
  ck_assert_str_eq(p.name, "alpha");
  ck_assert_str_eq(p.file, t_file("alpha"));
  ck_assert_int_eq(p.enabled, 1);
  ck_assert_str_eq(p.home, T_HOME "/profiles/alpha");
  ck_assert_str_eq(p.description, "");
  ck_assert_str_eq(p.program, "hermes");
  ck_assert_uint_eq(p.nargs, 0);
  ck_assert_int_eq(p.autostart, HR_AUTOSTART_STATE);
  ck_assert_int_eq(p.restart, HR_RESTART_ON_FAILURE);
  ck_assert_str_eq(p.user, "hermes");
  ck_assert_uint_eq(p.uid, 1000);
  ck_assert_uint_eq(p.gid, 1000);
  ck_assert_int_eq(p.inherit_env, 1);
  ck_assert_int_eq(p.timeout_finish, -1);
  ck_assert_int_eq(p.timeout_kill, -1);
  ck_assert_int_eq(p.notification_fd, -1);
  ck_assert_int_eq(p.max_death_tally, -1);
  ck_assert_str_eq(p.down_signal, "");
  ck_assert_int_eq(p.log_enabled, 1);
  ck_assert_str_eq(p.log_dir, "$HERMES_HOME/logs/gateways/alpha");
  ck_assert_int_eq(p.max_files, 10);
  ck_assert_int_eq(p.max_size, 1000000);
  ck_assert_int_eq(p.timestamp, HR_TS_ISO);
  ck_assert_int_eq(p.to_stdout, 1);
  ck_assert_uint_eq(p.nenv, 0);
  profile_free(&p);

  /* only comments and blank lines: the same */
  t_load_ok("default", "; nothing\n\n   \n# at all\n", 0, &p);
  ck_assert_str_eq(p.home, T_HOME);
  ck_assert_str_eq(p.log_dir, "$HERMES_HOME/logs/gateways/default");
  profile_free(&p);
}
END_TEST

START_TEST(test_defaults_precedence)
{
  char const *defaults =
    "[profile]\nenabled = no\ndescription = from defaults\n"
    "[gateway]\nprogram = hermes-d\nargs = --from-defaults\nrestart = always\nuser = alice\ngroup = staff\n"
    "[log]\nmax_files = 3\ntimestamp = none\n"
    "[env]\nA = 1\nB = 2\nC = 3\n";
  struct profile p;
  /* an empty profile gets every value of the defaults */
  t_load_ok("alpha", "", defaults, &p);
  ck_assert_int_eq(p.enabled, 0);
  ck_assert_str_eq(p.description, "from defaults");
  ck_assert_str_eq(p.program, "hermes-d");
  ck_assert_uint_eq(p.nargs, 1);
  ck_assert_int_eq(p.restart, HR_RESTART_ALWAYS);
  ck_assert_uint_eq(p.uid, 1001);
  ck_assert_uint_eq(p.gid, 50);
  ck_assert_int_eq(p.max_files, 3);
  ck_assert_int_eq(p.timestamp, HR_TS_NONE);
  ck_assert_uint_eq(p.nenv, 3);
  /* the home is still the profile's own */
  ck_assert_str_eq(p.home, T_HOME "/profiles/alpha");
  profile_free(&p);

  /* the profile's own values win; [env] merges, an empty value unsets */
  t_load_ok("alpha",
            "[profile]\nenabled = yes\n[gateway]\nargs =\nrestart = never\nuser = hermes\n[log]\ntimestamp = iso\n"
            "[env]\nB = 20\nC =\nD = 4\n",
            defaults, &p);
  ck_assert_int_eq(p.enabled, 1);
  ck_assert_str_eq(p.program, "hermes-d");
  ck_assert_uint_eq(p.nargs, 0);
  ck_assert_int_eq(p.restart, HR_RESTART_NEVER);
  ck_assert_uint_eq(p.uid, 1000);
  ck_assert_uint_eq(p.gid, 50);    /* the group of the defaults still applies */
  ck_assert_int_eq(p.max_files, 3);
  ck_assert_int_eq(p.timestamp, HR_TS_ISO);
  ck_assert_uint_eq(p.nenv, 4);
  static char const *const names[] = { "A", "B", "C", "D" }, *const values[] = { "1", "20", "", "4" };
  for (size_t i = 0; i < 4; i++) {
    ck_assert_str_eq(p.env[i].name, names[i]);
    ck_assert_str_eq(p.env[i].value, values[i]);
  }
  profile_free(&p);

  /* a profile may set its home; the log dir default follows the name, not the home */
  t_load_ok("beta", "[profile]\nhome = /srv/beta\n", defaults, &p);
  ck_assert_str_eq(p.home, "/srv/beta");
  ck_assert_str_eq(p.log_dir, "$HERMES_HOME/logs/gateways/beta");
  profile_free(&p);
}
END_TEST

/*
 * SPEC 11.10: the config dir's path, walked from /: a directory on it that not everyone may search
 * makes its files secret; a link of another user's makes them that user's (and secret); links of
 * two different users are refused.
 */
START_TEST(test_open_dir)
{
  char base[64] = "/tmp/hr-unit-load.XXXXXX", path[128];
  struct hr_origin tree;
  char const *why;
  ck_assert_ptr_nonnull(mkdtemp(base));   /* 0700 */
  snprintf(path, sizeof path, "%s/d", base);
  ck_assert_int_eq(mkdir(path, 0755), 0);
  int fd = load_open_dir(path, &tree, &why);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(tree.secret, 1);
  ck_assert_int_eq(tree.owner, 0);
  ck_assert_int_eq(chmod(base, 0755), 0);
  fd = load_open_dir(path, &tree, &why);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(tree.secret, 0);
  snprintf(path, sizeof path, "%s/l1", base);
  ck_assert_int_eq(symlink("d", path), 0);
  if (!geteuid() && !lchown(path, 12345, 12345)) {
    fd = load_open_dir(path, &tree, &why);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(tree.owner, 12345);
    ck_assert_int_eq(tree.secret, 1);
    snprintf(path, sizeof path, "%s/l2", base);
    ck_assert_int_eq(symlink(base, path), 0);   /* absolute, then l1 of another owner */
    ck_assert_int_eq(lchown(path, 54321, 54321), 0);
    snprintf(path, sizeof path, "%s/l2/l1/", base);
    ck_assert_int_eq(load_open_dir(path, &tree, &why), -1);
    ck_assert_str_eq(why, "reached through links of different owners");
    snprintf(path, sizeof path, "%s/l2", base);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/l1", base);
  unlink(path);
  snprintf(path, sizeof path, "%s/d", base);
  rmdir(path);
  rmdir(base);
}
END_TEST

/* The render's inputs of p, as bytes: equal for two profiles that render alike in every part. */
static void own_inputs(struct profile const *p, stralloc *sa)
{
  sa->len = 0;
  render_inputs_own(p, sa);
}

/*
 * What the ledger keeps of a file (settings_pack) builds the same profile as its bytes, with the same
 * lines in what it says; a file with a problem packs nothing.
 */
START_TEST(test_settings_pack_round_trip)
{
  static char const text[] =
    "; a comment\n[profile]\ndescription = a  b\t c\nenabled = yes\n\n[gateway]\nprogram = /opt/gw\n"
    "args = --x  --y=z\nuser = alice\nautostart = no\ntimeout_kill = 1500\ndown_signal = SIGINT\n"
    "[log]\nmax_files = 3\ntimestamp = none\n[env]\nA_B = 1 2  3\nEMPTY =\nZ = x=y;z\n";
  struct hr_errors errs = { 0 };
  struct profile a, b;
  stralloc pack = STRALLOC_ZERO, ia = STRALLOC_ZERO, ib = STRALLOC_ZERO;
  load_profile_packing("alpha", t_file("alpha"), &(struct hr_origin){ 0 }, text, sizeof text - 1, 0, &t_lctx, &a, &errs,
                       &pack);
  t_errors_n(&errs, 0);
  ck_assert_int_eq(a.valid, 1);
  ck_assert_uint_gt(pack.len, 0);
  ck_assert_int_eq(load_profile_unpacking("alpha", t_file("alpha"), &(struct hr_origin){ 0 }, pack.s, pack.len, 0,
                                          &t_lctx, &b, &errs), 0);
  t_errors_n(&errs, 0);
  ck_assert_int_eq(b.valid, 1);
  own_inputs(&a, &ia);
  own_inputs(&b, &ib);
  ck_assert_uint_eq(ia.len, ib.len);
  ck_assert_mem_eq(ia.s, ib.s, ia.len);
  ck_assert_str_eq(b.description, "a  b\t c");
  ck_assert_uint_eq(b.user_line, a.user_line);
  ck_assert_uint_eq(b.user_line, 9);
  profile_free(&a);
  profile_free(&b);
  /* a problem (a key twice): nothing packed, so the next pass reads the bytes and says it again */
  pack.len = 0;
  load_profile_packing("alpha", t_file("alpha"), &(struct hr_origin){ 0 }, "[gateway]\nuser = a\nuser = b\n", 27, 0,
                       &t_lctx, &a, &errs, &pack);
  ck_assert_uint_eq(pack.len, 0);
  ck_assert_uint_gt(errs.n, 0);
  profile_free(&a);
  errors_free(&errs);
  stralloc_free(&pack);
  stralloc_free(&ia);
  stralloc_free(&ib);
}
END_TEST

/* A pack that is not settings_pack's text is refused whole: the bytes are read instead. */
START_TEST(test_settings_unpack_refused)
{
  char big[64];
  snprintf(big, sizeof big, "%d 1 x y\n", HR_NKEYS);   /* no such key */
  char const *const bad[] = {
    big, "1 1 x y", "1 1 xy\n", "1 1  y\n", "1 x y z\n", "x 1 y z\n", "1 99999999999 y z\n", "1 1\n",
    "1 1 x y\n2 x\n", "1 1 x y\n2 2 z w\n1 3 x",   /* good settings first, then a bad one: none kept */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct hr_settings s = { 0 };
    ck_assert_msg(settings_unpack(bad[i], strlen(bad[i]), "f", &s) == -1, "%s", bad[i]);
    ck_assert_uint_eq(s.n, 0);
    settings_free(&s);
  }
  struct hr_settings s = { 0 };
  static char const nul[] = "1 1 x y\0z\n";
  ck_assert_int_eq(settings_unpack(nul, sizeof nul - 1, "f", &s), -1);   /* a NUL: no value of inih's */
  settings_free(&s);
  ck_assert_int_eq(settings_unpack("", 0, "f", &s), 0);                  /* a file of no setting */
  ck_assert_uint_eq(s.n, 0);
  settings_free(&s);
}
END_TEST

Suite *suite_load(void)
{
  Suite *s = suite_create("load");
  TCase *tc = tcase_create("errors");
  tcase_add_test(tc, test_settings_pack_round_trip);
  tcase_add_test(tc, test_settings_unpack_refused);
  tcase_add_test(tc, test_unknown_section);
  tcase_add_test(tc, test_unknown_key);
  tcase_add_test(tc, test_key_twice);
  tcase_add_test(tc, test_key_before_section);
  tcase_add_test(tc, test_bad_section_header);
  tcase_add_test(tc, test_malformed_lines);
  tcase_add_test(tc, test_identity_rule);
  tcase_add_test(tc, test_identity_contributors);
  tcase_add_test(tc, test_supplementary_groups);
  tcase_add_test(tc, test_secret_not_quoted);
  tcase_add_test(tc, test_malformed_values);
  tcase_add_test(tc, test_reserved_env);
  tcase_add_test(tc, test_user_group);
  tcase_add_test(tc, test_default_user_missing);
  tcase_add_test(tc, test_user_database_unreadable);
  tcase_add_test(tc, test_invalid_never_silent);
  tcase_add_test(tc, test_long_line);
  tcase_add_test(tc, test_nul_byte);
  tcase_add_test(tc, test_file_size);
  tcase_add_test(tc, test_profile_names);
  tcase_add_test(tc, test_defaults_errors);
  tcase_add_test(tc, test_all_errors_at_once);
  tcase_add_test(tc, test_open_dir);
  suite_add_tcase(s, tc);
  tc = tcase_create("values");
  tcase_add_test(tc, test_valid_values);
  tcase_add_test(tc, test_bools);
  tcase_add_test(tc, test_syntax_variants);
  tcase_add_test(tc, test_inih_rules);
  tcase_add_test(tc, test_empty_file_defaults);
  tcase_add_test(tc, test_defaults_precedence);
  suite_add_tcase(s, tc);
  return s;
}
