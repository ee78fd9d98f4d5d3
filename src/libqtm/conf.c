/* conf.c - key = value files and qtm.conf. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctx.h"
#include "i18n.h"
#include "number.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
qtm_kv_parse(struct qtm_ctx *ctx, const char *text, const char *origin, qtm_kv_fn fn, void *arg)
{
	char *copy = xstrdup(text), *next = copy;
	int lineno = 0, rc = 0;

	while (rc == 0 && next != NULL) {
		char *line = next, *nl = strchr(line, '\n'), *eq, *key;

		next = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			rc = qtm_error(ctx, -EINVAL, _("%s:%d: expected \"key = value\""), origin, lineno);
			break;
		}
		*eq = '\0';
		key = trim(line);
		rc = fn(ctx, arg, key, trim(eq + 1), origin, lineno);
	}
	free(copy);
	return rc;
}

/* "N" bytes or "N" with a K, M, G or T suffix (powers of 1024), from 1 MiB to 1024 TiB. */
static int
parse_size(const char *value, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (!isdigit((unsigned char)*value))
		return -EINVAL;
	errno = 0;
	n = strtoull(value, &end, 10);
	if (*end != '\0' && (end[1] != '\0' || (u = strchr(units, toupper((unsigned char)*end))) == NULL))
		return -EINVAL;
	if (*end != '\0')
		shift = 10 * (unsigned)(u - units + 1);
	if (errno != 0 || n == 0 || n > (1ULL << 50) >> shift || n << shift < (1ULL << 20))
		return -EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}

static int
conf_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin,
    int line)
{
	if (strcmp(key, "parallel_downloads") == 0) {
		if (qtm_parse_int(value, 1, 64, &ctx->parallel_downloads) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: parallel_downloads must be an integer from 1 to 64"),
			    origin, line);
	} else if (strcmp(key, "stall_timeout") == 0) {
		if (qtm_parse_int(value, 1, 3600, &ctx->stall_timeout_s) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: stall_timeout must be a number of seconds from 1 to 3600"),
			    origin, line);
	} else if (strcmp(key, "jobs") == 0) {
		if (qtm_parse_jobs(value, &ctx->jobs) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: jobs must be auto or a whole number from 1 to %d, not \"%s\""),
			    origin, line, QTM_JOBS_MAX, value);
	} else if (strcmp(key, "max_unpack_ratio") == 0) {
		int n;

		if (qtm_parse_int(value, 1, 100000, &n) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: max_unpack_ratio must be an integer from 1 to 100000"),
			    origin, line);
		ctx->max_unpack_ratio = (unsigned)n;
	} else if (strcmp(key, "max_unpacked_size") == 0) {
		if (parse_size(value, &ctx->max_unpacked_size) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: max_unpacked_size must be a size from 1M to 1024T "
			    "(a number of bytes, or with K, M, G or T)"), origin, line);
	} else if (strcmp(key, "python") == 0) {
		if (value[0] != '/')
			return qtm_error(ctx, -EINVAL, _("%s:%d: python must be an absolute path"), origin, line);
		free(ctx->python);
		ctx->python = xstrdup(value);
	} else if (strcmp(key, "hive") == 0 || strcmp(key, "hive_token") == 0) {
		/* Resolved against QTM_HIVE / --hive by the hive client (hive-client.h). */
		char **slot = key[4] == '\0' ? &ctx->hive : &ctx->hive_token;

		free(*slot);
		*slot = xstrdup(value);
	} else if (strcmp(key, "hive_key") == 0) {
		/* The hive's public key, pinned (hive-attest.h). */
		free(ctx->hive_key);
		ctx->hive_key = xstrdup(value);
	} else {
		return qtm_error(ctx, -EINVAL, _("%s:%d: unknown setting \"%s\""), origin, line, key);
	}
	return 0;
}

int
qtm_ctx_load_config(struct qtm_ctx *ctx)
{
	char *text;
	int rc;

	/* The default file is optional; one named with --config must exist. */
	if (access(ctx->config_file, F_OK) < 0 && !ctx->config_explicit)
		return 0;
	if ((rc = qtm_read_text_file(ctx, ctx->config_file, &text)) < 0)
		return rc;
	rc = qtm_kv_parse(ctx, text, ctx->config_file, conf_kv, NULL);
	free(text);
	return rc;
}
