/* test-metric-calc.c - qtm's own metric formulas and the NPY/CSV readers against values worked
 * out by hand. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "array-read.h"
#include "ctx.h"
#include "metric-calc.h"

static double
calc(enum qtm_metric_formula f, const double *p, const double *t, size_t n)
{
	double v = -1;

	assert_int_equal(qtm_metric_compute(f, p, t, n, &v), 0);
	return v;
}

static void
test_classification(void **state)
{
	/* classes 0,1,2: tp 2,1,0; fp 1,1,1; fn 0,1,2 -> F1 4/5, 2/4, 0 */
	const double p[] = { 0, 0, 1, 1, 2, 0 }, t[] = { 0, 0, 1, 2, 1, 2 };
	const double bp[] = { 1, 1, 0, 0, 1 }, bt[] = { 1, 0, 0, 1, 1 };
	const double none[] = { 0, 0 };
	const double half[] = { 0.5, 1 };
	double v;

	(void)state;
	assert_true(calc(QTM_METRIC_ACCURACY, p, t, 6) == 3.0 / 6.0);
	assert_true(calc(QTM_METRIC_MACRO_F1, p, t, 6) == (0.8 + 0.5 + 0.0) / 3.0);
	assert_true(calc(QTM_METRIC_IOU, bp, bt, 5) == 2.0 / 4.0);   /* tp 2, fp 1, fn 1 */
	assert_true(calc(QTM_METRIC_IOU, none, none, 2) == 1.0);
	assert_int_equal(qtm_metric_compute(QTM_METRIC_ACCURACY, half, t, 2, &v), -EINVAL);
	assert_int_equal(qtm_metric_compute(QTM_METRIC_ACCURACY, p, t, 0, &v), -EINVAL);
	assert_true(qtm_metric_agrees(QTM_METRIC_ACCURACY, 0.5, 0.5));
	assert_false(qtm_metric_agrees(QTM_METRIC_ACCURACY, 0.5, nextafter(0.5, 1)));
}

static void
test_regression(void **state)
{
	const double p[] = { 1, 2, 4, 8 }, t[] = { 2, 2, 2, 4 };
	const double z[] = { 0, 1 }, inf[] = { INFINITY, 1 };
	double v;

	(void)state;
	assert_true(calc(QTM_METRIC_MAE, p, t, 4) == (1 + 0 + 2 + 4) / 4.0);
	assert_true(calc(QTM_METRIC_RMSE, p, t, 4) == sqrt((1 + 0 + 4 + 16) / 4.0));
	assert_true(calc(QTM_METRIC_ABS_REL, p, t, 4) == (0.5 + 0 + 1 + 1) / 4.0);
	assert_int_equal(qtm_metric_compute(QTM_METRIC_ABS_REL, p, z, 2, &v), -EINVAL);
	assert_int_equal(qtm_metric_compute(QTM_METRIC_RMSE, inf, z, 2, &v), -ERANGE);
	assert_true(qtm_metric_agrees(QTM_METRIC_RMSE, 1.0, 1.0 + 5e-10));
	assert_false(qtm_metric_agrees(QTM_METRIC_RMSE, 1.0, 1.0 + 2e-9));
	assert_int_equal(qtm_metric_formula_parse("abs_rel"), QTM_METRIC_ABS_REL);
	assert_int_equal(qtm_metric_formula_parse("r2"), QTM_METRIC_NONE);
	assert_string_equal(qtm_metric_formula_name(QTM_METRIC_MACRO_F1), "macro_f1");
}

static void
test_chamfer(void **state)
{
	/* set 0: predicted (0,0,0), (3,0,0); target (0,0,1) -> 0.5 * ((1 + sqrt 10) / 2 + 1);
	 * set 2: predicted (1,1,1); target (1,1,1), (1,1,3) -> 0.5 * (0 + (0 + 2) / 2) */
	const double p[] = { 0, 0, 0, 0, 2, 1, 1, 1, 0, 3, 0, 0 };
	const double t[] = { 2, 1, 1, 1, 0, 0, 0, 1, 2, 1, 1, 3 };
	const double lone[] = { 0, 0, 0, 0, 5, 1, 1, 1 }, frac[] = { 0.5, 0, 0, 0 };
	const double nan3[] = { 0, 0, NAN, 0 };
	double want = (0.5 * ((1 + sqrt(10)) / 2 + 1) + 0.5 * (0 + 1)) / 2, v = -1;

	(void)state;
	assert_int_equal(qtm_metric_chamfer(p, 12, t, 12, &v), 0);
	assert_true(fabs(v - want) <= 1e-15);
	assert_true(qtm_metric_agrees(QTM_METRIC_CHAMFER, want, v));
	assert_int_equal(qtm_metric_chamfer(p, 8, t, 12, &v), 0);     /* sets of any sizes */
	assert_true(calc(QTM_METRIC_CHAMFER, p, p, 12) == 0);
	assert_int_equal(qtm_metric_chamfer(p, 11, t, 12, &v), -EINVAL);
	assert_int_equal(qtm_metric_chamfer(lone, 8, t, 12, &v), -EINVAL);   /* set 5 has no target */
	assert_int_equal(qtm_metric_chamfer(p, 12, lone, 8, &v), -EINVAL);   /* set 2 nothing predicted */
	assert_int_equal(qtm_metric_chamfer(frac, 4, frac, 4, &v), -EINVAL);
	assert_int_equal(qtm_metric_chamfer(nan3, 4, t, 12, &v), -ERANGE);
	assert_int_equal(qtm_metric_formula_parse("chamfer"), QTM_METRIC_CHAMFER);
	assert_false(qtm_metric_formula_paired(QTM_METRIC_CHAMFER));
	assert_true(qtm_metric_formula_paired(QTM_METRIC_RMSE));
	assert_false(qtm_metric_formula_discrete(QTM_METRIC_CHAMFER));
}

