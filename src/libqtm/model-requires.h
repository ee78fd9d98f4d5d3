/* model-requires.h - a model's requirements, walked: the runtime it needs apart from its inputs.
 * Arguments are the caller's; runtime is added to. */
#ifndef QTM_MODEL_REQUIRES_H
#define QTM_MODEL_REQUIRES_H

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_manifest;
struct qtm_runtime;

/* Walks m's requirements: each runtime(...) capability goes into runtime with its probed version
 * ("" when absent) as the build id wants it; every other requirement name is passed to input
 * (which may fail, stopping the walk).  Returns 0 or the first failure. */
typedef int (*qtm_model_input_fn)(void *arg, const char *name);
int qtm_model_requires_walk(struct qtm_ctx *ctx, const struct qtm_manifest *m, const struct qtm_runtime *rt,
    cJSON *runtime, qtm_model_input_fn input, void *arg);

#endif
