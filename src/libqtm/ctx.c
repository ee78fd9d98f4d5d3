/* ctx.c - the library context: paths, options and the single error message. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "layout.h"
#include "xalloc.h"

struct qtm_ctx *
qtm_ctx_new(const char *root, const char *config)
{
	struct qtm_ctx *ctx = xcalloc(1, sizeof *ctx);
	struct qtm_layout l;

	if (root == NULL || *root == '\0')
		root = getenv("QTM_ROOT");
	if (root != NULL && *root == '\0')
		root = NULL;
	qtm_layout_resolve(root, &l);
	ctx->root = l.root;
	ctx->conf_dir = l.conf_dir;
	ctx->state_dir = l.state_dir;
	ctx->cache_dir = l.cache_dir;
	ctx->bundled_repo = l.bundled_repo;
	ctx->config_file = config != NULL ? xstrdup(config) : qtm_conf_path(ctx, "qtm.conf");
	ctx->config_explicit = config != NULL;
	ctx->is_tty = isatty(STDERR_FILENO);
	ctx->color = ctx->is_tty && getenv("NO_COLOR") == NULL;
	ctx->parallel_downloads = 4;
	ctx->stall_timeout_s = 30;
	ctx->jobs = 0;   /* QTM_JOBS_AUTO */
	ctx->progress_fd = -1;
	ctx->max_unpack_ratio = 100;
	ctx->max_unpacked_size = (uint64_t)16 << 30;
	ctx->python = xstrdup(QTM_PYTHON);   /* Debian's interpreter, found by configure */
	return ctx;
}

void
qtm_ctx_free(struct qtm_ctx *ctx)
{
	if (ctx == NULL)
		return;
	free(ctx->root);
	free(ctx->conf_dir);
	free(ctx->config_file);
	free(ctx->state_dir);
	free(ctx->cache_dir);
	free(ctx->bundled_repo);
	free(ctx->python);
	free(ctx->hive);
	free(ctx->hive_token);
	free(ctx->hive_key);
	free(ctx->command);
	free(ctx);
}

int
qtm_error(struct qtm_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
	va_end(ap);
	ctx->err = code;
	return code;
}

int
qtm_error_prefix(struct qtm_ctx *ctx, const char *fmt, ...)
{
	char prefix[512], old[sizeof ctx->errmsg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, ctx->errmsg, sizeof old);
	/* Truncation is acceptable: the message is for people and stays NUL-terminated. */
	size_t n = strlen(prefix);
	if (n > sizeof ctx->errmsg - 3)
		n = sizeof ctx->errmsg - 3;
	memcpy(ctx->errmsg, prefix, n);
	memcpy(ctx->errmsg + n, ": ", 2);
	old[sizeof old - n - 3] = '\0';
	memcpy(ctx->errmsg + n + 2, old, strlen(old) + 1);
	return ctx->err;
}

const char *
qtm_strerror(const struct qtm_ctx *ctx)
{
	return ctx->errmsg[0] != '\0' ? ctx->errmsg : strerror(-ctx->err);
}

static void
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (prefix != NULL)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
qtm_info(const struct qtm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < QTM_NORMAL)
		return;
	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
}

void
qtm_verbose(const struct qtm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < QTM_VERBOSE)
		return;
	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
}

void
qtm_warn(const struct qtm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(_("warning: "), fmt, ap);
	va_end(ap);
}

static char *
join(const char *dir, const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

char *
qtm_state_path(const struct qtm_ctx *ctx, const char *rel)
{
	return join(ctx->state_dir, rel);
}

char *
qtm_cache_path(const struct qtm_ctx *ctx, const char *rel)
{
	return join(ctx->cache_dir, rel);
}

char *
qtm_conf_path(const struct qtm_ctx *ctx, const char *rel)
{
	return join(ctx->conf_dir, rel);
}
