/* fuzz-hive.c - libFuzzer target: the body of every qtm-hived route and the artifact upload
 * path, called in-process as the daemon's request handler calls them (hive-server.c), without
 * sockets.  libmicrohttpd's connection and response calls are replaced below by a fake
 * connection that holds the request's headers and query and keeps the reply.
 *
 * Each input runs against a fresh in-memory queue: two enrolled runners (A, B) and one job
 * claimed by A, made through the routes themselves.  The input:
 *   byte 0  the route: 0 submit, 1 enroll, 2 claim, 3 heartbeat, 4 log, 5 complete, 6 fail,
 *           7 upload, 8 "METHOD PATH" on the first line (any route, operator ones included)
 *   byte 1  bits 0-2 the credential (none, operator, runner A, runner B, enrollment token,
 *           garbage); bit 3: the upload names the lease from the input's first line, not A's;
 *           bit 4: the upload's X-Qtm-Sha256 is the first line, not the body's sha256
 *   byte 2  the size of the pieces the body arrives in (1 + byte)
 *   rest    the body; "@L", "@J", "@B" and "@R" in it stand for A's lease, the job id, its build
 *           id and A's runner id, so that the fuzzer reaches the states behind a valid lease. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "fuzz.h"
#include "hash.h"
#include "hive-attest.h"
#include "hive-conf.h"
#include "hive-db.h"
#include "hive-executor.h"
#include "hive-server-internal.h"
#include "paths.h"
#include "xalloc.h"

#define OP_TOKEN "operator-token-for-fuzzing"
#define ENROLL_TOKEN "enrollment-token-for-fuzzing"

struct MHD_Connection {
	char *auth;                  /* "Bearer ..." or NULL */
	char *query;                 /* "k=v&k=v", without the '?' */
	char *sha256, *content_length;
	unsigned int status;         /* of the queued reply, 0 before */
	char *reply;                 /* its body (NUL-terminated) */
	char *arg;                   /* the last query value looked up */
};

struct MHD_Response {
	char *data;
	size_t len;
};

/* key's value in c->query, kept in c->arg until the next lookup; NULL when absent. */
static const char *
query_value(struct MHD_Connection *c, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = c->query; *p != '\0';) {
		size_t n = strcspn(p, "&");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			free(c->arg);
			c->arg = xstrndup(p + klen + 1, n - klen - 1);
			return c->arg;
		}
		p += n + (p[n] == '&');
	}
	return NULL;
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
	if (kind == MHD_HEADER_KIND && strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0)
		return c->auth;
	if (kind == MHD_HEADER_KIND && strcasecmp(key, "X-Qtm-Sha256") == 0)
		return c->sha256;
	if (kind == MHD_HEADER_KIND && strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		return c->content_length;
	if (kind == MHD_GET_ARGUMENT_KIND && c->query != NULL)
		return query_value(c, key);
	return NULL;
}

/* The query's arguments in order, as libmicrohttpd hands them to an iterator. */
int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *cls)
{
	/* libmicrohttpd's strings live as long as the connection: keep these until the next call. */
	static char **held;
	int n = 0;

	strv_free(held);
	held = xcalloc(1, sizeof *held);
	if (kind != MHD_GET_ARGUMENT_KIND || c->query == NULL)
		return 0;
	for (const char *p = c->query; *p != '\0';) {
		size_t len = strcspn(p, "&"), klen = strcspn(p, "=");
		char *key = xstrndup(p, klen < len ? klen : len);
		char *value = klen < len ? xstrndup(p + klen + 1, len - klen - 1) : NULL;
		size_t at = strv_len(held);
		bool has_value = value != NULL;
		enum MHD_Result more;

		held = strv_push(held, key);
		if (has_value)
			held = strv_push(held, value);
		free(key);
		free(value);
		more = it == NULL ? MHD_YES : it(cls, kind, held[at], has_value ? held[at + 1] : NULL);
		n++;
		if (more != MHD_YES)
			break;
		p += len + (p[len] == '&');
	}
	return n;
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = xcalloc(1, sizeof *r);

	r->data = xstrndup(buffer != NULL ? buffer : "", size);
	r->len = size;
	if (mode == MHD_RESPMEM_MUST_FREE)
		free(buffer);
	return r;
}

struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback(size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(size, buffer, MHD_RESPMEM_PERSISTENT);

	if (crfc != NULL)
		crfc(buffer);
	return r;
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *header, const char *content)
{
	(void)r;
	/* A header that could split the response would be the daemon's bug. */
	if (strpbrk(header, "\r\n") != NULL || strpbrk(content, "\r\n") != NULL)
		abort();
	return MHD_YES;
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	if (r != NULL)
		free(r->data);
	free(r);
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	/* One reply a request; every reply is JSON or empty, as the clients expect. */
	if (c->status != 0 || status < 100 || status > 599)
		abort();
	c->status = status;
	c->reply = xstrndup(r->data, r->len);
	return MHD_YES;
}

struct world {
	struct qtm_hive_server srv;
	struct qtm_hive_conf conf;
	char *a_id, *a_secret, *b_secret, *lease;
	char build_id[QTM_SHA256_HEX];
	long long job;
};

/* One request: headers from c, the body in pieces of chunk bytes; returns c->status. */
static unsigned int
request(struct world *w, struct MHD_Connection *c, const char *method, const char *url, const char *body,
    size_t len, size_t chunk)
{
	struct hive_req rq = { .body.max = (size_t)w->conf.max_body_kib * 1024 };
	struct hive_path p;
	const char *q = strchr(url, '?');
	char *path = q != NULL ? xstrndup(url, (size_t)(q - url)) : xstrdup(url);
	bool handled = false;

	/* libmicrohttpd hands the handlers the path and the query apart. */
	if (q != NULL) {
		free(c->query);
		c->query = xstrdup(q + 1);
	}
	hive_path_split(path, &p);
	free(path);
	if (strcmp(method, "PUT") == 0 && p.n == 3 && strcmp(p.seg[0], "v1") == 0 && strcmp(p.seg[1], "artifact") == 0)
		hive_upload_begin(&w->srv, c, p.seg[2], &rq);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (rq.up != NULL)
			hive_upload_data(rq.up, body + off, n, (uint64_t)w->conf.max_artifact_mib << 20);
		else if (!rq.replied)
			qtm_hive_body_add(&rq.body, body + off, n);
	}
	if (rq.up != NULL && !rq.replied)
		hive_upload_end(&w->srv, c, &rq);
	else if (!rq.replied) {
		hive_api_runner(&w->srv, c, method, &p, &rq, &handled);
		if (!handled)
			hive_api_ops(&w->srv, c, method, &p, &rq, &handled);
		if (!handled && c->status == 0)
			qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	}
	hive_upload_free(rq.up);
	qtm_hive_body_free(&rq.body);
	if (c->status == 0)
		abort();   /* every request gets an answer */
	return c->status;
}

static void
conn_reset(struct MHD_Connection *c)
{
	free(c->auth);
	free(c->query);
	free(c->arg);
	free(c->sha256);
	free(c->content_length);
	free(c->reply);
	memset(c, 0, sizeof *c);
}

static void
set_auth(struct MHD_Connection *c, const char *token)
{
	free(c->auth);
	c->auth = token != NULL ? xasprintf("Bearer %s", token) : NULL;
}

/* A setup call that must succeed; returns its answer (the caller's: cJSON_Delete). */
static cJSON *
setup_call(struct world *w, const char *token, const char *url, const char *body)
{
	struct MHD_Connection c = { 0 };
	cJSON *j;

	set_auth(&c, token);
	if (request(w, &c, "POST", url, body, strlen(body), 4096) / 100 != 2 || (j = cJSON_Parse(c.reply)) == NULL) {
		fprintf(stderr, "fuzz-hive: setting up, POST %s answered %u %s\n", url, c.status, c.reply);
		abort();
	}
	conn_reset(&c);
	return j;
}

/* The string (or whole number) at path a.b of j, copied; aborts when missing. */
static char *
field(const cJSON *j, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v))
		return xasprintf("%.0f", v->valuedouble);
	abort();
}

