/* test-manifest.c - module.json validation and requirement parsing.
 *
 * The bad manifests are a table: each takes a valid base manifest (model or dataset), applies
 * a patch (top-level keys replaced; a null value deletes the key) and states the substring the
 * error message must contain. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "manifest.h"
#include "xalloc.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char model_json[] =
	"{\"format\": 1, \"name\": \"gis-lidar\", \"version\": \"1.2.0\", \"kind\": \"model\","
	" \"summary\": \"Classifies LiDAR points\", \"license\": \"MIT\","
	" \"requires\": [\"dataset-lidar-tiles >= 2023\", \"runtime(python3-numpy) >= 1.20\"],"
	" \"provides\": [\"lidar-classifier\"], \"conflicts\": [\"old-lidar\"],"
	" \"replaces\": [\"lidar-old >= 0.9\"],"
	" \"train\": {\"command\": [\"python3\", \"train.py\"], \"params\": {\"epochs\": 3}},"
	" \"predict\": {\"command\": [\"python3\", \"predict.py\"]},"
	" \"outputs\": [\"model.pkl\", \"sub/metrics.json\"],"
	" \"resources\": {\"cpus\": 4, \"memory_mb\": 4096, \"gpu\": \"prefer\", \"min_vram_gib\": 8,"
	"   \"time_limit_s\": 600},"
	" \"priority\": \"high\", \"estimated_minutes\": 12,"
	" \"source\": {\"path\": \"modules/gis-lidar-1.2.0.tar.zst\", \"sha256\": \"" SHA_A "\", \"size\": 1234}}";

static const char dataset_json[] =
	"{\"format\": 1, \"name\": \"dataset-lidar-tiles\", \"version\": \"2023.1\", \"kind\": \"dataset\","
	" \"summary\": \"LiDAR tiles\", \"license\": \"CC-BY-4.0\","
	" \"files\": [{\"name\": \"tiles.laz\", \"url\": \"https://example.org/tiles.laz\","
	"   \"sha256\": \"" SHA_B "\", \"size\": 42},"
	"  {\"name\": \"readme.txt\", \"url\": \"data/readme.txt\", \"sha256\": \"" SHA_A "\", \"size\": 0}]}";

static int
setup(void **state)
{
	*state = qtm_ctx_new("/nonexistent/qtm-test-manifest", NULL);
	return 0;
}

static int
teardown(void **state)
{
	qtm_ctx_free(*state);
	return 0;
}

static cJSON *
parse(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	return j;
}

static void
test_valid_model(void **state)
{
	struct qtm_ctx *ctx = *state;
	cJSON *j = parse(model_json);
	struct qtm_manifest *m = NULL;

	assert_int_equal(qtm_manifest_from_json(ctx, j, "module.json", true, &m), 0);
	cJSON_Delete(j);   /* the manifest holds its own copy */
	assert_string_equal(m->name, "gis-lidar");
	assert_string_equal(m->version, "1.2.0");
	assert_string_equal(m->kind, "model");
	assert_false(m->is_dataset);
	assert_string_equal(m->summary, "Classifies LiDAR points");
	assert_string_equal(m->description, "");
	assert_string_equal(m->license, "MIT");
	assert_string_equal(m->priority, "high");
	assert_int_equal(m->estimated_minutes, 12);
	assert_int_equal(strv_len(m->requires), 2);
	assert_string_equal(m->requires[0], "dataset-lidar-tiles >= 2023");
	assert_string_equal(m->requires[1], "runtime(python3-numpy) >= 1.20");
	assert_int_equal(strv_len(m->provides), 1);
	assert_string_equal(m->provides[0], "lidar-classifier");
	assert_int_equal(strv_len(m->conflicts), 1);
	assert_int_equal(strv_len(m->replaces), 1);
	assert_string_equal(m->replaces[0], "lidar-old >= 0.9");
	assert_int_equal(m->resources.cpus, 4);
	assert_int_equal(m->resources.memory_mb, 4096);
	assert_string_equal(m->resources.gpu, "prefer");
	assert_int_equal(m->resources.min_vram_gib, 8);
	assert_int_equal(m->resources.time_limit_s, 600);
	assert_int_equal(strv_len(m->train_command), 2);
	assert_string_equal(m->train_command[1], "train.py");
	assert_string_equal(m->predict_command[0], "python3");
	assert_int_equal(strv_len(m->outputs), 2);
	assert_string_equal(m->outputs[1], "sub/metrics.json");
	assert_non_null(m->params);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(m->params, "epochs")->valueint, 3);
	assert_true(m->has_source);
	assert_string_equal(m->source.path, "modules/gis-lidar-1.2.0.tar.zst");
	assert_string_equal(m->source.sha256, SHA_A);
	assert_int_equal(m->source.size, 1234);
	assert_null(m->files);
	assert_int_equal(m->n_files, 0);
	qtm_manifest_free(m);
}

