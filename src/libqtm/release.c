/* release.c - parsing release.json, formats 1 and 2, and the bucket rule of format 2. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "release.h"
#include "xalloc.h"

uint32_t
qtm_release_bucket(const char *name, uint32_t buckets)
{
	char hex[QTM_SHA256_HEX], first[9];

	qtm_sha256_buf(name, strlen(name), hex);
	memcpy(first, hex, 8);
	first[8] = '\0';
	return (uint32_t)(strtoul(first, NULL, 16) & (buckets - 1));
}

char *
qtm_release_piece_path(const struct qtm_release_piece *piece)
{
	return xasprintf("index/%s.json.gz", piece->sha256);
}

static int
parse_index_v1(struct qtm_ctx *ctx, const cJSON *index, const char *origin, struct qtm_release *out)
{
	const char *path = NULL, *sha = NULL;
	long long size = 0;
	char sub[640];
	int rc;

	snprintf(sub, sizeof sub, "%s: index", origin);
	if ((rc = qtm_json_str(ctx, index, "path", true, sub, &path)) < 0 ||
	    (rc = qtm_json_str(ctx, index, "sha256", true, sub, &sha)) < 0 ||
	    (rc = qtm_json_int(ctx, index, "size", true, sub, 1, (long long)QTM_INDEX_MAX_BYTES, &size)) < 0)
		return rc;
	if (!qtm_sha256_valid(sha) || strstr(path, "..") != NULL || path[0] == '/')
		return qtm_error(ctx, -EINVAL, _("%s: field \"index\": bad path or sha256"), origin);
	out->index_path = xstrdup(path);
	snprintf(out->index_sha256, sizeof out->index_sha256, "%s", sha);
	out->index_size = (uint64_t)size;
	return 0;
}

/* One list of pieces ("newest" or "older"): sorted by bucket, each bucket once, below buckets. */
static int
parse_pieces(struct qtm_ctx *ctx, const cJSON *index, const char *list, bool older,
    const char *origin, struct qtm_release *out)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(index, list), *it;
	long long prev = -1;
	char sub[700];
	int rc, i = 0;

	if (!cJSON_IsArray(arr))
		return qtm_error(ctx, -EINVAL, _("%s: field \"index.%s\": missing or not an array"), origin, list);
	if ((size_t)cJSON_GetArraySize(arr) > out->buckets)
		return qtm_error(ctx, -EINVAL, _("%s: field \"index.%s\": more pieces than buckets"), origin, list);
	cJSON_ArrayForEach(it, arr) {
		struct qtm_release_piece *pc = &out->pieces[out->n_pieces];
		long long bucket = 0, size = 0;
		const char *sha = NULL;

		snprintf(sub, sizeof sub, "%s: index.%s[%d]", origin, list, i++);
		if (!cJSON_IsObject(it))
			return qtm_error(ctx, -EINVAL, _("%s: not an object"), sub);
		if ((rc = qtm_json_int(ctx, it, "bucket", true, sub, 0, (long long)out->buckets - 1, &bucket)) < 0 ||
		    (rc = qtm_json_str(ctx, it, "sha256", true, sub, &sha)) < 0 ||
		    (rc = qtm_json_int(ctx, it, "size", true, sub, 1, (long long)QTM_INDEX_MAX_BYTES, &size)) < 0)
			return rc;
		if (!qtm_sha256_valid(sha))
			return qtm_error(ctx, -EINVAL, _("%s: field \"sha256\": not 64 lowercase hex digits"), sub);
		if (bucket <= prev)
			return qtm_error(ctx, -EINVAL, _("%s: buckets out of order or listed twice"), sub);
		prev = bucket;
		pc->bucket = (uint32_t)bucket;
		pc->older = older;
		snprintf(pc->sha256, sizeof pc->sha256, "%s", sha);
		pc->size = (uint64_t)size;
		out->n_pieces++;
	}
	return 0;
}

static int
parse_index_v2(struct qtm_ctx *ctx, const cJSON *index, const char *origin, struct qtm_release *out)
{
	long long buckets = 0;
	char sub[640];
	int rc;

	snprintf(sub, sizeof sub, "%s: index", origin);
	if ((rc = qtm_json_int(ctx, index, "buckets", true, sub, 1, QTM_INDEX_MAX_BUCKETS, &buckets)) < 0)
		return rc;
	if ((buckets & (buckets - 1)) != 0)
		return qtm_error(ctx, -EINVAL, _("%s: field \"buckets\": %lld is not a power of two"), sub, buckets);
	out->buckets = (uint32_t)buckets;
	out->pieces = xcalloc(2 * (size_t)buckets, sizeof *out->pieces);
	if ((rc = parse_pieces(ctx, index, "newest", false, origin, out)) < 0)
		return rc;
	out->n_newest = out->n_pieces;
	return parse_pieces(ctx, index, "older", true, origin, out);
}

int
qtm_release_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin,
    struct qtm_release *out)
{
	const char *name = NULL, *expires = NULL;
	long long format = 0;
	const cJSON *index;
	cJSON *json;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = qtm_json_parse(ctx, text, len, origin, &json)) < 0)
		return rc;
	index = cJSON_GetObjectItemCaseSensitive(json, "index");
	if ((rc = qtm_json_int(ctx, json, "format", true, origin, 1, 2, &format)) < 0 ||
	    (rc = qtm_json_str(ctx, json, "name", true, origin, &name)) < 0 ||
	    (rc = qtm_json_int(ctx, json, "version", true, origin, 1, INT64_MAX, &out->version)) < 0 ||
	    (rc = qtm_json_str(ctx, json, "expires", true, origin, &expires)) < 0)
		goto out;
	if (!cJSON_IsObject(index)) {
		rc = qtm_error(ctx, -EINVAL, _("%s: field \"index\": missing or not an object"), origin);
		goto out;
	}
	out->format = (int)format;
	rc = format == 1 ? parse_index_v1(ctx, index, origin, out) : parse_index_v2(ctx, index, origin, out);
	if (rc == 0) {
		out->name = xstrdup(name);
		out->expires = xstrdup(expires);
	}
out:
	cJSON_Delete(json);
	if (rc < 0)
		qtm_release_clear(out);
	return rc;
}

void
qtm_release_clear(struct qtm_release *r)
{
	free(r->name);
	free(r->expires);
	free(r->index_path);
	free(r->pieces);
	memset(r, 0, sizeof *r);
}