static void
world_static(struct world *w)
{
	static struct qtm_hive_executor *ex;
	static char *state;

	if (state == NULL) {
		struct qtm_hive_executor_conf ec = { .kind = "fleet", .hive_url = "http://127.0.0.1:1",
			.runner_cpus = 1, .runner_memory_mb = 512, .max_runners = 4 };

		state = xasprintf("%s/hive", fuzz_dir());
		ec.state_dir = state;
		if (qtm_mkdir_p(fuzz_ctx(), state, 0755) < 0 || qtm_hive_executor_new(fuzz_ctx(), &ec, &ex) < 0)
			abort();
	}
	qtm_hive_conf_defaults(&w->conf);
	free(w->conf.state_dir);
	w->conf.state_dir = xstrdup(state);
	free(w->conf.executor);
	w->conf.executor = xstrdup("fleet");
	w->conf.max_body_kib = 64;
	w->conf.max_artifact_mib = 1;
	w->srv.ctx = fuzz_ctx();
	w->srv.started = hive_now();
	w->srv.conf = &w->conf;
	w->srv.ex = ex;
	w->srv.url = xstrdup("http://127.0.0.1:1");
	w->srv.artifacts_dir = xasprintf("%s/artifacts", state);
	w->srv.logs_dir = xasprintf("%s/logs", state);
	w->srv.operator_token = xstrdup(OP_TOKEN);
	w->srv.runner_token = xstrdup(ENROLL_TOKEN);
	if (qtm_mkdir_p(fuzz_ctx(), w->srv.artifacts_dir, 0755) < 0 || qtm_mkdir_p(fuzz_ctx(), w->srv.logs_dir, 0755) < 0 ||
	    qtm_hive_key_open(fuzz_ctx(), state, &w->srv.key) < 0)
		abort();
}

static const char enroll_a[] = "{\"name\":\"a\",\"host\":\"h1\",\"executor\":\"fleet\",\"capability\":"
    "{\"cores\":4,\"memory_mb\":4096,\"cuda\":false}}";
static const char enroll_b[] = "{\"name\":\"b\",\"host\":\"h2\",\"executor\":\"fleet\",\"capability\":"
    "{\"cores\":4,\"memory_mb\":4096,\"cuda\":false}}";

static void
world_open(struct world *w)
{
	char *body, *job;
	cJSON *j;

	memset(w, 0, sizeof *w);
	world_static(w);
	if (qtm_hive_db_open(fuzz_ctx(), ":memory:", &w->srv.db) < 0)
		abort();
	j = setup_call(w, ENROLL_TOKEN, "/v1/runners/enroll", enroll_a);
	w->a_id = field(j, "runner_id", NULL);
	w->a_secret = field(j, "secret", NULL);
	cJSON_Delete(j);
	j = setup_call(w, ENROLL_TOKEN, "/v1/runners/enroll", enroll_b);
	w->b_secret = field(j, "secret", NULL);
	cJSON_Delete(j);
	qtm_sha256_buf("fuzz", 4, w->build_id);
	body = xasprintf("{\"module\":\"m\",\"version\":\"1.0.0\",\"build_id\":\"%s\",\"estimate_s\":10,"
	    "\"spec\":{\"k\":1}}", w->build_id);
	cJSON_Delete(setup_call(w, OP_TOKEN, "/jobs/submit", body));
	free(body);
	body = xasprintf("{\"runner_id\":\"%s\"}", w->a_id);
	j = setup_call(w, w->a_secret, "/v1/job/claim", body);
	w->lease = field(j, "lease", NULL);
	job = field(j, "job", "id");
	w->job = atoll(job);
	free(job);
	cJSON_Delete(j);
	free(body);
}

static void
world_close(struct world *w)
{
	qtm_hive_db_close(w->srv.db);
	/* The next input starts from empty directories, as from an empty queue. */
	if (qtm_rm_rf(fuzz_ctx(), w->srv.artifacts_dir) < 0 || qtm_rm_rf(fuzz_ctx(), w->srv.logs_dir) < 0)
		abort();
	free(w->srv.url);
	free(w->srv.artifacts_dir);
	free(w->srv.logs_dir);
	free(w->srv.operator_token);
	free(w->srv.runner_token);
	qtm_key_free(&w->srv.key);
	qtm_hive_conf_clear(&w->conf);
	free(w->a_id);
	free(w->a_secret);
	free(w->b_secret);
	free(w->lease);
}

