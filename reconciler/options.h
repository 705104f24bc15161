/* The command line, SPEC section 2. */
#ifndef HR_OPTIONS_H
#define HR_OPTIONS_H

struct hr_options {
  char const *config_dir;
  char const *scandir;
  char const *hermes_home;
  char const *bindir;
  unsigned int timeout_ms;
  int json;
  int verbosity;         /* -1 quiet, 0, 1 verbose */
  int notify_fd;         /* watch: readiness notification, -1 if none */
};

int cmd_check(struct hr_options const *o, int argc, char const *const *argv);
int cmd_plan(struct hr_options const *o, int argc, char const *const *argv);
int cmd_apply(struct hr_options const *o, int argc, char const *const *argv);
int cmd_status(struct hr_options const *o, int argc, char const *const *argv);
int cmd_watch(struct hr_options const *o, int argc, char const *const *argv);
int cmd_import(struct hr_options const *o, int argc, char const *const *argv);

#endif
