/* The libcheck unit tests of hermes-reconcile's pure stages: one suite per module. */
#ifndef HR_UNIT_H
#define HR_UNIT_H

#include <stddef.h>

#include <check.h>

#include "errors.h"
#include "load.h"
#include "profile.h"
#include "render.h"

Suite *suite_load(void);
Suite *suite_render(void);
Suite *suite_plan(void);
Suite *suite_parse(void);
Suite *suite_fsutil(void);
Suite *suite_output(void);
Suite *suite_discover(void);
Suite *suite_schema(void);
Suite *suite_record(void);
Suite *suite_events(void);
Suite *suite_home(void);

/* Fixtures shared by the suites (util.c). */
#define T_HOME "/opt/data"
#define T_BINDIR "/command"
#define T_DIR "/etc/hermes/profiles.d"

/*
 * Users: hermes 1000:1000 (also in staff), alice 1001:1001, toor 0:0, root 0:0, rootgrp 1002:0, wheely 1003:1003
 * (also in wheel). Groups: hermes 1000, alice 1001, staff 50, wheel 0, root 0.
 */
extern struct hr_ids const t_ids;
/* The same without any user hermes. */
extern struct hr_ids const t_ids_nohermes;
extern struct load_ctx const t_lctx;
extern struct render_ctx const t_rctx;

/* T_DIR/<name>.ini, in a buffer that lives until the next call. */
char const *t_file(char const *name);

/*
 * Load profile name from text over defaults text (0: no _defaults.ini). The errors of both
 * files go to errs; returns p->valid.
 */
int t_load(char const *name, char const *text, char const *defaults, struct profile *p, struct hr_errors *errs);
/* t_load that must succeed without any error. */
void t_load_ok(char const *name, char const *text, char const *defaults, struct profile *p);

/* The error of errs at file:line whose message contains needle, or 0. */
struct hr_error const *t_error(struct hr_errors const *errs, char const *file, unsigned int line, char const *needle);
/* Fail the test with every error of errs unless errs holds exactly n errors. */
void t_errors_n(struct hr_errors const *errs, size_t n);

/* The entry of r at path, or 0. */
struct slot_entry const *t_entry(struct slot_render const *r, char const *path);
/* Its content as a string; the test fails if there is no such file. */
char const *t_content(struct slot_render const *r, char const *path);

#endif