/* s with the placeholders of the header comment replaced (the caller's: free). */
static char *
expand(const struct world *w, const char *s, size_t len, size_t *out_len)
{
	char job[24];
	size_t cap = len * 32 + 1, n = 0;
	char *out = xmalloc(cap);

	snprintf(job, sizeof job, "%lld", w->job);
	for (size_t i = 0; i < len; i++) {
		const char *sub = NULL;

		if (s[i] == '@' && i + 1 < len)
			switch (s[i + 1]) {
			case 'L': sub = w->lease; break;
			case 'J': sub = job; break;
			case 'B': sub = w->build_id; break;
			case 'R': sub = w->a_id; break;
			}
		if (sub == NULL) {
			out[n++] = s[i];
			continue;
		}
		/* Each placeholder (2 bytes) becomes at most 64: within the 32x reserved. */
		memcpy(out + n, sub, strlen(sub));
		n += strlen(sub);
		i++;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static const char *
credential(const struct world *w, uint8_t which)
{
	switch (which & 7) {
	case 1: return OP_TOKEN;
	case 2: return w->a_secret;
	case 3: return w->b_secret;
	case 4: return ENROLL_TOKEN;
	case 5: return "not-a-token-of-this-hive";
	default: return NULL;
	}
}

/* The first line of body (cut off from it, NUL-terminated in place) or NULL when none. */
static char *
first_line(char **body, size_t *len)
{
	char *nl = memchr(*body, '\n', *len), *line = *body;

	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*len -= (size_t)(nl + 1 - *body);
	*body = nl + 1;
	return line;
}

static void
route(struct world *w, struct MHD_Connection *c, uint8_t which, uint8_t flags, char *body, size_t len, size_t chunk)
{
	static const char *const calls[] = { "heartbeat", "log", "complete", "fail" };
	char url[256], method[16], path[200], *line;

	switch (which % 9) {
	case 0: request(w, c, "POST", "/jobs/submit", body, len, chunk); break;
	case 1: request(w, c, "POST", "/v1/runners/enroll", body, len, chunk); break;
	case 2: request(w, c, "POST", "/v1/job/claim", body, len, chunk); break;
	case 3: case 4: case 5: case 6:
		snprintf(url, sizeof url, "/v1/job/%lld/%s?lease=%s", w->job, calls[which % 9 - 3], w->lease);
		request(w, c, "POST", url, body, len, chunk);
		break;
	case 7:
		line = (flags & 0x18) != 0 ? first_line(&body, &len) : NULL;
		if ((flags & 16) != 0 && line != NULL)
			c->sha256 = xstrdup(line);
		else {
			c->sha256 = xmalloc(QTM_SHA256_HEX);
			qtm_sha256_buf(body, len, c->sha256);
		}
		c->content_length = xasprintf("%zu", len);
		snprintf(url, sizeof url, "/v1/artifact/%s?lease=%.64s", w->build_id,
		    (flags & 8) != 0 && line != NULL ? line : w->lease);
		request(w, c, "PUT", url, body, len, chunk);
		break;
	default:
		if ((line = first_line(&body, &len)) == NULL || sscanf(line, "%15s %199s", method, path) != 2)
			return;
		request(w, c, method, path, body, len, chunk);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct MHD_Connection c = { 0 };
	struct world w;
	char *body;
	size_t len;

	if (size < 3)
		return 0;
	world_open(&w);
	fuzz_ctx();
	body = expand(&w, (const char *)data + 3, size - 3, &len);
	set_auth(&c, credential(&w, data[1]));
	route(&w, &c, data[0], data[1], body, len, (size_t)data[2] + 1);
	if (getenv("FUZZ_HIVE_VERBOSE") != NULL)
		fprintf(stderr, "%u %s\n", c.status, c.reply != NULL ? c.reply : "(no request)");
	/* Whatever the hive answers is JSON (or nothing): its clients parse every reply. */
	if (c.status != 0 && c.reply[0] != '\0') {
		cJSON *j = cJSON_Parse(c.reply);

		if (j == NULL)
			abort();
		cJSON_Delete(j);
	}
	conn_reset(&c);
	free(body);
	world_close(&w);
	return 0;
}
