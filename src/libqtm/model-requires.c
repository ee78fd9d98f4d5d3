/* model-requires.c - walking a model's requirements: runtime capabilities apart from inputs.
 * Its own module so that a planner (the hive's) needs none of the training code. */
#include "config.h"

#include <string.h>

#include "manifest.h"
#include "model-requires.h"
#include "runtime.h"

int
qtm_model_requires_walk(struct qtm_ctx *ctx, const struct qtm_manifest *m, const struct qtm_runtime *rt,
    cJSON *runtime, qtm_model_input_fn input, void *arg)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && m->requires[i] != NULL; i++) {
		struct qtm_dep dep;

		if ((rc = qtm_dep_parse(ctx, m->requires[i], &dep)) < 0)
			break;
		if (strncmp(dep.name, "runtime(", 8) == 0) {
			const char *v = qtm_runtime_version(rt, dep.name);

			cJSON_AddStringToObject(runtime, dep.name, v != NULL ? v : "");
		} else {
			rc = input(arg, dep.name);
		}
		qtm_dep_clear(&dep);
	}
	return rc;
}
