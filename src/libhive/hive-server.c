/* hive-server.c - qtm-hived's event loop: libmicrohttpd in external epoll mode driven from the
 * caller's thread, with the deadlines and caps of http-guard.h; request bodies, routing to the
 * handlers, tokens and the state directory. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "hash.h"
#include "hive-conf.h"
#include "hive-db.h"
#include "hive-executor.h"
#include "hive-http.h"
#include "hive-local.h"
#include "hive-server.h"
#include "hive-attest.h"
#include "hive-server-internal.h"
#include "hive-slurm.h"
#include "hive-sources.h"
#include "hive-durable.h"
#include "hive-web.h"
#include "http-guard.h"
#include "i18n.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

double
hive_now(void)
{
	return qtm_wall_s();
}

bool
hive_operator_ok(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	return qtm_hive_token_eq(qtm_hive_bearer(c), srv->operator_token);
}

char *
hive_runner_auth(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	const char *token = qtm_hive_bearer(c);
	char hex[QTM_SHA256_HEX], *id = NULL;

	if (token == NULL || *token == '\0')
		return NULL;
	/* Secrets are stored hashed: looking one up by its hash leaks nothing about others. */
	qtm_sha256_buf(token, strlen(token), hex);
	qtm_hive_db_runner_auth(srv->ctx, srv->db, hex, hive_now(), &id);
	return id;
}

enum MHD_Result
hive_unauthorized(struct MHD_Connection *c, const char *what)
{
	char *msg = xasprintf(_("%s: missing or wrong token (Authorization: Bearer TOKEN)"), what);
	enum MHD_Result r = qtm_hive_reply_error(c, MHD_HTTP_UNAUTHORIZED, msg);

	free(msg);
	return r;
}

int64_t
hive_job_id(const char *seg)
{
	char *end;
	long long n = strtoll(seg, &end, 10);

	return *seg != '\0' && *end == '\0' && n > 0 ? n : 0;
}

void
hive_path_split(const char *url, struct hive_path *p)
{
	char *save = NULL;

	snprintf(p->buf, sizeof p->buf, "%s", url);
	p->n = 0;
	for (char *t = strtok_r(p->buf, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save))
		p->seg[p->n < HIVE_MAX_SEGS ? p->n++ : HIVE_MAX_SEGS - 1] = t;
}

static enum MHD_Result
web_or_404(struct MHD_Connection *c, const char *method, const char *url)
{
	const void *data;
	const char *type;
	size_t len;
	int rc = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ?
	    qtm_hive_web_asset(url, &data, &len, &type) : -ENOENT;
	char *msg;
	enum MHD_Result r;

	if (rc == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);

		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
		r = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return r;
	}
	if (rc == -EIO)
		msg = xasprintf(_("the page %s could not be read from %s"), url, qtm_hive_web_dir());
	else
		msg = xasprintf(_("no such resource: %s %s"), method, url);
	r = qtm_hive_reply_error(c, rc == -EIO ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_NOT_FOUND, msg);
	free(msg);
	return r;
}

static bool
is_upload(const char *method, const struct hive_path *p)
{
	return strcmp(method, "PUT") == 0 && p->n == 3 && strcmp(p->seg[0], "v1") == 0 &&
	    strcmp(p->seg[1], "artifact") == 0;
}

/* A request whose body could be read two ways is refused, and its connection closed: what
 * follows on the stream cannot be trusted to be the next request. */
static enum MHD_Result
bad_framing(struct MHD_Connection *c, const char *method, const char *url, struct hive_req *rq, const char *why)
{
	char *msg = xasprintf(_("%s %s: ambiguous request framing: %s"), method, url, _(why));
	cJSON *j = cJSON_CreateObject();
	char *text;
	enum MHD_Result r;

	cJSON_AddStringToObject(j, "error", msg);
	cJSON_AddStringToObject(j, "code", "bad_request");
	text = cJSON_PrintUnformatted(j);
	rq->replied = true;
	rq->body.too_large = true;   /* whatever body comes is dropped */
	r = text != NULL ? qtm_http_reply_bad_framing(c, "application/json", text) : MHD_NO;
	cJSON_Delete(j);
	free(text);
	free(msg);
	return r;
}

