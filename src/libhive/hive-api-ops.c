/* hive-api-ops.c - the operator's routes: health, status, runners, jobs, cancel,
 * requeue, logs, spawn, kill, scale, clean; and the once-a-second housekeeping. */
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
#include "hive-executor.h"
#include "hive-sysinfo.h"
#include "hive-server-internal.h"
#include "hive-slurm.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

void
hive_tick(struct qtm_hive_server *srv)
{
	int counts[QTM_HIVE_N_STATES], claimable = 0, busy = 0, total = 0, requeued;
	double now = hive_now();
	char **gone = NULL;

	/* A runner heartbeats every lease_ttl_s / 3: three missed beats and it is lost. */
	if (qtm_hive_db_sweep(srv->ctx, srv->db, now, srv->conf->lease_ttl_s, &requeued) < 0)
		qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
	if (qtm_hive_db_counts(srv->ctx, srv->db, now, counts, &claimable) < 0 ||
	    qtm_hive_db_runner_counts(srv->ctx, srv->db, &busy, &total) < 0)
		qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
	/* Draining: no runner is started for the queue. */
	qtm_hive_executor_tick(srv->ctx, srv->ex, srv->draining ? 0 : claimable, busy, &gone);
	for (size_t i = 0; gone != NULL && gone[i] != NULL; i++)
		if (qtm_hive_db_runner_gone(srv->ctx, srv->db, gone[i], _("the runner process exited"), false, now) < 0)
			qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
	strv_free(gone);
	gone = qtm_hive_executor_take_retired(srv->ex);
	for (size_t i = 0; gone != NULL && gone[i] != NULL; i++)
		if (qtm_hive_db_runner_gone(srv->ctx, srv->db, gone[i], _("the runner was stopped by the hive"), true, now) < 0)
			qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
	strv_free(gone);
	if (srv->slurm != NULL && !srv->draining)
		qtm_hive_slurm_tick(srv->ctx, srv->slurm, now);
}

static enum MHD_Result
health(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "status", "ok");
	cJSON_AddStringToObject(j, "version", PACKAGE_VERSION);
	/* 2: uploads under the uploader's lease, signed attestations (doc/hive-protocol.md). */
	cJSON_AddNumberToObject(j, "protocol", 2);
	cJSON_AddStringToObject(j, "key_id", srv->key.id);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
