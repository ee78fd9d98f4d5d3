/* test-buildid.c - canonical JSON and the build id: same inputs, same id; any input changed,
 * another id; what does not reach the trainer (summary, name, ...) changed, the same id; key
 * order never matters. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buildid.h"
#include "train-helper.h"
#include "ctx.h"
#include "hash.h"
#include "manifest.h"
#include "sandbox.h"
#include "xalloc.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static cJSON *
parse(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	return j;
}

static void
assert_canonical(const char *in, const char *want)
{
	cJSON *j = parse(in);
	char *a = qtm_json_canonical(j), *b = qtm_json_canonical(j);

	assert_string_equal(a, want);
	assert_string_equal(b, a);   /* stable */
	free(a);
	free(b);
	cJSON_Delete(j);
}

static void
test_canonical(void **state)
{
	assert_canonical("{}", "{}");
	assert_canonical("[]", "[]");
	assert_canonical("null", "null");
	assert_canonical("true", "true");
	assert_canonical("\"x\"", "\"x\"");
	assert_canonical("{\"b\": 1, \"a\": 2}", "{\"a\":2,\"b\":1}");
	/* Keys sorted at every level, through arrays; arrays keep their order. */
	assert_canonical("{\"z\": [3, {\"y\": 1, \"x\": {\"q\": null, \"p\": false}}, 1], \"a\": {\"d\": \"s\", \"c\": []}}",
	    "{\"a\":{\"c\":[],\"d\":\"s\"},\"z\":[3,{\"x\":{\"p\":false,\"q\":null},\"y\":1},1]}");
	/* Byte order: uppercase before lowercase, a prefix before its extensions. */
	assert_canonical("{\"ab\": 1, \"a\": 2, \"B\": 3, \"_\": 4}", "{\"B\":3,\"_\":4,\"a\":2,\"ab\":1}");
	/* Keys and strings are escaped as JSON. */
	assert_canonical("{\"q\\\"k\": \"line\\nbreak\", \"t\\tab\": \"\\u00e9\"}",
	    "{\"q\\\"k\":\"line\\nbreak\",\"t\\tab\":\"\xc3\xa9\"}");
	assert_canonical("{\"n\": 1.5, \"i\": -3, \"e\": 1e3}", "{\"e\":1000,\"i\":-3,\"n\":1.5}");
}

static void
test_canonical_key_order(void **state)
{
	cJSON *a = parse("{\"x\": {\"k1\": 1, \"k2\": [ {\"m\": 1, \"n\": 2} ]}, \"y\": \"v\", \"w\": null}");
	cJSON *b = parse("{\"w\": null, \"y\": \"v\", \"x\": {\"k2\": [ {\"n\": 2, \"m\": 1} ], \"k1\": 1}}");
	char *ca = qtm_json_canonical(a), *cb = qtm_json_canonical(b);
	cJSON *back = parse(ca);

	assert_string_equal(ca, cb);
	/* The canonical text is JSON that means the same thing. */
	assert_true(cJSON_Compare(back, a, true));
	free(ca);
	free(cb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(back);
}

/* The model manifest every build id case starts from (index form, with a source blob). */
#define BASE_MODEL "{\"format\": 1, \"name\": \"m\", \"version\": \"1.0\", \"kind\": \"model\"," \
	" \"summary\": \"s\", \"description\": \"d\", \"license\": \"MIT\", \"priority\": \"medium\"," \
	" \"estimated_minutes\": 1, \"requires\": [\"dataset-d\", \"runtime(python3-numpy)\"]," \
	" \"resources\": {\"cpus\": 1, \"memory_mb\": 2048, \"gpu\": \"none\", \"time_limit_s\": 600}," \
	" \"train\": {\"command\": [\"true\"], \"params\": {\"lr\": 0.1}}, \"predict\": {\"command\": [\"p\"]}," \
	" \"outputs\": [\"x\"], \"source\": {\"path\": \"m.tar.zst\", \"sha256\": \"" SHA_A "\", \"size\": 1}}"

/* Objects of patch replace or extend those of j, member by member (other values replace). */
static void
merge(cJSON *j, const cJSON *patch)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, patch) {
		cJSON *have = cJSON_GetObjectItemCaseSensitive(j, it->string);

		if (cJSON_IsObject(have) && cJSON_IsObject(it))
			merge(have, it);
		else if (have != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(j, it->string, cJSON_Duplicate(it, 1));
		else
			cJSON_AddItemToObject(j, it->string, cJSON_Duplicate(it, 1));
	}
}

