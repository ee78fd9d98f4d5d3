/* test-chart.c - the training curve chart (chart.c): known points give exactly the expected
 * lines; one point, a flat curve and NaN/infinite values; and the curve's collection and
 * thinning (curve.c): at most QTM_CURVE_MAX points, the first and the last kept. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chart.h"
#include "curve.h"
#include "xalloc.h"

static void
assert_chart(const struct qtm_point *p, size_t n, const struct qtm_chart_opts *o, int want_width,
    const char *const *want)
{
	int width = -1;
	char **lines = qtm_chart_render(p, n, o, &width);
	size_t i;

	assert_non_null(lines);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(lines[i]);
		assert_string_equal(lines[i], want[i]);
	}
	assert_null(lines[i]);
	assert_int_equal(width, want_width);
	strv_free(lines);
}

static const struct qtm_point falling[] = { { 0, 4 }, { 1, 3 }, { 2, 1 }, { 3, 0.5 }, { 4, 0.25 } };

static void
test_known_points(void **state)
{
	/* Dots worked out by hand: (0,4) is dot (0,0), (1,3) dot (5,4), (2,1) dot (10,12)...
	 * joined by lines; the x range line ends at the chart's right edge (16). */
	static const char *const want[] = {
		"   4 ┤⠑⠤⡀       ",
		"     │  ⠈⢆      ",
		"     │    ⢣     ",
		"0.25 ┤     ⠑⠢⠤⢄⣀",
		"     └──────────",
		"      0        4",
		NULL,
	};
	struct qtm_chart_opts o = { .cols = 10, .rows = 4 };

	(void)state;
	assert_chart(falling, 5, &o, 16, want);
}

static void
test_ascii_and_colour(void **state)
{
	static const char *const ascii[] = {
		"   4 +***       ",
		"     |  **      ",
		"     |    *     ",
		"0.25 +     *****",
		"     +----------",
		"      0        4",
		NULL,
	};
	static const char *const coloured[] = {
		"   4 ┤<⠑⠤⡀       >",
		"     │<  ⠈⢆      >",
		"     │<    ⢣     >",
		"0.25 ┤<     ⠑⠢⠤⢄⣀>",
		"     └──────────",
		"      0        4",
		NULL,
	};
	struct qtm_chart_opts o = { .cols = 10, .rows = 4, .ascii = true };
	struct qtm_chart_opts c = { .cols = 10, .rows = 4, .on = "<", .off = ">" };

	(void)state;
	assert_chart(falling, 5, &o, 16, ascii);
	/* The colour goes around the plot cells only, and does not count in the width. */
	assert_chart(falling, 5, &c, 16, coloured);
}

static void
test_one_point(void **state)
{
	static const char *const want[] = {
		"1.5 ┤    ",
		"1.5 ┤ ⠈  ",
		"    └────",
		"     5   ",
		NULL,
	};
	struct qtm_point p[] = { { 5, 1.5 } };
	struct qtm_chart_opts o = { .cols = 4, .rows = 2 };

	(void)state;
	assert_chart(p, 1, &o, 9, want);
}

static void
test_flat(void **state)
{
	static const char *const want[] = {
		"1 ┤    ",
		"1 ┤⠉⠉⠉⠉",
		"  └────",
		"   0  2",
		NULL,
	};
	struct qtm_point p[] = { { 0, 1 }, { 1, 1 }, { 2, 1 } };
	struct qtm_chart_opts o = { .cols = 4, .rows = 2 };

	(void)state;
	assert_chart(p, 3, &o, 7, want);
}

