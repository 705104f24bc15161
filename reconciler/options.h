/* The options of the command line (SPEC section 2), as every command receives them. */
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

#endif