/* BASE_MODEL with patch (JSON text, NULL for none) merged into it. */
static struct qtm_manifest *
model_patched(struct qtm_ctx *ctx, const char *patch)
{
	cJSON *j = parse(BASE_MODEL), *p = patch != NULL ? parse(patch) : NULL;
	struct qtm_manifest *m = NULL;

	merge(j, p);
	if (qtm_manifest_from_json(ctx, j, "t", true, &m) != 0)
		fail_msg("manifest patched with %s: %s", patch, qtm_strerror(ctx));
	cJSON_Delete(j);
	cJSON_Delete(p);
	return m;
}

static struct qtm_manifest *
model(struct qtm_ctx *ctx, const char *source_sha)
{
	char *patch = xasprintf("{\"source\": {\"sha256\": \"%s\"}}", source_sha);
	struct qtm_manifest *m = model_patched(ctx, patch);

	free(patch);
	return m;
}

/* The build id of manifest m with the inputs given as JSON text. */
static void
id_of(const struct qtm_manifest *m, const char *params, const char *inputs, const char *runtime,
    char out[QTM_SHA256_HEX])
{
	cJSON *p = params != NULL ? parse(params) : NULL, *i = inputs != NULL ? parse(inputs) : NULL;
	cJSON *r = runtime != NULL ? parse(runtime) : NULL;

	qtm_build_id(m, p, i, r, out);
	assert_true(qtm_sha256_valid(out));
	cJSON_Delete(p);
	cJSON_Delete(i);
	cJSON_Delete(r);
}

#define PARAMS "{\"lr\": 0.1, \"epochs\": 3, \"layers\": [64, 32], \"opt\": {\"name\": \"adam\", \"beta\": 0.9}}"
#define INPUTS "{\"dataset-d\": {\"train.csv\": \"" SHA_A "\", \"test.csv\": \"" SHA_B "\"}, \"base-model\": \"" SHA_C "\"}"
#define RUNTIME "{\"runtime(python3-numpy)\": \"1.24.2\", \"runtime(python3)\": \"3.11.2\"}"

