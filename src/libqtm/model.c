/* model.c - build ids, the artifact cache and trainings. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "buildid.h"
#include "ctx.h"
#include "curve.h"
#include "db.h"
#include "fetch.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "model.h"
#include "params.h"
#include "paths.h"
#include "runtime.h"
#include "train.h"
#include "trainer.h"
#include "xalloc.h"

void
qtm_model_inputs_clear(struct qtm_model_inputs *in)
{
	free(in->v);
	cJSON_Delete(in->hashes);
	cJSON_Delete(in->runtime);
	strv_free(in->dirs);
	strv_free(in->names);
	strv_free(in->packages);
	memset(in, 0, sizeof *in);
}

/* The installed package that provides a capability through its "provides" list. */
static int
find_provider(struct qtm_ctx *ctx, struct qtm_db *db, const char *cap, struct qtm_installed **out)
{
	struct qtm_installed *v;
	size_t n, found = SIZE_MAX;
	int rc = qtm_db_list(ctx, db, &v, &n);

	for (size_t i = 0; rc == 0 && found == SIZE_MAX && i < n; i++) {
		cJSON *m = cJSON_Parse(v[i].manifest);
		const cJSON *it;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m, "provides"))
			if (cJSON_IsString(it) && strncmp(it->valuestring, cap, strlen(cap)) == 0 &&
			    strchr(" <>=", it->valuestring[strlen(cap)]) != NULL)
				found = i;
		cJSON_Delete(m);
	}
	if (rc == 0 && found != SIZE_MAX) {
		*out = xcalloc(1, sizeof **out);
		**out = v[found];   /* moved out: its strings now belong to *out */
		memset(&v[found], 0, sizeof v[found]);
	}
	if (rc == 0)
		qtm_installed_free_all(v, n);
	return rc < 0 ? rc : found != SIZE_MAX ? 0 : -ENOENT;
}

static int
add_input(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, struct qtm_model_inputs *in)
{
	struct qtm_installed *pkg;
	struct qtm_filelist files;
	int rc = qtm_db_get(ctx, db, name, &pkg);

	if (rc == -ENOENT)
		rc = find_provider(ctx, db, name, &pkg);
	if (rc == -ENOENT)
		return qtm_error(ctx, -ENOENT, _("required package %s is not installed"), name);
	if (rc < 0)
		return rc;
	/* Seen under the name it was required by, so that a trainer finds what it asked for. */
	in->dirs = strv_push(in->dirs, pkg->store_path);
	in->names = strv_push(in->names, name);
	in->packages = strv_push(in->packages, pkg->name);
	if (pkg->build_id != NULL) {
		cJSON_AddStringToObject(in->hashes, name, pkg->build_id);
	} else if ((rc = qtm_db_files(ctx, db, pkg->id, &files)) == 0) {
		cJSON *obj = cJSON_AddObjectToObject(in->hashes, name);

		for (size_t i = 0; i < files.n; i++)
			cJSON_AddStringToObject(obj, files.v[i].path, files.v[i].sha256);
		qtm_filelist_free(&files);
	}
	qtm_installed_free(pkg);
	return rc;
}

struct gather {
	struct qtm_ctx *ctx;
	struct qtm_db *db;
	struct qtm_model_inputs *in;
};

static int
gather_one(void *arg, const char *name)
{
	struct gather *g = arg;

	return add_input(g->ctx, g->db, name, g->in);
}

int
qtm_model_inputs_gather(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_runtime *rt, struct qtm_model_inputs *in)
{
	int rc;
	struct gather g = { ctx, db, in };

	memset(in, 0, sizeof *in);
	in->hashes = cJSON_CreateObject();
	in->runtime = cJSON_CreateObject();
	rc = qtm_model_requires_walk(ctx, m, rt, in->runtime, gather_one, &g);
	in->n = strv_len(in->dirs);
	in->v = xcalloc(in->n + 1, sizeof *in->v);
	for (size_t i = 0; i < in->n; i++)
		in->v[i] = (struct qtm_train_input){ in->names[i], in->dirs[i] };
	return rc;
}

