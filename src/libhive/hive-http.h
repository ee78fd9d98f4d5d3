/* hive-http.h - HTTP plumbing of the hive's API over libmicrohttpd: request bodies collected
 * under a size cap, JSON bodies parsed with unknown fields refused, JSON error replies in the
 * contract's shape, bearer tokens compared in constant time, query parameters.
 *
 * A struct qtm_hive_body is owned by the request that declares it (qtm_hive_body_free).
 * Reply functions copy what they send; qtm_hive_reply_json() also frees the tree it is given. */
#ifndef QTM_HIVE_HTTP_H
#define QTM_HIVE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

struct qtm_ctx;

struct qtm_hive_body {
	char *data;                  /* NUL-terminated */
	size_t len, cap, max;
	bool too_large;              /* more than max bytes came: the rest was dropped */
};

void qtm_hive_body_add(struct qtm_hive_body *b, const char *data, size_t len);
void qtm_hive_body_free(struct qtm_hive_body *b);

/* The HTTP status for a library error code (-ENOENT 404, -ESTALE/-EBUSY/-EEXIST 409, -EINVAL
 * 400, -EACCES 401, -EFBIG 413, -EBADMSG 422, -ENOTSUP 409, others 500). */
unsigned int qtm_hive_http_status(int rc);

enum MHD_Result qtm_hive_reply(struct MHD_Connection *c, unsigned int status, const char *type,
    const void *data, size_t len);
enum MHD_Result qtm_hive_reply_json(struct MHD_Connection *c, unsigned int status, cJSON *json);
/* {"error": message, "code": the contract's name for status}. */
enum MHD_Result qtm_hive_reply_error(struct MHD_Connection *c, unsigned int status, const char *message);
/* The error set on ctx, with the status its code maps to. */
enum MHD_Result qtm_hive_reply_ctx(struct MHD_Connection *c, struct qtm_ctx *ctx, int rc);

/* Parses b as a JSON object whose top-level fields are all in fields (NULL-terminated);
 * -EFBIG when the body was too large, -EINVAL (malformed, not an object, unknown field) with
 * the message naming what (e.g. "POST /jobs/submit"). */
int qtm_hive_parse_json(struct qtm_ctx *ctx, const struct qtm_hive_body *b, const char *const *fields,
    const char *what, cJSON **out);

/* Constant-time comparison of a presented token with the expected one. */
bool qtm_hive_token_eq(const char *given, const char *want);
/* The token of "Authorization: Bearer TOKEN", or NULL (points into the connection). */
const char *qtm_hive_bearer(struct MHD_Connection *c);
/* A query parameter, or NULL (points into the connection). */
const char *qtm_hive_query(struct MHD_Connection *c, const char *name);
/* -EINVAL naming the first query parameter not in known (NULL-terminated), or one given
 * empty or twice, with what (e.g. "GET /jobs") in the message; 0 when all are known. */
int qtm_hive_query_check(struct qtm_ctx *ctx, struct MHD_Connection *c, const char *const *known, const char *what);
/* A non-negative integer query parameter: def when absent, -1 when malformed. */
long long qtm_hive_query_int(struct MHD_Connection *c, const char *name, long long def);

#endif
