/* metrics-schema.c - declared metrics: what module.json promises and metrics.json must keep. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array-read.h"
#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "metric-calc.h"
#include "metrics-schema.h"
#include "xalloc.h"

const cJSON *
qtm_metrics_decl(const struct qtm_manifest *m)
{
	const cJSON *d = m->json != NULL ? cJSON_GetObjectItemCaseSensitive(m->json, "metrics") : NULL;

	return cJSON_IsObject(d) ? d : NULL;
}

static int
file_field(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *field, const char *why)
{
	return qtm_error(ctx, -EBADMSG, _("the metrics.json of %s %s: field \"%s\": %s"), m->name, m->version, field, why);
}

static const char *
headline(const cJSON *d)
{
	return cJSON_GetObjectItemCaseSensitive(d, "headline")->valuestring;
}

static int
check_metric(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *decl, const cJSON *got)
{
	const cJSON *hib = cJSON_GetObjectItemCaseSensitive(got, "higher_is_better");
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(got, "ci95");
	char field[320];

	snprintf(field, sizeof field, "metrics.%s", decl->string);
	if (!cJSON_IsObject(got))
		return file_field(ctx, m, field, _("missing: the trainer did not record this declared metric"));
	snprintf(field, sizeof field, "metrics.%s.value", decl->string);
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(got, "value")))
		return file_field(ctx, m, field, _("missing or not a number"));
	snprintf(field, sizeof field, "metrics.%s.split", decl->string);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(got, "split")))
		return file_field(ctx, m, field, _("missing or not a string"));
	snprintf(field, sizeof field, "metrics.%s.higher_is_better", decl->string);
	if (hib != NULL && (!cJSON_IsBool(hib) ||
	    cJSON_IsTrue(hib) != cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(decl, "higher_is_better"))))
		return file_field(ctx, m, field, _("contradicts the direction module.json declares"));
	snprintf(field, sizeof field, "metrics.%s.ci95", decl->string);
	if (ci != NULL && (cJSON_GetArraySize(ci) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(ci, 1)) ||
	    cJSON_GetArrayItem(ci, 0)->valuedouble > cJSON_GetArrayItem(ci, 1)->valuedouble))
		return file_field(ctx, m, field, _("expected [low, high] with low <= high"));
	return 0;
}

static int
check_baselines(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *b)
{
	const cJSON *it;

	if (!cJSON_IsArray(b))
		return file_field(ctx, m, "baselines", _("missing or not an array"));
	cJSON_ArrayForEach(it, b)
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "name")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "value")))
			return file_field(ctx, m, "baselines", _("each baseline needs a name and a number value"));
	return 0;
}

static int
check_predictions(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *p)
{
	static const char *const keys[] = { "predicted", "target" };

	if (p == NULL)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, keys[i]);
		char field[64];

		snprintf(field, sizeof field, "predictions.%s", keys[i]);
		if (!cJSON_IsString(f) || !qtm_manifest_declares_output(m, f->valuestring))
			return file_field(ctx, m, field, _("missing or not one of the module's declared outputs"));
	}
	return 0;
}

int
qtm_metrics_check(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *json, const char *dir)
{
	const cJSON *d = qtm_metrics_decl(m), *metrics, *it, *n, *head;
	struct qtm_metrics_recomputed r;
	int rc;

	if (d == NULL)
		return 0;
	metrics = cJSON_GetObjectItemCaseSensitive(json, "metrics");
	if (!cJSON_IsObject(metrics))
		return file_field(ctx, m, "metrics", _("missing: the trainer wrote no metrics"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(d, "declared"))
		if ((rc = check_metric(ctx, m, it, cJSON_GetObjectItemCaseSensitive(metrics, it->string))) < 0)
			return rc;
	head = cJSON_GetObjectItemCaseSensitive(json, "headline");
	if (head != NULL && (!cJSON_IsString(head) || strcmp(head->valuestring, headline(d)) != 0))
		return file_field(ctx, m, "headline", _("is not the headline module.json declares"));
	n = cJSON_GetObjectItemCaseSensitive(json, "n_test");
	if (!cJSON_IsNumber(n) || n->valuedouble < 1 || n->valuedouble != (double)(long long)n->valuedouble)
		return file_field(ctx, m, "n_test", _("missing or not a positive whole number"));
	if ((rc = check_baselines(ctx, m, cJSON_GetObjectItemCaseSensitive(json, "baselines"))) < 0 ||
	    (rc = check_predictions(ctx, m, cJSON_GetObjectItemCaseSensitive(json, "predictions"))) < 0)
		return rc;
	if (dir == NULL || cJSON_GetObjectItemCaseSensitive(json, "predictions") == NULL)
		return 0;
	return qtm_metrics_recompute(ctx, m, json, dir, &r);
}

static int
load_pair(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *p, const char *dir,
    bool paired, struct qtm_array *pred, struct qtm_array *target)
{
	char *a = xasprintf("%s/%s", dir, cJSON_GetObjectItemCaseSensitive(p, "predicted")->valuestring);
	char *b = xasprintf("%s/%s", dir, cJSON_GetObjectItemCaseSensitive(p, "target")->valuestring);
	int rc = qtm_array_load(ctx, a, pred);

	if (rc == 0 && (rc = qtm_array_load(ctx, b, target)) == 0 &&
	    ((paired && pred->n != target->n) || pred->n == 0 || target->n == 0))
		rc = qtm_error(ctx, -EBADMSG, _("%s: %s holds %zu values and %s %zu: they must pair up"),
		    m->name, a, pred->n, b, target->n);
	free(a);
	free(b);
	return rc;
}

int
qtm_metrics_recompute(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *json,
    const char *dir, struct qtm_metrics_recomputed *out)
{
	const cJSON *d = qtm_metrics_decl(m), *p = cJSON_GetObjectItemCaseSensitive(json, "predictions"), *decl, *f;
	struct qtm_array pred = { 0 }, target = { 0 };
	enum qtm_metric_formula formula;
	int rc;

	memset(out, 0, sizeof *out);
	if (d == NULL)
		return qtm_error(ctx, -ENOENT, _("%s declares no metrics in its module.json: nothing to recompute"), m->name);
	out->headline = headline(d);
	decl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "declared"), out->headline);
	f = cJSON_GetObjectItemCaseSensitive(decl, "formula");
	if ((formula = qtm_metric_formula_parse(cJSON_GetStringValue(f))) == QTM_METRIC_NONE)
		return qtm_error(ctx, -ENOENT, _("%s: field \"metrics.declared.%s.formula\": none declared, so qtm cannot recompute the headline"),
		    m->name, out->headline);
	if (p == NULL)
		return qtm_error(ctx, -ENOENT, _("the metrics.json of %s %s: field \"predictions\": missing, so qtm cannot recompute the headline"),
		    m->name, m->version);
	out->formula = qtm_metric_formula_name(formula);
	out->recorded = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(json, "metrics"), out->headline), "value")->valuedouble;
	if ((rc = load_pair(ctx, m, p, dir, qtm_metric_formula_paired(formula), &pred, &target)) == 0 &&
	    (rc = formula == QTM_METRIC_CHAMFER ?
	    qtm_metric_chamfer(pred.v, pred.n, target.v, target.n, &out->computed) :
	    qtm_metric_compute(formula, pred.v, target.v, pred.n, &out->computed)) < 0)
		rc = formula == QTM_METRIC_CHAMFER ?
		    qtm_error(ctx, -EBADMSG, _("%s: the predictions and targets are not valid for chamfer (rows of set id, x, y, z with whole-number ids, finite values, every set on both sides)"),
		    m->name) :
		    qtm_error(ctx, -EBADMSG, _("%s: the predictions and targets are not valid for %s (non-finite values, non-integer labels or a zero target)"),
		    m->name, out->formula);
	out->n = pred.n;
	if (rc == 0 && !(out->agrees = qtm_metric_agrees(formula, out->recorded, out->computed)))
		rc = qtm_error(ctx, -EBADMSG, _("%s %s: field \"metrics.%s.value\": recorded %.17g, but its predictions give %.17g (%s over %zu values)"),
		    m->name, m->version, out->headline, out->recorded, out->computed, out->formula, out->n);
	qtm_array_clear(&pred);
	qtm_array_clear(&target);
	return rc;
}

/* The best baseline by the headline's direction; NULL when none is listed. */
static const cJSON *
best_baseline(const cJSON *baselines, bool higher)
{
	const cJSON *it, *best = NULL;

	cJSON_ArrayForEach(it, baselines) {
		double v = cJSON_GetObjectItemCaseSensitive(it, "value")->valuedouble;

		if (best == NULL || (higher ? v > cJSON_GetObjectItemCaseSensitive(best, "value")->valuedouble
		    : v < cJSON_GetObjectItemCaseSensitive(best, "value")->valuedouble))
			best = it;
	}
	return best;
}

