/* Output: what reaches a terminal or a JSON reader from input text (SPEC 11, Output). */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

static void clean_is(char const *in, char const *want)
{
  char *got = report_clean(in);
  ck_assert_str_eq(got, want);
  free(got);
}

START_TEST(test_clean_controls)
{
  clean_is("plain text, UTF-8 \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "plain text, UTF-8 \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  clean_is("a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m");
  clean_is("tab\there\r\nnl\x7f", "tab\\x09here\\x0d\\x0anl\\x7f");
  clean_is("\x01", "\\x01");
  /* C1 controls (U+009B is a CSI on some terminals) are escaped byte by byte */
  clean_is("x\xC2\x9B" "31m", "x\\xc2\\x9b31m");
  clean_is("\xC2\xA0", "\xC2\xA0");
  clean_is("", "");
}
END_TEST

START_TEST(test_clean_not_utf8)
{
  clean_is("\xff\xfe", "\\xff\\xfe");
  clean_is("caf\xE9!", "caf\\xe9!");                     /* Latin-1 */
  clean_is("\xC0\xAF", "\\xc0\\xaf");                     /* overlong / */
  clean_is("\xE0\x80\xAF", "\\xe0\\x80\\xaf");            /* overlong */
  clean_is("\xED\xA0\x80", "\\xed\\xa0\\x80");            /* a surrogate */
  clean_is("\xF4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");   /* past U+10FFFF */
  clean_is("\xE2\x82", "\\xe2\\x82");                     /* cut short at the end */
  clean_is("\xE2\x82x", "\\xe2\\x82x");                   /* cut short before ASCII */
}
END_TEST

Suite *suite_output(void)
{
  Suite *s = suite_create("output");
  TCase *tc = tcase_create("clean");
  tcase_add_test(tc, test_clean_controls);
  tcase_add_test(tc, test_clean_not_utf8);
  suite_add_tcase(s, tc);
  return s;
}