status(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	int counts[QTM_HIVE_N_STATES], claimable, busy, total, rc, max;
	double cpu = 0, mem = 0, disk = 0, now = hive_now();
	cJSON *j, *o;

	if ((rc = qtm_hive_db_counts(srv->ctx, srv->db, now, counts, &claimable)) < 0 ||
	    (rc = qtm_hive_db_runner_counts(srv->ctx, srv->db, &busy, &total)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	qtm_hive_sysinfo(&cpu, &mem, &disk, srv->conf->state_dir);
	max = strcmp(srv->conf->executor, "local") == 0 ? qtm_hive_executor_max(srv->ex) : srv->conf->max_runners;
	if (srv->slurm != NULL)
		max = qtm_hive_slurm_max(srv->slurm);
	else if (max < total)
		max = total;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "orchestrator", "running");
	cJSON_AddStringToObject(j, "version", PACKAGE_VERSION);
	cJSON_AddNumberToObject(j, "uptime_s", now - srv->started);
	cJSON_AddStringToObject(j, "executor", srv->conf->executor);
	if (srv->slurm != NULL) {
		const char *err = qtm_hive_slurm_error(srv->slurm);

		cJSON_AddItemToObject(j, "executor_error", err != NULL ? cJSON_CreateString(err) : cJSON_CreateNull());
		o = cJSON_AddObjectToObject(j, "slurm");
		cJSON_AddNumberToObject(o, "jobs", qtm_hive_slurm_active(srv->slurm));
		cJSON_AddNumberToObject(o, "max_jobs", qtm_hive_slurm_max(srv->slurm));
	}
	o = cJSON_AddObjectToObject(j, "system");
	cJSON_AddNumberToObject(o, "cpu_percent", cpu);
	cJSON_AddNumberToObject(o, "memory_percent", mem);
	cJSON_AddNumberToObject(o, "disk_percent", disk);
	o = cJSON_AddObjectToObject(j, "runners");
	/* Active: the runners up, busy or idle; available: how many more may start. */
	cJSON_AddNumberToObject(o, "active", total);
	cJSON_AddNumberToObject(o, "busy", busy);
	cJSON_AddNumberToObject(o, "idle", total - busy);
	cJSON_AddNumberToObject(o, "available", max - total > 0 ? max - total : 0);
	cJSON_AddNumberToObject(o, "max", max);
	cJSON_AddNumberToObject(o, "min", srv->conf->min_runners);
	cJSON_AddNumberToObject(o, "total", total);
	o = cJSON_AddObjectToObject(j, "queue");
	for (int s = 0; s < QTM_HIVE_N_STATES; s++)
		cJSON_AddNumberToObject(o, qtm_hive_state_names[s], counts[s]);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
reply_rc(struct qtm_hive_server *srv, struct MHD_Connection *c, int rc, unsigned int ok, cJSON *j)
{
	if (rc < 0) {
		cJSON_Delete(j);
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	}
	return qtm_hive_reply_json(c, ok, j);
}

static enum MHD_Result
list_jobs(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	static const char *const known[] = { "state", "module", "runner", "limit", NULL };
	long long limit = qtm_hive_query_int(c, "limit", 0);
	struct qtm_hive_job_filter f = { qtm_hive_query(c, "state"), qtm_hive_query(c, "module"),
		qtm_hive_query(c, "runner"), 0 };
	cJSON *j = NULL;
	int rc;

	if ((rc = qtm_hive_query_check(srv->ctx, c, known, "GET /jobs")) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (limit < 0 || limit > 1000000)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("GET /jobs: limit must be a number >= 0"));
	f.limit = (int)limit;
	rc = qtm_hive_db_jobs(srv->ctx, srv->db, &f, &j);
	return reply_rc(srv, c, rc, MHD_HTTP_OK, j);
}

static bool
artifact_file_held(struct qtm_hive_server *srv, int64_t id)
{
	char bid[QTM_SHA256_HEX], *path;
	bool held;

	if (qtm_hive_db_build_id(srv->ctx, srv->db, id, bid) < 0)
		return false;
	path = xasprintf("%s/%s.tar.zst", srv->artifacts_dir, bid);
	held = access(path, F_OK) == 0;
	free(path);
	return held;
}

static enum MHD_Result
job_action(struct qtm_hive_server *srv, struct MHD_Connection *c, int64_t id, const char *action)
{
	cJSON *job = NULL;
	char *what = xasprintf("POST /jobs/%lld/%s", (long long)id, action);
	int rc;

	if (!hive_operator_ok(srv, c)) {
		enum MHD_Result r = hive_unauthorized(c, what);

		free(what);
		return r;
	}
	free(what);
	if (strcmp(action, "cancel") == 0) {
		rc = qtm_hive_db_cancel(srv->ctx, srv->db, id, hive_now(), &job);
		/* Besides the runner's own cancel at its next heartbeat. */
		if (rc == 0 && srv->slurm != NULL)
			qtm_hive_slurm_cancel(srv->ctx, srv->slurm, id);
	} else {
		static const char *const known[] = { "force", NULL };
		const char *force = qtm_hive_query(c, "force");

		if ((rc = qtm_hive_query_check(srv->ctx, c, known, "POST /jobs/ID/requeue")) == 0 && force != NULL &&
		    strcmp(force, "1") != 0 && strcmp(force, "true") != 0)
			rc = qtm_error(srv->ctx, -EINVAL, _("POST /jobs/ID/requeue: force must be 1 or true, not \"%s\""), force);
		if (rc == 0)
			rc = qtm_hive_db_requeue(srv->ctx, srv->db, id, artifact_file_held(srv, id), force != NULL,
			    hive_now(), &job);
	}
	return reply_rc(srv, c, rc, MHD_HTTP_OK, job);
}

/* The log file at path (absent: empty) from offset on, with where to go on from and state
 * (NULL: none) in the headers; frees path. */
static enum MHD_Result
serve_log(struct MHD_Connection *c, char *path, long long offset, const char *state)
{
	struct MHD_Response *r;
	struct stat st = { 0 };
	enum MHD_Result ret;
	char num[32];
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(fd, &st) < 0)
		st.st_size = 0;
	free(path);
	if ((long long)st.st_size < offset)
		offset = st.st_size;
	if (fd >= 0 && st.st_size > offset) {
		r = MHD_create_response_from_fd_at_offset64((uint64_t)(st.st_size - offset), fd, (uint64_t)offset);
	} else {
		if (fd >= 0)
			close(fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	snprintf(num, sizeof num, "%lld", (long long)(st.st_size > offset ? st.st_size : offset));
	MHD_add_response_header(r, "X-Qtm-Log-Offset", num);
	if (state != NULL)
		MHD_add_response_header(r, "X-Qtm-Job-State", state);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /jobs/{id}/logs?attempt=N&offset=B: the bytes from B on, and where to go on from. */
static enum MHD_Result
logs(struct qtm_hive_server *srv, struct MHD_Connection *c, int64_t id)
{
	static const char *const known[] = { "attempt", "offset", NULL };
	long long attempt = qtm_hive_query_int(c, "attempt", 0), offset = qtm_hive_query_int(c, "offset", 0);
	int state, seq, rc;

	if ((rc = qtm_hive_query_check(srv->ctx, c, known, "GET /jobs/ID/logs")) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (attempt < 0 || offset < 0)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("logs: attempt and offset must be numbers >= 0"));
	if ((rc = qtm_hive_db_job_state(srv->ctx, srv->db, id, &state, &seq)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	return serve_log(c, xasprintf("%s/%lld/%lld.log", srv->logs_dir, (long long)id,
	    attempt > 0 ? attempt : (long long)seq), offset, qtm_hive_state_names[state]);
}

/* GET /runners/{id}/logs?offset=B: a local runner's own log (STATE/runners/ID.log). */
static enum MHD_Result
runner_logs(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *id)
{
	static const char *const known[] = { "offset", NULL };
	long long offset = qtm_hive_query_int(c, "offset", 0);
	char *executor = NULL;
	int rc;

	if ((rc = qtm_hive_query_check(srv->ctx, c, known, "GET /runners/ID/logs")) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (offset < 0)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("logs: attempt and offset must be numbers >= 0"));
	if (strpbrk(id, "/\\") != NULL || id[0] == '.' ||
	    (rc = qtm_hive_db_runner_executor(srv->ctx, srv->db, id, &executor)) < 0) {
		char *msg = xasprintf(_("no runner %s is enrolled"), id);
		enum MHD_Result r = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, msg);

		free(msg);
		return r;
	}
	if (strcmp(executor, "local") != 0) {
		char *msg = xasprintf(_("runner %s is a %s runner: its own log is on its host"), id, executor);
		enum MHD_Result r = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, msg);

		free(msg);
		free(executor);
		return r;
	}
	free(executor);
	return serve_log(c, xasprintf("%s/runners/%s.log", srv->conf->state_dir, id), offset, NULL);
}

static cJSON *
id_list(char **ids)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ids[i]));
	return a;
}

static enum MHD_Result
spawn_or_scale(struct qtm_hive_server *srv, struct MHD_Connection *c, bool spawn)
{
	long long n = qtm_hive_query_int(c, spawn ? "count" : "target_runners", -1);
	int busy = 0, total = 0, rc;
	char **ids = NULL;
	cJSON *j;

	if (!hive_operator_ok(srv, c))
		return hive_unauthorized(c, spawn ? "POST /runners/spawn" : "POST /scale");
	if ((rc = qtm_hive_query_check(srv->ctx, c, spawn ? (const char *const[]){ "count", NULL }
	    : (const char *const[]){ "target_runners", NULL }, spawn ? "POST /runners/spawn" : "POST /scale")) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (n < (spawn ? 1 : 0) || n > 1024)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, spawn ? _("POST /runners/spawn: count must be "
		    "a number from 1 to 1024") : _("POST /scale: target_runners must be a number from 0 to 1024"));
	if (spawn)
		rc = qtm_hive_executor_spawn(srv->ctx, srv->ex, (int)n, &ids);
	else if (srv->slurm != NULL)
		rc = qtm_hive_slurm_scale(srv->ctx, srv->slurm, (int)n);
	else if ((rc = qtm_hive_db_runner_counts(srv->ctx, srv->db, &busy, &total)) == 0)
		rc = qtm_hive_executor_scale(srv->ctx, srv->ex, (int)n, busy, &ids);
	if (rc < 0) {
		strv_free(ids);
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	}
	j = cJSON_CreateObject();
	if (!spawn)
		cJSON_AddNumberToObject(j, "target_runners", (double)n);
	cJSON_AddItemToObject(j, "runners", id_list(ids));
	strv_free(ids);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
kill_runner(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *id)
{
	char *executor = NULL, *msg;
	int rc;

	if (!hive_operator_ok(srv, c))
		return hive_unauthorized(c, "DELETE /runners");
	if ((rc = qtm_hive_db_runner_executor(srv->ctx, srv->db, id, &executor)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	/* A local runner is stopped; a fleet runner is forgotten (its secret stops working). */
	if (strcmp(executor, "local") == 0 && (rc = qtm_hive_executor_kill(srv->ctx, srv->ex, id)) < 0 && rc != -ENOENT) {
		free(executor);
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	}
	rc = qtm_hive_db_runner_gone(srv->ctx, srv->db, id, _("the runner was stopped by the operator"),
	    strcmp(executor, "local") != 0, hive_now());
	free(executor);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	msg = xasprintf("{\"stopped\":\"%s\"}", id);
	rc = qtm_hive_reply(c, MHD_HTTP_OK, "application/json", msg, strlen(msg));
	free(msg);
	return rc;
}

static void
remove_files(struct qtm_hive_server *srv, char **jobs, char **artifacts)
{
	for (size_t i = 0; jobs[i] != NULL; i++) {
		char *dir = xasprintf("%s/%s", srv->logs_dir, jobs[i]);

		qtm_rm_rf(srv->ctx, dir);
		free(dir);
	}
	for (size_t i = 0; artifacts[i] != NULL; i++) {
		char *f = xasprintf("%s/%s.tar.zst", srv->artifacts_dir, artifacts[i]);

		unlink(f);
		free(f);
	}
}

static enum MHD_Result
clean(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	long long days = qtm_hive_query_int(c, "older_than_days", 7);
	char **jobs = NULL, **artifacts = NULL;
	cJSON *j;
	int rc;

	if (!hive_operator_ok(srv, c))
		return hive_unauthorized(c, "POST /clean");
	if ((rc = qtm_hive_query_check(srv->ctx, c, (const char *const[]){ "older_than_days", NULL }, "POST /clean")) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	if (days < 0)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, _("POST /clean: older_than_days must be a number >= 0"));
	if ((rc = qtm_hive_db_clean(srv->ctx, srv->db, hive_now() - (double)days * 86400, &jobs, &artifacts)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	remove_files(srv, jobs, artifacts);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "removed_jobs", (double)strv_len(jobs));
	cJSON_AddNumberToObject(j, "removed_logs", (double)strv_len(jobs));
	cJSON_AddNumberToObject(j, "removed_artifacts", (double)strv_len(artifacts));
	strv_free(jobs);
	strv_free(artifacts);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}

/* The executor knows the processes of the local runners it started (the queue does not). */
static void
add_pids(struct qtm_hive_server *srv, cJSON *j)
{
	cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "runners")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(r, "id"));
		const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(r, "state"));
		int pid = id != NULL && (state == NULL || strcmp(state, "lost") != 0) ? qtm_hive_executor_pid(srv->ex, id) : 0;

		if (pid > 0)
			cJSON_ReplaceItemInObject(r, "pid", cJSON_CreateNumber(pid));
	}
}

static enum MHD_Result
not_allowed(struct MHD_Connection *c, const char *method)
{
	char *msg = xasprintf(_("method %s is not allowed on this resource"), method);
	enum MHD_Result r = qtm_hive_reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, msg);

	free(msg);
	return r;
}

