/* hive-client.c - the hive's HTTP client (doc/hive-protocol.md) and where its URL and token
 * come from. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "curl-sym.h"
#include "hash.h"
#include "hive-client.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

#define DEFAULT_HIVE "http://127.0.0.1:9000"
#define MAX_RESPONSE (64u << 20)   /* a JSON answer or log chunk; artifacts go to files */

struct qtm_hive_client {
	char *url;                     /* without a trailing slash */
	char *token;                   /* or NULL */
	CURL *curl;                    /* reused: its connection stays open between calls */
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- URL and token ------------------------------------------------------------------------ */

char *
qtm_hive_state_dir(const struct qtm_ctx *ctx)
{
	return qtm_state_path(ctx, "hive");
}

int
qtm_hive_read_token(struct qtm_ctx *ctx, const char *path, char **token)
{
	char *data;
	size_t len;
	int rc;

	if ((rc = qtm_read_small_file(ctx, path, QTM_SMALL_FILE_MAX, &data, &len)) < 0)
		return qtm_error_prefix(ctx, _("hive token"));
	while (len > 0 && isspace((unsigned char)data[len - 1]))
		data[--len] = '\0';
	if (len == 0) {
		free(data);
		return qtm_error(ctx, -EINVAL, _("hive token file %s is empty"), path);
	}
	*token = data;
	return 0;
}

/* "@PATH" names a file holding the token; anything else is the token itself. */
static int
token_value(struct qtm_ctx *ctx, const char *v, char **token)
{
	if (v[0] == '@')
		return qtm_hive_read_token(ctx, v + 1, token);
	*token = xstrdup(v);
	return 0;
}

static char *
local_url(const struct qtm_ctx *ctx)
{
	char *dir = qtm_hive_state_dir(ctx), *path = xasprintf("%s/url", dir), *url = NULL;
	FILE *f = fopen(path, "re");
	char line[512];

	if (f != NULL && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] != '\0')
			url = xstrdup(line);
	}
	if (f != NULL)
		fclose(f);
	free(path);
	free(dir);
	return url != NULL ? url : xstrdup(DEFAULT_HIVE);
}

static int
resolve_token(struct qtm_ctx *ctx, const char *token_opt, char **token)
{
	const char *env = getenv("QTM_HIVE_TOKEN");
	char *dir, *path;
	int rc = 0;

	*token = NULL;
	if (token_opt != NULL && token_opt[0] != '\0')
		return token_value(ctx, token_opt, token);
	if (env != NULL && env[0] != '\0')
		return token_value(ctx, env, token);
	if (ctx->hive_token != NULL)
		return qtm_hive_read_token(ctx, ctx->hive_token, token);
	dir = qtm_hive_state_dir(ctx);
	path = xasprintf("%s/operator.token", dir);
	if (access(path, R_OK) == 0)
		rc = qtm_hive_read_token(ctx, path, token);
	free(path);
	free(dir);
	return rc;
}

int
qtm_hive_resolve(struct qtm_ctx *ctx, const char *url_opt, const char *token_opt, int flags,
    char **url, char **token)
{
	const char *env = getenv("QTM_HIVE");
	int rc;

	*url = NULL;
	*token = NULL;
	if (url_opt != NULL && url_opt[0] != '\0')
		*url = xstrdup(url_opt);
	else if (env != NULL && env[0] != '\0')
		*url = xstrdup(env);
	else if (ctx->hive != NULL && ctx->hive[0] != '\0')
		*url = xstrdup(ctx->hive);
	else if (flags & QTM_HIVE_LOCAL_DEFAULT)
		*url = local_url(ctx);
	else
		return qtm_error(ctx, -ENOENT, _("no hive configured (--hive URL, QTM_HIVE or `hive = URL` in %s)"),
		    ctx->config_file);
	if (strncmp(*url, "http://", 7) != 0 && strncmp(*url, "https://", 8) != 0) {
		rc = qtm_error(ctx, -EINVAL, _("hive URL \"%s\" must start with http:// or https://"), *url);
		free(*url);
		*url = NULL;
		return rc;
	}
	if ((rc = resolve_token(ctx, token_opt, token)) < 0) {
		free(*url);
		*url = NULL;
	}
	return rc;
}

