/* array-read.c - NPY and CSV arrays, read strictly: a file that does not say exactly what it
 * holds is refused rather than guessed at. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array-read.h"
#include "ctx.h"
#include "i18n.h"
#include "readfile.h"
#include "xalloc.h"

void
qtm_array_clear(struct qtm_array *a)
{
	free(a->v);
	memset(a, 0, sizeof *a);
}

static int
bad(struct qtm_ctx *ctx, const char *what, const char *why)
{
	return qtm_error(ctx, -EBADMSG, _("%s: not a readable array: %s"), what, why);
}

/* The value of key in the header dictionary, just after its colon. */
static const char *
header_value(const char *h, const char *key)
{
	const char *p = strstr(h, key);

	if (p == NULL || (p = strchr(p + strlen(key), ':')) == NULL)
		return NULL;
	for (p++; *p == ' '; p++)
		;
	return p;
}

/* shape: "()", "(n,)", "(r, c)"; more axes are flattened into columns. */
static bool
parse_shape(const char *p, size_t *rows, size_t *cols)
{
	size_t dims[8], nd = 0;
	char *end;

	if (p == NULL || *p++ != '(')
		return false;
	while (*p != ')') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		if (*p < '0' || *p > '9' || nd == 8)
			return false;
		dims[nd++] = strtoull(p, &end, 10);
		p = end;
	}
	*rows = nd == 0 ? 1 : dims[0];
	*cols = 1;
	for (size_t i = 1; i < nd; i++) {
		if (dims[i] != 0 && *cols > SIZE_MAX / dims[i])
			return false;
		*cols *= dims[i];
	}
	return true;
}

static double
element(char kind, size_t size, const unsigned char *p)
{
	uint64_t u = 0;

	for (size_t i = 0; i < size; i++)
		u |= (uint64_t)p[i] << (8 * i);
	if (kind == 'f' && size == 8) {
		double d;

		memcpy(&d, &u, sizeof d);
		return d;
	}
	if (kind == 'f') {
		uint32_t w = (uint32_t)u;
		float f;

		memcpy(&f, &w, sizeof f);
		return f;
	}
	if (kind == 'i' && size < 8 && (u >> (8 * size - 1)) & 1)
		u |= ~(uint64_t)0 << (8 * size);
	return kind == 'i' ? (double)(int64_t)u : (double)u;
}

static bool
descr_ok(const char *d, char *kind, size_t *size)
{
	if (d == NULL || d[0] != '\'' || strchr("<|", d[1]) == NULL || strchr("fiub", d[2]) == NULL)
		return false;
	*kind = d[2];
	*size = (size_t)strtoul(d + 3, NULL, 10);
	if (*kind == 'f')
		return *size == 4 || *size == 8;
	return *size == 1 || *size == 2 || *size == 4 || *size == 8;
}

int
qtm_array_parse_npy(struct qtm_ctx *ctx, const char *what, const unsigned char *buf, size_t len,
    struct qtm_array *out)
{
	size_t hlen, off, size, rows, cols;
	char kind, *h;
	const char *fo;
	bool ok;

	memset(out, 0, sizeof *out);
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0 || buf[6] < 1 || buf[6] > 3)
		return bad(ctx, what, _("no NPY magic or an unknown NPY version"));
	hlen = buf[6] == 1 ? (size_t)buf[8] | (size_t)buf[9] << 8
	    : (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
	off = (buf[6] == 1 ? 10 : 12) + hlen;
	if (off > len)
		return bad(ctx, what, _("the NPY header runs past the end of the file"));
	h = xstrndup((const char *)buf + (off - hlen), hlen);
	fo = header_value(h, "'fortran_order'");
	ok = descr_ok(header_value(h, "'descr'"), &kind, &size) && fo != NULL && strncmp(fo, "False", 5) == 0 &&
	    parse_shape(header_value(h, "'shape'"), &rows, &cols);
	free(h);
	if (!ok)
		return bad(ctx, what, _("the NPY header is not a little-endian, C-order array of bool, integers or floats"));
	if (cols != 0 && rows > SIZE_MAX / cols / size)
		return bad(ctx, what, _("the NPY shape is too large"));
	if ((len - off) != rows * cols * size)
		return bad(ctx, what, _("the NPY data does not match its shape"));
	out->rows = rows;
	out->cols = cols;
	out->n = rows * cols;
	out->v = xreallocarray(NULL, out->n + 1, sizeof *out->v);
	for (size_t i = 0; i < out->n; i++)
		out->v[i] = element(kind, size, buf + off + i * size);
	return 0;
}

/* Fields of one CSV line, as numbers; returns how many, or -1 where one is not a number. */
static long
csv_line(const char *s, const char *end, double **v, size_t *n)
{
	long k = 0;

	for (;;) {
		char *stop;
		double d = strtod(s, &stop);

		while (stop < end && (*stop == ' ' || *stop == '\r'))
			stop++;
		if (stop == s || (stop < end && *stop != ','))
			return -1;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = d;
		k++;
		if (stop == end)
			return k;
		s = stop + 1;
	}
}

int
qtm_array_parse_csv(struct qtm_ctx *ctx, const char *what, const char *buf, size_t len,
    struct qtm_array *out)
{
	const char *s = buf, *end = buf + len;
	size_t line = 0;

	memset(out, 0, sizeof *out);
	if (memchr(buf, '\0', len) != NULL)
		return bad(ctx, what, _("a CSV file holds a NUL byte"));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl != NULL ? nl : end;
		size_t before = out->n;
		long k;

		line++;
		if (e == s || (e == s + 1 && *s == '\r')) {
			s = e + 1;
			continue;
		}
		k = csv_line(s, e, &out->v, &out->n);
		if (k < 0 && out->rows == 0 && line == 1) {
			out->n = before;   /* a header line */
		} else if (k < 0 || (out->rows > 0 && (size_t)k != out->cols)) {
			qtm_array_clear(out);
			return qtm_error(ctx, -EBADMSG, _("%s: line %zu is not a row of as many numbers as the first"),
			    what, line);
		} else {
			out->cols = (size_t)k;
			out->rows++;
		}
		s = e + 1;
	}
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int
qtm_array_load(struct qtm_ctx *ctx, const char *path, struct qtm_array *out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!ends_with(path, ".npy") && !ends_with(path, ".csv"))
		return qtm_error(ctx, -EBADMSG, _("%s: predictions and targets must be .npy or .csv files"), path);
	if ((rc = qtm_read_small_file(ctx, path, QTM_ARRAY_FILE_MAX, &buf, &len)) < 0)
		return rc;
	if (ends_with(path, ".npy"))
		rc = qtm_array_parse_npy(ctx, path, (const unsigned char *)buf, len, out);
	else
		rc = qtm_array_parse_csv(ctx, path, buf, len, out);
	free(buf);
	return rc;
}