static enum MHD_Result
job_routes(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method,
    const struct hive_path *p, struct hive_req *rq)
{
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	int64_t id = p->n >= 2 ? hive_job_id(p->seg[1]) : 0;
	cJSON *j = NULL;

	if (p->n == 1)
		return get ? list_jobs(srv, c) : not_allowed(c, method);
	if (p->n == 2 && strcmp(p->seg[1], "submit") == 0)
		return post ? hive_submit(srv, c, rq) : not_allowed(c, method);
	if (id == 0 || p->n > 3) {
		char *msg = xasprintf(_("no job %s in the hive"), p->seg[1]);
		enum MHD_Result r = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, msg);

		free(msg);
		return r;
	}
	if (p->n == 2 && !get)
		return not_allowed(c, method);
	if (p->n == 2) {
		int rc = qtm_hive_db_job(srv->ctx, srv->db, id, true, &j);

		return reply_rc(srv, c, rc, MHD_HTTP_OK, j);
	}
	if (strcmp(p->seg[2], "logs") == 0)
		return get ? logs(srv, c, id) : not_allowed(c, method);
	if (strcmp(p->seg[2], "cancel") == 0 || strcmp(p->seg[2], "requeue") == 0)
		return post ? job_action(srv, c, id, p->seg[2]) : not_allowed(c, method);
	return qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, _("no such job resource"));
}

