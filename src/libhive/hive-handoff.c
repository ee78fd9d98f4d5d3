/* hive-handoff.c - a training run by the hive on behalf of qtm install: the hive's trainer
 * (trainer.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "curve.h"
#include "hash.h"
#include "hive-attest.h"
#include "hive-client.h"
#include "hive-handoff.h"
#include "hive-job.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "model.h"
#include "progress.h"
#include "trainer.h"
#include "xalloc.h"

/* The key pinned for the hive at url (hive-attest.h): 0, 1 when there is none and the training
 * is to run here (with a warning), or -EKEYREJECTED. */
static int
pinned_key(struct qtm_ctx *ctx, const struct qtm_model_build_opts *o, bool quiet, const char *url,
    struct qtm_key *key)
{
	char *origin = NULL;
	int rc = qtm_hive_key_pinned(ctx, key, &origin);

	if (rc == -ENOENT && origin == NULL) {
		if (o->hive_mode == QTM_HIVE_ONLY)
			return qtm_error(ctx, -EKEYREJECTED, _("--hive-only: no key is pinned for the hive %s (QTM_HIVE_KEY, "
			    "or hive_key in qtm.conf), so its artifacts cannot be trusted"), url);
		if (!quiet)
			qtm_warn(ctx, _("no key is pinned for the hive %s (QTM_HIVE_KEY, or hive_key in qtm.conf): training "
			    "here instead"), url);
		return 1;
	}
	if (rc < 0) {
		qtm_error_prefix(ctx, _("the key pinned for the hive (%s)"), origin);
		rc = -EKEYREJECTED;
	}
	free(origin);
	return rc;
}

/* A connection to the configured hive, and the key its artifacts must be attested by. */
struct session {
	struct qtm_hive_client *c;
	struct qtm_key key;
};

static void
hive_close(void *session)
{
	struct session *s = session;

	if (s == NULL)
		return;
	qtm_hive_client_free(s->c);
	qtm_key_free(&s->key);
	free(s);
}

static int
hive_configured(struct qtm_ctx *ctx, const char *url_opt)
{
	char *url = NULL, *token = NULL;
	int rc = qtm_hive_resolve(ctx, url_opt, NULL, 0, &url, &token);

	free(url);
	free(token);
	return rc;
}

/* Connects to the configured hive (trainer.h, open). */
static int
connect_hive(struct qtm_ctx *ctx, const struct qtm_model_build_opts *o, bool quiet,
    struct qtm_hive_client **c, struct qtm_key *key)
{
	char *url = NULL, *token = NULL;
	cJSON *health = NULL;
	int rc;

	*c = NULL;
	memset(key, 0, sizeof *key);
	if (o->hive_mode == QTM_HIVE_LOCAL)
		return 1;
	rc = qtm_hive_resolve(ctx, o->hive_url, NULL, 0, &url, &token);
	if (rc == -ENOENT && o->hive_mode != QTM_HIVE_ONLY)
		return 1;
	if (rc == -ENOENT)
		return qtm_error(ctx, -EHOSTUNREACH, _("--hive-only: no hive is configured (--hive, QTM_HIVE or hive in qtm.conf)"));
	if (rc == 0 && (rc = pinned_key(ctx, o, quiet, url, key)) != 0) {
		free(url);
		free(token);
		return rc;
	}
	if (rc == 0 && (rc = qtm_hive_client_new(ctx, url, token, c)) == 0 &&
	    (rc = qtm_hive_call(ctx, *c, "GET", "/health", NULL, &health)) > 0)
		rc = 0;   /* the HTTP status */
	cJSON_Delete(health);
	if (rc < 0) {
		qtm_hive_client_free(*c);
		qtm_key_free(key);
		*c = NULL;
		if (quiet) {
			rc = -EHOSTUNREACH;
		} else if (o->hive_mode != QTM_HIVE_ONLY) {
			qtm_warn(ctx, _("the hive is not usable (%s): training here instead"), qtm_strerror(ctx));
			rc = 1;
		} else {
			qtm_error_prefix(ctx, _("--hive-only"));
			if (rc != -EACCES)
				rc = -EHOSTUNREACH;
		}
	}
	free(url);
	free(token);
	return rc > 0 ? 1 : rc;
}