/* The first call of a request: decide how its body is taken, or answer at once. */
static enum MHD_Result
first_call(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method, const char *url,
    const struct hive_path *p, void **state)
{
	struct hive_req *rq = xcalloc(1, sizeof *rq);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH), *why;
	bool upload = is_upload(method, p);

	*state = rq;
	rq->body.max = (size_t)srv->conf->max_body_kib * 1024;
	if (!qtm_http_framing_ok(c, &why))
		return bad_framing(c, method, url, rq, why);
	/* The headers are in: from now on the body's deadline. */
	qtm_http_guard_body(c, (unsigned int)(upload ? srv->conf->upload_timeout_s : srv->conf->body_timeout_s));
	if (upload)
		return hive_upload_begin(srv, c, p->seg[2], rq);
	/* A declared oversized body is refused before it is sent. */
	if (cl != NULL && strtoull(cl, NULL, 10) > rq->body.max) {
		char *msg = xasprintf(_("%s %s: the body is larger than %ld KiB (max_body_kib)"), method,
		    p->n > 0 ? p->seg[0] : "/", srv->conf->max_body_kib);

		rq->replied = true;
		rq->body.too_large = true;
		qtm_hive_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
		free(msg);
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *arg, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct qtm_hive_server *srv = arg;
	struct hive_req *rq = *state;
	struct hive_path p;
	bool handled = false;
	enum MHD_Result r;

	hive_path_split(url, &p);
	if (rq == NULL)
		return first_call(srv, c, method, url, &p, state);
	if (*upload_size > 0) {
		if (rq->up != NULL)
			hive_upload_data(rq->up, upload, *upload_size, (uint64_t)srv->conf->max_artifact_mib << 20);
		else if (!rq->replied)
			qtm_hive_body_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	qtm_http_guard_replied(c);   /* the body is in */
	if (rq->replied)
		return MHD_YES;
	if (rq->up != NULL)
		return hive_upload_end(srv, c, rq);
	rq->replied = true;
	r = hive_api_runner(srv, c, method, &p, rq, &handled);
	if (!handled)
		r = hive_api_ops(srv, c, method, &p, rq, &handled);
	if (!handled)
		r = web_or_404(c, method, url);
	return r;
}

static void
on_completed(void *arg, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode code)
{
	struct hive_req *rq = *state;

	qtm_http_guard_done(c);
	if (rq == NULL)
		return;
	hive_upload_free(rq->up);
	qtm_hive_body_free(&rq->body);
	free(rq);
	*state = NULL;
}

static int
read_token(struct qtm_ctx *ctx, const char *path, char **out)
{
	char *text;
	int rc = qtm_read_small_file(ctx, path, QTM_SMALL_FILE_MAX, &text, NULL);

	if (rc < 0)
		return rc;
	text[strcspn(text, " \t\r\n")] = '\0';
	if (strlen(text) < 16) {
		free(text);
		return qtm_error(ctx, -EINVAL, _("the token in %s is too short (at least 16 characters)"), path);
	}
	*out = text;
	return 0;
}

/* After an unclean stop the artifacts recorded in the last second may not have reached the
 * disk: each is checked against its sha256 (hive-durable.h). */
static int
check_after_crash(struct qtm_ctx *ctx, struct qtm_hive_server *srv, bool existed)
{
	int dropped = 0, rc = 0;

	if (!qtm_hive_clean_stop_take(srv->conf->state_dir) && existed) {
		qtm_info(ctx, _("the hive did not stop cleanly: checking its artifacts"));
		if ((rc = qtm_hive_artifacts_verify(ctx, srv->db, srv->artifacts_dir, &dropped)) == 0 && dropped > 0)
			qtm_warn(ctx, _("%d artifacts were damaged and their jobs requeued"), dropped);
	}
	return rc;
}

static int
prepare_state(struct qtm_ctx *ctx, struct qtm_hive_server *srv)
{
	const char *dir = srv->conf->state_dir;
	char *path = xasprintf("%s/hive.db", dir), *tok = xasprintf("%s/runner.token", dir);
	bool existed = access(path, F_OK) == 0;
	int rc;

	srv->artifacts_dir = xasprintf("%s/artifacts", dir);
	srv->logs_dir = xasprintf("%s/logs", dir);
	srv->url_file = xasprintf("%s/url", dir);
	/* The tokens and the default hive.conf are made on first start, as hive-control init would. */
	if ((rc = qtm_hive_local_init(ctx, dir, NULL)) == 0 && (rc = qtm_mkdir_p(ctx, srv->artifacts_dir, 0755)) == 0 &&
	    (rc = qtm_mkdir_p(ctx, srv->logs_dir, 0755)) == 0 && (rc = read_token(ctx, tok, &srv->runner_token)) == 0) {
		free(tok);
		tok = srv->conf->token_file != NULL ? xstrdup(srv->conf->token_file) : xasprintf("%s/operator.token", dir);
		if ((rc = read_token(ctx, tok, &srv->operator_token)) == 0 &&
		    (rc = qtm_hive_key_open(ctx, dir, &srv->key)) == 0 &&
		    (rc = qtm_hive_db_open(ctx, path, &srv->db)) == 0 && (rc = check_after_crash(ctx, srv, existed)) == 0 &&
		    (rc = qtm_hive_sources_check(ctx, srv->conf)) == 0 &&
		    (rc = qtm_hive_sources_open(ctx, srv->conf, &srv->sources)) == 0)
			srv->flusher = qtm_hive_flusher_start(srv->artifacts_dir);
	}
	free(path);
	free(tok);
	return rc;
}

static int
listen_http(struct qtm_ctx *ctx, struct qtm_hive_server *srv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(srv->conf->port) };
	const union MHD_DaemonInfo *info;
	char *line;
	int rc;

	if (inet_pton(AF_INET, srv->conf->listen_addr, &sa.sin_addr) != 1)
		return qtm_error(ctx, -EINVAL, _("%s is not an IPv4 address"), srv->conf->listen_addr);
	srv->guard = qtm_http_guard_new(&(struct qtm_http_limits){
		.header_timeout_s = (unsigned int)srv->conf->header_timeout_s,
		.body_timeout_s = (unsigned int)srv->conf->body_timeout_s,
		.max_per_ip = (unsigned int)srv->conf->max_connections_per_ip });
	/* External epoll mode: MHD_run_wait() in our own loop, so one thread does everything. */
	srv->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO, srv->conf->port, NULL, NULL,
	    on_request, srv, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_NOTIFY_CONNECTION, qtm_http_guard_notify, srv->guard,
	    MHD_OPTION_EXTERNAL_LOGGER, qtm_http_guard_log, srv->guard,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)srv->conf->max_connections_per_ip, MHD_OPTION_END);
	if (srv->mhd == NULL)
		return qtm_error(ctx, -EADDRINUSE, _("cannot listen on %s:%u (in use, or not allowed)"),
		    srv->conf->listen_addr, srv->conf->port);
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->url = xasprintf("http://%s:%u", srv->conf->listen_addr, info != NULL ? info->port : srv->conf->port);
	line = xasprintf("%s\n", srv->url);
	rc = qtm_write_file_atomic(ctx, srv->url_file, line, strlen(line));
	if (rc == 0) {
		/* Kept after a stop, so that hive-control status can say where it last listened. */
		char *last = xasprintf("%s/last-url", srv->conf->state_dir);

		rc = qtm_write_file_atomic(ctx, last, line, strlen(line));
		free(last);
	}
	free(line);
	return rc;
}

