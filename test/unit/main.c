/*
 * Runs every suite. make unit sets CK_TAP_LOG_FILE_NAME=- (TAP on stdout, read by prove) and
 * CK_VERBOSITY=silent; without them this prints libcheck's usual summary.
 */
#include <stdlib.h>

#include "unit.h"

char const *PROG = "test-unit";

int main(void)
{
  SRunner *sr = srunner_create(suite_load());
  srunner_add_suite(sr, suite_render());
  srunner_add_suite(sr, suite_plan());
  srunner_add_suite(sr, suite_parse());
  srunner_add_suite(sr, suite_fsutil());
  srunner_add_suite(sr, suite_output());
  srunner_add_suite(sr, suite_discover());
  srunner_add_suite(sr, suite_schema());
  srunner_add_suite(sr, suite_record());
  srunner_add_suite(sr, suite_events());
  srunner_add_suite(sr, suite_home());
  char const *tap = getenv("CK_TAP_LOG_FILE_NAME");
  if (tap && *tap) srunner_set_tap(sr, tap);
  srunner_run_all(sr, CK_ENV);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
