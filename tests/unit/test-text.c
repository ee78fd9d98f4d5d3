/* test-text.c - text.c: what counts as valid UTF-8 (overlongs, surrogates, beyond U+10FFFF and
 * cut sequences do not), clean text (no control character, NUL included), the terminal escape
 * (\xHH per byte) and JSON text made safe (C1 controls \u-escaped, stray bytes U+FFFD, the
 * layout's own newlines kept). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

static bool
valid(const char *s)
{
	return qtm_utf8_valid(s, strlen(s));
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(valid("plain ascii"));
	assert_true(valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	assert_false(valid("\xff"));
	assert_false(valid("\xc0\xaf"));              /* overlong "/" */
	assert_false(valid("\xe0\x80\xaf"));          /* overlong, three bytes */
	assert_false(valid("\xed\xa0\x80"));          /* a surrogate */
	assert_false(valid("\xf4\x90\x80\x80"));      /* beyond U+10FFFF */
	assert_false(valid("\xe2\x82"));              /* cut short */
	assert_false(valid("\x80"));                  /* a stray continuation byte */
}

static void
test_clean(void **state)
{
	size_t off = 99;

	(void)state;
	assert_true(qtm_text_clean("a name", 6, 0, NULL));
	assert_false(qtm_text_clean("ab\x1b[2J", 6, 0, &off));
	assert_int_equal(off, 2);
	assert_false(qtm_text_clean("a\0b", 3, 0, &off));
	assert_int_equal(off, 1);
	assert_false(qtm_text_clean("x\r", 2, 0, NULL));
	assert_false(qtm_text_clean("x\x7f", 2, 0, NULL));
	assert_false(qtm_text_clean("x\xc2\x9b", 3, 0, NULL));
	assert_false(qtm_text_clean("x\xff", 2, 0, NULL));
	assert_true(qtm_text_clean("caf\xc3\xa9", 5, 0, NULL));
	assert_false(qtm_text_clean("a\tb\nc", 5, 0, &off));
	assert_int_equal(off, 1);
	assert_true(qtm_text_clean("a\tb\nc", 5, QTM_TEXT_TAB_NEWLINE, NULL));
	assert_false(qtm_text_clean("a\tb\r", 4, QTM_TEXT_TAB_NEWLINE, &off));
	assert_int_equal(off, 3);
}

static void
test_term_escape(void **state)
{
	char *s;

	(void)state;
	s = qtm_term_escape("a\x1b[31mb\rc\xc2\x9b\xff\xc3\xa9");
	assert_string_equal(s, "a\\x1b[31mb\\x0dc\\xc2\\x9b\\xff\xc3\xa9");
	free(s);
	assert_string_equal(qtm_term_safe("fine"), "fine");
	assert_string_equal(qtm_term_safe("t\tab"), "t\\x09ab");
	assert_null(qtm_term_safe(NULL));
}

static void
test_json_safe(void **state)
{
	char *s;

	(void)state;
	s = qtm_json_text_safe("{\n\t\"k\\\"\":\t\"a\\u001b\x7f\xc2\x85\xff\"\n}");
	assert_string_equal(s, "{\n\t\"k\\\"\":\t\"a\\u001b\\u007f\\u0085\\ufffd\"\n}");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_term_escape),
		cmocka_unit_test(test_json_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