/* A minimal model in a source folder: every optional field takes its default. */
static void
test_minimal_model_defaults(void **state)
{
	struct qtm_ctx *ctx = *state;
	cJSON *j = parse("{\"format\": 1, \"name\": \"m\", \"version\": \"0\", \"kind\": \"model\","
	    " \"summary\": \"\", \"license\": \"MIT\", \"train\": {\"command\": [\"true\"]}, \"outputs\": []}");
	struct qtm_manifest *m = NULL;

	assert_int_equal(qtm_manifest_from_json(ctx, j, "module.json", false, &m), 0);
	cJSON_Delete(j);
	assert_string_equal(m->priority, "medium");
	assert_int_equal(m->estimated_minutes, 0);
	assert_non_null(m->requires);
	assert_null(m->requires[0]);
	assert_null(m->provides[0]);
	assert_null(m->conflicts[0]);
	assert_null(m->replaces[0]);
	assert_int_equal(m->resources.cpus, 1);
	assert_int_equal(m->resources.memory_mb, 2048);
	assert_string_equal(m->resources.gpu, "none");
	assert_int_equal(m->resources.min_vram_gib, 0);
	assert_int_equal(m->resources.time_limit_s, 3600);
	assert_null(m->params);
	assert_null(m->predict_command);
	assert_false(m->has_source);
	qtm_manifest_free(m);
}

static void
test_valid_dataset(void **state)
{
	struct qtm_ctx *ctx = *state;
	cJSON *j = parse(dataset_json);
	struct qtm_manifest *m = NULL;

	assert_int_equal(qtm_manifest_from_json(ctx, j, "index.json.gz", true, &m), 0);
	assert_true(m->is_dataset);
	assert_string_equal(m->kind, "dataset");
	assert_int_equal(m->n_files, 2);
	assert_string_equal(m->files[0].name, "tiles.laz");
	assert_string_equal(m->files[0].url, "https://example.org/tiles.laz");
	assert_string_equal(m->files[0].sha256, SHA_B);
	assert_int_equal(m->files[0].size, 42);
	assert_string_equal(m->files[1].name, "readme.txt");
	assert_int_equal(m->files[1].size, 0);
	assert_false(m->has_source);
	assert_null(m->train_command);
	assert_null(m->outputs);
	/* The whole object is kept, unchanged. */
	assert_true(cJSON_Compare(m->json, j, true));
	qtm_manifest_free(m);
	cJSON_Delete(j);
}

/* In a source folder a dataset file needs only its name: url, sha256 and size are optional. */
static void
test_dataset_source_folder(void **state)
{
	struct qtm_ctx *ctx = *state;
	cJSON *j = parse("{\"format\": 1, \"name\": \"d\", \"version\": \"1\", \"kind\": \"dataset\","
	    " \"summary\": \"s\", \"license\": \"MIT\", \"files\": [{\"name\": \"f.csv\"}]}");
	struct qtm_manifest *m = NULL;

	assert_int_equal(qtm_manifest_from_json(ctx, j, "module.json", false, &m), 0);
	assert_int_equal(m->n_files, 1);
	assert_null(m->files[0].url);
	assert_string_equal(m->files[0].sha256, "");
	assert_int_equal(m->files[0].size, 0);
	qtm_manifest_free(m);
	/* ... but an index entry must carry them. */
	m = NULL;
	assert_int_equal(qtm_manifest_from_json(ctx, j, "index", true, &m), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(qtm_strerror(ctx), "field \"url\": missing"));
	cJSON_Delete(j);
}

struct bad_case {
	const char *what;
	bool dataset;        /* base: dataset_json, else model_json */
	bool from_index;
	const char *patch;   /* JSON object merged into the base (null deletes a key) */
	const char *error;   /* expected substring of qtm_strerror() */
};

