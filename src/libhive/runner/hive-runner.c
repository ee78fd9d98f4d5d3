/* hive-runner.c - the runner's loop: enroll, claim, run each job in a worker, report. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "hive-client.h"
#include "hive-enroll.h"
#include "hive-inline.h"
#include "hive-job-exec.h"
#include "hive-runner.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "text.h"
#include "xalloc.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
#define LOG_CHUNK (256u << 10)     /* per POST: well under the hive's default 1 MiB body limit */
#define MAX_LOSS_POINTS 512        /* a heartbeat carries at most this many (thinned out) */

static volatile sig_atomic_t stop_flag;

void
qtm_hive_runner_stop(void)
{
	stop_flag = 1;
}

/* Sleeps, but returns early when a signal (SIGTERM) arrives. */
static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- one job: the worker (a forked child) ------------------------------------------------- */

struct job {
	long long id;
	const char *module, *version, *build_id, *lease;
	const cJSON *spec;
	char *dir, *work, *log, *result;   /* owned */
	double started;
	bool chained;                      /* it came with the last job's completion, not a claim */
	/* Streaming and progress, in the parent. */
	long long log_sent;
	char line[4096];
	size_t line_len;
	double progress, eta_s;
	bool have_progress;
	cJSON *loss;                       /* [[t, value], ...] owned */
};

struct fetch_arg {
	struct qtm_ctx *ctx;
	struct qtm_hive_client *c;
};

static int
fetch_artifact(void *arg, const char *build_id, const char *dest)
{
	struct fetch_arg *f = arg;

	return qtm_hive_download(f->ctx, f->c, build_id, dest, NULL, NULL, NULL);
}

static cJSON *
result_json(int rc, const struct qtm_ctx *ctx, const struct qtm_hive_exec_result *res)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddBoolToObject(j, "ok", rc == 0);
	if (rc == 0) {
		cJSON_AddStringToObject(j, "artifact", res->artifact);
		cJSON_AddStringToObject(j, "sha256", res->sha256);
		cJSON_AddNumberToObject(j, "size", (double)res->size);
		cJSON_AddItemToObject(j, "metrics", res->metrics != NULL ? cJSON_Duplicate(res->metrics, 1)
		    : cJSON_CreateObject());
	} else {
		cJSON_AddStringToObject(j, "error", qtm_strerror(ctx));
	}
	cJSON_AddNumberToObject(j, "wall_s", res->wall_s);
	cJSON_AddBoolToObject(j, "permanent", res->permanent != 0);
	return j;
}

/* In the child: executes the job and writes what came of it to job->result.  Never returns. */
static void __attribute__((noreturn))
worker(struct qtm_ctx *ctx, const char *url, const char *token, const struct job *job)
{
	struct qtm_hive_exec_result res = { 0 };
	struct fetch_arg fa = { ctx, NULL };
	int rc;

	setpgid(0, 0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if ((rc = qtm_hive_client_new(ctx, url, token, &fa.c)) == 0) {
		struct qtm_hive_exec x = {
			.spec = job->spec, .build_id = job->build_id, .work_dir = job->work,
			.log_path = job->log, .fetch_artifact = fetch_artifact, .fetch_arg = &fa,
		};

		rc = qtm_hive_job_execute(ctx, &x, &res);
	}
	cJSON *j = result_json(rc, ctx, &res);
	int saved = qtm_json_save(ctx, job->result, j, false);

	cJSON_Delete(j);
	qtm_hive_exec_result_clear(&res);
	qtm_hive_client_free(fa.c);
	/* _exit: the parent's atexit handlers and stdio buffers are not this process's to run. */
	_exit(saved == 0 ? 0 : 1);
}

/* ---- one job: the parent's side ----------------------------------------------------------- */

/* "@qtm progress {"step":3,"steps":10,"loss":0.5}" (train.c's format): progress, ETA, loss. */
static void
parse_progress(struct job *job, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *step = cJSON_GetObjectItem(j, "step"), *steps = cJSON_GetObjectItem(j, "steps");
	const cJSON *loss = cJSON_GetObjectItem(j, "loss");

	if (cJSON_IsNumber(step) && cJSON_IsNumber(steps) && steps->valuedouble > 0) {
		double p = step->valuedouble / steps->valuedouble, elapsed = qtm_mono_s() - job->started;

		job->progress = p < 0 ? 0 : p > 1 ? 1 : p;
		job->eta_s = job->progress > 0 ? elapsed * (1 - job->progress) / job->progress : -1;
		job->have_progress = true;
	}
	if (cJSON_IsNumber(loss)) {
		cJSON *pt = cJSON_CreateArray();

		cJSON_AddItemToArray(pt, cJSON_CreateNumber(qtm_wall_s()));
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(loss->valuedouble));
		cJSON_AddItemToArray(job->loss, pt);
		/* Thin out a long curve: every other point of the older half. */
		if (cJSON_GetArraySize(job->loss) > MAX_LOSS_POINTS)
			for (int i = 1; i < MAX_LOSS_POINTS / 2; i++)
				cJSON_DeleteItemFromArray(job->loss, i);
	}
	cJSON_Delete(j);
}

