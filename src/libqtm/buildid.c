/* buildid.c - canonical JSON and the build id. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buildid.h"
#include "manifest.h"
#include "sandbox.h"
#include "train-helper.h"
#include "xalloc.h"

struct strbuf {
	char *s;
	size_t len, cap;
};

static void
sb_add(struct strbuf *b, const char *s)
{
	xbuf_append(&b->s, &b->len, &b->cap, s, strlen(s));
}

static int
cmp_items(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

static void canonical(struct strbuf *b, const cJSON *j);

static void
canonical_object(struct strbuf *b, const cJSON *j)
{
	int n = cJSON_GetArraySize(j), i = 0;
	cJSON **items = xcalloc((size_t)n + 1, sizeof *items), *it;

	cJSON_ArrayForEach(it, j)
		items[i++] = it;
	qsort(items, (size_t)n, sizeof *items, cmp_items);
	sb_add(b, "{");
	for (i = 0; i < n; i++) {
		cJSON *key = cJSON_CreateString(items[i]->string);
		char *k = cJSON_PrintUnformatted(key);

		sb_add(b, i ? "," : "");
		sb_add(b, k);
		sb_add(b, ":");
		canonical(b, items[i]);
		cJSON_free(k);
		cJSON_Delete(key);
	}
	sb_add(b, "}");
	free(items);
}

static void
canonical(struct strbuf *b, const cJSON *j)
{
	const cJSON *it;
	char *text;
	int first = 1;

	if (cJSON_IsObject(j)) {
		canonical_object(b, j);
	} else if (cJSON_IsArray(j)) {
		sb_add(b, "[");
		cJSON_ArrayForEach(it, j) {
			sb_add(b, first ? "" : ",");
			canonical(b, it);
			first = 0;
		}
		sb_add(b, "]");
	} else {
		text = cJSON_PrintUnformatted(j);
		sb_add(b, text != NULL ? text : "null");
		cJSON_free(text);
	}
}

char *
qtm_json_canonical(const cJSON *json)
{
	struct strbuf b = { 0 };

	canonical(&b, json);
	return b.s;
}

/* The train section as the trainer sees it: everything module.json says in it, with params
 * replaced by the effective ones (declared defaults with the overrides applied). */
static cJSON *
train_section(const struct qtm_manifest *m, const cJSON *params)
{
	const cJSON *train = m->json != NULL ? cJSON_GetObjectItemCaseSensitive(m->json, "train") : NULL;
	cJSON *t = cJSON_IsObject(train) ? cJSON_Duplicate(train, 1) : cJSON_CreateObject();

	cJSON_DeleteItemFromObjectCaseSensitive(t, "params");
	cJSON_AddItemToObject(t, "params", params != NULL ? cJSON_Duplicate(params, 1) : cJSON_CreateObject());
	return t;
}

static cJSON *
strv_array(char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

char *
qtm_build_id_document(const struct qtm_manifest *m, const cJSON *params, const cJSON *inputs,
    const cJSON *runtime)
{
	cJSON *all = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(all, "build_id_format", QTM_BUILD_ID_FORMAT);
	cJSON_AddStringToObject(all, "source", m->has_source ? m->source.sha256 : "");
	cJSON_AddItemToObject(all, "train", train_section(m, params));
	cJSON_AddItemToObject(all, "outputs", strv_array(m->outputs));
	/* The cpus reach the trainer as QTM_THREADS; the GPU only as whether its devices are bound. */
	cJSON_AddNumberToObject(all, "threads", m->resources.cpus);
	cJSON_AddBoolToObject(all, "gpu", m->resources.gpu != NULL && strcmp(m->resources.gpu, "none") != 0);
	cJSON_AddItemToObject(all, "inputs", inputs != NULL ? cJSON_Duplicate(inputs, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(all, "runtime", runtime != NULL ? cJSON_Duplicate(runtime, 1) : cJSON_CreateObject());
	cJSON_AddNumberToObject(all, "sandbox_policy", QTM_SANDBOX_POLICY_VERSION);
	/* Every trainer may import the shared helper: a changed helper is a new build. */
	cJSON_AddStringToObject(all, "train_helper", qtm_helper_sha256());
	text = qtm_json_canonical(all);
	cJSON_Delete(all);
	return text;
}

void
qtm_build_id(const struct qtm_manifest *m, const cJSON *params, const cJSON *inputs,
    const cJSON *runtime, char out[QTM_SHA256_HEX])
{
	char *text = qtm_build_id_document(m, params, inputs, runtime);

	qtm_sha256_buf(text, strlen(text), out);
	free(text);
}