/* ---- the client --------------------------------------------------------------------------- */

int
qtm_hive_client_new(struct qtm_ctx *ctx, const char *url, const char *token, struct qtm_hive_client **out)
{
	struct qtm_hive_client *c = xcalloc(1, sizeof *c);
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	c->url = xstrndup(url, n);
	c->token = token != NULL ? xstrdup(token) : NULL;
	if (qtm_curl_load(ctx) < 0) {
		qtm_hive_client_free(c);
		return ctx->err;
	}
	if ((c->curl = sym_curl_easy_init()) == NULL) {
		qtm_hive_client_free(c);
		return qtm_error(ctx, -ENOMEM, _("hive %s: cannot start libcurl"), url);
	}
	*out = c;
	return 0;
}

void
qtm_hive_client_free(struct qtm_hive_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		sym_curl_easy_cleanup(c->curl);
	free(c->url);
	free(c->token);
	free(c);
}

void
qtm_hive_client_set_token(struct qtm_hive_client *c, const char *token)
{
	free(c->token);
	c->token = token != NULL ? xstrdup(token) : NULL;
}

const char *
qtm_hive_client_url(const struct qtm_hive_client *c)
{
	return c->url;
}

const char *
qtm_hive_client_token(const struct qtm_hive_client *c)
{
	return c->token;
}

/* ---- one HTTP exchange -------------------------------------------------------------------- */

struct req {
	const char *method, *path;
	const char *ctype;             /* of body, or NULL */
	const char *body;              /* in memory, or NULL */
	size_t body_len;
	FILE *upload;                  /* PUT from a file, or NULL */
	uint64_t upload_size;
	const char *sha256;            /* X-Qtm-Sha256 to send, or NULL */
	long timeout_s;                /* whole exchange; 0: none (large transfers) */
};

struct resp {
	struct qtm_hive_client *c;
	long status;
	char *body;                    /* error text, JSON or log bytes (NUL-terminated) */
	size_t len, cap;
	bool too_big;
	char sha256[QTM_SHA256_HEX];   /* X-Qtm-Sha256, or "" */
	long long log_offset;          /* X-Qtm-Log-Offset, or -1 */
	char state[32];                /* X-Qtm-Job-State, or "" */
	FILE *out;                     /* a 2xx body goes here when set (downloads) */
	struct qtm_sha256 hash;        /* ... hashed as it goes */
	int write_errno;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	long status = 0;

	n *= size;
	sym_curl_easy_getinfo(r->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (r->out != NULL && status >= 200 && status < 300) {
		if (fwrite(data, 1, n, r->out) != n) {
			r->write_errno = errno != 0 ? errno : EIO;
			return 0;
		}
		qtm_sha256_update(&r->hash, data, n);
		return n;
	}
	if (r->len + n > MAX_RESPONSE) {
		r->too_big = true;
		return 0;
	}
	xbuf_append(&r->body, &r->len, &r->cap, data, n);
	return n;
}

/* Copies a header's value when its name matches (case-insensitive), trimmed. */
static bool
header_value(const char *line, size_t len, const char *name, char *buf, size_t size)
{
	size_t nlen = strlen(name), i;

	if (len <= nlen + 1 || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return false;
	line += nlen + 1;
	len -= nlen + 1;
	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	i = len < size - 1 ? len : size - 1;
	memcpy(buf, line, i);
	buf[i] = '\0';
	return true;
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	char num[32];

	n *= size;
	header_value(line, n, "X-Qtm-Sha256", r->sha256, sizeof r->sha256);
	header_value(line, n, "X-Qtm-Job-State", r->state, sizeof r->state);
	if (header_value(line, n, "X-Qtm-Log-Offset", num, sizeof num))
		r->log_offset = strtoll(num, NULL, 10);
	return n;
}

static struct curl_slist *
request_headers(const struct qtm_hive_client *c, const struct req *q)
{
	struct curl_slist *h = NULL;
	char *s;

	if (c->token != NULL) {
		s = xasprintf("Authorization: Bearer %s", c->token);
		h = sym_curl_slist_append(h, s);
		free(s);
	}
	if (q->ctype != NULL) {
		s = xasprintf("Content-Type: %s", q->ctype);
		h = sym_curl_slist_append(h, s);
		free(s);
	}
	if (q->sha256 != NULL) {
		s = xasprintf("X-Qtm-Sha256: %s", q->sha256);
		h = sym_curl_slist_append(h, s);
		free(s);
	}
	h = sym_curl_slist_append(h, "Expect:");   /* no 100-continue round trip on loopback */
	return h;
}

static void
set_method(CURL *e, const struct req *q)
{
	if (q->upload != NULL) {
		sym_curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		sym_curl_easy_setopt(e, CURLOPT_READDATA, q->upload);
		sym_curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->upload_size);
	} else if (q->body != NULL) {
		sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
		sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	} else if (strcmp(q->method, "POST") == 0) {
		sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(q->method, "HEAD") == 0) {
		sym_curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	}
	if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)
		sym_curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
}