/* Feeds streamed log bytes through a line buffer to find the progress lines. */
static void
scan_lines(struct job *job, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (job->line_len < sizeof job->line - 1)
				job->line[job->line_len++] = data[i];
			continue;
		}
		job->line[job->line_len] = '\0';
		if (strncmp(job->line, "@qtm progress ", 14) == 0)
			parse_progress(job, job->line + 14);
		job->line_len = 0;
	}
}

/* Sends the log's new bytes.  Returns the HTTP status of the last post (0: nothing to send or
 * the hive did not answer: tried again later). */
static long
stream_log(struct qtm_ctx *ctx, struct qtm_hive_client *c, struct job *job)
{
	char *buf = xmalloc(LOG_CHUNK);
	int fd = open(job->log, O_RDONLY | O_CLOEXEC);
	long status = 0;
	ssize_t n;

	while (fd >= 0 && (n = pread(fd, buf, LOG_CHUNK, (off_t)job->log_sent)) > 0) {
		if (qtm_hive_log_post(ctx, c, job->id, job->lease, buf, (size_t)n, &status) < 0) {
			status = 0;
			break;
		}
		if (status < 200 || status > 299)
			break;
		scan_lines(job, buf, (size_t)n);
		job->log_sent += n;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return status;
}

enum verdict { GO_ON, CANCEL, ABANDON };

static enum verdict
heartbeat(struct qtm_ctx *ctx, struct qtm_hive_client *c, struct job *job, int *ttl)
{
	char *path = xasprintf("/v1/job/%lld/heartbeat", job->id);
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	enum verdict v = GO_ON;
	long status = 0;

	cJSON_AddStringToObject(body, "lease", job->lease);
	if (job->have_progress) {
		cJSON_AddNumberToObject(body, "progress", job->progress);
		if (job->eta_s >= 0)
			cJSON_AddNumberToObject(body, "eta_s", job->eta_s);
	}
	if (cJSON_GetArraySize(job->loss) > 0)
		cJSON_AddItemToObject(body, "loss", cJSON_Duplicate(job->loss, 1));
	if (qtm_hive_request(ctx, c, "POST", path, body, &status, &resp) < 0)
		qtm_verbose(ctx, _("job %lld: heartbeat: %s (trying again)"), job->id, qtm_strerror(ctx));
	else if (status == 409 || status == 403)   /* 403: the lease is another runner's */
		v = ABANDON;
	else if (status == 200 && cJSON_IsTrue(cJSON_GetObjectItem(resp, "cancel")))
		v = CANCEL;
	if (status == 200 && cJSON_IsNumber(cJSON_GetObjectItem(resp, "lease_ttl_s")))
		*ttl = cJSON_GetObjectItem(resp, "lease_ttl_s")->valueint;
	cJSON_Delete(resp);
	cJSON_Delete(body);
	free(path);
	return v;
}

static void
kill_worker(pid_t pid)
{
	kill(-pid, SIGKILL);   /* its process group: the worker and what it started */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct runner {
	struct qtm_ctx *ctx;
	struct qtm_hive_client *c;
	const struct qtm_hive_runner_opts *o;
	char *runner_id;
	int heartbeat_s, lease_ttl_s;
	cJSON *results;
};

/* Watches the worker until it exits or must be stopped; returns what happened. */
static enum verdict
supervise(struct runner *r, struct job *job, pid_t pid, int *wstatus, bool *interrupted)
{
	double next_hb = qtm_mono_s() + r->heartbeat_s, next_log = qtm_mono_s() + 1;
	enum verdict v = GO_ON;

	for (;;) {
		pid_t w = waitpid(pid, wstatus, WNOHANG);

		if (w == pid)
			return GO_ON;
		if (stop_flag) {
			*interrupted = true;
			kill_worker(pid);
			return CANCEL;
		}
		if (qtm_mono_s() >= next_log) {
			if (stream_log(r->ctx, r->c, job) == 409)
				v = ABANDON;
			next_log = qtm_mono_s() + 1;
		}
		if (v == GO_ON && qtm_mono_s() >= next_hb) {
			v = heartbeat(r->ctx, r->c, job, &r->lease_ttl_s);
			next_hb = qtm_mono_s() + r->heartbeat_s;
		}
		if (v != GO_ON) {
			kill_worker(pid);
			return v;
		}
		nap_ms(100);
	}
}

static int
report_fail(struct runner *r, struct job *job, const char *error, bool permanent)
{
	char *path = xasprintf("/v1/job/%lld/fail", job->id);
	cJSON *body = cJSON_CreateObject();
	char *clean = error != NULL ? qtm_term_escape(error) : NULL;   /* the hive refuses control characters */
	long status = 0;
	int rc;

	cJSON_AddStringToObject(body, "lease", job->lease);
	cJSON_AddStringToObject(body, "error", clean);
	free(clean);
	cJSON_AddBoolToObject(body, "permanent", permanent);
	rc = qtm_hive_request(r->ctx, r->c, "POST", path, body, &status, NULL);
	if (rc == 0 && status != 200 && status != 409)
		qtm_warn(r->ctx, _("hive %s: job %lld: reporting the failure: HTTP %ld"), qtm_hive_client_url(r->c),
		    job->id, status);
	cJSON_Delete(body);
	free(path);
	return rc;
}

/* The artifact, inline in the completion when it is small (hive-job.h): one request less, and
 * no lease renewal needed before a long upload.  *inlined false: it must be uploaded. */
static int
add_inline(struct runner *r, cJSON *body, const char *artifact, const cJSON *res, bool *inlined)
{
	const cJSON *size = cJSON_GetObjectItem(res, "size");
	char *data;
	size_t len;
	int rc;

	*inlined = false;
	if (!cJSON_IsNumber(size) || size->valuedouble > QTM_HIVE_INLINE_MAX)
		return 0;
	if ((rc = qtm_read_file(r->ctx, artifact, &data, &len)) < 0)
		return rc;
	if (len <= QTM_HIVE_INLINE_MAX) {
		char *text = qtm_hive_inline_encode(data, len);

		cJSON_AddStringToObject(body, "artifact", text);
		free(text);
		*inlined = true;
	}
	free(data);
	return 0;
}

/* POST /v1/job/{id}/complete: 0, -ECANCELED (409: the lease is no longer ours) or an error. */
static int
complete_call(struct runner *r, const char *path, const cJSON *body, cJSON **resp)
{
	int rc;

	cJSON_Delete(*resp);
	*resp = NULL;
	rc = qtm_hive_call(r->ctx, r->c, "POST", path, body, resp);
	return rc == -EBUSY ? -ECANCELED : rc > 0 ? 0 : rc;
}

/* The lease renewed, then the artifact uploaded with its own PUT. */
static int
upload(struct runner *r, struct job *job, const char *artifact, const char *sha)
{
	int ttl = r->lease_ttl_s;

	if (heartbeat(r->ctx, r->c, job, &ttl) == ABANDON)   /* renew the lease before a long upload */
		return -ECANCELED;
	return qtm_hive_upload(r->ctx, r->c, job->build_id, job->lease, artifact, sha, NULL);
}

/* Uploads the artifact (or sends it inline) and completes the job; 0, -ECANCELED (stale lease)
 * or an error.  With next (not NULL), the completion also claims the runner's next job
 * ("claim": true): *next is then its claim answer, or NULL when nothing fits. */
static int
report_success(struct runner *r, struct job *job, const cJSON *res, cJSON **next)
{
	const char *artifact = cJSON_GetStringValue(cJSON_GetObjectItem(res, "artifact"));
	const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(res, "sha256"));
	char *path = xasprintf("/v1/job/%lld/complete", job->id);
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	bool inlined = false;
	int rc;

	if (artifact == NULL || sha == NULL)
		rc = qtm_error(r->ctx, -EINVAL, _("job %lld: the worker's result names no artifact"), job->id);
	else if ((rc = add_inline(r, body, artifact, res, &inlined)) == 0 && !inlined)
		rc = upload(r, job, artifact, sha);
	if (rc == 0) {
		cJSON_AddStringToObject(body, "lease", job->lease);
		cJSON_AddStringToObject(body, "sha256", sha);
		cJSON_AddItemToObject(body, "size", cJSON_Duplicate(cJSON_GetObjectItem(res, "size"), 1));
		if (cJSON_IsObject(cJSON_GetObjectItem(res, "metrics")))
			cJSON_AddItemToObject(body, "metrics", cJSON_Duplicate(cJSON_GetObjectItem(res, "metrics"), 1));
		cJSON_AddItemToObject(body, "wall_s", cJSON_Duplicate(cJSON_GetObjectItem(res, "wall_s"), 1));
		if (next != NULL)
			cJSON_AddBoolToObject(body, "claim", true);
		rc = complete_call(r, path, body, &resp);
		/* A hive older than inline artifacts refuses the field (400): it gets the PUT. */
		if (rc == -EINVAL && inlined) {
			cJSON_DeleteItemFromObject(body, "artifact");
			if ((rc = upload(r, job, artifact, sha)) == 0)
				rc = complete_call(r, path, body, &resp);
		}
	}
	if (rc == 0 && next != NULL && cJSON_IsObject(cJSON_GetObjectItem(resp, "next")))
		*next = cJSON_DetachItemFromObject(resp, "next");
	cJSON_Delete(resp);
	cJSON_Delete(body);
	free(path);
	return rc;
}

static void
record(struct runner *r, const struct job *job, const char *outcome, const char *error, const cJSON *res)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)job->id);
	cJSON_AddStringToObject(o, "module", job->module);
	cJSON_AddStringToObject(o, "version", job->version);
	cJSON_AddStringToObject(o, "build_id", job->build_id);
	cJSON_AddStringToObject(o, "outcome", outcome);
	if (error != NULL)
		cJSON_AddStringToObject(o, "error", error);
	cJSON_AddNumberToObject(o, "wall_s", qtm_mono_s() - job->started);
	cJSON_AddStringToObject(o, "via", job->chained ? "complete" : "claim");
	if (res != NULL && cJSON_IsString(cJSON_GetObjectItem(res, "sha256")))
		cJSON_AddStringToObject(o, "sha256", cJSON_GetObjectItem(res, "sha256")->valuestring);
	cJSON_AddItemToArray(r->results, o);
	qtm_info(r->ctx, _("job %lld (%s %s): %s%s%s"), job->id, job->module, job->version, outcome,
	    error != NULL ? ": " : "", error != NULL ? error : "");
}