static const struct bad_case bad_cases[] = {
	{ "not an object", false, false, NULL, "t.json: expected a JSON object" },
	{ "missing format", false, false, "{\"format\": null}", "field \"format\": missing" },
	{ "format 2", false, false, "{\"format\": 2}", "field \"format\": must be between 1 and 1" },
	{ "missing name", false, false, "{\"name\": null}", "t.json: field \"name\": missing" },
	{ "name not a string", false, false, "{\"name\": 7}", "field \"name\": expected a string" },
	{ "bad name chars", false, false, "{\"name\": \"Gis_Lidar\"}", "field \"name\": \"Gis_Lidar\" is not a valid name" },
	{ "name with slash", false, false, "{\"name\": \"a/b\"}", "\"a/b\" is not a valid name" },
	{ "name starting with -", false, false, "{\"name\": \"-x\"}", "\"-x\" is not a valid name" },
	{ "empty name", false, false, "{\"name\": \"\"}", "\"\" is not a valid name" },
	{ "name too long", false, false,
	  "{\"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	  "is not a valid name" },
	{ "version not a string", false, false, "{\"version\": 1.0}", "field \"version\": expected a string" },
	{ "version not starting with a digit", false, false, "{\"version\": \"v1\"}", "field \"version\": \"v1\" is not a valid version" },
	{ "version with a space", false, false, "{\"version\": \"1 2\"}", "\"1 2\" is not a valid version" },
	{ "epoch not a number", false, false, "{\"version\": \"x:1.0\"}",
	  "\"x:1.0\" is not a valid version ([EPOCH:]VERSION: an optional number and a colon" },
	{ "bad kind", false, false, "{\"kind\": \"program\"}", "field \"kind\": \"program\" is not one of model, dataset" },
	{ "missing summary", false, false, "{\"summary\": null}", "field \"summary\": missing" },
	{ "missing license", false, false, "{\"license\": null}", "field \"license\": missing" },
	{ "bad priority", false, false, "{\"priority\": \"urgent\"}", "field \"priority\": \"urgent\" is not one of high, medium, low" },
	{ "negative estimated_minutes", false, false, "{\"estimated_minutes\": -1}", "field \"estimated_minutes\": must be between 0" },
	{ "bad gpu", false, false, "{\"resources\": {\"gpu\": \"always\"}}",
	  "field \"resources.gpu\": \"always\" is not one of none, prefer, require" },
	{ "resources.cpus 0", false, false, "{\"resources\": {\"cpus\": 0}}", "field \"cpus\": must be between 1 and 1024" },
	{ "resources.cpus not an integer", false, false, "{\"resources\": {\"cpus\": 1.5}}", "field \"cpus\": expected an integer" },
	{ "resources.memory_mb too small", false, false, "{\"resources\": {\"memory_mb\": 1}}", "field \"memory_mb\": must be between 16" },
	{ "resources not an object", false, false, "{\"resources\": []}", "field \"resources\": expected an object" },
	{ "missing train", false, false, "{\"train\": null}", "field \"train\": a model needs an object with a command" },
	{ "empty train.command", false, false, "{\"train\": {\"command\": []}}", "field \"train.command\": must not be empty" },
	{ "train.command not strings", false, false, "{\"train\": {\"command\": [1]}}", "field \"command\": expected an array of strings" },
	{ "train.params not an object", false, false, "{\"train\": {\"command\": [\"x\"], \"params\": 3}}",
	  "field \"train.params\": expected an object" },
	{ "missing outputs", false, false, "{\"outputs\": null}", "field \"outputs\": missing" },
	{ "outputs with ../x", false, false, "{\"outputs\": [\"../x\"]}", "field \"outputs\": \"../x\" must be a relative path inside the output" },
	{ "outputs with a/../../x", false, false, "{\"outputs\": [\"a/../../x\"]}", "\"a/../../x\" must be a relative path" },
	{ "absolute output", false, false, "{\"outputs\": [\"/etc/passwd\"]}", "\"/etc/passwd\" must be a relative path" },
	{ "empty output", false, false, "{\"outputs\": [\"\"]}", "\"\" must be a relative path" },
	{ "index model without source", false, true, "{\"source\": null}", "package gis-lidar: field \"source\": missing or not an object" },
	{ "source without sha256", false, true,
	  "{\"source\": {\"path\": \"m.tar.zst\", \"size\": 1}}", "field \"sha256\": missing" },
	{ "source with bad sha256", false, false,
	  "{\"source\": {\"path\": \"m.tar.zst\", \"size\": 1, \"sha256\": \"" SHA_A "0\"}}", "expected 64 lowercase hex digits" },
	{ "requires not an array", false, false, "{\"requires\": \"a\"}", "field \"requires\": expected an array of strings" },
	{ "bad requirement syntax", false, false, "{\"requires\": [\"a >> 1\"]}",
	  "t.json: field \"requires\": invalid requirement \"a >> 1\"" },
	{ "runtime( unclosed", false, false, "{\"requires\": [\"runtime(python3-numpy\"]}",
	  "invalid requirement \"runtime(python3-numpy\"" },
	{ "runtime() empty", false, false, "{\"requires\": [\"runtime()\"]}", "invalid requirement \"runtime()\"" },
	{ "bad provides", false, false, "{\"provides\": [\"X\"]}", "field \"provides\": invalid requirement \"X\"" },
	{ "bad conflicts", false, false, "{\"conflicts\": [\"a >= \"]}", "field \"conflicts\": invalid requirement" },
	{ "bad replaces", false, false, "{\"replaces\": [\"a >= \"]}", "field \"replaces\": invalid requirement" },
	{ "replaces not an array", false, false, "{\"replaces\": \"old\"}", "field \"replaces\": expected an array of strings" },
	{ "replaces itself", false, false, "{\"replaces\": [\"gis-lidar < 1.0\"]}",
	  "field \"replaces\": \"gis-lidar < 1.0\" is the package itself" },
	{ "dataset without files", true, false, "{\"files\": null}", "field \"files\": a dataset needs a non-empty array of files" },
	{ "dataset with empty files", true, false, "{\"files\": []}", "a dataset needs a non-empty array of files" },
	{ "dataset file not an object", true, false, "{\"files\": [\"f\"]}", "files[0]: expected an object" },
	{ "dataset file without name", true, false, "{\"files\": [{\"url\": \"f\"}]}", "field \"name\": missing" },
	{ "dataset file name with /", true, false, "{\"files\": [{\"name\": \"a/b\"}]}",
	  "files[0]: field \"name\": \"a/b\" must be a plain file name" },
	{ "dataset file name ..", true, false, "{\"files\": [{\"name\": \"..\"}]}", "\"..\" must be a plain file name" },
	{ "dataset file name empty", true, false, "{\"files\": [{\"name\": \"\"}]}", "\"\" must be a plain file name" },
	{ "from_index dataset file missing sha256", true, true,
	  "{\"files\": [{\"name\": \"f\", \"url\": \"f\", \"size\": 1}]}", "field \"sha256\": missing" },
	{ "from_index dataset file missing size", true, true,
	  "{\"files\": [{\"name\": \"f\", \"url\": \"f\", \"sha256\": \"" SHA_A "\"}]}", "field \"size\": missing" },
	{ "bad sha256 hex: uppercase", true, false,
	  "{\"files\": [{\"name\": \"f\", \"sha256\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}",
	  "files[0]: field \"sha256\": expected 64 lowercase hex digits" },
	{ "bad sha256 hex: short", true, false, "{\"files\": [{\"name\": \"f\", \"sha256\": \"abc\"}]}",
	  "field \"sha256\": expected 64 lowercase hex digits" },
	{ "bad sha256 hex: non-hex", true, false,
	  "{\"files\": [{\"name\": \"f\", \"sha256\": \"gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg\"}]}",
	  "expected 64 lowercase hex digits" },
	{ "second file bad", true, true,
	  "{\"files\": [{\"name\": \"f\", \"url\": \"f\", \"size\": 1, \"sha256\": \"" SHA_A "\"}, {\"name\": \"g/h\", \"url\": \"g\"}]}",
	  "files[1]: field \"name\": \"g/h\" must be a plain file name" },
	{ "negative file size", true, false, "{\"files\": [{\"name\": \"f\", \"size\": -1}]}", "field \"size\": must be between 0" },
};

static cJSON *
patched(const struct bad_case *c)
{
	cJSON *base, *patch, *it;

	if (c->patch == NULL)
		return cJSON_CreateArray();
	base = parse(c->dataset ? dataset_json : model_json);
	patch = parse(c->patch);
	cJSON_ArrayForEach(it, patch) {
		cJSON_DeleteItemFromObjectCaseSensitive(base, it->string);
		if (!cJSON_IsNull(it))
			cJSON_AddItemToObject(base, it->string, cJSON_Duplicate(it, true));
	}
	cJSON_Delete(patch);
	return base;
}

static void
test_bad_manifests(void **state)
{
	struct qtm_ctx *ctx = *state;
	int failures = 0;

	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		cJSON *j = patched(c);
		struct qtm_manifest *m = NULL;
		int rc;

		ctx->errmsg[0] = '\0';
		rc = qtm_manifest_from_json(ctx, j, "t.json", c->from_index, &m);
		if (rc == 0) {
			print_error("%s: accepted\n", c->what);
			failures++;
			qtm_manifest_free(m);
		} else if (rc != -EINVAL || m != NULL || strstr(qtm_strerror(ctx), c->error) == NULL) {
			print_error("%s: rc %d, message \"%s\", expected it to contain \"%s\"\n", c->what, rc,
			    qtm_strerror(ctx), c->error);
			failures++;
		}
		cJSON_Delete(j);
	}
	assert_int_equal(failures, 0);
}

