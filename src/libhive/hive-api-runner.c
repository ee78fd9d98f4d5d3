/* hive-api-runner.c - the runners' routes (/v1/...): enroll, claim, heartbeat, log, complete,
 * fail, and artifacts, uploaded by streaming to a temporary file while hashing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "hive-conf.h"
#include "hive-db.h"
#include "hive-inline.h"
#include "hive-sched.h"
#include "hive-server-internal.h"
#include "i18n.h"
#include "paths.h"
#include "random-token.h"
#include "xalloc.h"

static enum MHD_Result
reply_ok(struct MHD_Connection *c)
{
	return qtm_hive_reply(c, MHD_HTTP_OK, "application/json", "{\"ok\":true}", 11);
}

static enum MHD_Result
enroll(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq)
{
	static const char *const fields[] = { "name", "host", "executor", "capability", NULL };
	char secret[65], hash[QTM_SHA256_HEX], *id = NULL;
	cJSON *body, *j;
	int rc;

	if (!qtm_hive_token_eq(qtm_hive_bearer(c), srv->runner_token))
		return hive_unauthorized(c, "POST /v1/runners/enroll (the enrollment token)");
	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, "POST /v1/runners/enroll", &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (qtm_random_hex(secret, 32) < 0)
		abort();   /* cannot happen once the kernel's pool is ready */
	qtm_sha256_buf(secret, strlen(secret), hash);
	rc = qtm_hive_db_enroll(srv->ctx, srv->db, body, hash, hive_now(), &id);
	cJSON_Delete(body);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "runner_id", id);
	cJSON_AddStringToObject(j, "secret", secret);
	cJSON_AddNumberToObject(j, "lease_ttl_s", srv->conf->lease_ttl_s);
	cJSON_AddNumberToObject(j, "heartbeat_s", srv->conf->lease_ttl_s / 3 > 0 ? srv->conf->lease_ttl_s / 3 : 1);
	free(id);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
claim(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq, const char *runner)
{
	static const char *const fields[] = { "runner_id", "job", NULL };
	struct qtm_hive_sched_policy pol = { .now = hive_now(), .gpu_grace_s = srv->conf->gpu_grace_s,
		.allow_hosts = srv->conf->allow_hosts, .deny_hosts = srv->conf->deny_hosts };
	const cJSON *job;
	const char *id;
	cJSON *body, *out = NULL;
	int64_t job_id = 0;
	int rc;

	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, "POST /v1/job/claim", &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "runner_id"));
	if (id == NULL || strcmp(id, runner) != 0) {
		cJSON_Delete(body);
		return qtm_hive_reply_error(c, MHD_HTTP_UNAUTHORIZED, _("POST /v1/job/claim: runner_id is not the "
		    "runner this secret was issued to"));
	}
	/* "job": only that job (qtm-runner --job ID, e.g. one Slurm job per hive job). */
	job = cJSON_GetObjectItemCaseSensitive(body, "job");
	if (job != NULL && (!cJSON_IsNumber(job) || job->valuedouble < 1 || job->valuedouble > 9007199254740992.0 ||
	    job->valuedouble != (double)(int64_t)job->valuedouble)) {
		cJSON_Delete(body);
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("POST /v1/job/claim: \"job\" must be a job id "
		    "(a whole number >= 1)"));
	}
	if (job != NULL)
		job_id = (int64_t)job->valuedouble;
	if (srv->draining) {   /* stopping: the job stays pending for the next start */
		cJSON_Delete(body);
		return qtm_hive_reply(c, MHD_HTTP_NO_CONTENT, "application/json", "", 0);
	}
	rc = qtm_hive_db_claim(srv->ctx, srv->db, runner, job_id, &pol, srv->conf->lease_ttl_s, &out);
	cJSON_Delete(body);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (out == NULL)
		return qtm_hive_reply(c, MHD_HTTP_NO_CONTENT, "application/json", "", 0);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, out);
}

static double
opt_num(const cJSON *body, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : -1;
}

/* field is absent, or a number from 0 to max. */
static bool
num_within(const cJSON *body, const char *field, double max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);

	return v == NULL || (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= max);
}