/* The executor's runner_busy: the queue knows which runners run a job, so that scaling down
 * stops idle runners only. */
static bool
runner_busy(void *arg, const char *id)
{
	struct qtm_hive_server *srv = arg;

	return qtm_hive_db_runner_busy(srv->db, id);
}

/* The slurm executor: Slurm starts the runners; the fleet executor beside it only accounts
 * for them (runners from elsewhere may still enroll). */
static int
start_slurm(struct qtm_ctx *ctx, struct qtm_hive_server *srv, const char *runner, const char *tok)
{
	const struct qtm_hive_conf *cf = srv->conf;
	struct qtm_hive_slurm_conf sc = { .hive_url = srv->url, .state_dir = cf->state_dir,
		.runner_token_path = tok, .runner_program = runner, .partition = cf->slurm_partition,
		.runner_root = cf->slurm_runner_root, .output_dir = cf->slurm_output_dir, .extra = cf->slurm_extra,
		.max_jobs = cf->slurm_max_jobs, .max_attempts = cf->max_attempts };

	return qtm_hive_slurm_new(ctx, &sc, srv->db, &srv->slurm);
}

static int
start_executor(struct qtm_ctx *ctx, struct qtm_hive_server *srv)
{
	const struct qtm_hive_conf *cf = srv->conf;
	bool local = strcmp(cf->executor, "local") == 0, slurm = strcmp(cf->executor, "slurm") == 0;
	char *runner = local || slurm ? qtm_hive_find_program(ctx, "qtm-runner") : NULL;
	char *tok = xasprintf("%s/runner.token", cf->state_dir);
	struct qtm_hive_executor_conf ec = { .kind = slurm ? "fleet" : cf->executor, .hive_url = srv->url,
		.state_dir = cf->state_dir,
		.runner_token_path = tok, .runner_program = runner, .runner_cpus = cf->runner_cpus,
		.runner_memory_mb = cf->runner_memory_mb, .min_runners = cf->min_runners,
		.max_runners = cf->max_runners, .scale_cooldown_s = cf->scale_cooldown_s, .autoscale = local,
		.runner_busy = runner_busy, .runner_busy_arg = srv };
	int rc = (local || slurm) && runner == NULL ? -ENOENT : 0;

	/* The local runners of the previous run ended with it: lost, so that their jobs return to
	 * the queue and the local-N names the executor reuses are free for the new runners. */
	if (rc == 0)
		rc = qtm_hive_db_runners_lost(ctx, srv->db, "local", _("the hive was restarted"), hive_now());
	if (rc == 0)
		rc = qtm_hive_executor_new(ctx, &ec, &srv->ex);
	if (rc == 0 && slurm)
		rc = start_slurm(ctx, srv, runner, tok);

	free(runner);
	free(tok);
	return rc;
}