/* The base manifests themselves are valid, so each bad case tests only its patch. */
static void
test_bases_valid(void **state)
{
	struct qtm_ctx *ctx = *state;
	const char *bases[] = { model_json, dataset_json };

	for (size_t i = 0; i < 2; i++)
		for (int from_index = 0; from_index < 2; from_index++) {
			cJSON *j = parse(bases[i]);
			struct qtm_manifest *m = NULL;

			assert_int_equal(qtm_manifest_from_json(ctx, j, "t.json", from_index, &m), 0);
			qtm_manifest_free(m);
			cJSON_Delete(j);
		}
}

struct dep_case {
	const char *text;
	const char *name;     /* NULL: must fail */
	enum qtm_dep_op op;
	const char *version;
};

static const struct dep_case dep_cases[] = {
	{ "a", "a", QTM_DEP_ANY, NULL },
	{ "a>=1.0", "a", QTM_DEP_GE, "1.0" },
	{ "a >= 1.0", "a", QTM_DEP_GE, "1.0" },
	{ "a  >=  1.0", "a", QTM_DEP_GE, "1.0" },
	{ "a<=2", "a", QTM_DEP_LE, "2" },
	{ "a>2", "a", QTM_DEP_GT, "2" },
	{ "a < 2.0~rc1", "a", QTM_DEP_LT, "2.0~rc1" },
	{ "a=1", "a", QTM_DEP_EQ, "1" },
	{ "a == 1.0-2", "a", QTM_DEP_EQ, "1.0-2" },
	{ "gis-lidar=1.0.0", "gis-lidar", QTM_DEP_EQ, "1.0.0" },
	{ "dataset-x.y_z+1", "dataset-x.y_z+1", QTM_DEP_ANY, NULL },
	{ "runtime(python3-numpy)", "runtime(python3-numpy)", QTM_DEP_ANY, NULL },
	{ "runtime(python3-numpy) >= 1.20", "runtime(python3-numpy)", QTM_DEP_GE, "1.20" },
	{ "runtime(python3)>=3.11", "runtime(python3)", QTM_DEP_GE, "3.11" },
	{ "", NULL, 0, NULL },
	{ " a", NULL, 0, NULL },
	{ "A", NULL, 0, NULL },
	{ "a b", NULL, 0, NULL },
	{ "a >> 1", NULL, 0, NULL },
	{ "a =< 1", NULL, 0, NULL },
	{ "a >=", NULL, 0, NULL },
	{ "a >= ", NULL, 0, NULL },
	{ "a >= x1", NULL, 0, NULL },
	{ "a >= 1 2", NULL, 0, NULL },
	{ ">= 1", NULL, 0, NULL },
	{ "a/b", NULL, 0, NULL },
	{ "runtime(python3-numpy", NULL, 0, NULL },
	{ "runtime()", NULL, 0, NULL },
	{ "runtime(Numpy)", NULL, 0, NULL },
	{ "runtime(a)b", NULL, 0, NULL },
	{ "runtime(a)(b)", NULL, 0, NULL },
	{ "python3-numpy)", NULL, 0, NULL },
};