enum MHD_Result
hive_api_ops(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method,
    const struct hive_path *p, struct hive_req *rq, bool *handled)
{
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	cJSON *j = NULL;

	*handled = true;
	if (p->n == 1 && strcmp(p->seg[0], "health") == 0)
		return get ? health(srv, c) : not_allowed(c, method);
	if (p->n == 1 && strcmp(p->seg[0], "status") == 0)
		return get ? status(srv, c) : not_allowed(c, method);
	if (p->n >= 1 && strcmp(p->seg[0], "jobs") == 0)
		return job_routes(srv, c, method, p, rq);
	if (p->n == 1 && strcmp(p->seg[0], "runners") == 0 && !get)
		return not_allowed(c, method);
	if (p->n == 1 && strcmp(p->seg[0], "runners") == 0) {
		int rc = qtm_hive_db_runners(srv->ctx, srv->db, &j);

		if (rc == 0)
			add_pids(srv, j);
		if (rc == 0 && srv->slurm != NULL)
			qtm_hive_slurm_annotate(srv->slurm, cJSON_GetObjectItem(j, "runners"));
		return reply_rc(srv, c, rc, MHD_HTTP_OK, j);
	}
	if (p->n == 2 && strcmp(p->seg[0], "runners") == 0 && strcmp(p->seg[1], "spawn") == 0)
		return post ? spawn_or_scale(srv, c, true) : not_allowed(c, method);
	if (p->n == 2 && strcmp(p->seg[0], "runners") == 0)
		return strcmp(method, "DELETE") == 0 ? kill_runner(srv, c, p->seg[1]) : not_allowed(c, method);
	if (p->n == 3 && strcmp(p->seg[0], "runners") == 0 && strcmp(p->seg[2], "logs") == 0)
		return get ? runner_logs(srv, c, p->seg[1]) : not_allowed(c, method);
	if (p->n == 1 && strcmp(p->seg[0], "scale") == 0)
		return post ? spawn_or_scale(srv, c, false) : not_allowed(c, method);
	if (p->n == 1 && strcmp(p->seg[0], "reload") == 0)
		return post ? hive_reload_route(srv, c) : not_allowed(c, method);
	if (p->n == 1 && strcmp(p->seg[0], "clean") == 0)
		return post ? clean(srv, c) : not_allowed(c, method);
	*handled = false;
	return MHD_YES;
}
