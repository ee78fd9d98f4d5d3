/* json.c - typed cJSON access with precise errors, and JSON file I/O (optionally gzip). */
#include "config.h"

#include <limits.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "archive-sym.h"
#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "text.h"
#include "xalloc.h"

static int
field_error(struct qtm_ctx *ctx, const char *origin, const char *field, const char *what)
{
	return qtm_error(ctx, -EINVAL, _("%s: field \"%s\": %s"), origin, field, what);
}

int
qtm_json_str(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);

	if (v == NULL)
		return required ? field_error(ctx, origin, field, _("missing")) : 0;
	if (!cJSON_IsString(v))
		return field_error(ctx, origin, field, _("expected a string"));
	*out = v->valuestring;
	return 0;
}

int
qtm_json_int(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, long long min, long long max, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	char what[128];

	if (v == NULL)
		return required ? field_error(ctx, origin, field, _("missing")) : 0;
	/* Out of long long's range the cast itself is undefined: checked first. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)LLONG_MIN && v->valuedouble < -(double)LLONG_MIN) ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return field_error(ctx, origin, field, _("expected an integer"));
	if ((long long)v->valuedouble < min || (long long)v->valuedouble > max) {
		snprintf(what, sizeof what, _("must be between %lld and %lld"), min, max);
		return field_error(ctx, origin, field, what);
	}
	*out = (long long)v->valuedouble;
	return 0;
}

int
qtm_json_strv(struct qtm_ctx *ctx, const cJSON *obj, const char *field, bool required,
    const char *origin, char ***out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field), *it;
	char **strv = xcalloc(1, sizeof *strv);

	if (v == NULL) {
		free(strv);
		if (required)
			return field_error(ctx, origin, field, _("missing"));
		*out = xcalloc(1, sizeof **out);
		return 0;
	}
	if (!cJSON_IsArray(v)) {
		free(strv);
		return field_error(ctx, origin, field, _("expected an array of strings"));
	}
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it)) {
			strv_free(strv);
			return field_error(ctx, origin, field, _("expected an array of strings"));
		}
		strv = strv_push(strv, it->valuestring);
	}
	*out = strv;
	return 0;
}

int
qtm_json_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin, cJSON **out)
{
	/* A name cut short at a NUL, or bytes no JSON parser downstream accepts, must not pass. */
	if (!qtm_utf8_valid(text, len))
		return qtm_error(ctx, -EINVAL, _("%s: not valid UTF-8"), origin);
	if (qtm_json_has_nul_escape(text, len))
		return qtm_error(ctx, -EINVAL, _("%s: a string holds a NUL character (\\u0000)"), origin);
	return qtm_json_parse_answer(ctx, text, len, origin, out);
}