static void
test_dep_parse(void **state)
{
	struct qtm_ctx *ctx = *state;
	int failures = 0;

	for (size_t i = 0; i < sizeof dep_cases / sizeof dep_cases[0]; i++) {
		const struct dep_case *c = &dep_cases[i];
		struct qtm_dep dep;
		int rc;

		ctx->errmsg[0] = '\0';
		rc = qtm_dep_parse(ctx, c->text, &dep);
		if (c->name == NULL) {
			char want[256];

			snprintf(want, sizeof want, "invalid requirement \"%s\"", c->text);
			if (rc != -EINVAL || strstr(qtm_strerror(ctx), want) == NULL ||
			    dep.name != NULL || dep.version != NULL) {
				print_error("\"%s\": expected a failure naming it, got rc %d (%s)\n", c->text, rc,
				    rc < 0 ? qtm_strerror(ctx) : "accepted");
				failures++;
			}
			if (rc == 0)
				qtm_dep_clear(&dep);
			continue;
		}
		if (rc != 0) {
			print_error("\"%s\": rejected: %s\n", c->text, qtm_strerror(ctx));
			failures++;
			continue;
		}
		if (strcmp(dep.name, c->name) != 0 || dep.op != c->op ||
		    (c->version == NULL ? dep.version != NULL : dep.version == NULL || strcmp(dep.version, c->version) != 0)) {
			print_error("\"%s\": got name \"%s\" op \"%s\" version \"%s\"\n", c->text, dep.name,
			    qtm_dep_op_str(dep.op), dep.version != NULL ? dep.version : "(null)");
			failures++;
		}
		qtm_dep_clear(&dep);
		assert_null(dep.name);
		assert_null(dep.version);
	}
	assert_int_equal(failures, 0);
}

