/* test-number.c - strict numbers: the whole text, decimal only, in range, finite; the error
 * names what was parsed and the text. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ctx.h"
#include "number.h"

static void
test_ll(void **state)
{
	static const struct {
		const char *text;
		int rc;
		long long want;
	} cases[] = {
		{ "0", 0, 0 }, { "42", 0, 42 }, { "-7", 0, -7 }, { "+7", 0, 7 }, { "007", 0, 7 },
		{ "100", 0, 100 }, { "-100", 0, -100 },
		{ "", -EINVAL, 0 }, { "1abc", -EINVAL, 0 }, { "abc", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 }, { "0x10", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { "1e3", -EINVAL, 0 },
		{ "-", -EINVAL, 0 }, { "+", -EINVAL, 0 }, { "--1", -EINVAL, 0 }, { "1\n", -EINVAL, 0 },
		{ "101", -ERANGE, 0 }, { "-101", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 }, { "-99999999999999999999", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long long n = 12345;
		int rc = qtm_parse_ll(cases[i].text, -100, 100, &n);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].text, rc, cases[i].rc);
		assert_int_equal(n, rc == 0 ? cases[i].want : 12345);   /* untouched on error */
	}
	{
		long long n;

		assert_int_equal(qtm_parse_ll(NULL, 0, 1, &n), -EINVAL);
		assert_int_equal(qtm_parse_ll("9223372036854775807", LLONG_MIN, LLONG_MAX, &n), 0);
		assert_true(n == LLONG_MAX);
		assert_int_equal(qtm_parse_ll("9223372036854775808", LLONG_MIN, LLONG_MAX, &n), -ERANGE);
	}
}

static void
test_int(void **state)
{
	int n = 0;

	assert_int_equal(qtm_parse_int("64", 1, 64, &n), 0);
	assert_int_equal(n, 64);
	/* Values that wrap to a valid int when cast are out of range, not taken. */
	assert_int_equal(qtm_parse_int("4294967297", 1, 64, &n), -ERANGE);
	assert_int_equal(n, 64);
	assert_int_equal(qtm_parse_int("0", 1, 64, &n), -ERANGE);
}

static void
test_double(void **state)
{
	static const struct {
		const char *text;
		int rc;
		double want;
	} cases[] = {
		{ "0", 0, 0 }, { "0.5", 0, 0.5 }, { "-0.5", 0, -0.5 }, { ".5", 0, 0.5 }, { "1e2", 0, 100 },
		{ "1E-2", 0, 0.01 }, { "+3", 0, 3 }, { "1e-999", 0, 0 },
		{ "", -EINVAL, 0 }, { "1abc", -EINVAL, 0 }, { "1e", -EINVAL, 0 }, { "1.2.3", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 }, { "0x10", -EINVAL, 0 }, { "inf", -EINVAL, 0 },
		{ "-inf", -EINVAL, 0 }, { "nan", -EINVAL, 0 }, { "infinity", -EINVAL, 0 }, { ".", -EINVAL, 0 },
		{ "e5", -EINVAL, 0 }, { "-", -EINVAL, 0 },
		{ "1e999", -ERANGE, 0 }, { "-1e999", -ERANGE, 0 }, { "1001", -ERANGE, 0 }, { "-1000.5", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v = 12345;
		int rc = qtm_parse_double(cases[i].text, -1000, 1000, &v);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].text, rc, cases[i].rc);
		assert_true(v == (rc == 0 ? cases[i].want : 12345) ||
		    (rc == 0 && v > cases[i].want - 1e-12 && v < cases[i].want + 1e-12));
	}
}

static void
test_messages(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-number", NULL);
	long long n;
	int i;
	double v;

	assert_int_equal(qtm_number_ll(ctx, "--wait", "abc", 0, 10, &n), -EINVAL);
	assert_non_null(strstr(qtm_strerror(ctx), "--wait"));
	assert_non_null(strstr(qtm_strerror(ctx), "\"abc\""));
	assert_int_equal(qtm_number_int(ctx, "qtm.conf:3: jobs", "99", 1, 64, &i), -ERANGE);
	assert_non_null(strstr(qtm_strerror(ctx), "qtm.conf:3: jobs"));
	assert_non_null(strstr(qtm_strerror(ctx), "64"));
	assert_int_equal(qtm_number_double(ctx, "seed", "1e999", -1e308, 1e308, &v), -ERANGE);
	assert_non_null(strstr(qtm_strerror(ctx), "1e999"));
	assert_int_equal(qtm_number_double(ctx, "x", "0.25", 0, 1, &v), 0);
	assert_true(v == 0.25);
	qtm_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ll),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