int
qtm_json_parse_answer(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin, cJSON **out)
{
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithLengthOpts(text, len, &end, false);

	if (json == NULL) {
		size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;
		size_t line = 1;

		for (size_t i = 0; i < off && i < len; i++)
			line += text[i] == '\n';
		return qtm_error(ctx, -EINVAL, _("%s: malformed JSON near line %zu (byte %zu)"),
		    origin, line, off);
	}
	*out = json;
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* JSON compresses about tenfold: a hundredfold is generous, and keeps a small signed index from
 * inflating into gigabytes of memory. */
#define GUNZIP_RATIO 100
#define GUNZIP_FLOOR ((size_t)1 << 20)

static size_t
gunzip_limit(uint64_t compressed)
{
	uint64_t limit = compressed > SIZE_MAX / 2 / GUNZIP_RATIO ? SIZE_MAX / 2 : compressed * GUNZIP_RATIO;

	return limit < GUNZIP_FLOOR ? GUNZIP_FLOOR : (size_t)limit;
}

int
qtm_gunzip(struct qtm_ctx *ctx, const char *path, char **data, size_t *len)
{
	struct archive *a;
	struct archive_entry *entry;
	size_t cap = 1 << 16, used = 0, max;
	struct stat st;
	char *buf;
	la_ssize_t n;
	int rc = qtm_archive_load(ctx);

	if (rc < 0)
		return rc;
	if (stat(path, &st) < 0)
		return qtm_error(ctx, -errno, _("cannot stat %s: %s"), path, strerror(errno));
	max = gunzip_limit((uint64_t)st.st_size);
	a = sym_archive_read_new();
	buf = xmalloc(cap);

	sym_archive_read_support_filter_gzip(a);
	sym_archive_read_support_format_raw(a);
	if (sym_archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK ||
	    sym_archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		rc = qtm_error(ctx, -EINVAL, _("cannot read %s: %s"), path, sym_archive_error_string(a));
		goto out;
	}
	while ((n = sym_archive_read_data(a, buf + used, cap - used - 1)) > 0) {
		used += (size_t)n;
		if (used > max) {
			rc = qtm_error(ctx, -EFBIG, _("%s inflates to more than %zu bytes (%d times its size): refused"),
			    path, max, GUNZIP_RATIO);
			goto out;
		}
		if (cap - used < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	if (n < 0)
		rc = qtm_error(ctx, -EINVAL, _("cannot decompress %s: %s"), path, sym_archive_error_string(a));
out:
	sym_archive_read_free(a);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

int
qtm_json_load_as(struct qtm_ctx *ctx, const char *path, const char *origin, cJSON **out)
{
	char *text;
	size_t len;
	int rc;

	rc = ends_with(path, ".gz") ? qtm_gunzip(ctx, path, &text, &len)
	    : qtm_read_file(ctx, path, &text, &len);
	if (rc < 0)
		return rc;
	rc = qtm_json_parse(ctx, text, len, origin, out);
	free(text);
	return rc;
}

static bool
clean(const char *s)
{
	return qtm_text_clean(s, strlen(s), QTM_TEXT_TAB_NEWLINE, NULL);
}

const char *
qtm_json_unclean_field(const cJSON *j)
{
	const cJSON *e;
	const char *bad;

	if (j->string != NULL && !clean(j->string))
		return "";
	if (cJSON_IsString(j) && !clean(j->valuestring))
		return j->string != NULL ? j->string : "";
	cJSON_ArrayForEach(e, j)
		if ((bad = qtm_json_unclean_field(e)) != NULL)
			return bad[0] != '\0' || j->string == NULL ? bad : j->string;
	return NULL;
}

int
qtm_json_load(struct qtm_ctx *ctx, const char *path, cJSON **out)
{
	return qtm_json_load_as(ctx, path, path, out);
}

struct growbuf {
	char *data;
	size_t len, cap;
};

static la_ssize_t
growbuf_write(struct archive *a, void *arg, const void *data, size_t len)
{
	struct growbuf *b = arg;

	if (b->cap - b->len < len) {
		while (b->cap - b->len < len)
			b->cap = b->cap ? b->cap * 2 : 65536;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return (la_ssize_t)len;
}

int
qtm_gzip_buffer(struct qtm_ctx *ctx, const char *text, size_t len, char **out, size_t *out_len)
{
	struct archive *a;
	struct archive_entry *entry;
	struct growbuf b = { 0 };
	int rc = qtm_archive_load(ctx);

	if (rc < 0)
		return rc;
	a = sym_archive_write_new();
	entry = sym_archive_entry_new();
	sym_archive_write_add_filter_gzip(a);
	sym_archive_write_set_format_raw(a);
	/* No timestamp in the gzip header: the same index gives the same bytes. */
	sym_archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	sym_archive_write_set_bytes_in_last_block(a, 1);
	sym_archive_entry_set_filetype(entry, AE_IFREG);
	sym_archive_entry_set_size(entry, (la_int64_t)len);
	if (sym_archive_write_open(a, &b, NULL, growbuf_write, NULL) != ARCHIVE_OK ||
	    sym_archive_write_header(a, entry) != ARCHIVE_OK ||
	    sym_archive_write_data(a, text, len) != (la_ssize_t)len ||
	    sym_archive_write_close(a) != ARCHIVE_OK)
		rc = qtm_error(ctx, -EIO, _("cannot compress: %s"), sym_archive_error_string(a));
	sym_archive_entry_free(entry);
	sym_archive_write_free(a);
	if (rc < 0) {
		free(b.data);
		return rc;
	}
	*out = b.data;
	*out_len = b.len;
	return 0;
}

int
qtm_json_save(struct qtm_ctx *ctx, const char *path, const cJSON *json, bool pretty)
{
	char *text = pretty ? cJSON_Print(json) : cJSON_PrintUnformatted(json);
	char *gz;
	size_t gz_len;
	int rc;

	if (text == NULL)
		return qtm_error(ctx, -ENOMEM, _("cannot serialise JSON for %s"), path);
	if (!ends_with(path, ".gz")) {
		size_t len = strlen(text);

		text[len] = '\n';   /* the NUL becomes the final newline: len + 1 bytes are ours */
		rc = qtm_write_file_atomic(ctx, path, text, len + 1);
		free(text);
		return rc;
	}
	rc = qtm_gzip_buffer(ctx, text, strlen(text), &gz, &gz_len);
	free(text);
	if (rc < 0)
		return rc;
	rc = qtm_write_file_atomic(ctx, path, gz, gz_len);
	free(gz);
	return rc;
}
