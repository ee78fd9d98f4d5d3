/* curve.h - a training's loss curve: [[step, loss], ...] as recorded with an installed model
 * (at most QTM_CURVE_MAX points, the first and the last always kept), collected from the
 * trainer's progress lines with bounded memory, or checked and thinned from JSON that came
 * from elsewhere (a hive job's "loss", the repository's artifact entry, the artifact cache).
 *
 * A struct qtm_curve starts zeroed and owns its points (qtm_curve_clear); every cJSON and
 * point array returned is owned by the caller. */
#ifndef QTM_CURVE_H
#define QTM_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chart.h"

#define QTM_CURVE_MAX 200

struct qtm_curve {
	struct qtm_point *v;
	size_t n;
	uint64_t seen, stride;       /* points added; every stride-th is kept */
	struct qtm_point last;       /* the last point added, kept even when off the stride */
	bool last_pending;
};

/* Adds a point; NaN and infinite values are ignored. */
void qtm_curve_add(struct qtm_curve *c, double step, double loss);
/* The curve as [[step, loss], ...] (at most QTM_CURVE_MAX points), or NULL when it has none;
 * c is cleared. */
cJSON *qtm_curve_take(struct qtm_curve *c);
void qtm_curve_clear(struct qtm_curve *c);

/* A checked copy of a curve from JSON: its [number, number] pairs with finite values, thinned
 * to QTM_CURVE_MAX points; NULL when json is no array or has no such pair. */
cJSON *qtm_curve_from_json(const cJSON *json);
/* Makes the steps of a curve (from qtm_curve_from_json, or NULL) relative to its first one,
 * rounded to tenths: for curves timed by a clock (a hive job's), seconds since the first. */
void qtm_curve_rebase(cJSON *curve);
/* The same pairs as points (*out owned by the caller, NULL when none): returns their count. */
size_t qtm_curve_points(const cJSON *json, struct qtm_point **out);

#endif
