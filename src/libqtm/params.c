/* params.c - validated train parameter overrides. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "params.h"
#include "xalloc.h"

int
qtm_param_parse(struct qtm_ctx *ctx, const char *text, cJSON *obj)
{
	const char *eq = strchr(text, '=');
	cJSON *value;
	char *key;

	if (eq == NULL || eq == text)
		return qtm_error(ctx, -EINVAL, _("--param %s: expected KEY=VALUE"), text);
	key = xstrndup(text, (size_t)(eq - text));
	value = cJSON_Parse(eq + 1);
	if (value == NULL)
		value = cJSON_CreateString(eq + 1);
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

int
qtm_params_merge(struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *overrides,
    cJSON **out)
{
	cJSON *merged = m->params != NULL ? cJSON_Duplicate(m->params, 1) : cJSON_CreateObject();
	const cJSON *it;

	cJSON_ArrayForEach(it, overrides) {
		const cJSON *declared = cJSON_GetObjectItemCaseSensitive(merged, it->string);

		if (declared == NULL) {
			cJSON_Delete(merged);
			return qtm_error(ctx, -EINVAL, _("%s has no parameter \"%s\" (see: qtm info %s)"),
			    m->name, it->string, m->name);
		}
		if (strcmp(type_name(declared), type_name(it)) != 0) {
			cJSON_Delete(merged);
			return qtm_error(ctx, -EINVAL, _("%s: parameter \"%s\" must be a %s, not a %s"),
			    m->name, it->string, type_name(declared), type_name(it));
		}
		cJSON_ReplaceItemInObjectCaseSensitive(merged, it->string, cJSON_Duplicate(it, 1));
	}
	*out = merged;
	return 0;
}
