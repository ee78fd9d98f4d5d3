/* hive-client.h - talking to a hive (doc/hive-protocol.md): JSON calls over one libcurl easy
 * handle that keeps its connection alive between calls, streamed logs, and artifact upload and
 * download verified by sha256.  Also where the hive's URL and token come from.
 *
 * Ownership: a client is created by qtm_hive_client_new() and freed by qtm_hive_client_free();
 * it copies the url and token it is given.  Arguments are the caller's and only read; every
 * cJSON tree and string returned through an out parameter belongs to the caller (cJSON_Delete /
 * free).  A client is not shared between processes: a forked child makes its own.
 *
 * Errors name the hive's URL, the request and the cause (the server's "error" text for an HTTP
 * error).  A hive that cannot be reached gives -EHOSTUNREACH (exit status 5 in the front ends). */
#ifndef QTM_HIVE_CLIENT_H
#define QTM_HIVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_ctx;
struct qtm_hive_client;

/* How qtm_hive_resolve() looks for a hive. */
enum {
	/* No hive named anywhere: use this machine's (hive-control's) one, i.e. the URL its
	 * daemon wrote to STATE/hive/url, else http://127.0.0.1:9000.  Without this flag an
	 * unconfigured hive is -ENOENT (qtm install then trains locally). */
	QTM_HIVE_LOCAL_DEFAULT = 1 << 0,
};

/* The hive's URL: url_opt (--hive), else $QTM_HIVE, else qtm.conf `hive`.  The token:
 * token_opt (--token: the token or @PATH), else $QTM_HIVE_TOKEN (the same), else qtm.conf
 * `hive_token` (a PATH), else STATE/hive/operator.token when it exists, else none (*token =
 * NULL: read-only calls need none).  *url and *token are owned by the caller. */
int qtm_hive_resolve(struct qtm_ctx *ctx, const char *url_opt, const char *token_opt, int flags,
    char **url, char **token);
/* Reads a token file (trailing white space removed); *token is owned by the caller. */
int qtm_hive_read_token(struct qtm_ctx *ctx, const char *path, char **token);
/* The default hive state directory, ctx->state_dir/hive (owned by the caller). */
char *qtm_hive_state_dir(const struct qtm_ctx *ctx);

int qtm_hive_client_new(struct qtm_ctx *ctx, const char *url, const char *token, struct qtm_hive_client **out);
void qtm_hive_client_free(struct qtm_hive_client *c);
/* Replaces the bearer token (a runner's secret after enrollment); NULL sends none. */
void qtm_hive_client_set_token(struct qtm_hive_client *c, const char *token);
const char *qtm_hive_client_url(const struct qtm_hive_client *c);
const char *qtm_hive_client_token(const struct qtm_hive_client *c);

/* One JSON request: body may be NULL (no body).  Returns 0 for any HTTP answer, with *status
 * set and *out the parsed JSON body (NULL when the body is empty or not JSON; out may be NULL);
 * a negative code only when no answer came (cannot connect, timeout: -EHOSTUNREACH). */
int qtm_hive_request(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *method,
    const char *path, const cJSON *body, long *status, cJSON **out);
/* The same, but an HTTP status outside 2xx is an error naming the server's "error" text:
 * 400/413/422 -EINVAL, 401/403 -EACCES, 404 -ENOENT, 409 -EBUSY, else -EIO.  Returns the
 * (2xx) status on success. */
int qtm_hive_call(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *method,
    const char *path, const cJSON *body, cJSON **out);

/* GET /jobs/{id}/logs from byte offset (attempt 0: the latest): *text (NUL-terminated, *len
 * bytes) and the next offset and job state from the response headers (state: "" if absent). */
struct qtm_hive_log_chunk {
	char *text;
	size_t len;
	long long next_offset;
	char state[32];
};
int qtm_hive_log_get(struct qtm_ctx *ctx, struct qtm_hive_client *c, long long job_id, int attempt,
    long long offset, struct qtm_hive_log_chunk *out);
/* GET /runners/{id}/logs?offset=B: a local runner's own log (state stays ""). */
int qtm_hive_runner_log_get(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *runner, long long offset,
    struct qtm_hive_log_chunk *out);
/* POST /v1/job/{id}/log?lease=L with text/plain bytes; *status as for qtm_hive_request. */
int qtm_hive_log_post(struct qtm_ctx *ctx, struct qtm_hive_client *c, long long job_id,
    const char *lease, const void *data, size_t len, long *status);

/* PUT /v1/artifact/{build_id}?lease=LEASE from path, streamed, with X-Qtm-Sha256: sha256.  A
 * runner names the lease of its job of that build id; an operator passes NULL.  *stored (may
 * be NULL) says whether the hive kept these bytes (false: it already held these very bytes). */
int qtm_hive_upload(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *build_id,
    const char *lease, const char *path, const char *sha256, bool *stored);
/* GET /v1/artifact/{build_id} into dest (through dest.part, renamed only when verified).  The
 * bytes are hashed while they stream and must match want_sha256 when given, and the hive's
 * X-Qtm-Sha256 header in any case; a mismatch is -EBADMSG.  sha256_out (may be NULL) and
 * size_out (may be NULL) receive what arrived. */
int qtm_hive_download(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *build_id,
    const char *dest, const char *want_sha256, char sha256_out[QTM_SHA256_HEX], uint64_t *size_out);

#endif