/* After the worker exited by itself: its result, reported to the hive (*next as for
 * report_success). */
static int
finish(struct runner *r, struct job *job, int wstatus, cJSON **next)
{
	cJSON *res = NULL;
	int rc;

	stream_log(r->ctx, r->c, job);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || qtm_json_load(r->ctx, job->result, &res) < 0) {
		char why[256];

		snprintf(why, sizeof why, _("the runner's worker process died (%s %d)"),
		    WIFSIGNALED(wstatus) ? _("signal") : _("status"),
		    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
		report_fail(r, job, why, false);
		record(r, job, "failed", why, NULL);
		return qtm_error(r->ctx, -ECHILD, _("job %lld: %s"), job->id, why);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItem(res, "ok"))) {
		rc = report_success(r, job, res, next);
		if (rc == 0)
			record(r, job, "completed", NULL, res);
		else if (rc == -ECANCELED)
			record(r, job, "abandoned", _("the hive gave the job to another runner"), res);
		else
			record(r, job, "failed", qtm_strerror(r->ctx), res);
	} else {
		const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(res, "error"));

		report_fail(r, job, err != NULL ? err : _("unknown error"), cJSON_IsTrue(cJSON_GetObjectItem(res, "permanent")));
		record(r, job, "failed", err, res);
		rc = qtm_error(r->ctx, -EIO, _("job %lld (%s): %s"), job->id, job->module, err != NULL ? err : _("unknown error"));
	}
	cJSON_Delete(res);
	return rc;
}

