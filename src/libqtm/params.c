/* params.c - validated train parameter overrides. */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "params.h"
#include "xalloc.h"

/* A value written as a number, array, object, quoted string or literal must be JSON, whole:
 * "1abc" is a mistake, not the text 1abc. */
static bool
looks_like_json(const char *v)
{
	return (*v != '\0' && strchr("-+.0123456789[{\"", *v) != NULL) || strcmp(v, "true") == 0 ||
	    strcmp(v, "false") == 0 || strcmp(v, "null") == 0;
}

/* cJSON reads 1e999 as infinity, which it then writes as null. */
static bool
all_finite(const cJSON *v)
{
	const cJSON *it;

	if (cJSON_IsNumber(v))
		return isfinite(v->valuedouble);
	cJSON_ArrayForEach(it, v)
		if (!all_finite(it))
			return false;
	return true;
}

int
qtm_param_parse(struct qtm_ctx *ctx, const char *text, cJSON *obj)
{
	const char *eq = strchr(text, '='), *end = NULL;
	cJSON *value;
	char *key;

	if (eq == NULL || eq == text)
		return qtm_error(ctx, -EINVAL, _("--param %s: expected KEY=VALUE"), text);
	if (!looks_like_json(eq + 1)) {
		value = cJSON_CreateString(eq + 1);
	} else if ((value = cJSON_ParseWithOpts(eq + 1, &end, true)) == NULL) {
		return qtm_error(ctx, -EINVAL, _("--param %s: \"%s\" is not valid JSON"), text, eq + 1);
	} else if (!all_finite(value)) {
		cJSON_Delete(value);
		return qtm_error(ctx, -ERANGE, _("--param %s: a number is out of range (beyond %g)"), text, DBL_MAX);
	}
	key = xstrndup(text, (size_t)(eq - text));
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, value);
	free(key);
	return 0;
}

static const char *
type_name(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "null";
}

/* The seed becomes QTM_SEED, an integer: a fraction or a number past 2^53 (1e300) has none. */
static bool
seed_ok(const cJSON *seed)
{
	return !cJSON_IsNumber(seed) || (seed->valuedouble >= 0 && seed->valuedouble <= 9007199254740992.0 &&
	    seed->valuedouble == (double)(long long)seed->valuedouble);
}

int
qtm_params_world_size(const struct qtm_manifest *m, const cJSON *params)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(params, "world_size");

	if (m->resources.max_world_size <= 1 || !cJSON_IsNumber(w))
		return m->resources.world_size > 0 ? m->resources.world_size : 1;
	return (int)w->valuedouble;
}

/* world_size is every data-parallel module's parameter, declared or not: its effective value
 * (the override or resources.world_size) goes into the merged params, hence into the build id. */
static int
merge_world_size(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *overrides, cJSON *merged)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(overrides, "world_size");
	int max = m->resources.max_world_size;

	if (max <= 1) {
		if (w != NULL && cJSON_GetObjectItemCaseSensitive(m->params, "world_size") == NULL)
			return qtm_error(ctx, -EINVAL, _("%s does not support data-parallel training: its "
			    "world size is fixed at %d (resources.max_world_size)"), m->name, m->resources.world_size);
		return 0;
	}
	if (w == NULL)
		w = cJSON_GetObjectItemCaseSensitive(m->params, "world_size");
	if (w != NULL && (!cJSON_IsNumber(w) || w->valuedouble < 1 || w->valuedouble > max ||
	    w->valuedouble != (double)(int)w->valuedouble))
		return qtm_error(ctx, -EINVAL, _("%s: parameter \"world_size\" must be a whole number from 1 to %d "
		    "(resources.max_world_size)"), m->name, max);
	cJSON_DeleteItemFromObjectCaseSensitive(merged, "world_size");
	cJSON_AddNumberToObject(merged, "world_size", w != NULL ? w->valuedouble : m->resources.world_size);
	return 0;
}

int
qtm_params_merge(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *overrides,
    cJSON **out)
{
	cJSON *merged = m->params != NULL ? cJSON_Duplicate(m->params, 1) : cJSON_CreateObject();
	const cJSON *it;

	cJSON_ArrayForEach(it, overrides) {
		const cJSON *declared = cJSON_GetObjectItemCaseSensitive(merged, it->string);

		if (declared == NULL && strcmp(it->string, "world_size") == 0)
			continue;   /* merge_world_size's */
		if (declared == NULL) {
			cJSON_Delete(merged);
			return qtm_error(ctx, -EINVAL, _("%s has no parameter \"%s\" (see: qtm info %s)"),
			    m->name, it->string, m->name);
		}
		if (strcmp(it->string, "world_size") == 0 && m->resources.max_world_size > 1)
			continue;
		if (strcmp(type_name(declared), type_name(it)) != 0) {
			cJSON_Delete(merged);
			return qtm_error(ctx, -EINVAL, _("%s: parameter \"%s\" must be a %s, not a %s"),
			    m->name, it->string, type_name(declared), type_name(it));
		}
		cJSON_ReplaceItemInObjectCaseSensitive(merged, it->string, cJSON_Duplicate(it, 1));
	}
	if (merge_world_size(ctx, m, overrides, merged) < 0) {
		cJSON_Delete(merged);
		return -EINVAL;
	}
	if (!seed_ok(cJSON_GetObjectItemCaseSensitive(merged, "seed"))) {
		cJSON_Delete(merged);
		return qtm_error(ctx, -ERANGE, _("%s: parameter \"seed\" must be a whole number from 0 to 2^53 "
		    "(it reaches the trainer as QTM_SEED)"), m->name);
	}
	*out = merged;
	return 0;
}