int
qtm_hive_server_start(struct qtm_ctx *ctx, struct qtm_hive_conf *conf, struct qtm_hive_server **out)
{
	struct qtm_hive_server *srv = xcalloc(1, sizeof *srv);
	int rc;

	srv->ctx = ctx;
	srv->conf = conf;
	srv->started = hive_now();
	if ((rc = prepare_state(ctx, srv)) < 0 || (rc = listen_http(ctx, srv)) < 0 || (rc = start_executor(ctx, srv)) < 0) {
		srv->stopped_cleanly = srv->db != NULL;   /* nothing was served */
		qtm_hive_server_free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

const char *
qtm_hive_server_url(const struct qtm_hive_server *srv)
{
	return srv->url;
}

/* The jobs a stop would end: those of the local runners (a fleet or Slurm runner trains on
 * whatever the hive does and keeps its lease across a restart). */
static int
running_jobs(struct qtm_hive_server *srv)
{
	const cJSON *r;
	cJSON *j = NULL;
	int n = 0;

	if (qtm_hive_db_runners(srv->ctx, srv->db, &j) < 0)
		return 0;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "runners")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(r, "id"));
		const char *ex = cJSON_GetStringValue(cJSON_GetObjectItem(r, "executor"));

		if (id != NULL && ex != NULL && strcmp(ex, "local") == 0 && qtm_hive_db_runner_busy(srv->db, id))
			n++;
	}
	cJSON_Delete(j);
	return n;
}

static void
reload(struct qtm_hive_server *srv)
{
	if (qtm_hive_server_reload(srv) < 0)
		qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
	else
		qtm_info(srv->ctx, _("hive.conf reloaded"));
}

/* The jobs still running on local runners go back to the queue before the runners stop, so
 * that a stop loses no training: the next start (or another hive's runner) takes them. */
static void
requeue_left(struct qtm_hive_server *srv)
{
	int left = running_jobs(srv);

	if (left > 0)
		qtm_info(srv->ctx, _("jobs still running at the end of the drain: %d; their local runners are stopped and the jobs requeued"), left);
	if (qtm_hive_db_runners_lost(srv->ctx, srv->db, "local", _("the hive stopped before the job ended"), hive_now()) < 0)
		qtm_warn(srv->ctx, "%s", qtm_strerror(srv->ctx));
}

int
qtm_hive_server_run(struct qtm_hive_server *srv, struct qtm_hive_signals *sig)
{
	double last = 0, drain_until = 0;

	while (!sig->stop_now) {
		double now;

		/* Returns on activity, after 100 ms, or on a signal (EINTR). */
		MHD_run_wait(srv->mhd, 100);
		qtm_http_guard_sweep(srv->guard);
		if (srv->slurm != NULL)
			qtm_hive_slurm_poll(srv->ctx, srv->slurm);
		if (sig->reload) {
			sig->reload = 0;
			reload(srv);
		}
		now = hive_now();
		if (sig->stop && !srv->draining) {
			srv->draining = true;
			drain_until = now + srv->conf->drain_timeout_s;
			qtm_info(srv->ctx, _("draining: no new claims; running jobs have %d s to finish (drain_timeout_s)"),
			    srv->conf->drain_timeout_s);
		}
		if (srv->draining && (now >= drain_until || running_jobs(srv) == 0))
			break;
		if (now - last >= 1.0) {
			last = now;
			hive_tick(srv);
		}
	}
	requeue_left(srv);
	srv->stopped_cleanly = true;
	return 0;
}

void
qtm_hive_server_free(struct qtm_hive_server *srv)
{
	if (srv == NULL)
		return;
	qtm_hive_slurm_free(srv->slurm);
	if (srv->ex != NULL)
		qtm_hive_executor_free(srv->ex);
	if (srv->mhd != NULL) {
		MHD_stop_daemon(srv->mhd);
		unlink(srv->url_file);
	}
	qtm_http_guard_free(srv->guard);
	qtm_hive_flusher_stop(srv->flusher);   /* the last sync */
	qtm_hive_db_close(srv->db);
	qtm_hive_sources_free(srv->sources);
	if (srv->db != NULL && srv->stopped_cleanly)
		qtm_hive_clean_stop_mark(srv->conf->state_dir);
	free(srv->url);
	free(srv->url_file);
	free(srv->artifacts_dir);
	free(srv->logs_dir);
	free(srv->operator_token);
	free(srv->runner_token);
	qtm_key_free(&srv->key);
	free(srv);
}