/* A brute-force nearest neighbour agrees with the pruned sweep on a scattered cloud. */
static void
test_chamfer_sweep(void **state)
{
	enum { N = 300 };
	static double a[N * 4], b[N * 4];
	double sa = 0, sb = 0, v = -1;
	unsigned s = 12345;

	(void)state;
	for (size_t i = 0; i < N * 4; i++) {
		s = s * 1103515245u + 12345u;
		a[i] = i % 4 == 0 ? 7 : (double)(s >> 8 & 0xffff) / 65536.0;
		s = s * 1103515245u + 12345u;
		b[i] = i % 4 == 0 ? 7 : (double)(s >> 8 & 0xffff) / 65536.0;
	}
	for (size_t i = 0; i < N; i++) {
		double ba = INFINITY, bb = INFINITY;

		for (size_t j = 0; j < N; j++) {
			double dx = a[i * 4 + 1] - b[j * 4 + 1], dy = a[i * 4 + 2] - b[j * 4 + 2], dz = a[i * 4 + 3] - b[j * 4 + 3];
			double ex = b[i * 4 + 1] - a[j * 4 + 1], ey = b[i * 4 + 2] - a[j * 4 + 2], ez = b[i * 4 + 3] - a[j * 4 + 3];

			ba = fmin(ba, dx * dx + dy * dy + dz * dz);
			bb = fmin(bb, ex * ex + ey * ey + ez * ez);
		}
		sa += sqrt(ba);
		sb += sqrt(bb);
	}
	assert_int_equal(qtm_metric_chamfer(a, N * 4, b, N * 4, &v), 0);
	assert_true(v == 0.5 * (sa / N + sb / N));
}

/* An NPY file of version 1 with the given header dictionary and data. */
static size_t
npy(unsigned char *buf, const char *dict, const void *data, size_t len)
{
	size_t h = strlen(dict);

	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(h & 0xff);
	buf[9] = (unsigned char)(h >> 8);
	memcpy(buf + 10, dict, h);
	memcpy(buf + 10 + h, data, len);
	return 10 + h + len;
}

static void
test_npy(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-metric", NULL);
	unsigned char buf[512];
	const double d[] = { 1.5, -2, 3, 4.25, 5, 6 };
	const int32_t i[] = { -3, 7 };
	const unsigned char b[] = { 1, 0, 1 };
	struct qtm_array a;
	size_t n;

	(void)state;
	n = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", d, sizeof d);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), 0);
	assert_int_equal(a.n, 6);
	assert_int_equal(a.rows, 2);
	assert_int_equal(a.cols, 3);
	assert_true(a.v[0] == 1.5 && a.v[1] == -2 && a.v[3] == 4.25);
	qtm_array_clear(&a);
	n = npy(buf, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", i, sizeof i);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), 0);
	assert_true(a.n == 2 && a.v[0] == -3 && a.v[1] == 7);
	qtm_array_clear(&a);
	n = npy(buf, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", b, sizeof b);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), 0);
	assert_true(a.n == 3 && a.v[0] == 1 && a.v[1] == 0);
	qtm_array_clear(&a);
	/* wrong size, big-endian, Fortran order, object arrays, no magic */
	n = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }\n", d, sizeof d);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), -EBADMSG);
	n = npy(buf, "{'descr': '>f8', 'fortran_order': False, 'shape': (6,), }\n", d, sizeof d);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), -EBADMSG);
	n = npy(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (6,), }\n", d, sizeof d);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), -EBADMSG);
	n = npy(buf, "{'descr': '|O', 'fortran_order': False, 'shape': (6,), }\n", d, sizeof d);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", buf, n, &a), -EBADMSG);
	assert_int_equal(qtm_array_parse_npy(ctx, "t", (const unsigned char *)"NUMPY", 5, &a), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(ctx), "t: not a readable array"));
	qtm_ctx_free(ctx);
}

static void
test_csv(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-metric", NULL);
	const char *ok = "pred,target\n1,2\n-0.5, 3e1\r\n\n";
	const char *ragged = "1,2\n3\n";
	struct qtm_array a;

	(void)state;
	assert_int_equal(qtm_array_parse_csv(ctx, "t.csv", ok, strlen(ok), &a), 0);
	assert_true(a.rows == 2 && a.cols == 2 && a.n == 4);
	assert_true(a.v[0] == 1 && a.v[1] == 2 && a.v[2] == -0.5 && a.v[3] == 30);
	qtm_array_clear(&a);
	assert_int_equal(qtm_array_parse_csv(ctx, "t.csv", ragged, strlen(ragged), &a), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(ctx), "line 2"));
	assert_int_equal(qtm_array_parse_csv(ctx, "t.csv", "a,b\nx,1\n", 8, &a), -EBADMSG);
	qtm_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_regression),
		cmocka_unit_test(test_chamfer),
		cmocka_unit_test(test_chamfer_sweep),
		cmocka_unit_test(test_npy),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