static enum MHD_Result
heartbeat(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq, int64_t id,
    const char *runner)
{
	static const char *const fields[] = { "lease", "progress", "eta_s", "loss", NULL };
	cJSON *body, *j;
	bool cancel = false;
	int rc;

	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, "POST /v1/job/heartbeat", &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (!num_within(body, "progress", 1) || !num_within(body, "eta_s", 1e9)) {
		cJSON_Delete(body);
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("POST /v1/job/heartbeat: \"progress\" must be "
		    "a number from 0 to 1 and \"eta_s\" a number of seconds from 0 to 1e9"));
	}
	rc = qtm_hive_db_heartbeat(srv->ctx, srv->db, id,
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "lease")), runner, opt_num(body, "progress"),
	    opt_num(body, "eta_s"), cJSON_GetObjectItemCaseSensitive(body, "loss"), hive_now(),
	    srv->conf->lease_ttl_s, &cancel);
	cJSON_Delete(body);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "cancel", cancel);
	cJSON_AddNumberToObject(j, "lease_ttl_s", srv->conf->lease_ttl_s);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

/* POST /v1/job/{id}/log?lease=L: appended to the current attempt's log (no fsync: a log
 * is for people; losing its tail in a power cut is acceptable). */
static enum MHD_Result
append_log(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq, int64_t id,
    const char *runner)
{
	char *dir, *path;
	int seq, rc, fd;

	if (rq->body.too_large)
		return qtm_hive_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, _("log: the body is larger than max_body_kib"));
	if ((rc = qtm_hive_db_check_lease(srv->ctx, srv->db, id, qtm_hive_query(c, "lease"), runner, &seq)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	dir = xasprintf("%s/%lld", srv->logs_dir, (long long)id);
	path = xasprintf("%s/%d.log", dir, seq);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0 && errno == ENOENT &&
	    qtm_mkdir_p(srv->ctx, dir, 0755) == 0)
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	rc = fd >= 0 && (rq->body.len == 0 || write(fd, rq->body.data, rq->body.len) == (ssize_t)rq->body.len) ? 0 :
	    qtm_error(srv->ctx, -EIO, _("cannot append to %s: %s"), path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	free(path);
	return rc < 0 ? qtm_hive_reply_ctx(c, srv->ctx, rc) : reply_ok(c);
}

/* "artifact": the bytes inline (hive-job.h), checked against "sha256" and "size" exactly as
 * an upload is, and stored under the job's build id unless the hive holds it already.  Only
 * for the job's current lease: a stale runner stores nothing. */
static int
inline_artifact(struct qtm_hive_server *srv, const cJSON *body, struct qtm_hive_result *r, char **attestation)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "artifact");
	char build_id[QTM_SHA256_HEX], got[QTM_SHA256_HEX], held[QTM_SHA256_HEX];
	unsigned char *bytes = NULL;
	size_t len = 0;
	int rc, seq;

	if (a == NULL)
		return 0;
	if (!cJSON_IsString(a) ||
	    (rc = qtm_hive_inline_decode(a->valuestring, QTM_HIVE_INLINE_MAX, &bytes, &len)) == -EINVAL)
		return qtm_error(srv->ctx, -EINVAL, _("complete of job %lld: \"artifact\" must be base64 text"),
		    (long long)r->id);
	if (rc == -EFBIG)
		return qtm_error(srv->ctx, -EFBIG, _("complete of job %lld: an artifact sent inline holds at most %u "
		    "bytes: upload it (PUT /v1/artifact)"), (long long)r->id, QTM_HIVE_INLINE_MAX);
	qtm_sha256_buf(bytes, len, got);
	if (strcmp(got, r->sha256) != 0 || len != r->size)
		rc = qtm_error(srv->ctx, -EBADMSG, _("complete of job %lld: the %zu bytes of the artifact have sha256 "
		    "%s, not %s (%llu bytes): nothing was stored"), (long long)r->id, len, got, r->sha256,
		    (unsigned long long)r->size);
	else if ((rc = qtm_hive_db_check_lease(srv->ctx, srv->db, r->id, r->lease, r->runner, &seq)) == 0 &&
	    (rc = qtm_hive_db_build_id(srv->ctx, srv->db, r->id, build_id)) == 0 &&
	    qtm_hive_db_artifact(srv->ctx, srv->db, build_id, held, NULL) < 0 &&
	    (rc = hive_attest(srv, build_id, r->sha256, r->size, r->runner, r->id, seq, attestation)) == 0 &&
	    (rc = hive_artifact_write(srv, build_id, bytes, len)) == 0)
		r->add_artifact = true;
	r->attestation = *attestation;
	free(bytes);
	return rc;
}

/* With "claim": true the runner's next job comes in the same answer ("next", as a claim's
 * body, or null), claimed in the completion's transaction: one request less per job for a
 * busy runner. */
