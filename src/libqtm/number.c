/* number.c - strict parsing of integers and doubles (see number.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "number.h"

/* strtoll and strtod skip leading blanks and take hex, inf and nan: only what a person writes
 * as a decimal number gets through to them. */
static int
plain(const char *text, const char *allowed)
{
	const char *p = text;

	if (text == NULL)
		return 0;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9') {
		if (*p != '.' || strchr(allowed, '.') == NULL || p[1] < '0' || p[1] > '9')
			return 0;
	}
	return strspn(p, allowed) == strlen(p);
}

int
qtm_parse_ll(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long n;

	if (!plain(text, "0123456789"))
		return -EINVAL;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

int
qtm_parse_int(const char *text, int min, int max, int *out)
{
	long long n;
	int rc = qtm_parse_ll(text, min, max, &n);

	if (rc == 0)
		*out = (int)n;
	return rc;
}

int
qtm_parse_jobs(const char *text, int *out)
{
	if (text != NULL && strcmp(text, "auto") == 0) {
		*out = QTM_JOBS_AUTO;
		return 0;
	}
	return qtm_parse_int(text, 1, QTM_JOBS_MAX, out);
}

int
qtm_parse_double(const char *text, double min, double max, double *out)
{
	char *end;
	double v;

	if (!plain(text, "0123456789.eE+-"))
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (*end != '\0' || end == text)
		return -EINVAL;
	/* Underflow to a tiny or zero value is a fine number; overflow is not. */
	if ((errno == ERANGE && fabs(v) > 1.0) || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
qtm_number_ll(struct qtm_ctx *ctx, const char *what, const char *text, long long min,
    long long max, long long *out)
{
	int rc = qtm_parse_ll(text, min, max, out);

	if (rc == -EINVAL)
		return qtm_error(ctx, rc, _("%s: \"%s\" is not a whole number"), what, text);
	if (rc == -ERANGE)
		return qtm_error(ctx, rc, _("%s: %s is out of range (%lld to %lld)"), what, text, min, max);
	return rc;
}

int
qtm_number_int(struct qtm_ctx *ctx, const char *what, const char *text, int min, int max,
    int *out)
{
	long long n;
	int rc = qtm_number_ll(ctx, what, text, min, max, &n);

	if (rc == 0)
		*out = (int)n;
	return rc;
}

int
qtm_number_double(struct qtm_ctx *ctx, const char *what, const char *text, double min,
    double max, double *out)
{
	int rc = qtm_parse_double(text, min, max, out);

	if (rc == -EINVAL)
		return qtm_error(ctx, rc, _("%s: \"%s\" is not a number"), what, text);
	if (rc == -ERANGE)
		return qtm_error(ctx, rc, _("%s: %s is out of range (%g to %g)"), what, text, min, max);
	return rc;
}
