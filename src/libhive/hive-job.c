/* hive-job.c - building hive jobs: the submit body for a model about to be trained (from the
 * installed inputs, as a local training would use them) and, for `hive-control submit`, the
 * bodies for a module and every model it needs, planned from the repository index. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buildid.h"
#include "ctx.h"
#include "db.h"
#include "hive-job.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "model.h"
#include "model-requires.h"
#include "params.h"
#include "pool.h"
#include "runtime.h"
#include "solve.h"
#include "source.h"
#include "xalloc.h"

static cJSON *
strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *
model_input(const char *name, const char *build_id)
{
	cJSON *in = cJSON_CreateObject();

	cJSON_AddStringToObject(in, "name", name);
	cJSON_AddStringToObject(in, "build_id", build_id);
	return in;
}

static cJSON *
dataset_input(const char *name, const cJSON *manifest, const struct qtm_source *src)
{
	cJSON *in = cJSON_CreateObject();

	cJSON_AddStringToObject(in, "name", name);
	cJSON_AddStringToObject(in, "base_url", src->url);
	cJSON_AddItemToObject(in, "mirrors", strv_json(src->mirrors));
	cJSON_AddItemToObject(in, "manifest", cJSON_Duplicate(manifest, true));
	return in;
}

static const char *
job_priority(const struct qtm_manifest *m, const char *priority)
{
	if (priority != NULL)
		return priority;
	if (m->priority != NULL && (strcmp(m->priority, "high") == 0 || strcmp(m->priority, "low") == 0))
		return m->priority;
	return "medium";
}

/* The submit body; inputs is taken. */
static cJSON *
body_new(const struct qtm_manifest *m, const char *build_id, const char *priority, const cJSON *params,
    const cJSON *runtime, const struct qtm_source *src, cJSON *inputs)
{
	cJSON *body = cJSON_CreateObject(), *res, *deps, *spec;
	const cJSON *in;

	cJSON_AddStringToObject(body, "module", m->name);
	cJSON_AddStringToObject(body, "version", m->version);
	cJSON_AddStringToObject(body, "build_id", build_id);
	cJSON_AddStringToObject(body, "priority", job_priority(m, priority));
	cJSON_AddNumberToObject(body, "estimate_s", m->estimated_minutes > 0 ? m->estimated_minutes * 60.0 : 60.0);
	res = cJSON_AddObjectToObject(body, "resources");
	cJSON_AddNumberToObject(res, "cpus", m->resources.cpus);
	cJSON_AddNumberToObject(res, "memory_mb", (double)m->resources.memory_mb);
	cJSON_AddStringToObject(res, "gpu", m->resources.gpu != NULL ? m->resources.gpu : "none");
	cJSON_AddNumberToObject(res, "min_vram_gib", m->resources.min_vram_gib);
	cJSON_AddNumberToObject(res, "time_limit_s", m->resources.time_limit_s);
	deps = cJSON_AddArrayToObject(body, "depends_on");
	cJSON_ArrayForEach(in, inputs) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(in, "build_id");

		if (cJSON_IsString(id))
			cJSON_AddItemToArray(deps, cJSON_CreateString(id->valuestring));
	}
	spec = cJSON_AddObjectToObject(body, "spec");
	cJSON_AddItemToObject(spec, "manifest", cJSON_Duplicate(m->json, true));
	cJSON_AddStringToObject(spec, "base_url", src->url);
	cJSON_AddItemToObject(spec, "mirrors", strv_json(src->mirrors));
	cJSON_AddItemToObject(spec, "params", cJSON_Duplicate(params, true));
	cJSON_AddItemToObject(spec, "inputs", inputs);
	cJSON_AddItemToObject(spec, "runtime", cJSON_Duplicate(runtime, true));
	return body;
}