static void
test_dep_op_str(void **state)
{
	assert_string_equal(qtm_dep_op_str(QTM_DEP_ANY), "");
	assert_string_equal(qtm_dep_op_str(QTM_DEP_LT), "<");
	assert_string_equal(qtm_dep_op_str(QTM_DEP_LE), "<=");
	assert_string_equal(qtm_dep_op_str(QTM_DEP_EQ), "=");
	assert_string_equal(qtm_dep_op_str(QTM_DEP_GE), ">=");
	assert_string_equal(qtm_dep_op_str(QTM_DEP_GT), ">");
}

static void
test_names_versions(void **state)
{
	assert_true(qtm_name_valid("a"));
	assert_true(qtm_name_valid("0day"));
	assert_true(qtm_name_valid("gis-lidar.v2_x+y"));
	assert_false(qtm_name_valid(""));
	assert_false(qtm_name_valid("_a"));
	assert_false(qtm_name_valid(".a"));
	assert_false(qtm_name_valid("aB"));
	assert_false(qtm_name_valid("a b"));
	assert_true(qtm_version_valid("1"));
	assert_true(qtm_version_valid("1.0~rc1+git2-1"));
	assert_false(qtm_version_valid(""));
	assert_false(qtm_version_valid("v1"));
	assert_true(qtm_version_valid("1:2"));
	assert_true(qtm_version_valid("12:1.0~rc1-3"));
	assert_false(qtm_version_valid("a:2"));   /* the epoch is a number */
	assert_false(qtm_version_valid(":2"));
	assert_false(qtm_version_valid("1:"));
	assert_false(qtm_version_valid("1:a"));
	assert_false(qtm_version_valid("1:2:3"));
	/* Revisions dpkg sorts at or before none at all. */
	assert_false(qtm_version_valid("1.0-"));
	assert_false(qtm_version_valid("1.0-0"));
	assert_false(qtm_version_valid("1.0-00"));
	assert_false(qtm_version_valid("1.0-~1"));
	assert_false(qtm_version_valid("1.0-0~bpo1"));
	assert_true(qtm_version_valid("1.0-0.1"));
	assert_true(qtm_version_valid("1.0-0a"));
	assert_true(qtm_version_valid("1.0~rc1-1~bpo1"));
	assert_false(qtm_version_valid("1/2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimal_model_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_dataset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dataset_source_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bases_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_manifests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dep_parse, setup, teardown),
		cmocka_unit_test(test_dep_op_str),
		cmocka_unit_test(test_names_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
