/* metrics-schema.h - a module's declared metrics (module.json "metrics") and the metrics.json
 * its trainer writes (qtm-module(5), METRICS): the declaration is checked by manifest.c, the
 * file at install and by qtm verify --metrics.  A module without the declaration keeps the free-form metrics.json. */
#ifndef QTM_METRICS_SCHEMA_H
#define QTM_METRICS_SCHEMA_H

#include <stdbool.h>
#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_manifest;

/* The declaration of m, or NULL when it has none (points into m->json). */
const cJSON *qtm_metrics_decl(const struct qtm_manifest *m);

/* Checks the metrics.json (parsed: json) that m's trainer wrote into dir against m's
 * declaration, and recomputes the headline from the predictions it names.  Returns 0 or
 * -EBADMSG with an error naming the module and the field. */
int qtm_metrics_check(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *json, const char *dir);

/* The outcome of recomputing the headline (qtm verify --metrics). */
struct qtm_metrics_recomputed {
	const char *headline;   /* points into the manifest */
	const char *formula;    /* a static string */
	double recorded, computed;
	size_t n;               /* pairs compared */
	bool agrees;
};

/* Recomputes the headline of the metrics.json in dir from its predictions and targets.
 * Returns 0 with out filled (out->agrees may be false: then ctx's error says so and the
 * return is -EBADMSG), or a negative code. */
int qtm_metrics_recompute(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *json,
    const char *dir, struct qtm_metrics_recomputed *out);

/* What qtm info reports of a declared module's metrics.json: headline, its value and
 * direction, split, n_test, ci95, the best baseline, every metric and baseline; a new object
 * owned by the caller, or NULL when m declares nothing or json does not follow the schema. */
cJSON *qtm_metrics_evaluation(const struct qtm_manifest *m, const cJSON *json);

#endif