static int
transport_error(struct qtm_ctx *ctx, const struct qtm_hive_client *c, const struct req *q,
    const struct resp *r, CURLcode cc)
{
	const char *why = c->errbuf[0] != '\0' ? c->errbuf : sym_curl_easy_strerror(cc);

	if (r->write_errno != 0)
		return qtm_error(ctx, -r->write_errno, _("hive %s: %s %s: cannot write the download: %s"),
		    c->url, q->method, q->path, strerror(r->write_errno));
	if (r->too_big)
		return qtm_error(ctx, -EFBIG, _("hive %s: %s %s: the answer is larger than %u MiB"),
		    c->url, q->method, q->path, MAX_RESPONSE >> 20);
	return qtm_error(ctx, -EHOSTUNREACH, _("hive %s: %s %s: %s (is qtm-hived running?)"),
	    c->url, q->method, q->path, why);
}

static int
perform(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct req *q, struct resp *r)
{
	char *url = xasprintf("%s%s", c->url, q->path);
	struct curl_slist *h = request_headers(c, q);
	CURL *e = c->curl;
	CURLcode cc;

	r->c = c;
	r->log_offset = -1;
	/* reset keeps the live connection: the next call reuses it (keep-alive). */
	sym_curl_easy_reset(e);
	c->errbuf[0] = '\0';
	sym_curl_easy_setopt(e, CURLOPT_URL, url);
	sym_curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	sym_curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	sym_curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	sym_curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	sym_curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	sym_curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	sym_curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 5L);
	sym_curl_easy_setopt(e, CURLOPT_TIMEOUT, q->timeout_s);
	/* Large transfers have no overall limit, but a stalled one is an error, not a hang. */
	sym_curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	sym_curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(ctx->stall_timeout_s > 0 ? ctx->stall_timeout_s : 30));
	sym_curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	sym_curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	set_method(e, q);
	cc = sym_curl_easy_perform(e);
	sym_curl_slist_free_all(h);
	free(url);
	if (cc != CURLE_OK)
		return transport_error(ctx, c, q, r, cc);
	sym_curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

static void
resp_clear(struct resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
}

/* ---- JSON calls --------------------------------------------------------------------------- */

static int
json_exchange(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *method, const char *path,
    const cJSON *body, struct resp *r)
{
	char *text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;
	struct req q = {
		.method = method, .path = path, .body = text, .body_len = text != NULL ? strlen(text) : 0,
		.ctype = text != NULL ? "application/json" : NULL, .timeout_s = 60,
	};
	int rc;

	if (body != NULL && text == NULL)
		return qtm_error(ctx, -ENOMEM, _("hive %s: %s %s: cannot serialise the request"), c->url, method, path);
	rc = perform(ctx, c, &q, r);
	free(text);
	return rc;
}

int
qtm_hive_request(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *method,
    const char *path, const cJSON *body, long *status, cJSON **out)
{
	struct resp r = { 0 };
	int rc = json_exchange(ctx, c, method, path, body, &r);

	if (out != NULL)
		*out = NULL;
	if (rc == 0) {
		*status = r.status;
		if (out != NULL && r.len > 0)
			*out = cJSON_ParseWithLength(r.body, r.len);
	}
	resp_clear(&r);
	return rc;
}