int
qtm_model_fetch_source(struct qtm_ctx *ctx, const struct qtm_manifest *m, const struct qtm_model_build_opts *o,
    char **path)
{
	const char *base = strrchr(m->source.path, '/');
	char *dir = qtm_cache_path(ctx, "pool"), hex[QTM_SHA256_HEX], **mirrors = qtm_url_join_all(o->mirrors, m->source.path);
	char *url = qtm_url_join(o->base_url, m->source.path);
	struct qtm_fetch_req req = { .url = url, .sha256 = m->source.sha256, .size = m->source.size,
	    .label = m->name, .mirrors = (const char *const *)mirrors };
	int rc = qtm_mkdir_p(ctx, dir, 0755);

	*path = xasprintf("%s/%s", dir, base != NULL ? base + 1 : m->source.path);
	req.dest = *path;
	free(dir);
	if (rc == 0 && (access(*path, F_OK) < 0 || qtm_sha256_file(ctx, *path, hex, NULL) < 0 ||
	    strcmp(hex, m->source.sha256) != 0))
		rc = qtm_fetch(ctx, &req);
	strv_free(mirrors);
	free(url);
	return rc;
}

static cJSON *
load_metrics(struct qtm_ctx *ctx, const char *path)
{
	cJSON *json = NULL;

	if (access(path, F_OK) == 0 && qtm_json_load(ctx, path, &json) == 0 && cJSON_IsObject(json))
		return json;
	cJSON_Delete(json);
	return cJSON_CreateObject();
}

/* The training itself, no database: runs it in work, packs its outputs into artifact and saves
 * its metrics at metrics_path; res is the caller's to clear. */
static int
train_pack(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *source,
    const struct qtm_model_inputs *in, const cJSON *params, const char *work, const char *log,
    const char *artifact, const char *metrics_path, struct qtm_train_result *res)
{
	struct qtm_train_job job = { .m = m, .source_archive = source, .inputs = in->v,
	    .n_inputs = in->n, .params = params, .work_dir = work, .log_path = log };
	char sha[QTM_SHA256_HEX];
	int rc = qtm_train(ctx, &job, res);

	if (rc == 0)
		rc = qtm_archive_pack(ctx, res->out_dir, m->outputs, artifact, sha, NULL);
	if (rc == 0)
		rc = qtm_json_save(ctx, metrics_path, res->metrics, true);
	if (rc == 0)
		qtm_rm_rf(ctx, work);
	return rc;
}

static char *
work_dir(struct qtm_ctx *ctx, const char *build_id)
{
	return xasprintf("%s/build/%s", ctx->cache_dir, build_id);
}

/* The log of a build (and its folder made); owned by the caller. */
static char *
log_path(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *build_id, int *rc)
{
	char *logs = qtm_state_path(ctx, "logs");
	char *log = xasprintf("%s/%s-%s-%.12s.log", logs, m->name, m->version, build_id);

	*rc = qtm_mkdir_p(ctx, logs, 0755);
	free(logs);
	return log;
}

static int
train_and_pack(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const char *source, const struct qtm_model_inputs *in, struct qtm_model_artifact *out, const char *metrics_path)
{
	char *work = work_dir(ctx, out->build_id);
	struct qtm_train_result res = { 0 };
	int64_t tid = 0;
	int rc;
	char *log = log_path(ctx, m, out->build_id, &rc);

	if (rc == 0)
		rc = qtm_db_training_start(ctx, db, m->name, m->version, out->build_id, log, &tid);
	if (rc == 0)
		rc = train_pack(ctx, m, source, in, out->params, work, log, out->path, metrics_path, &res);
	if (tid != 0)
		qtm_db_training_finish(ctx, db, tid, rc == 0 ? "succeeded" : "failed",
		    rc == 0 ? NULL : qtm_strerror(ctx), res.limits, res.wall_s);
	if (rc == 0) {
		qtm_info(ctx, _("Trained %s in %.1f s (limits: %s; log: %s)"), m->name, res.wall_s, res.limits, log);
		out->curve = res.curve;
		res.curve = NULL;
	}
	qtm_train_result_clear(&res);
	free(work);
	free(log);
	return rc;
}

/* o->defer: what a worker needs to run this training; in is moved into it. */
static int
defer_training(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *source,
    struct qtm_model_inputs *in, const struct qtm_model_artifact *out, const char *metrics_path,
    struct qtm_model_training **defer)
{
	struct qtm_model_training *t = xcalloc(1, sizeof *t);
	char *dir = qtm_cache_path(ctx, "artifacts");
	int rc;

