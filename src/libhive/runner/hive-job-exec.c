/* hive-job-exec.c - a runner executing a hive job's spec: every byte fetched is verified
 * (source and dataset files against the signed index entries in the spec, model inputs against
 * the hive's artifacts by build id and their MANIFEST.sha256), the build id is recomputed and
 * must match, then the training runs in the same sandbox as a local install. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "buildid.h"
#include "ctx.h"
#include "dataset.h"
#include "hive-job-exec.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "model.h"
#include "paths.h"
#include "runtime.h"
#include "train.h"
#include "xalloc.h"

/* What execute gathers: the parsed spec and the inputs laid out under work_dir/inputs. */
struct exec_state {
	struct qtm_ctx *ctx;
	const struct qtm_hive_exec *x;
	struct qtm_manifest *m;
	char *base_url;
	char **mirrors;
	const cJSON *params;
	cJSON *hashes;
	char **names, **dirs;
};

static void
exec_state_clear(struct exec_state *s)
{
	qtm_manifest_free(s->m);
	free(s->base_url);
	strv_free(s->mirrors);
	cJSON_Delete(s->hashes);
	strv_free(s->names);
	strv_free(s->dirs);
}

static int
bad_spec(struct qtm_ctx *ctx, const char *what)
{
	return qtm_error(ctx, -EINVAL, _("the job's spec is malformed: %s"), what);
}

static int
parse_spec(struct exec_state *s)
{
	const cJSON *spec = s->x->spec;
	const cJSON *manifest = cJSON_GetObjectItemCaseSensitive(spec, "manifest");
	const char *base;
	int rc;

	if (!cJSON_IsObject(spec) || !cJSON_IsObject(manifest))
		return bad_spec(s->ctx, "no manifest");
	if ((rc = qtm_json_str(s->ctx, spec, "base_url", true, _("the job's spec"), &base)) < 0 ||
	    (rc = qtm_json_strv(s->ctx, spec, "mirrors", false, _("the job's spec"), &s->mirrors)) < 0)
		return rc;
	s->base_url = xstrdup(base);
	s->params = cJSON_GetObjectItemCaseSensitive(spec, "params");
	if (!cJSON_IsObject(s->params))
		return bad_spec(s->ctx, "params is not an object");
	if ((rc = qtm_manifest_from_json(s->ctx, manifest, _("the job's spec"), true, &s->m)) < 0)
		return rc;
	if (s->m->is_dataset)
		return bad_spec(s->ctx, "a dataset is not trained");
	return 0;
}

/* A model input: the hive's artifact of its build id, cached, unpacked (MANIFEST.sha256
 * checked member by member) into dir. */
static int
model_input(struct exec_state *s, const char *name, const char *build_id, const char *dir)
{
	char *cache = qtm_cache_path(s->ctx, "artifacts");
	char *art = xasprintf("%s/%s.tar.zst", cache, build_id), *part = xasprintf("%s.hive", art);
	int rc = qtm_mkdir_p(s->ctx, cache, 0755);

	if (rc == 0 && access(art, F_OK) < 0) {
		if ((rc = s->x->fetch_artifact(s->x->fetch_arg, build_id, part)) == 0 && rename(part, art) < 0)
			rc = qtm_error(s->ctx, -errno, _("cannot rename %s: %s"), part, strerror(errno));
		if (rc < 0)
			unlink(part);
	}
	if (rc == 0 && (rc = qtm_archive_unpack(s->ctx, art, dir, 0, NULL)) < 0) {
		unlink(art);   /* a damaged copy must not be used again */
		qtm_error_prefix(s->ctx, _("input %s (build %.12s)"), name, build_id);
	}
	if (rc == 0)
		cJSON_AddStringToObject(s->hashes, name, build_id);
	free(cache);
	free(art);
	free(part);
	return rc;
}

/* A dataset input: its files fetched into the cache against its signed entry, linked into dir. */
static int
dataset_input(struct exec_state *s, const char *name, const cJSON *in, const char *dir)
{
	const cJSON *manifest = cJSON_GetObjectItemCaseSensitive(in, "manifest");
	struct qtm_manifest *dm = NULL;
	char **mirrors = NULL, *cached = NULL;
	const char *base;
	cJSON *files;
	int rc;

	if (!cJSON_IsObject(manifest))
		return bad_spec(s->ctx, "an input has neither build_id nor manifest");
	if ((rc = qtm_json_str(s->ctx, in, "base_url", true, name, &base)) < 0 ||
	    (rc = qtm_json_strv(s->ctx, in, "mirrors", false, name, &mirrors)) < 0 ||
	    (rc = qtm_manifest_from_json(s->ctx, manifest, name, true, &dm)) < 0)
		goto out;
	if (!dm->is_dataset) {
		rc = bad_spec(s->ctx, "a manifest input is not a dataset");
		goto out;
	}
	rc = qtm_dataset_fetch(s->ctx, dm, base, mirrors, &cached);
	files = cJSON_AddObjectToObject(s->hashes, name);
	for (size_t i = 0; rc == 0 && i < dm->n_files; i++) {
		char *from = xasprintf("%s/%s", cached, dm->files[i].name), *to = xasprintf("%s/%s", dir, dm->files[i].name);

		rc = qtm_link_or_copy(s->ctx, from, to);
		cJSON_AddStringToObject(files, dm->files[i].name, dm->files[i].sha256);
		free(from);
		free(to);
	}
out:
	qtm_manifest_free(dm);
	strv_free(mirrors);
	free(cached);
	return rc;
}