static void
test_build_id(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-buildid", NULL);
	struct qtm_manifest *m = model(ctx, SHA_A);
	struct qtm_manifest *m_same = model(ctx, SHA_A);
	char base[QTM_SHA256_HEX], other[QTM_SHA256_HEX];
	static const struct {
		const char *what, *params, *inputs, *runtime;
	} changed[] = {
		{ "params value", "{\"lr\": 0.2, \"epochs\": 3, \"layers\": [64, 32], \"opt\": {\"name\": \"adam\", \"beta\": 0.9}}", INPUTS, RUNTIME },
		{ "nested params value", "{\"lr\": 0.1, \"epochs\": 3, \"layers\": [64, 32], \"opt\": {\"name\": \"sgd\", \"beta\": 0.9}}", INPUTS, RUNTIME },
		{ "params array order", "{\"lr\": 0.1, \"epochs\": 3, \"layers\": [32, 64], \"opt\": {\"name\": \"adam\", \"beta\": 0.9}}", INPUTS, RUNTIME },
		{ "params value type", "{\"lr\": 0.1, \"epochs\": \"3\", \"layers\": [64, 32], \"opt\": {\"name\": \"adam\", \"beta\": 0.9}}", INPUTS, RUNTIME },
		{ "params key added", "{\"lr\": 0.1, \"epochs\": 3, \"seed\": 1, \"layers\": [64, 32], \"opt\": {\"name\": \"adam\", \"beta\": 0.9}}", INPUTS, RUNTIME },
		{ "no params", NULL, INPUTS, RUNTIME },
		{ "dataset file sha", PARAMS,
		  "{\"dataset-d\": {\"train.csv\": \"" SHA_A "\", \"test.csv\": \"" SHA_C "\"}, \"base-model\": \"" SHA_C "\"}", RUNTIME },
		{ "dataset file renamed", PARAMS,
		  "{\"dataset-d\": {\"train2.csv\": \"" SHA_A "\", \"test.csv\": \"" SHA_B "\"}, \"base-model\": \"" SHA_C "\"}", RUNTIME },
		{ "required model's build id", PARAMS,
		  "{\"dataset-d\": {\"train.csv\": \"" SHA_A "\", \"test.csv\": \"" SHA_B "\"}, \"base-model\": \"" SHA_A "\"}", RUNTIME },
		{ "input dropped", PARAMS, "{\"dataset-d\": {\"train.csv\": \"" SHA_A "\", \"test.csv\": \"" SHA_B "\"}}", RUNTIME },
		{ "runtime version", PARAMS, INPUTS, "{\"runtime(python3-numpy)\": \"1.24.3\", \"runtime(python3)\": \"3.11.2\"}" },
		{ "runtime python version", PARAMS, INPUTS, "{\"runtime(python3-numpy)\": \"1.24.2\", \"runtime(python3)\": \"3.12.0\"}" },
		{ "runtime capability dropped", PARAMS, INPUTS, "{\"runtime(python3-numpy)\": \"1.24.2\"}" },
	};

	id_of(m, PARAMS, INPUTS, RUNTIME, base);
	/* Equal inputs, equal ids: the same text again, another manifest object with the same
	 * content, and every object written with its keys in another order. */
	id_of(m, PARAMS, INPUTS, RUNTIME, other);
	assert_string_equal(base, other);
	id_of(m_same, PARAMS, INPUTS, RUNTIME, other);
	assert_string_equal(base, other);
	id_of(m, "{\"opt\": {\"beta\": 0.9, \"name\": \"adam\"}, \"layers\": [64, 32], \"epochs\": 3, \"lr\": 0.1}",
	    "{\"base-model\": \"" SHA_C "\", \"dataset-d\": {\"test.csv\": \"" SHA_B "\", \"train.csv\": \"" SHA_A "\"}}",
	    "{\"runtime(python3)\": \"3.11.2\", \"runtime(python3-numpy)\": \"1.24.2\"}", other);
	assert_string_equal(base, other);
	/* Formatting of the input text does not matter either. */
	id_of(m, "{\"lr\":0.1,\"epochs\":3.0,\"layers\":[64,32],\"opt\":{\"name\":\"adam\",\"beta\":0.90}}",
	    INPUTS, RUNTIME, other);
	assert_string_equal(base, other);

	for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
		id_of(m, changed[i].params, changed[i].inputs, changed[i].runtime, other);
		if (strcmp(base, other) == 0)
			fail_msg("changing the %s left the build id unchanged", changed[i].what);
	}

	/* No params, inputs or runtime at all is the same as empty objects. */
	id_of(m, NULL, NULL, NULL, base);
	id_of(m, "{}", "{}", "{}", other);
	assert_string_equal(base, other);

	qtm_manifest_free(m);
	qtm_manifest_free(m_same);
	qtm_ctx_free(ctx);
}

/* One case per part of module.json: those that reach the trainer change the id, the others
 * (what only people or the scheduler read) leave it alone. */