static void
test_not_finite_ignored(void **state)
{
	static const char *const want[] = {
		"2 ┤⠱⡀ ⢀",
		"0 ┤ ⠈⢆⠎",
		"  └────",
		"   0  3",
		NULL,
	};
	struct qtm_point with[] = { { 0, 2 }, { 1, NAN }, { 2, 0 }, { INFINITY, 5 }, { 3, 1 }, { 4, -INFINITY } };
	struct qtm_point without[] = { { 0, 2 }, { 2, 0 }, { 3, 1 } };
	struct qtm_point none[] = { { NAN, 1 }, { 2, INFINITY } };
	struct qtm_chart_opts o = { .cols = 4, .rows = 2 };
	int width;

	(void)state;
	assert_chart(with, 6, &o, 7, want);
	assert_chart(without, 3, &o, 7, want);
	assert_null(qtm_chart_render(none, 2, &o, &width));
	assert_null(qtm_chart_render(NULL, 0, &o, &width));
}

static void
assert_thinned(const cJSON *arr, size_t want_n, double first, double last)
{
	double prev = -1;
	const cJSON *pt;

	assert_non_null(arr);
	assert_int_equal(cJSON_GetArraySize(arr), want_n);
	assert_true(cJSON_GetArrayItem(cJSON_GetArrayItem(arr, 0), 0)->valuedouble == first);
	assert_true(cJSON_GetArrayItem(cJSON_GetArrayItem(arr, (int)want_n - 1), 0)->valuedouble == last);
	cJSON_ArrayForEach(pt, arr) {
		double x = cJSON_GetArrayItem(pt, 0)->valuedouble;

		assert_true(x > prev);   /* in order, no point twice */
		prev = x;
	}
}

static void
test_curve_collect(void **state)
{
	uint64_t counts[] = { 1, 20, 200, 201, 399, 400, 401, 1000, 123457 };

	(void)state;
	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
		struct qtm_curve c = { 0 };
		cJSON *arr;

		for (uint64_t i = 0; i < counts[k]; i++) {
			qtm_curve_add(&c, (double)i, 1.0 / (double)(i + 1));
			qtm_curve_add(&c, (double)i, NAN);   /* ignored */
		}
		arr = qtm_curve_take(&c);
		assert_thinned(arr, counts[k] < QTM_CURVE_MAX ? counts[k] : QTM_CURVE_MAX, 0, (double)(counts[k] - 1));
		cJSON_Delete(arr);
	}
	{
		struct qtm_curve c = { 0 };

		qtm_curve_add(&c, INFINITY, 1);
		assert_null(qtm_curve_take(&c));
	}
}

static void
test_curve_from_json(void **state)
{
	cJSON *in = cJSON_Parse("[[0, 3], \"x\", [1], [2, \"y\"], [3, 1e999], [4, 2], [5, 1]]"), *out, *big;
	char *text;

	(void)state;
	out = qtm_curve_from_json(in);
	text = cJSON_PrintUnformatted(out);
	assert_string_equal(text, "[[0,3],[4,2],[5,1]]");
	cJSON_free(text);
	cJSON_Delete(out);
	cJSON_Delete(in);
	assert_null(qtm_curve_from_json(NULL));
	in = cJSON_Parse("{\"a\": 1}");
	assert_null(qtm_curve_from_json(in));
	cJSON_Delete(in);

	big = cJSON_CreateArray();
	for (int i = 0; i < 1000; i++) {
		cJSON *pt = cJSON_CreateArray();

		cJSON_AddItemToArray(pt, cJSON_CreateNumber(1000 + i));
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(i));
		cJSON_AddItemToArray(big, pt);
	}
	out = qtm_curve_from_json(big);
	assert_thinned(out, QTM_CURVE_MAX, 1000, 1999);
	/* Clock-timed curves (a hive job's) become seconds since their first point. */
	qtm_curve_rebase(out);
	assert_thinned(out, QTM_CURVE_MAX, 0, 999);
	cJSON_Delete(out);
	cJSON_Delete(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_points),
		cmocka_unit_test(test_ascii_and_colour),
		cmocka_unit_test(test_one_point),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_not_finite_ignored),
		cmocka_unit_test(test_curve_collect),
		cmocka_unit_test(test_curve_from_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