static int
hive_open(struct qtm_ctx *ctx, const struct qtm_model_build_opts *o, bool quiet, void **session)
{
	struct session *s = xcalloc(1, sizeof *s);
	int rc = connect_hive(ctx, o, quiet, &s->c, &s->key);

	if (rc != 0) {
		hive_close(s);
		s = NULL;
	}
	*session = s;
	return rc;
}

/* The hive needs every model input's artifact: it gets any it lacks from the local cache. */
static int
send_inputs(struct qtm_ctx *ctx, struct qtm_hive_client *c, const cJSON *body)
{
	const cJSON *id;

	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(body, "depends_on")) {
		char *path = xasprintf("%s/artifacts/%s.tar.zst", ctx->cache_dir, id->valuestring);
		char *route = xasprintf("/v1/artifact/%s", id->valuestring), hex[QTM_SHA256_HEX];
		long status = 0;
		int rc = qtm_hive_request(ctx, c, "HEAD", route, NULL, &status, NULL);

		if (rc == 0 && status == 404) {
			if (access(path, F_OK) < 0)
				rc = qtm_error(ctx, -ENOENT, _("the hive lacks the artifact of input build %.12s and this machine has no copy (%s) to send"),
				    id->valuestring, path);
			else if ((rc = qtm_sha256_file(ctx, path, hex, NULL)) == 0)
				rc = qtm_hive_upload(ctx, c, id->valuestring, NULL, path, hex, NULL);
		}
		free(path);
		free(route);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
show_progress(struct qtm_progress *p, const cJSON *job)
{
	const cJSON *prog = cJSON_GetObjectItemCaseSensitive(job, "progress");
	const cJSON *loss = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(job, "loss"),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(job, "loss")) - 1);
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "state"));
	const char *runner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "runner"));
	char extra[128];

	if (cJSON_IsArray(loss) && cJSON_IsNumber(cJSON_GetArrayItem(loss, 1)))
		snprintf(extra, sizeof extra, "%s %s, loss %.4g", state != NULL ? state : "?",
		    runner != NULL ? runner : "", cJSON_GetArrayItem(loss, 1)->valuedouble);
	else
		snprintf(extra, sizeof extra, "%s %s", state != NULL ? state : "?", runner != NULL ? runner : "");
	qtm_progress_update_extra(p, cJSON_IsNumber(prog) ? (uint64_t)(prog->valuedouble * 100) : 0, extra);
}

/* Polls the job until it ends; *job is its last state (owned by the caller). */
static int
follow(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *label, long long id, cJSON **job)
{
	char *route = xasprintf("/jobs/%lld", id);
	struct qtm_progress *p = qtm_progress_new(ctx, label, 100, true);
	const char *state = NULL;
	int rc = 0, lost = 0;

	*job = NULL;
	for (;;) {
		cJSON_Delete(*job);
		*job = NULL;
		if ((rc = qtm_hive_call(ctx, c, "GET", route, NULL, job)) < 0) {
			/* A restarting hive keeps its queue: wait a little before giving up. */
			if (++lost > 60)
				break;
		} else {
			rc = 0;
			lost = 0;
			state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*job, "state"));
			show_progress(p, *job);
			if (state != NULL && (strcmp(state, "completed") == 0 || strcmp(state, "failed") == 0 ||
			    strcmp(state, "cancelled") == 0))
				break;
		}
		usleep(rc < 0 ? 1000000 : 250000);
	}
	qtm_progress_done(p, rc == 0 && state != NULL && strcmp(state, "completed") == 0);
	free(route);
	return rc;
}