static const struct qtm_source *
source_named(const struct qtm_source *v, size_t n, const char *name)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* The spec input for one installed requirement. */
static int
installed_input(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_source *srcs, size_t n_srcs,
    const char *name, const char *package, cJSON *inputs)
{
	struct qtm_installed *pkg;
	const struct qtm_source *src;
	cJSON *manifest = NULL;
	int rc = qtm_db_get(ctx, db, package, &pkg);

	if (rc < 0)
		return rc;
	if (pkg->build_id != NULL) {
		cJSON_AddItemToArray(inputs, model_input(name, pkg->build_id));
	} else if ((src = source_named(srcs, n_srcs, pkg->source)) == NULL) {
		rc = qtm_error(ctx, -ENOENT, _("%s: the source %s it was installed from is no longer configured, so a hive runner cannot fetch it"),
		    pkg->name, pkg->source != NULL ? pkg->source : "?");
	} else if ((rc = qtm_json_parse(ctx, pkg->manifest, strlen(pkg->manifest), pkg->name, &manifest)) == 0) {
		cJSON_AddItemToArray(inputs, dataset_input(name, manifest, src));
	}
	cJSON_Delete(manifest);
	qtm_installed_free(pkg);
	return rc;
}

int
qtm_hive_job_submit_body(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const cJSON *params, const struct qtm_model_inputs *in,
    const char *build_id, cJSON **out)
{
	struct qtm_source *srcs = NULL, self = { .url = (char *)o->base_url, .mirrors = (char **)o->mirrors };
	cJSON *inputs = cJSON_CreateArray();
	size_t n_srcs = 0;
	int rc = qtm_sources_list(ctx, &srcs, &n_srcs);

	for (size_t i = 0; rc == 0 && i < in->n; i++)
		rc = installed_input(ctx, db, srcs, n_srcs, in->names[i], in->packages[i], inputs);
	qtm_sources_free(srcs, n_srcs);
	if (rc < 0) {
		cJSON_Delete(inputs);
		return rc;
	}
	*out = body_new(m, build_id, NULL, params, in->runtime, &self, inputs);
	return 0;
}

/* While planning: what each name (package or provided capability) stands for as an input,
 * { name: { "input": spec input, "hash": build id or { file: sha256 } } }. */
static void
plan_register(struct qtm_ctx *ctx, cJSON *known, const struct qtm_manifest *m, cJSON *input, cJSON *hash)
{
	cJSON *entry = cJSON_CreateObject();

	cJSON_AddItemToObject(entry, "input", input);
	cJSON_AddItemToObject(entry, "hash", hash);
	for (size_t i = 0; m->provides != NULL && m->provides[i] != NULL; i++) {
		struct qtm_dep dep;

		if (qtm_dep_parse(ctx, m->provides[i], &dep) == 0) {
			if (!cJSON_HasObjectItem(known, dep.name))
				cJSON_AddItemToObject(known, dep.name, cJSON_Duplicate(entry, true));
			qtm_dep_clear(&dep);
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(known, m->name);
	cJSON_AddItemToObject(known, m->name, entry);
}

static cJSON *
dataset_hash(const struct qtm_manifest *m)
{
	cJSON *h = cJSON_CreateObject();

	for (size_t i = 0; i < m->n_files; i++)
		cJSON_AddStringToObject(h, m->files[i].name, m->files[i].sha256);
	return h;
}

struct plan_inputs {
	struct qtm_ctx *ctx;
	const struct qtm_manifest *m;
	const cJSON *known;
	cJSON *inputs, *hashes;
};

/* A requirement of a planned model: what was planned before it under that name. */
static int
plan_input(void *arg, const char *name)
{
	struct plan_inputs *pi = arg;
	const cJSON *entry = cJSON_GetObjectItemCaseSensitive(pi->known, name);
	cJSON *input;

	if (entry == NULL)
		return qtm_error(pi->ctx, -ENOENT, _("%s requires %s, which the plan does not provide"), pi->m->name, name);
	input = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(entry, "input"), true);
	cJSON_ReplaceItemInObjectCaseSensitive(input, "name", cJSON_CreateString(name));
	cJSON_AddItemToArray(pi->inputs, input);
	cJSON_AddItemToObject(pi->hashes, name, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(entry, "hash"), true));
	return 0;
}