	t->m = m;
	memcpy(t->build_id, out->build_id, sizeof t->build_id);
	t->source = xstrdup(source);
	t->in = *in;
	memset(in, 0, sizeof *in);
	t->params = cJSON_Duplicate(out->params, 1);
	t->artifact = xstrdup(out->path);
	t->metrics_path = xstrdup(metrics_path);
	t->curve_path = xasprintf("%s/%s.curve.json", dir, out->build_id);
	t->work = work_dir(ctx, out->build_id);
	t->log = log_path(ctx, m, out->build_id, &rc);
	free(dir);
	*defer = t;
	return rc < 0 ? rc : 1;
}

int
qtm_model_training_begin(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_model_training *t)
{
	int64_t id = 0;
	int rc = qtm_db_training_start(ctx, db, t->m->name, t->m->version, t->build_id, t->log, &id);

	t->training_row = id;
	return rc;
}

void
qtm_model_training_end(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_model_training *t,
    bool ok, const char *error, const char *limits, double wall_s)
{
	if (t->training_row != 0)
		qtm_db_training_finish(ctx, db, t->training_row, ok ? "succeeded" : "failed", ok ? NULL : error,
		    limits, wall_s);
}

int
qtm_model_training_run(struct qtm_ctx *ctx, const struct qtm_model_training *t, char **limits,
    double *wall_s)
{
	struct qtm_train_result res = { 0 };
	int rc = train_pack(ctx, t->m, t->source, &t->in, t->params, t->work, t->log, t->artifact,
	    t->metrics_path, &res);

	/* The curve goes where keep_curve() finds it when the artifact is taken from the cache. */
	if (rc == 0 && res.curve != NULL && qtm_json_save(ctx, t->curve_path, res.curve, false) < 0)
		qtm_warn(ctx, _("the training curve of build %.12s is not kept: %s"), t->build_id, qtm_strerror(ctx));
	*limits = res.limits != NULL ? xstrdup(res.limits) : NULL;
	*wall_s = res.wall_s;
	qtm_train_result_clear(&res);
	return rc;
}

void
qtm_model_training_free(struct qtm_model_training *t)
{
	if (t == NULL)
		return;
	free(t->source);
	qtm_model_inputs_clear(&t->in);
	cJSON_Delete(t->params);
	free(t->artifact);
	free(t->metrics_path);
	free(t->curve_path);
	free(t->work);
	free(t->log);
	free(t);
}

/* The index entry's pre-trained artifact of build_id, or NULL. */
static const cJSON *
find_substitute(const struct qtm_manifest *m, const char *build_id)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(m->json, "artifacts")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "build_id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, build_id) == 0)
			return a;
	}
	return NULL;
}

/* The repository's pre-trained artifact for this build id, fetched and verified against the
 * signed index, with its metrics; 1 when the index offers none. */
static int
substitute(struct qtm_ctx *ctx, const struct qtm_manifest *m, const struct qtm_model_build_opts *o,
    struct qtm_model_artifact *out, const char *metrics_path)
{
	const cJSON *a = find_substitute(m, out->build_id);
	struct qtm_fetch_req req = { .dest = out->path, .label = m->name };
	const cJSON *path, *sha, *size, *metrics;
	char **mirrors;
	int rc;

	if (a == NULL)
		return 1;
	path = cJSON_GetObjectItemCaseSensitive(a, "path");
	sha = cJSON_GetObjectItemCaseSensitive(a, "sha256");
	size = cJSON_GetObjectItemCaseSensitive(a, "size");
	metrics = cJSON_GetObjectItemCaseSensitive(a, "metrics");
	if (!cJSON_IsString(path) || !cJSON_IsString(sha) || !qtm_sha256_valid(sha->valuestring) ||
	    !cJSON_IsNumber(size) || strstr(path->valuestring, "..") != NULL)
		return qtm_error(ctx, -EINVAL, _("%s: the index's artifact entry for build %.12s is malformed"),
		    m->name, out->build_id);
	req.url = qtm_url_join(o->base_url, path->valuestring);
	req.sha256 = sha->valuestring;
	req.size = (uint64_t)size->valuedouble;
	mirrors = qtm_url_join_all(o->mirrors, path->valuestring);
	req.mirrors = (const char *const *)mirrors;
	rc = qtm_fetch(ctx, &req);
	strv_free(mirrors);
	free((char *)req.url);
	if (rc == 0 && cJSON_IsObject(metrics)) {
		rc = qtm_json_save(ctx, metrics_path, metrics, true);
	} else if (rc == 0) {
		cJSON *none = cJSON_CreateObject();

		rc = qtm_json_save(ctx, metrics_path, none, true);
		cJSON_Delete(none);
	}
	if (rc == 0) {
		qtm_info(ctx, _("Using the repository's pre-trained artifact of build %.12s for %s"), out->build_id, m->name);
		out->curve = qtm_curve_from_json(cJSON_GetObjectItemCaseSensitive(a, "curve"));
	}
	return rc;
}