/* The finished job's artifact and metrics, or the reason it did not finish. */
static int
collect(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct qtm_key *key, const struct qtm_manifest *m,
    const cJSON *job, long long id, struct qtm_model_artifact *out, const char *metrics_path)
{
	struct qtm_hive_attestation att = { 0 };
	char got[QTM_SHA256_HEX];
	uint64_t size = 0;
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "state"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "error"));
	const char *runner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "runner"));
	const cJSON *art = cJSON_GetObjectItemCaseSensitive(job, "artifact");
	const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(art, "sha256"));
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(job, "metrics");
	cJSON *none = NULL;
	int rc;

	if (state != NULL && strcmp(state, "cancelled") == 0)
		return qtm_error(ctx, -ECANCELED, _("hive job %lld (%s) was cancelled"), id, m->name);
	if (state == NULL || strcmp(state, "completed") != 0)
		return qtm_error(ctx, -ECHILD, _("hive job %lld training %s failed: %s (log: %s/jobs/%lld/logs)"),
		    id, m->name, err != NULL ? err : _("no reason given"), qtm_hive_client_url(c), id);
	if (sha == NULL || !qtm_sha256_valid(sha))
		return qtm_error(ctx, -EBADMSG, _("hive job %lld completed without an artifact sha256"), id);
	if ((rc = qtm_hive_download(ctx, c, out->build_id, out->path, sha, got, &size)) < 0)
		return rc;
	/* Installed only as the hive attests it: bytes from anyone else are dropped here. */
	if ((rc = qtm_hive_attest_fetch(ctx, c, key, out->build_id, got, size, &att)) < 0) {
		unlink(out->path);
		return rc;
	}
	if (!cJSON_IsObject(metrics))
		metrics = none = cJSON_CreateObject();
	rc = qtm_json_save(ctx, metrics_path, metrics, true);
	cJSON_Delete(none);
	if (att.runner != NULL)
		out->trained_by = xasprintf("hive:%s (job %lld attempt %d, attested by key %s at %s)", att.runner,
		    (long long)att.job, att.attempt, key->id, qtm_hive_client_url(c));
	else
		out->trained_by = xasprintf("hive:operator (uploaded by the hive's operator, attested by key %s at %s)",
		    key->id, qtm_hive_client_url(c));
	runner = att.runner != NULL ? att.runner : _("the hive's operator");
	/* The job's loss reports, [[t, value], ...], t the runner's clock: kept as seconds since the first. */
	out->curve = qtm_curve_from_json(cJSON_GetObjectItemCaseSensitive(job, "loss"));
	qtm_curve_rebase(out->curve);
	if (rc == 0)
		qtm_info(ctx, _("The hive trained %s (job %lld on runner %s)"), m->name, id, runner);
	qtm_hive_attestation_clear(&att);
	return rc;
}

/* Submits the training (after sending the model inputs the hive lacks); *id is its job. */
static int
submit(struct qtm_ctx *ctx, struct qtm_hive_client *c, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    const struct qtm_model_artifact *out, long long *id)
{
	cJSON *body = NULL, *job = NULL;
	int rc;

	if ((rc = qtm_hive_job_submit_body(ctx, db, m, o, out->params, in, out->build_id, &body)) == 0 &&
	    (rc = send_inputs(ctx, c, body)) == 0 &&
	    (rc = qtm_hive_call(ctx, c, "POST", "/jobs/submit", body, &job)) >= 0) {
		*id = (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id"));
		rc = 0;
	}
	cJSON_Delete(body);
	cJSON_Delete(job);
	return rc;
}

static int
hive_submit(void *session, struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    const struct qtm_model_artifact *out, long long *id)
{
	struct session *s = session;
	int rc = submit(ctx, s->c, db, m, o, in, out, id);

	if (rc == 0 && o->submit_ahead)
		qtm_info(ctx, _("Submitted %s to the hive %s ahead of its turn (job %lld)"), m->name,
		    qtm_hive_client_url(s->c), *id);
	return rc;
}

static int
hive_wait(void *session, struct qtm_ctx *ctx, const struct qtm_manifest *m, long long id, cJSON **job)
{
	struct session *s = session;

	qtm_info(ctx, _("Training %s on the hive %s (job %lld)"), m->name, qtm_hive_client_url(s->c), id);
	return follow(ctx, s->c, m->name, id, job);
}

static int
hive_fetch_artifact(void *session, struct qtm_ctx *ctx, const struct qtm_manifest *m, const cJSON *job,
    long long id, struct qtm_model_artifact *out, const char *metrics_path)
{
	struct session *s = session;

	return collect(ctx, s->c, &s->key, m, job, id, out, metrics_path);
}

const struct qtm_trainer qtm_hive_trainer = {
	.configured = hive_configured,
	.open = hive_open,
	.submit = hive_submit,
	.wait = hive_wait,
	.fetch_artifact = hive_fetch_artifact,
	.close = hive_close,
};