static enum MHD_Result
complete(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq, int64_t id, const char *runner)
{
	static const char *const fields[] = { "lease", "sha256", "size", "metrics", "wall_s", "claim", "artifact",
		NULL };
	struct qtm_hive_sched_policy pol = { .now = hive_now(), .gpu_grace_s = srv->conf->gpu_grace_s,
		.allow_hosts = srv->conf->allow_hosts, .deny_hosts = srv->conf->deny_hosts };
	struct qtm_hive_next_claim nc = { .runner_id = runner, .pol = &pol, .lease_ttl_s = srv->conf->lease_ttl_s };
	struct qtm_hive_result r = { .id = id, .runner = runner };
	char *attestation = NULL;
	cJSON *body, *next = NULL, *j;
	bool claim_next;
	double size;
	int rc;

	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, "POST /v1/job/complete", &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	r.sha256 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "sha256"));
	r.lease = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "lease"));
	r.metrics = cJSON_GetObjectItemCaseSensitive(body, "metrics");
	size = opt_num(body, "size");
	r.size = size >= 0 ? (uint64_t)size : 0;
	claim_next = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "claim"));
	if (r.sha256 == NULL || !qtm_sha256_valid(r.sha256) || size < 0)
		rc = qtm_error(srv->ctx, -EINVAL, _("complete of job %lld: \"sha256\" (64 hex digits) and \"size\" are "
		    "required"), (long long)id);
	else if ((rc = inline_artifact(srv, body, &r, &attestation)) == 0)
		rc = qtm_hive_db_complete(srv->ctx, srv->db, &r, pol.now, claim_next && !srv->draining ? &nc : NULL,
		    &next);
	cJSON_Delete(body);
	free(attestation);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (!claim_next)
		return reply_ok(c);
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddItemToObject(j, "next", next != NULL ? next : cJSON_CreateNull());
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
fail(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq, int64_t id, const char *runner)
{
	static const char *const fields[] = { "lease", "error", "permanent", NULL };
	const char *err;
	cJSON *body, *job = NULL;
	int rc;

	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, "POST /v1/job/fail", &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "error"));
	rc = qtm_hive_db_fail(srv->ctx, srv->db, id, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "lease")), runner,
	    err != NULL ? err : _("the runner gave no reason"),
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "permanent")), hive_now(), &job);
	cJSON_Delete(body);
	return rc < 0 ? qtm_hive_reply_ctx(c, srv->ctx, rc) : qtm_hive_reply_json(c, MHD_HTTP_OK, job);
}

static enum MHD_Result
job_call(struct qtm_hive_server *srv, struct MHD_Connection *c, const struct hive_path *p, struct hive_req *rq,
    const char *runner)
{
	int64_t id = hive_job_id(p->seg[2]);
	const char *op = p->seg[3];

	if (id == 0)
		return qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, _("no such job"));
	if (strcmp(op, "heartbeat") == 0)
		return heartbeat(srv, c, rq, id, runner);
	if (strcmp(op, "log") == 0)
		return append_log(srv, c, rq, id, runner);
	if (strcmp(op, "complete") == 0)
		return complete(srv, c, rq, id, runner);
	if (strcmp(op, "fail") == 0)
		return fail(srv, c, rq, id, runner);
	return qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, _("no such runner call"));
}

enum MHD_Result
hive_api_runner(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method,
    const struct hive_path *p, struct hive_req *rq, bool *handled)
{
	char *runner;
	enum MHD_Result r;

	*handled = p->n >= 1 && strcmp(p->seg[0], "v1") == 0;
	if (!*handled)
		return MHD_YES;
	if (p->n == 3 && strcmp(p->seg[1], "artifact") == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
		return hive_artifact_get(srv, c, p->seg[2]);
	if (p->n == 4 && strcmp(p->seg[1], "artifact") == 0 && strcmp(p->seg[3], "attestation") == 0 &&
	    strcmp(method, "GET") == 0)
		return hive_attestation_get(srv, c, p->seg[2]);
	if (strcmp(method, "POST") != 0)
		return qtm_hive_reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, _("runner calls are POST requests"));
	if (p->n == 3 && strcmp(p->seg[1], "runners") == 0 && strcmp(p->seg[2], "enroll") == 0)
		return enroll(srv, c, rq);
	if ((runner = hive_runner_auth(srv, c)) == NULL)
		return hive_unauthorized(c, _("runner call (the secret returned by enroll)"));
	if (p->n == 3 && strcmp(p->seg[1], "job") == 0 && strcmp(p->seg[2], "claim") == 0)
		r = claim(srv, c, rq, runner);
	else if (p->n == 4 && strcmp(p->seg[1], "job") == 0)
		r = job_call(srv, c, p, rq, runner);
	else
		r = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, _("no such runner call"));
	free(runner);
	return r;
}