/* The curve is kept beside the artifact, so that a reuse from the cache still shows it: saved
 * when this build produced one, else read back.  Only `qtm info` draws it: a curve that cannot
 * be saved or read is a warning, not a failed install. */
static void
keep_curve(struct qtm_ctx *ctx, const char *dir, struct qtm_model_artifact *out)
{
	char *path = xasprintf("%s/%s.curve.json", dir, out->build_id);
	cJSON *json = NULL;

	if (out->curve != NULL) {
		if (qtm_json_save(ctx, path, out->curve, false) < 0)
			qtm_warn(ctx, _("the training curve of build %.12s is not kept: %s"), out->build_id, qtm_strerror(ctx));
	} else if (access(path, F_OK) == 0) {
		if (qtm_json_load(ctx, path, &json) == 0)
			out->curve = qtm_curve_from_json(json);
		else
			qtm_warn(ctx, _("the training curve of build %.12s is not shown: %s"), out->build_id, qtm_strerror(ctx));
		cJSON_Delete(json);
	}
	free(path);
}

/* The build's identity: its inputs (gathered into in), its build id, and where its artifact and
 * metrics go (out->path, *metrics_path: owned by the caller). */
static int
identify(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, struct qtm_model_inputs *in, struct qtm_model_artifact *out,
    char **metrics_path)
{
	char *dir = qtm_cache_path(ctx, "artifacts");
	int rc = qtm_model_inputs_gather(ctx, db, m, o->rt, in);

	if (rc == 0) {
		qtm_build_id(m, out->params, in->hashes, in->runtime, out->build_id);
		out->path = xasprintf("%s/%s.tar.zst", dir, out->build_id);
		*metrics_path = xasprintf("%s/%s.metrics.json", dir, out->build_id);
		rc = qtm_mkdir_p(ctx, dir, 0755);
	}
	free(dir);
	return rc;
}

/* The artifact of this build and its metrics are in the local cache already. */
static bool
cached(const struct qtm_model_artifact *out, const char *metrics_path)
{
	return access(out->path, F_OK) == 0 && access(metrics_path, F_OK) == 0;
}

/* A training handed over: submitted (or the job o->hive_job when it was submitted ahead for this
 * very build id), followed and fetched.  0 when trained elsewhere (artifact at out->path,
 * metrics at metrics_path), 1 when the training is to run here, or a negative code. */
static int
hand_over(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out, const char *metrics_path)
{
	const struct qtm_trainer *t = qtm_trainer_of(ctx);
	void *s = NULL;
	cJSON *state = NULL;
	long long id = 0;
	int rc = t->open(ctx, o, false, &s);

	if (rc != 0)
		return rc;
	/* Submitted ahead with these very inputs: that job is this training (submitting again would
	 * also give a failed one another try). */
	if (o->hive_job != 0 && o->hive_job_build_id != NULL && strcmp(o->hive_job_build_id, out->build_id) == 0)
		id = o->hive_job;
	else
		rc = t->submit(s, ctx, db, m, o, in, out, &id);
	if (rc == 0 && (rc = t->wait(s, ctx, m, id, &state)) == 0)
		rc = t->fetch_artifact(s, ctx, m, state, id, out, metrics_path);
	cJSON_Delete(state);
	t->close(s);
	return rc;
}

/* Submits the training and returns without waiting for it (see build_ahead()): 0, or
 * -EHOSTUNREACH when nothing is usable (none configured, --local, unreachable). */
static int
submit_ahead(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out)
{
	const struct qtm_trainer *t = qtm_trainer_of(ctx);
	void *s = NULL;
	long long id = 0;
	int rc = t->open(ctx, o, true, &s);

	if (rc == 1)
		return qtm_error(ctx, -EHOSTUNREACH, _("no hive to submit %s to"), m->name);
	if (rc < 0)
		return rc;
	if ((rc = t->submit(s, ctx, db, m, o, in, out, &id)) == 0)
		out->hive_job = id;
	t->close(s);
	return rc;
}