cJSON *
qtm_metrics_evaluation(const struct qtm_manifest *m, const cJSON *json)
{
	const cJSON *d = qtm_metrics_decl(m), *metrics, *h, *best;
	const char *keys[] = { "split", "n_test", "baselines", "predictions", "metrics" };
	bool higher;
	cJSON *e;

	if (d == NULL || !cJSON_IsObject(json) || !cJSON_IsObject(metrics = cJSON_GetObjectItemCaseSensitive(json, "metrics")) ||
	    !cJSON_IsObject(h = cJSON_GetObjectItemCaseSensitive(metrics, headline(d))) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(json, "baselines")))
		return NULL;
	higher = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(d, "declared"), headline(d)), "higher_is_better"));
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "headline", headline(d));
	cJSON_AddItemToObject(e, "value", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h, "value"), 1));
	cJSON_AddBoolToObject(e, "higher_is_better", higher);
	cJSON_AddItemToObject(e, "headline_split", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h, "split"), 1));
	if (cJSON_GetObjectItemCaseSensitive(h, "ci95") != NULL)
		cJSON_AddItemToObject(e, "ci95", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h, "ci95"), 1));
	best = best_baseline(cJSON_GetObjectItemCaseSensitive(json, "baselines"), higher);
	cJSON_AddItemToObject(e, "best_baseline", best != NULL ? cJSON_Duplicate(best, 1) : cJSON_CreateNull());
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (cJSON_GetObjectItemCaseSensitive(json, keys[i]) != NULL)
			cJSON_AddItemToObject(e, keys[i], cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(json, keys[i]), 1));
	return e;
}
