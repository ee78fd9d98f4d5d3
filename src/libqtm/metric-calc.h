/* metric-calc.h - the standard held-out metrics, computed by qtm itself from a trainer's
 * predictions and targets (qtm-module(5), "Recomputing metrics").  Pure functions: no context,
 * no allocation kept. */
#ifndef QTM_METRIC_CALC_H
#define QTM_METRIC_CALC_H

#include <stdbool.h>
#include <stddef.h>

enum qtm_metric_formula {
	QTM_METRIC_NONE = 0,
	QTM_METRIC_ACCURACY,   /* share of predictions equal to their target */
	QTM_METRIC_MACRO_F1,   /* mean over the classes seen of 2tp / (2tp + fp + fn) */
	QTM_METRIC_IOU,        /* tp / (tp + fp + fn), a non-zero value being positive */
	QTM_METRIC_ABS_REL,    /* mean of |p - t| / |t| */
	QTM_METRIC_RMSE,       /* sqrt(mean((p - t)^2)) */
	QTM_METRIC_MAE,        /* mean of |p - t| */
	QTM_METRIC_CHAMFER,    /* symmetric Chamfer distance of point sets, mean over the sets */
};

/* The formula called name ("accuracy", "macro_f1", "iou", "abs_rel", "rmse", "mae",
 * "chamfer"), or
 * QTM_METRIC_NONE. */
enum qtm_metric_formula qtm_metric_formula_parse(const char *name);
const char *qtm_metric_formula_name(enum qtm_metric_formula f);

/* Whether the formula counts (compared exactly) rather than measures (compared to 1e-9
 * relative). */
bool qtm_metric_formula_discrete(enum qtm_metric_formula f);

/* The value of f over n pairs (n > 0).  Returns 0, or -EINVAL when the formula needs integer
 * class labels and a value is not one, or when abs_rel meets a zero target; -ERANGE for
 * a non-finite value. */
int qtm_metric_compute(enum qtm_metric_formula f, const double *pred, const double *target,
    size_t n, double *out);

/* Whether the formula compares values pair by pair, so that predictions and targets must hold
 * as many values (chamfer compares sets of points of any sizes). */
bool qtm_metric_formula_paired(enum qtm_metric_formula f);

/* The mean over the point sets of the symmetric Chamfer distance: pred (np values) and target
 * (nt values) are rows of four, (set id, x, y, z), the id a whole number.  For each set id of
 * the targets, ascending, half the sum of the mean Euclidean distance from each predicted
 * point to its nearest target point and the mean from each target point to its nearest
 * predicted point, both summed in row order.  Returns 0, -EINVAL for a count not a multiple
 * of four, a fractional id or a set held by only one side, -ERANGE for a non-finite value. */
int qtm_metric_chamfer(const double *pred, size_t np, const double *target, size_t nt, double *out);

/* Whether recorded agrees with computed under f's rule. */
bool qtm_metric_agrees(enum qtm_metric_formula f, double recorded, double computed);

#endif
