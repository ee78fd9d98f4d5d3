/* curve.c - collecting and thinning training curves (see curve.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "xalloc.h"

/* Points held while collecting: twice what is kept, halved (every other one) when full, so a
 * training of a million steps costs no more memory than one of four hundred. */
#define HELD (2 * QTM_CURVE_MAX)

void
qtm_curve_add(struct qtm_curve *c, double step, double loss)
{
	if (!isfinite(step) || !isfinite(loss))
		return;
	if (c->v == NULL) {
		c->v = xcalloc(HELD, sizeof *c->v);
		c->stride = 1;
	}
	c->last = (struct qtm_point){ step, loss };
	c->last_pending = c->seen++ % c->stride != 0;
	if (c->last_pending)
		return;
	c->v[c->n++] = c->last;
	if (c->n == HELD) {
		for (size_t i = 0; i < HELD / 2; i++)
			c->v[i] = c->v[2 * i];
		c->n = HELD / 2;
		c->stride *= 2;
		c->last_pending = true;   /* it was at an odd place: dropped from v */
	}
}

/* Evenly spaced by index, the first and the last kept: at most QTM_CURVE_MAX of n. */
static cJSON *
thin(const struct qtm_point *v, size_t n)
{
	size_t keep = n < QTM_CURVE_MAX ? n : QTM_CURVE_MAX;
	cJSON *arr;

	if (n == 0)
		return NULL;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < keep; i++) {
		size_t k = keep == 1 ? 0 : (size_t)((uint64_t)i * (n - 1) / (keep - 1));
		cJSON *pt = cJSON_CreateArray();

		cJSON_AddItemToArray(pt, cJSON_CreateNumber(v[k].x));
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(v[k].y));
		cJSON_AddItemToArray(arr, pt);
	}
	return arr;
}

cJSON *
qtm_curve_take(struct qtm_curve *c)
{
	cJSON *json;

	if (c->last_pending)
		c->v[c->n++] = c->last;   /* room: a compaction leaves HELD / 2 */
	json = thin(c->v, c->n);
	qtm_curve_clear(c);
	return json;
}

void
qtm_curve_clear(struct qtm_curve *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}

size_t
qtm_curve_points(const cJSON *json, struct qtm_point **out)
{
	const cJSON *pt;
	size_t n = 0;

	*out = NULL;
	if (!cJSON_IsArray(json))
		return 0;
	*out = xcalloc((size_t)cJSON_GetArraySize(json) + 1, sizeof **out);
	cJSON_ArrayForEach(pt, json) {
		const cJSON *x = cJSON_GetArrayItem(pt, 0), *y = cJSON_GetArrayItem(pt, 1);

		if (cJSON_IsArray(pt) && cJSON_IsNumber(x) && cJSON_IsNumber(y) &&
		    isfinite(x->valuedouble) && isfinite(y->valuedouble))
			(*out)[n++] = (struct qtm_point){ x->valuedouble, y->valuedouble };
	}
	if (n == 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

cJSON *
qtm_curve_from_json(const cJSON *json)
{
	struct qtm_point *v;
	size_t n = qtm_curve_points(json, &v);
	cJSON *out = thin(v, n);

	free(v);
	return out;
}

void
qtm_curve_rebase(cJSON *curve)
{
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetArrayItem(curve, 0), 0);
	double x0 = cJSON_IsNumber(first) ? first->valuedouble : 0;
	cJSON *pt;

	cJSON_ArrayForEach(pt, curve) {
		cJSON *x = cJSON_GetArrayItem(pt, 0);

		if (cJSON_IsNumber(x))
			cJSON_SetNumberValue(x, round((x->valuedouble - x0) * 10) / 10);
	}
}