/* o->submit_ahead: the training only handed to the hive, not followed (see model.h). */
static int
build_ahead(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, struct qtm_model_artifact *out)
{
	struct qtm_model_inputs in = { 0 };
	char *metrics_path = NULL;
	int rc;

	if ((rc = qtm_params_merge(ctx, m, o->overrides, &out->params)) == 0)
		rc = identify(ctx, db, m, o, &in, out, &metrics_path);
	if (rc == 0 && cached(out, metrics_path))
		rc = 1;   /* nothing to train */
	else if (rc == 0 && !o->train && find_substitute(m, out->build_id) != NULL)
		rc = 1;   /* the repository has it */
	else if (rc == 0)
		rc = submit_ahead(ctx, db, m, o, &in, out);
	qtm_model_inputs_clear(&in);
	free(metrics_path);
	return rc;
}

int
qtm_model_build(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, struct qtm_model_artifact *out)
{
	char *source = NULL, *dir, *metrics_path = NULL;
	struct qtm_model_inputs in = { 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if (o->submit_ahead)
		return build_ahead(ctx, db, m, o, out);
	dir = qtm_cache_path(ctx, "artifacts");
	if ((rc = qtm_params_merge(ctx, m, o->overrides, &out->params)) < 0 ||
	    (rc = qtm_model_fetch_source(ctx, m, o, &source)) < 0 || o->fetch_only)
		goto done;
	rc = identify(ctx, db, m, o, &in, out, &metrics_path);
	/* A local artifact is checked member by member (MANIFEST.sha256) when it is unpacked. */
	if (rc == 0 && cached(out, metrics_path) && o->trained_build_id != NULL &&
	    strcmp(o->trained_build_id, out->build_id) == 0) {
		out->origin = "trained";   /* by a worker of this very install, just now */
	} else if (rc == 0 && cached(out, metrics_path)) {
		out->origin = "cache";
		qtm_info(ctx, _("Reusing the artifact of build %.12s for %s"), out->build_id, m->name);
	} else if (rc == 0 && !o->train && (rc = substitute(ctx, m, o, out, metrics_path)) == 0) {
		out->origin = "repository";
	} else if (rc >= 0 && (rc = hand_over(ctx, db, m, o, &in, out, metrics_path)) == 0) {
		out->origin = "hive";
	} else if (rc > 0 && o->defer != NULL) {
		rc = defer_training(ctx, m, source, &in, out, metrics_path, o->defer);
	} else if (rc > 0) {
		out->origin = "trained";
		rc = train_and_pack(ctx, db, m, source, &in, out, metrics_path);
	}
	if (rc == 0) {
		out->metrics = load_metrics(ctx, metrics_path);
		keep_curve(ctx, dir, out);
	}
done:
	qtm_model_inputs_clear(&in);
	free(source);
	free(dir);
	free(metrics_path);
	return rc;
}

void
qtm_model_artifact_clear(struct qtm_model_artifact *a)
{
	free(a->path);
	free(a->trained_by);
	cJSON_Delete(a->curve);
	cJSON_Delete(a->metrics);
	cJSON_Delete(a->params);
	memset(a, 0, sizeof *a);
}

int
qtm_model_retrain(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const char *dest, struct qtm_model_artifact *out)
{
	char *source = NULL, *metrics_path = NULL;
	struct qtm_model_inputs in = { 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = qtm_params_merge(ctx, m, o->overrides, &out->params)) == 0 &&
	    (rc = qtm_model_fetch_source(ctx, m, o, &source)) == 0 &&
	    (rc = identify(ctx, db, m, o, &in, out, &metrics_path)) == 0) {
		/* Not the cache: the cached artifact is the one being checked. */
		free(out->path);
		free(metrics_path);
		out->path = xstrdup(dest);
		metrics_path = xasprintf("%s.metrics.json", dest);
		out->origin = "trained";
		rc = train_and_pack(ctx, db, m, source, &in, out, metrics_path);
		unlink(metrics_path);
	}
	qtm_model_inputs_clear(&in);
	free(source);
	free(metrics_path);
	return rc;
}

void
qtm_model_artifact_discard(struct qtm_ctx *ctx, const struct qtm_model_artifact *a)
{
	char *dir = qtm_cache_path(ctx, "artifacts");
	char *metrics = xasprintf("%s/%s.metrics.json", dir, a->build_id);

	if (a->path != NULL)
		unlink(a->path);
	unlink(metrics);
	free(metrics);
	free(dir);
}
