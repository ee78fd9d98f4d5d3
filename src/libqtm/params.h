/* params.h - train parameter overrides (`qtm install NAME --param KEY=VALUE`), validated
 * against the parameters a module declares: an unknown key or a value of another type than the
 * declared default is an error naming both.  "seed", when a number, must be a whole number from
 * 0 to 2^53 (-ERANGE): it reaches the trainer as QTM_SEED.  "world_size" needs no declaration
 * in a module whose resources.max_world_size exceeds 1: a whole number from 1 to that limit.
 *
 * cJSON objects returned are owned by the caller (cJSON_Delete). */
#ifndef QTM_PARAMS_H
#define QTM_PARAMS_H

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_plan;
struct qtm_pool;

/* Parses "KEY=VALUE" into obj[KEY].  VALUE that starts like a JSON number, array, object or
 * string (- + . digit [ { ") or is true, false or null must be valid JSON as a whole, with
 * finite numbers (42, 0.5, true, [1,2], "text"; not 1abc or 1e999): else -EINVAL or -ERANGE
 * with ctx's error set.  Any other VALUE is taken as a plain string. */
int qtm_param_parse(struct qtm_ctx *ctx, const char *text, cJSON *obj);
/* The module's declared params with overrides applied (overrides may be NULL). */
int qtm_params_merge(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *overrides,
    cJSON **out);
/* The effective world size of a training with these merged params: params.world_size for a
 * module whose resources.max_world_size exceeds 1, else resources.world_size. */
int qtm_params_world_size(const struct qtm_manifest *m, const cJSON *params);
/* --param overrides for the packages asked for (specs as for qtm_solve_install; params-plan.c):
 * each is checked against its module's declared params (an unknown module, a dataset or a bad
 * override is an error), a copy of overrides goes into per_package[NAME], and a model installed
 * with other params and not in plan yet gets a rebuild step in plan.  No overrides: nothing. */
int qtm_params_plan(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db, char *const *specs,
    const cJSON *overrides, struct qtm_plan *plan, cJSON *per_package);

#endif
