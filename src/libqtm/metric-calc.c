/* metric-calc.c - the standard metrics, summed in index order so that a trainer summing the
 * same way records the very same double. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metric-calc.h"
#include "xalloc.h"

static const char *const names[] = {
	[QTM_METRIC_ACCURACY] = "accuracy", [QTM_METRIC_MACRO_F1] = "macro_f1",
	[QTM_METRIC_IOU] = "iou", [QTM_METRIC_ABS_REL] = "abs_rel",
	[QTM_METRIC_RMSE] = "rmse", [QTM_METRIC_MAE] = "mae", [QTM_METRIC_CHAMFER] = "chamfer",
};

enum qtm_metric_formula
qtm_metric_formula_parse(const char *name)
{
	for (size_t i = 1; name != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], name) == 0)
			return (enum qtm_metric_formula)i;
	return QTM_METRIC_NONE;
}

const char *
qtm_metric_formula_name(enum qtm_metric_formula f)
{
	return f > QTM_METRIC_NONE && f <= QTM_METRIC_CHAMFER ? names[f] : "none";
}

bool
qtm_metric_formula_discrete(enum qtm_metric_formula f)
{
	return f == QTM_METRIC_ACCURACY || f == QTM_METRIC_MACRO_F1 || f == QTM_METRIC_IOU;
}

bool
qtm_metric_formula_paired(enum qtm_metric_formula f)
{
	return f != QTM_METRIC_CHAMFER;
}

/* Class labels must be whole numbers: a float label is a regression output in disguise. */
static bool
label(double v)
{
	return isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Mean over the sorted distinct classes of targets and predictions, summed in that order. */
static int
macro_f1(const double *pred, const double *target, size_t n, double *out)
{
	double *cls = xreallocarray(NULL, 2 * n, sizeof *cls), sum = 0;
	size_t k = 0;

	memcpy(cls, pred, n * sizeof *cls);
	memcpy(cls + n, target, n * sizeof *cls);
	qsort(cls, 2 * n, sizeof *cls, cmp_double);
	for (size_t i = 0; i < 2 * n; i++)
		if (i == 0 || cls[i] != cls[i - 1])
			cls[k++] = cls[i];
	for (size_t c = 0; c < k; c++) {
		size_t tp = 0, fp = 0, fn = 0;

		for (size_t i = 0; i < n; i++) {
			bool p = pred[i] == cls[c], t = target[i] == cls[c];

			tp += p && t;
			fp += p && !t;
			fn += !p && t;
		}
		sum += (double)(2 * tp) / (double)(2 * tp + fp + fn);
	}
	free(cls);
	*out = sum / (double)k;
	return 0;
}

static int
counts(enum qtm_metric_formula f, const double *pred, const double *target, size_t n, double *out)
{
	size_t hit = 0, tp = 0, fp = 0, fn = 0;

	for (size_t i = 0; i < n; i++)
		if (!label(pred[i]) || !label(target[i]))
			return -EINVAL;
	if (f == QTM_METRIC_MACRO_F1)
		return macro_f1(pred, target, n, out);
	for (size_t i = 0; i < n; i++) {
		bool p = pred[i] != 0, t = target[i] != 0;

		hit += pred[i] == target[i];
		tp += p && t;
		fp += p && !t;
		fn += !p && t;
	}
	if (f == QTM_METRIC_ACCURACY)
		*out = (double)hit / (double)n;
	else   /* no positive anywhere: both agree completely */
		*out = tp + fp + fn == 0 ? 1.0 : (double)tp / (double)(tp + fp + fn);
	return 0;
}

int
qtm_metric_compute(enum qtm_metric_formula f, const double *pred, const double *target,
    size_t n, double *out)
{
	double sum = 0;

	if (n == 0 || f == QTM_METRIC_NONE)
		return -EINVAL;
	if (qtm_metric_formula_discrete(f))
		return counts(f, pred, target, n, out);
	if (f == QTM_METRIC_CHAMFER)
		return qtm_metric_chamfer(pred, n, target, n, out);
	for (size_t i = 0; i < n; i++) {
		double e = pred[i] - target[i];

		if (!isfinite(pred[i]) || !isfinite(target[i]))
			return -ERANGE;
		if (f == QTM_METRIC_ABS_REL && target[i] == 0)
			return -EINVAL;
		sum += f == QTM_METRIC_RMSE ? e * e : f == QTM_METRIC_MAE ? fabs(e) : fabs(e) / fabs(target[i]);
	}
	*out = sum / (double)n;
	if (f == QTM_METRIC_RMSE)
		*out = sqrt(*out);
	return 0;
}

bool
qtm_metric_agrees(enum qtm_metric_formula f, double recorded, double computed)
{
	if (qtm_metric_formula_discrete(f))
		return recorded == computed;
	return fabs(recorded - computed) <= 1e-9 * fmax(fabs(recorded), fabs(computed));
}