static int
job_paths(struct runner *r, struct job *job)
{
	char *base = qtm_cache_path(r->ctx, "hive-runner");
	int rc;

	job->dir = base;
	job->work = xasprintf("%s/job-%lld", base, job->id);
	job->log = xasprintf("%s/job-%lld.log", base, job->id);
	job->result = xasprintf("%s/job-%lld.result.json", base, job->id);
	if ((rc = qtm_mkdir_p(r->ctx, base, 0755)) < 0 || (rc = qtm_rm_rf(r->ctx, job->work)) < 0)
		return rc;
	unlink(job->result);
	int fd = open(job->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return qtm_error(r->ctx, -errno, _("cannot create %s: %s"), job->log, strerror(errno));
	close(fd);
	return qtm_mkdir_p(r->ctx, job->work, 0755);
}

static void
job_clear(struct runner *r, struct job *job)
{
	if (job->work != NULL)
		qtm_rm_rf(r->ctx, job->work);
	if (job->log != NULL)
		unlink(job->log);
	if (job->result != NULL)
		unlink(job->result);
	free(job->dir);
	free(job->work);
	free(job->log);
	free(job->result);
	cJSON_Delete(job->loss);
}

static int
parse_claim(struct qtm_ctx *ctx, const cJSON *resp, struct job *job)
{
	const cJSON *j = cJSON_GetObjectItem(resp, "job");
	long long id;
	int rc;

	if (!cJSON_IsObject(j))
		return qtm_error(ctx, -EBADMSG, _("the hive's claim answer has no job"));
	if ((rc = qtm_json_int(ctx, j, "id", true, _("claimed job"), 1, (1LL << 53), &id)) < 0 ||
	    (rc = qtm_json_str(ctx, j, "module", true, _("claimed job"), &job->module)) < 0 ||
	    (rc = qtm_json_str(ctx, j, "version", true, _("claimed job"), &job->version)) < 0 ||
	    (rc = qtm_json_str(ctx, j, "build_id", true, _("claimed job"), &job->build_id)) < 0 ||
	    (rc = qtm_json_str(ctx, resp, "lease", true, _("claim"), &job->lease)) < 0)
		return rc;
	job->id = id;
	job->spec = cJSON_GetObjectItem(j, "spec");
	return 0;
}

/* Runs one claimed job to its end.  Returns 0 when it completed.  With next (not NULL), a
 * completed job's report also claims the next job: *next is its claim answer, or NULL. */
static int
run_job(struct runner *r, const cJSON *claim, bool chained, cJSON **next)
{
	struct job job = { 0 };
	bool interrupted = false;
	int rc, wstatus = 0;
	pid_t pid;

	job.loss = cJSON_CreateArray();
	job.started = qtm_mono_s();
	job.chained = chained;
	if ((rc = parse_claim(r->ctx, claim, &job)) < 0) {
		job_clear(r, &job);
		return rc;
	}
	qtm_info(r->ctx, _("job %lld: training %s %s (build %.12s)"), job.id, job.module, job.version, job.build_id);
	if ((rc = job_paths(r, &job)) < 0) {
		report_fail(r, &job, qtm_strerror(r->ctx), false);
		record(r, &job, "failed", qtm_strerror(r->ctx), NULL);
		job_clear(r, &job);
		return rc;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		rc = qtm_error(r->ctx, -errno, _("cannot fork a worker: %s"), strerror(errno));
		report_fail(r, &job, qtm_strerror(r->ctx), false);
	} else if (pid == 0) {
		worker(r->ctx, qtm_hive_client_url(r->c), qtm_hive_client_token(r->c), &job);
	} else {
		setpgid(pid, pid);   /* also in the child: whichever runs first */
		enum verdict v = supervise(r, &job, pid, &wstatus, &interrupted);

		if (v == GO_ON) {
			rc = finish(r, &job, wstatus, next);
		} else if (v == ABANDON) {
			record(r, &job, "abandoned", _("the hive gave the job to another runner"), NULL);
			rc = qtm_error(r->ctx, -ECANCELED, _("job %lld: the hive no longer holds this runner's lease"), job.id);
		} else {
			const char *why = interrupted ? _("the runner was stopped") : _("cancelled");

			stream_log(r->ctx, r->c, &job);
			report_fail(r, &job, why, false);
			record(r, &job, interrupted ? "interrupted" : "cancelled", why, NULL);
			rc = qtm_error(r->ctx, -ECANCELED, _("job %lld: %s"), job.id, why);
		}
	}
	job_clear(r, &job);
	return rc;
}

/* ---- enrollment and the claim loop -------------------------------------------------------- */

/* Takes on an identity the hive gave (now, or to qtm-runner enroll). */
static void
adopt(struct runner *r, const char *id, const char *secret, int hb, int ttl)
{
	free(r->runner_id);
	r->runner_id = xstrdup(id);
	qtm_hive_client_set_token(r->c, secret);
	/* Renew well within the lease whatever the hive suggests. */
	r->lease_ttl_s = ttl;
	r->heartbeat_s = hb < ttl / 3 ? hb : ttl / 3 > 0 ? ttl / 3 : 1;
}

static int
enroll(struct runner *r)
{
	struct qtm_hive_enrollment e;
	int rc;

	if ((rc = qtm_hive_enroll_call(r->ctx, r->c, r->o->name, r->o->executor, r->o->enroll_token, &e)) < 0)
		return rc;
	adopt(r, e.runner_id, e.secret, e.heartbeat_s, e.lease_ttl_s);
	qtm_info(r->ctx, _("enrolled with %s as %s (%d cores, %ld MiB%s)"), qtm_hive_client_url(r->c),
	    r->runner_id, e.cap.cores, e.cap.memory_mb, e.cap.cuda ? _(", CUDA") : "");
	qtm_hive_enrollment_clear(&e);
	return 0;
}

/* Enrolls, retrying while the hive cannot be reached (until the deadline, if any). */
static int
enroll_retrying(struct runner *r, double deadline)
{
	long backoff = BACKOFF_MIN_MS;
	bool warned = false;
	int rc;

	while ((rc = enroll(r)) == -EHOSTUNREACH && !stop_flag && (deadline < 0 || qtm_mono_s() < deadline)) {
		if (!warned)
			qtm_warn(r->ctx, _("%s; retrying"), qtm_strerror(r->ctx));
		warned = true;
		nap_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return rc;
}

/* One claim: 1 with *claimed set, 0 when nothing fits, or a negative code (-EACCES: the hive
 * does not know this runner's secret any more). */
static int
claim(struct runner *r, cJSON **claimed)
{
	cJSON *body = cJSON_CreateObject();
	int rc;

	*claimed = NULL;
	cJSON_AddStringToObject(body, "runner_id", r->runner_id);
	if (r->o->job_id > 0)
		cJSON_AddNumberToObject(body, "job", (double)r->o->job_id);
	rc = qtm_hive_call(r->ctx, r->c, "POST", "/v1/job/claim", body, claimed);
	cJSON_Delete(body);
	if (rc == 200 && *claimed != NULL)
		return 1;
	cJSON_Delete(*claimed);
	*claimed = NULL;
	return rc < 0 ? rc : 0;
}

/* A job claimed with the last completion while the runner is being stopped: handed back at
 * once (not permanently failed) rather than left until its lease expires. */
static void
release(struct runner *r, cJSON *claimed)
{
	struct job job = { 0 };

	if (claimed != NULL && parse_claim(r->ctx, claimed, &job) == 0)
		report_fail(r, &job, _("the runner was stopped"), false);
	cJSON_Delete(claimed);
}

static int
loop(struct runner *r, double deadline)
{
	long backoff = BACKOFF_MIN_MS;
	bool warned = false;
	int rc;

	while (!stop_flag) {
		cJSON *job = NULL;

		rc = claim(r, &job);
		if (rc == 1) {
			bool chained = false;

			backoff = BACKOFF_MIN_MS;
			warned = false;
			/* A busy runner takes its next job with the completion of the last: one request
			 * less per job. */
			while (job != NULL) {
				cJSON *next = NULL;

				rc = run_job(r, job, chained, r->o->once ? NULL : &next);
				cJSON_Delete(job);
				job = next;
				chained = true;
				if (r->o->once || stop_flag) {
					release(r, job);
					return rc;
				}
			}
			continue;
		}
		if (rc == -EACCES && (rc = enroll_retrying(r, deadline)) < 0)
			return rc;
		if (rc == -EHOSTUNREACH && !warned) {
			qtm_warn(r->ctx, _("%s; retrying"), qtm_strerror(r->ctx));
			warned = true;
		} else if (rc < 0 && rc != -EHOSTUNREACH) {
			return rc;
		}
		/* At least one claim was tried: --once --wait 0 asks once. */
		if (deadline >= 0 && qtm_mono_s() >= deadline)
			return rc == -EHOSTUNREACH ? rc
			    : qtm_error(r->ctx, -EAGAIN, _("hive %s: no job to claim"), qtm_hive_client_url(r->c));
		nap_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return 0;
}

int
qtm_hive_runner_run(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct qtm_hive_runner_opts *o,
    cJSON **results)
{
	struct qtm_hive_runner_opts opts = *o;
	struct runner r = { .ctx = ctx, .c = c, .o = &opts, .heartbeat_s = 5, .lease_ttl_s = 30 };
	double deadline = -1;
	int rc;

	if (opts.job_id > 0)
		opts.once = true;
	if (opts.once && opts.wait_s >= 0)
		deadline = qtm_mono_s() + opts.wait_s;
	r.results = cJSON_CreateArray();
	/* Enrolled before (qtm-runner enroll): the first claim tells whether the hive still knows
	 * the secret; when it does not, the loop enrolls again. */
	if (opts.runner_id != NULL && opts.secret != NULL) {
		adopt(&r, opts.runner_id, opts.secret, opts.heartbeat_s > 0 ? opts.heartbeat_s : 5,
		    opts.lease_ttl_s > 0 ? opts.lease_ttl_s : 30);
		qtm_info(ctx, _("working for %s as %s"), qtm_hive_client_url(c), r.runner_id);
		rc = 0;
	} else {
		rc = enroll_retrying(&r, deadline);
	}
	if (rc == 0)
		rc = loop(&r, deadline);
	free(r.runner_id);
	if (results != NULL)
		*results = r.results;
	else
		cJSON_Delete(r.results);
	return rc;
}