/* One model of the plan: its inputs from what was planned before it, its build id, its body. */
static int
plan_model(struct qtm_ctx *ctx, const struct qtm_manifest *m, const struct qtm_source *src,
    const struct qtm_runtime *rt, const cJSON *overrides, const char *priority, cJSON *known, cJSON *bodies)
{
	cJSON *inputs = cJSON_CreateArray(), *hashes = cJSON_CreateObject(), *runtime = cJSON_CreateObject();
	cJSON *params = NULL;
	char id[QTM_SHA256_HEX];
	int rc = qtm_params_merge(ctx, m, overrides, &params);

	struct plan_inputs pi = { ctx, m, known, inputs, hashes };

	if (rc == 0)
		rc = qtm_model_requires_walk(ctx, m, rt, runtime, plan_input, &pi);
	if (rc == 0) {
		qtm_build_id(m, params, hashes, runtime, id);
		cJSON_AddItemToArray(bodies, body_new(m, id, priority, params, runtime, src, inputs));
		plan_register(ctx, known, m, model_input(m->name, id), cJSON_CreateString(id));
		inputs = NULL;
	}
	cJSON_Delete(inputs);
	cJSON_Delete(hashes);
	cJSON_Delete(runtime);
	cJSON_Delete(params);
	return rc;
}

static int
plan_steps(struct qtm_ctx *ctx, struct qtm_pool *pool, const struct qtm_plan *plan, const char *named,
    const cJSON *overrides, const char *priority, cJSON *bodies)
{
	struct qtm_source *srcs = NULL;
	struct qtm_runtime *rt = NULL;
	cJSON *known = cJSON_CreateObject();
	size_t n_srcs = 0;
	int rc = qtm_sources_list(ctx, &srcs, &n_srcs);

	if (rc == 0)
		rc = qtm_runtime_probe(ctx, &rt);
	for (size_t i = 0; rc == 0 && i < plan->n; i++) {
		const struct qtm_step *st = &plan->steps[i];
		const struct qtm_source *src = source_named(srcs, n_srcs, st->source);
		struct qtm_manifest *m;

		if (src == NULL) {
			rc = qtm_error(ctx, -ENOENT, _("%s: its source %s is not configured"), st->name,
			    st->source != NULL ? st->source : "?");
		} else if ((rc = qtm_pool_manifest(pool, st->id, &m)) == 0) {
			if (m->is_dataset)
				plan_register(ctx, known, m, dataset_input(m->name, m->json, src), dataset_hash(m));
			else
				rc = plan_model(ctx, m, src, rt, strcmp(m->name, named) == 0 ? overrides : NULL,
				    priority, known, bodies);
			qtm_manifest_free(m);
		}
	}
	cJSON_Delete(known);
	qtm_runtime_free(rt);
	qtm_sources_free(srcs, n_srcs);
	return rc;
}

int
qtm_hive_job_plan(struct qtm_ctx *ctx, const char *spec, const cJSON *overrides, const char *priority,
    cJSON **out)
{
	char *const specs[] = { (char *)spec, NULL };
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_dep dep;
	cJSON *bodies = cJSON_CreateArray();
	int rc;

	*out = NULL;
	if ((rc = qtm_dep_parse(ctx, spec, &dep)) < 0)
		goto done;
	/* Nothing installed is loaded: the hive needs every model of the chain, whatever is
	 * installed here. */
	if ((rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES | QTM_POOL_NEWEST | QTM_POOL_RUNTIME, &pool)) == 0 &&
	    (rc = qtm_solve_install(pool, specs, &plan)) == 0)
		/* A virtual name's provider takes the name's place. */
		rc = plan_steps(ctx, pool, &plan, strcmp(plan.requested[0], spec) != 0 ? plan.requested[0] : dep.name,
		    overrides, priority, bodies);
	qtm_dep_clear(&dep);
	if (rc == 0 && cJSON_GetArraySize(bodies) == 0)
		rc = qtm_error(ctx, -EINVAL, _("%s is a dataset: there is nothing to train"), spec);
done:
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	if (rc == 0)
		*out = bodies;
	else
		cJSON_Delete(bodies);
	return rc;
}