static int
status_code(long status)
{
	switch (status) {
	case 400: case 413: case 422: return -EINVAL;
	case 401: case 403: return -EACCES;
	case 404: return -ENOENT;
	case 409: return -EBUSY;
	default: return -EIO;
	}
}

/* An HTTP error as one message: the server's "error" text, else the start of its body. */
static int
http_error(struct qtm_ctx *ctx, const struct qtm_hive_client *c, const char *method, const char *path,
    const struct resp *r)
{
	cJSON *j = r->len > 0 ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	const cJSON *e = cJSON_GetObjectItem(j, "error");
	int rc;

	if (cJSON_IsString(e))
		rc = qtm_error(ctx, status_code(r->status), _("hive %s: %s %s: %s (HTTP %ld)"), c->url, method,
		    path, e->valuestring, r->status);
	else
		rc = qtm_error(ctx, status_code(r->status), _("hive %s: %s %s: HTTP %ld %.200s"), c->url, method,
		    path, r->status, r->len > 0 ? r->body : "");
	cJSON_Delete(j);
	return rc;
}

int
qtm_hive_call(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *method,
    const char *path, const cJSON *body, cJSON **out)
{
	struct resp r = { 0 };
	int rc = json_exchange(ctx, c, method, path, body, &r);

	if (out != NULL)
		*out = NULL;
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = http_error(ctx, c, method, path, &r);
	else if (rc == 0 && out != NULL && r.len > 0 &&
	    (rc = qtm_json_parse_answer(ctx, r.body, r.len, c->url, out)) < 0)
		qtm_error_prefix(ctx, _("hive %s: %s %s: the answer"), c->url, method, path);
	if (rc == 0)
		rc = (int)r.status;
	resp_clear(&r);
	return rc;
}

/* ---- logs --------------------------------------------------------------------------------- */

static int
log_fetch(struct qtm_ctx *ctx, struct qtm_hive_client *c, char *path, long long offset, struct qtm_hive_log_chunk *out);

int
qtm_hive_log_get(struct qtm_ctx *ctx, struct qtm_hive_client *c, long long job_id, int attempt,
    long long offset, struct qtm_hive_log_chunk *out)
{
	return log_fetch(ctx, c, attempt > 0 ? xasprintf("/jobs/%lld/logs?attempt=%d&offset=%lld", job_id, attempt,
	    offset) : xasprintf("/jobs/%lld/logs?offset=%lld", job_id, offset), offset, out);
}

int
qtm_hive_runner_log_get(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *runner, long long offset,
    struct qtm_hive_log_chunk *out)
{
	if (strpbrk(runner, "/?#%& ") != NULL || runner[0] == '\0')
		return qtm_error(ctx, -ENOENT, _("no runner %s is enrolled"), runner);
	return log_fetch(ctx, c, xasprintf("/runners/%s/logs?offset=%lld", runner, offset), offset, out);
}

/* GET path (freed here), a log's bytes from offset on. */
static int
log_fetch(struct qtm_ctx *ctx, struct qtm_hive_client *c, char *path, long long offset, struct qtm_hive_log_chunk *out)
{
	struct req q = { .method = "GET", .path = path, .timeout_s = 60 };
	struct resp r = { 0 };
	int rc = perform(ctx, c, &q, &r);

	memset(out, 0, sizeof *out);
	if (rc == 0 && r.status != 200)
		rc = http_error(ctx, c, "GET", path, &r);
	if (rc == 0) {
		out->text = r.body != NULL ? r.body : xstrdup("");
		out->len = r.len;
		out->next_offset = r.log_offset >= 0 ? r.log_offset : offset + (long long)r.len;
		snprintf(out->state, sizeof out->state, "%s", r.state);
		r.body = NULL;
	}
	resp_clear(&r);
	free(path);
	return rc;
}

