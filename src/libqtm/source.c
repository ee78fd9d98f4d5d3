/* source.c - repository sources and the key = value configuration syntax. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctx.h"
#include "i18n.h"
#include "number.h"
#include "manifest.h"
#include "paths.h"
#include "readfile.h"
#include "source.h"
#include "xalloc.h"

char *
qtm_source_cache_dir(const struct qtm_ctx *ctx, const char *name)
{
	return xasprintf("%s/sources/%s", ctx->cache_dir, name);
}

static int
source_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin,
    int line)
{
	struct qtm_source *s = arg;

	if (strcmp(key, "url") == 0) {
		free(s->url);
		s->url = xstrdup(value);
	} else if (strcmp(key, "mirror") == 0) {
		s->mirrors = strv_push(s->mirrors, value);
	} else if (strcmp(key, "threshold") == 0) {
		if (qtm_parse_int(value, 1, 64, &s->threshold) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: threshold must be an integer from 1 to 64"), origin, line);
	} else if (strcmp(key, "priority") == 0) {
		if (qtm_parse_int(value, 1, 10000, &s->priority) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: priority must be an integer from 1 to 10000"), origin, line);
	} else if (strcmp(key, "insecure") == 0) {
		s->insecure = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0;
	} else {
		return qtm_error(ctx, -EINVAL, _("%s:%d: unknown key \"%s\""), origin, line, key);
	}
	return 0;
}

static int
read_source(struct qtm_ctx *ctx, const char *dir, const char *file, struct qtm_source *s)
{
	char *path = xasprintf("%s/%s", dir, file), *text;
	int rc = qtm_read_text_file(ctx, path, &text);

	s->mirrors = xcalloc(1, sizeof *s->mirrors);
	s->threshold = 1;
	s->priority = QTM_SOURCE_PRIORITY_DEFAULT;
	if (rc == 0) {
		rc = qtm_kv_parse(ctx, text, path, source_kv, s);
		free(text);
	}
	if (rc == 0 && s->url == NULL)
		rc = qtm_error(ctx, -EINVAL, _("%s: no \"url = ...\" line"), path);
	free(path);
	s->name = xstrndup(file, strlen(file) - strlen(".source"));
	return rc;
}

static int
cmp_source(const void *a, const void *b)
{
	return strcmp(((const struct qtm_source *)a)->name, ((const struct qtm_source *)b)->name);
}

int
qtm_sources_list(struct qtm_ctx *ctx, struct qtm_source **out, size_t *n)
{
	char *dir = qtm_conf_path(ctx, "sources.d");
	struct qtm_source *v = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	while (d != NULL && rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 7 || strcmp(de->d_name + len - 7, ".source") != 0)
			continue;
		v = xreallocarray(v, count + 1, sizeof *v);
		memset(&v[count], 0, sizeof *v);
		rc = read_source(ctx, dir, de->d_name, &v[count++]);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (rc < 0) {
		qtm_sources_free(v, count);
		return rc;
	}
	if (count == 0) {
		v = xcalloc(1, sizeof *v);
		v->name = xstrdup("bundled");
		v->url = xasprintf("file://%s", ctx->bundled_repo);
		v->mirrors = xcalloc(1, sizeof *v->mirrors);
		v->threshold = 1;
		v->priority = QTM_SOURCE_PRIORITY_DEFAULT;
		v->bundled = true;
		count = 1;
	}
	qsort(v, count, sizeof *v, cmp_source);
	*out = v;
	*n = count;
	return 0;
}

static char *
full_url(const char *url)
{
	return url[0] == '/' ? xasprintf("file://%s", url) : xstrdup(url);
}

static bool
url_ok(const char *url)
{
	return url[0] == '/' || strncmp(url, "file://", 7) == 0 || strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0;
}

/* The text of a .source file. */
static char *
source_text(const char *url, const struct qtm_source_opts *opts)
{
	char *text = xasprintf("# qtm source, see qtm.conf(5)\nurl = %s\n", url), *more;

	for (size_t i = 0; opts != NULL && opts->mirrors != NULL && opts->mirrors[i] != NULL; i++) {
		char *m = full_url(opts->mirrors[i]);

		more = xasprintf("%smirror = %s\n", text, m);
		free(m);
		free(text);
		text = more;
	}
	if (opts != NULL && opts->threshold > 1) {
		more = xasprintf("%sthreshold = %d\n", text, opts->threshold);
		free(text);
		text = more;
	}
	if (opts != NULL && opts->priority > 0) {
		more = xasprintf("%spriority = %d\n", text, opts->priority);
		free(text);
		text = more;
	}
	if (opts != NULL && opts->insecure) {
		more = xasprintf("%sinsecure = yes\n", text);
		free(text);
		text = more;
	}
	return text;
}

int
qtm_source_add(struct qtm_ctx *ctx, const char *name, const char *url,
    const struct qtm_source_opts *opts)
{
	char *dir = qtm_conf_path(ctx, "sources.d"), *path, *text, *full;
	int rc = 0;

	for (size_t i = 0; opts != NULL && opts->mirrors != NULL && opts->mirrors[i] != NULL; i++)
		if (!url_ok(opts->mirrors[i]))
			url = opts->mirrors[i];   /* reported below */

	if (!qtm_name_valid(name) || strcmp(name, "bundled") == 0)
		rc = qtm_error(ctx, -EINVAL, _("invalid source name \"%s\": use lowercase letters, digits and + - . _ (\"bundled\" is reserved)"), name);
	else if (!url_ok(url))
		rc = qtm_error(ctx, -EINVAL, _("unsupported URL \"%s\": use file://, http://, https:// or an absolute path"), url);
	else
		rc = qtm_mkdir_p(ctx, dir, 0755);
	if (rc < 0) {
		free(dir);
		return rc;
	}
	path = xasprintf("%s/%s.source", dir, name);
	if (access(path, F_OK) == 0) {
		rc = qtm_error(ctx, -EEXIST, _("source \"%s\" already exists (remove it first with: qtm source remove %s)"), name, name);
	} else {
		full = full_url(url);
		text = source_text(full, opts);
		rc = qtm_write_file_atomic(ctx, path, text, strlen(text));
		free(text);
		free(full);
	}
	free(path);
	free(dir);
	return rc;
}

int
qtm_source_remove(struct qtm_ctx *ctx, const char *name)
{
	char *path = xasprintf("%s/sources.d/%s.source", ctx->conf_dir, name), *cache;
	int rc = 0;

	if (!qtm_name_valid(name) || unlink(path) < 0) {
		rc = qtm_error(ctx, -ENOENT, _("no source named \"%s\" (see: qtm source list)"), name);
	} else {
		/* Forgotten entirely: its cache, its trusted keys and the highest release seen. */
		char *keys = xasprintf("%s/trusted.d/%s", ctx->conf_dir, name);
		char *seen = xasprintf("%s/sources/%s.seen", ctx->state_dir, name);

		cache = qtm_source_cache_dir(ctx, name);
		rc = qtm_rm_rf(ctx, cache);
		if (rc == 0)
			rc = qtm_rm_rf(ctx, keys);
		if (rc == 0)
			rc = qtm_rm_rf(ctx, seen);
		free(cache);
		free(keys);
		free(seen);
	}
	free(path);
	return rc;
}

void
qtm_sources_free(struct qtm_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].url);
		strv_free(v[i].mirrors);
	}
	free(v);
}
