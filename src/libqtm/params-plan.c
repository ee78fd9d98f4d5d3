/* params-plan.c - `qtm install NAME --param K=V`: the overrides checked against each requested
 * module, and a rebuild planned for a model installed with other params (params.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buildid.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "manifest.h"
#include "params.h"
#include "query.h"
#include "solve.h"
#include "xalloc.h"

/* A rebuild of name (a planned install or not) when its installed params are not want's. */
static void
plan_rebuild(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db, const char *name,
    const cJSON *want_params, struct qtm_plan *plan)
{
	char *want = qtm_json_canonical(want_params), *have = NULL;
	struct qtm_installed *pkg = NULL;
	bool planned = false;
	qtm_pkg_id id;

	for (size_t j = 0; j < plan->n; j++)
		planned |= strcmp(plan->steps[j].name, name) == 0;
	if (!planned && qtm_db_get(ctx, db, name, &pkg) == 0 && pkg->params != NULL) {
		cJSON *old = cJSON_Parse(pkg->params);

		have = qtm_json_canonical(old);
		cJSON_Delete(old);
		if (strcmp(have, want) != 0 && (id = qtm_query_offered(pool, pkg->name, pkg->version)) != 0)
			qtm_plan_add_install(pool, plan, id, true);
	}
	qtm_installed_free(pkg);
	free(want);
	free(have);
}

int
qtm_params_plan(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db, char *const *specs,
    const cJSON *overrides, struct qtm_plan *plan, cJSON *per_package)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && specs[i] != NULL && cJSON_GetArraySize(overrides) > 0; i++) {
		char *name = xstrndup(specs[i], strcspn(specs[i], " <>="));
		struct qtm_manifest *m = NULL;
		cJSON *merged = NULL;
		struct qtm_pkg *v;
		size_t n = qtm_query_versions(pool, name, &v);

		if (n == 0 || (rc = qtm_pool_manifest(pool, v[0].id, &m)) < 0)
			rc = rc < 0 ? rc : qtm_error(ctx, -ENOENT, _("unknown module \"%s\""), name);
		else if (m->is_dataset)
			rc = qtm_error(ctx, -EINVAL, _("--param: %s is a dataset, it has no parameters"), name);
		else if ((rc = qtm_params_merge(ctx, m, overrides, &merged)) == 0) {
			cJSON_AddItemToObject(per_package, name, cJSON_Duplicate(overrides, 1));
			plan_rebuild(ctx, pool, db, name, merged, plan);
		}
		cJSON_Delete(merged);
		qtm_manifest_free(m);
		free(v);
		free(name);
	}
	return rc;
}
