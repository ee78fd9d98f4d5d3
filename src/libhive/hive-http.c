/* hive-http.c - request bodies, JSON replies and tokens for the hive's API. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "hive-http.h"
#include "i18n.h"
#include "json.h"
#include "text.h"
#include "xalloc.h"

void
qtm_hive_body_add(struct qtm_hive_body *b, const char *data, size_t len)
{
	if (b->too_large || b->len + len > b->max) {
		b->too_large = true;   /* keep reading, drop the bytes: the reply is 413 */
		return;
	}
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2 > 4096 ? (b->len + len + 1) * 2 : 4096;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
qtm_hive_body_free(struct qtm_hive_body *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

unsigned int
qtm_hive_http_status(int rc)
{
	switch (-rc) {
	case ENOENT: return MHD_HTTP_NOT_FOUND;
	case ESTALE: case EBUSY: case EEXIST: case ENOTSUP: return MHD_HTTP_CONFLICT;
	case EINVAL: return MHD_HTTP_BAD_REQUEST;
	case EACCES: return MHD_HTTP_UNAUTHORIZED;
	case EPERM: return MHD_HTTP_FORBIDDEN;
	case EFBIG: return MHD_HTTP_CONTENT_TOO_LARGE;
	case EBADMSG: return MHD_HTTP_UNPROCESSABLE_CONTENT;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static const char *
code_name(unsigned int status)
{
	switch (status) {
	case MHD_HTTP_BAD_REQUEST: return "bad_request";
	case MHD_HTTP_UNAUTHORIZED: return "unauthorized";
	case MHD_HTTP_FORBIDDEN: return "forbidden";
	case MHD_HTTP_NOT_FOUND: return "not_found";
	case MHD_HTTP_CONFLICT: return "conflict";
	case MHD_HTTP_CONTENT_TOO_LARGE: return "too_large";
	case MHD_HTTP_UNPROCESSABLE_CONTENT: return "unprocessable";
	case MHD_HTTP_METHOD_NOT_ALLOWED: return "method_not_allowed";
	default: return "internal";
	}
}

enum MHD_Result
qtm_hive_reply(struct MHD_Connection *c, unsigned int status, const char *type, const void *data, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
qtm_hive_reply_json(struct MHD_Connection *c, unsigned int status, cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);
	struct MHD_Response *r;
	enum MHD_Result ret;

	cJSON_Delete(json);
	if (text == NULL)
		return MHD_NO;
	/* The response takes the printed text and frees it: no second copy. */
	r = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
qtm_hive_reply_error(struct MHD_Connection *c, unsigned int status, const char *message)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "error", message);
	cJSON_AddStringToObject(j, "code", code_name(status));
	return qtm_hive_reply_json(c, status, j);
}

enum MHD_Result
qtm_hive_reply_ctx(struct MHD_Connection *c, struct qtm_ctx *ctx, int rc)
{
	return qtm_hive_reply_error(c, qtm_hive_http_status(rc), qtm_strerror(ctx));
}

int
qtm_hive_parse_json(struct qtm_ctx *ctx, const struct qtm_hive_body *b, const char *const *fields,
    const char *what, cJSON **out)
{
	const char *end = NULL, *bad;
	cJSON *j, *f;

	*out = NULL;
	if (b->too_large)
		return qtm_error(ctx, -EFBIG, _("%s: the body is larger than %zu KiB (max_body_kib)"), what,
		    b->max / 1024);
	if (b->len > 0 && !qtm_utf8_valid(b->data, b->len))
		return qtm_error(ctx, -EINVAL, _("%s: the body is not valid UTF-8"), what);
	if (qtm_json_has_nul_escape(b->data, b->len))
		return qtm_error(ctx, -EINVAL, _("%s: a string of the body holds a NUL character (\\u0000)"), what);
	if (b->len == 0 || (j = cJSON_ParseWithLengthOpts(b->data, b->len + 1, &end, true)) == NULL)
		return qtm_error(ctx, -EINVAL, _("%s: the body is not valid JSON (at byte %zu)"), what,
		    end != NULL && b->data != NULL ? (size_t)(end - b->data) : (size_t)0);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return qtm_error(ctx, -EINVAL, _("%s: the body must be a JSON object"), what);
	}
	cJSON_ArrayForEach(f, j) {
		size_t i = 0;

		while (fields[i] != NULL && strcmp(fields[i], f->string) != 0)
			i++;
		if (fields[i] == NULL) {
			int rc = qtm_error(ctx, -EINVAL, _("%s: unknown field \"%s\""), what, f->string);

			cJSON_Delete(j);
			return rc;
		}
	}
	if ((bad = qtm_json_unclean_field(j)) != NULL) {
		int rc = qtm_error(ctx, -EINVAL, _("%s: field \"%s\" holds a control character"), what, bad);

		cJSON_Delete(j);
		return rc;
	}
	*out = j;
	return 0;
}

bool
qtm_hive_token_eq(const char *given, const char *want)
{
	size_t n = strlen(want), g = given != NULL ? strlen(given) : 0;
	unsigned char diff = (unsigned char)(g != n || n == 0);

	/* Every byte of the expected token is looked at, whatever the given one holds. */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ (i < g ? given[i] : 0));
	return diff == 0;
}

const char *
qtm_hive_bearer(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

const char *
qtm_hive_query(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

struct query_check {
	const char *const *known;
	const char *bad, *why;
	unsigned int seen;           /* bit i: known[i] was given */
};

static enum MHD_Result
check_arg(void *arg, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_check *q = arg;
	size_t i = 0;

	(void)kind;
	while (q->known[i] != NULL && strcmp(q->known[i], key) != 0)
		i++;
	if (q->known[i] == NULL)
		q->why = "unknown";
	else if (q->seen & (1u << i))
		q->why = "twice";
	else if (value == NULL || value[0] == '\0')
		q->why = "empty";
	else {
		q->seen |= 1u << i;
		return MHD_YES;
	}
	q->bad = key;
	return MHD_NO;
}

int
qtm_hive_query_check(struct qtm_ctx *ctx, struct MHD_Connection *c, const char *const *known, const char *what)
{
	struct query_check q = { known, NULL, NULL, 0 };
	char *list;
	int rc;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &q);
	if (q.bad == NULL)
		return 0;
	if (strcmp(q.why, "twice") == 0)
		return qtm_error(ctx, -EINVAL, _("%s: query parameter \"%s\" is given twice"), what, q.bad);
	if (strcmp(q.why, "empty") == 0)
		return qtm_error(ctx, -EINVAL, _("%s: query parameter \"%s\" needs a value"), what, q.bad);
	list = xstrdup("");
	for (size_t i = 0; known[i] != NULL; i++) {
		char *l = xasprintf("%s%s%s", list, i > 0 ? ", " : "", known[i]);

		free(list);
		list = l;
	}
	rc = qtm_error(ctx, -EINVAL, _("%s: unknown query parameter \"%s\" (known: %s)"), what, q.bad, list);
	free(list);
	return rc;
}

long long
qtm_hive_query_int(struct MHD_Connection *c, const char *name, long long def)
{
	const char *v = qtm_hive_query(c, name);
	char *end;
	long long n;

	if (v == NULL)
		return def;
	n = strtoll(v, &end, 10);
	return *v == '\0' || *end != '\0' || n < 0 ? -1 : n;
}