int
qtm_hive_log_post(struct qtm_ctx *ctx, struct qtm_hive_client *c, long long job_id,
    const char *lease, const void *data, size_t len, long *status)
{
	char *path = xasprintf("/v1/job/%lld/log?lease=%s", job_id, lease);
	struct req q = { .method = "POST", .path = path, .ctype = "text/plain", .body = data,
	    .body_len = len, .timeout_s = 60 };
	struct resp r = { 0 };
	int rc = perform(ctx, c, &q, &r);

	if (rc == 0)
		*status = r.status;
	resp_clear(&r);
	free(path);
	return rc;
}

/* ---- artifacts ---------------------------------------------------------------------------- */

int
qtm_hive_upload(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *build_id,
    const char *lease, const char *path, const char *sha256, bool *stored)
{
	char *rpath = lease != NULL ? xasprintf("/v1/artifact/%s?lease=%s", build_id, lease) :
	    xasprintf("/v1/artifact/%s", build_id);
	FILE *f = fopen(path, "rbe");
	struct stat st;
	struct resp r = { 0 };
	int rc;

	if (f == NULL || fstat(fileno(f), &st) < 0) {
		rc = qtm_error(ctx, -errno, _("cannot read artifact %s: %s"), path, strerror(errno));
		goto out;
	}
	struct req q = { .method = "PUT", .path = rpath, .ctype = "application/octet-stream",
	    .upload = f, .upload_size = (uint64_t)st.st_size, .sha256 = sha256 };
	if ((rc = perform(ctx, c, &q, &r)) == 0 && (r.status < 200 || r.status > 299))
		rc = http_error(ctx, c, "PUT", rpath, &r);
	if (rc == 0 && stored != NULL)
		*stored = r.status == 201;
out:
	if (f != NULL)
		fclose(f);
	resp_clear(&r);
	free(rpath);
	return rc;
}

static int
download_check(struct qtm_ctx *ctx, const struct qtm_hive_client *c, const char *build_id,
    const char *want, const struct resp *r, const char *got)
{
	if (r->sha256[0] != '\0' && strcmp(r->sha256, got) != 0)
		return qtm_error(ctx, -EBADMSG, _("hive %s: artifact %s: the bytes hash to %s, not %s as the hive declared"),
		    c->url, build_id, got, r->sha256);
	if (want != NULL && strcmp(want, got) != 0)
		return qtm_error(ctx, -EBADMSG, _("hive %s: artifact %s: the bytes hash to %s, not the expected %s"),
		    c->url, build_id, got, want);
	if (want == NULL && r->sha256[0] == '\0')
		return qtm_error(ctx, -EBADMSG, _("hive %s: artifact %s: no X-Qtm-Sha256 to verify it against"),
		    c->url, build_id);
	return 0;
}

int
qtm_hive_download(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *build_id,
    const char *dest, const char *want_sha256, char sha256_out[QTM_SHA256_HEX], uint64_t *size_out)
{
	char *rpath = xasprintf("/v1/artifact/%s", build_id), *part = xasprintf("%s.part", dest);
	struct req q = { .method = "GET", .path = rpath };
	struct resp r = { 0 };
	char got[QTM_SHA256_HEX] = "";
	uint64_t bytes;
	int rc;

	if ((r.out = fopen(part, "wbe")) == NULL) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), part, strerror(errno));
		goto out;
	}
	qtm_sha256_init(&r.hash);
	rc = perform(ctx, c, &q, &r);
	bytes = r.hash.bytes;
	qtm_sha256_final(&r.hash, got);
	if (fclose(r.out) != 0 && rc == 0)
		rc = qtm_error(ctx, -errno, _("cannot write %s: %s"), part, strerror(errno));
	if (rc == 0 && r.status != 200)
		rc = http_error(ctx, c, "GET", rpath, &r);
	if (rc == 0)
		rc = download_check(ctx, c, build_id, want_sha256, &r, got);
	if (rc == 0 && rename(part, dest) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s to %s: %s"), part, dest, strerror(errno));
	if (rc == 0 && sha256_out != NULL)
		memcpy(sha256_out, got, QTM_SHA256_HEX);
	if (rc == 0 && size_out != NULL)
		*size_out = bytes;
	if (rc < 0)
		unlink(part);
out:
	resp_clear(&r);
	free(rpath);
	free(part);
	return rc;
}