static void
test_build_id_manifest(void **state)
{
	static const struct {
		const char *what, *patch;
		bool changes;
	} cases[] = {
		{ "source archive", "{\"source\": {\"sha256\": \"" SHA_B "\"}}", true },
		{ "train.command", "{\"train\": {\"command\": [\"python3\", \"train.py\"]}}", true },
		{ "train.command argument order", "{\"train\": {\"command\": [\"true\", \"a\", \"b\"]}}", true },
		{ "train.environment", "{\"train\": {\"environment\": {\"TOKENS\": \"1\"}}}", true },
		{ "another key of train", "{\"train\": {\"workdir\": \"sub\"}}", true },
		{ "outputs", "{\"outputs\": [\"x\", \"y\"]}", true },
		{ "resources.cpus (QTM_THREADS)", "{\"resources\": {\"cpus\": 4}}", true },
		{ "resources.gpu bound", "{\"resources\": {\"gpu\": \"require\"}}", true },
		{ "summary", "{\"summary\": \"another summary\"}", false },
		{ "description", "{\"description\": \"another description\"}", false },
		{ "maintainer", "{\"maintainer\": \"someone <a@example.org>\"}", false },
		{ "license", "{\"license\": \"BSD-3-Clause\"}", false },
		{ "name", "{\"name\": \"n\"}", false },
		{ "version", "{\"version\": \"1.0.1\"}", false },
		{ "priority", "{\"priority\": \"high\"}", false },
		{ "estimated_minutes", "{\"estimated_minutes\": 9}", false },
		{ "predict.command", "{\"predict\": {\"command\": [\"q\"]}}", false },
		{ "resources.memory_mb", "{\"resources\": {\"memory_mb\": 4096}}", false },
		{ "resources.time_limit_s", "{\"resources\": {\"time_limit_s\": 60}}", false },
		{ "source path and size", "{\"source\": {\"path\": \"other.tar.zst\", \"size\": 2}}", false },
	};
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-buildid", NULL);
	struct qtm_manifest *m = model_patched(ctx, NULL);
	char base[QTM_SHA256_HEX], other[QTM_SHA256_HEX];

	id_of(m, PARAMS, INPUTS, RUNTIME, base);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct qtm_manifest *c = model_patched(ctx, cases[i].patch);

		id_of(c, PARAMS, INPUTS, RUNTIME, other);
		if (cases[i].changes && strcmp(base, other) == 0)
			fail_msg("changing the %s left the build id unchanged", cases[i].what);
		if (!cases[i].changes && strcmp(base, other) != 0)
			fail_msg("changing the %s changed the build id", cases[i].what);
		qtm_manifest_free(c);
	}
	qtm_manifest_free(m);
	qtm_ctx_free(ctx);
}

#ifdef QTM_BUILD_ID_FORMAT
/* The document names its format and the sandbox policy, and takes the effective params (the
 * call's), not the declared defaults. */
static void
test_build_id_document(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-buildid", NULL);
	struct qtm_manifest *m = model_patched(ctx, NULL);
	cJSON *p = parse("{\"lr\": 0.5}");
	char *doc = qtm_build_id_document(m, p, NULL, NULL), *want;
	char id[QTM_SHA256_HEX], hashed[QTM_SHA256_HEX];

	assert_int_equal(QTM_BUILD_ID_FORMAT, 3);
	want = xasprintf("{\"build_id_format\":3,\"gpu\":false,\"inputs\":{},\"outputs\":[\"x\"],"
	    "\"runtime\":{},\"sandbox_policy\":%d,\"source\":\"" SHA_A "\",\"threads\":1,"
	    "\"train\":{\"command\":[\"true\"],\"params\":{\"lr\":0.5}},\"train_helper\":\"%s\"}",
	    QTM_SANDBOX_POLICY_VERSION, qtm_helper_sha256());
	assert_string_equal(doc, want);
	qtm_build_id(m, p, NULL, NULL, id);
	qtm_sha256_buf(doc, strlen(doc), hashed);
	assert_string_equal(id, hashed);
	free(want);
	free(doc);
	cJSON_Delete(p);
	qtm_manifest_free(m);
	qtm_ctx_free(ctx);
}
#endif

/* Values that print alike in a naive concatenation stay apart: the id hashes structure. */
static void
test_build_id_no_ambiguity(void **state)
{
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent/qtm-test-buildid", NULL);
	struct qtm_manifest *m = model(ctx, SHA_A);
	char a[QTM_SHA256_HEX], b[QTM_SHA256_HEX];

	id_of(m, "{\"a\": \"b,c\"}", NULL, NULL, a);
	id_of(m, "{\"a\": \"b\", \"c\": \"\"}", NULL, NULL, b);
	assert_string_not_equal(a, b);
	/* The same value moved from params to inputs is another build. */
	id_of(m, "{\"k\": \"v\"}", NULL, NULL, a);
	id_of(m, NULL, "{\"k\": \"v\"}", NULL, b);
	assert_string_not_equal(a, b);
	qtm_manifest_free(m);
	qtm_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_canonical_key_order),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_build_id_no_ambiguity),
		cmocka_unit_test(test_build_id_manifest),
#ifdef QTM_BUILD_ID_FORMAT
		cmocka_unit_test(test_build_id_document),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