static int
gather_inputs(struct exec_state *s)
{
	const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(s->x->spec, "inputs"), *in;
	int rc = 0;

	if (inputs != NULL && !cJSON_IsArray(inputs))
		return bad_spec(s->ctx, "inputs is not an array");
	s->hashes = cJSON_CreateObject();
	cJSON_ArrayForEach(in, inputs) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(in, "build_id");
		char *dir;

		if (!cJSON_IsString(name) || !qtm_name_valid(name->valuestring) ||
		    cJSON_HasObjectItem(s->hashes, name->valuestring))
			return bad_spec(s->ctx, "an input's name is missing, invalid or repeated");
		if (id != NULL && (!cJSON_IsString(id) || !qtm_sha256_valid(id->valuestring)))
			return bad_spec(s->ctx, "an input's build_id is not a sha256");
		dir = xasprintf("%s/inputs/%s", s->x->work_dir, name->valuestring);
		if ((rc = qtm_mkdir_p(s->ctx, dir, 0755)) == 0)
			rc = id != NULL ? model_input(s, name->valuestring, id->valuestring, dir)
			    : dataset_input(s, name->valuestring, in, dir);
		s->names = strv_push(s->names, name->valuestring);
		s->dirs = strv_push(s->dirs, dir);
		free(dir);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Every requirement must have come with the spec's inputs. */
static int
has_input(void *arg, const char *name)
{
	struct exec_state *s = arg;

	return cJSON_HasObjectItem(s->hashes, name) ? 0 : bad_spec(s->ctx, "a requirement of the module has no input");
}

/* The build id from what this runner actually has; it must be the job's. */
static int
check_build_id(struct exec_state *s, struct qtm_hive_exec_result *res)
{
	struct qtm_runtime *rt = NULL;
	cJSON *runtime = cJSON_CreateObject();
	char id[QTM_SHA256_HEX];
	int rc = qtm_runtime_probe(s->ctx, &rt);

	if (rc == 0)
		rc = qtm_model_requires_walk(s->ctx, s->m, rt, runtime, has_input, s);
	if (rc == 0) {
		qtm_build_id(s->m, s->params, s->hashes, runtime, id);
		if (strcmp(id, s->x->build_id) != 0) {
			char *have = cJSON_PrintUnformatted(runtime);

			rc = qtm_error(s->ctx, -EPROTO, _("%s: the build id computed on this runner (%.12s) is not the job's (%.12s): its inputs or runtime differ (runner's runtime: %s)"),
			    s->m->name, id, s->x->build_id, have);
			free(have);
		}
	}
	if (rc < 0)
		res->permanent = 1;
	cJSON_Delete(runtime);
	qtm_runtime_free(rt);
	return rc;
}

static int
train(struct exec_state *s, const char *source, struct qtm_hive_exec_result *res)
{
	size_t n = strv_len(s->names);
	struct qtm_train_input *inputs = xcalloc(n + 1, sizeof *inputs);
	char *work = xasprintf("%s/train", s->x->work_dir);
	struct qtm_train_job job = { .m = s->m, .source_archive = source, .inputs = inputs, .n_inputs = n,
	    .params = s->params, .work_dir = work, .log_path = s->x->log_path };
	struct qtm_train_result tr = { 0 };
	struct stat st;
	int rc;

	for (size_t i = 0; i < n; i++)
		inputs[i] = (struct qtm_train_input){ s->names[i], s->dirs[i] };
	res->artifact = xasprintf("%s/artifact.tar.zst", s->x->work_dir);
	if ((rc = qtm_train(s->ctx, &job, &tr)) == 0 &&
	    (rc = qtm_archive_pack(s->ctx, tr.out_dir, s->m->outputs, res->artifact, res->sha256, NULL)) == 0) {
		if (stat(res->artifact, &st) == 0)
			res->size = (uint64_t)st.st_size;
		res->metrics = cJSON_Duplicate(tr.metrics, true);
		res->wall_s = tr.wall_s;
	}
	qtm_train_result_clear(&tr);
	free(inputs);
	free(work);
	return rc;
}

int
qtm_hive_job_execute(struct qtm_ctx *ctx, const struct qtm_hive_exec *x, struct qtm_hive_exec_result *res)
{
	struct exec_state s = { .ctx = ctx, .x = x };
	char *source = NULL;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = parse_spec(&s)) < 0 || (rc = qtm_mkdir_p(ctx, x->work_dir, 0755)) < 0) {
		res->permanent = rc == -EINVAL;
		goto out;
	}
	struct qtm_model_build_opts o = { .base_url = s.base_url, .mirrors = s.mirrors };

	if ((rc = qtm_model_fetch_source(ctx, s.m, &o, &source)) == 0 && (rc = gather_inputs(&s)) == 0 &&
	    (rc = check_build_id(&s, res)) == 0)
		rc = train(&s, source, res);
	if (rc == -EINVAL)
		res->permanent = 1;
out:
	free(source);
	exec_state_clear(&s);
	return rc;
}

void
qtm_hive_exec_result_clear(struct qtm_hive_exec_result *res)
{
	free(res->artifact);
	cJSON_Delete(res->metrics);
	memset(res, 0, sizeof *res);
}
