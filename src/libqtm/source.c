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
#include "manifest.h"
#include "paths.h"
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
	char **url = arg;

	if (strcmp(key, "url") != 0)
		return qtm_error(ctx, -EINVAL, _("%s:%d: unknown key \"%s\""), origin, line, key);
	free(*url);
	*url = xstrdup(value);
	return 0;
}

static int
read_source(struct qtm_ctx *ctx, const char *dir, const char *file, struct qtm_source *s)
{
	char *path = xasprintf("%s/%s", dir, file), *text, *url = NULL;
	int rc = qtm_read_file(ctx, path, &text, NULL);

	if (rc == 0) {
		rc = qtm_kv_parse(ctx, text, path, source_kv, &url);
		free(text);
	}
	if (rc == 0 && url == NULL)
		rc = qtm_error(ctx, -EINVAL, _("%s: no \"url = ...\" line"), path);
	free(path);
	if (rc < 0) {
		free(url);
		return rc;
	}
	s->name = xstrndup(file, strlen(file) - strlen(".source"));
	s->url = url;
	return 0;
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
		if ((rc = read_source(ctx, dir, de->d_name, &v[count])) == 0)
			count++;
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
		v->bundled = true;
		count = 1;
	}
	qsort(v, count, sizeof *v, cmp_source);
	*out = v;
	*n = count;
	return 0;
}

int
qtm_source_add(struct qtm_ctx *ctx, const char *name, const char *url)
{
	char *dir = qtm_conf_path(ctx, "sources.d"), *path, *text, *full;
	int rc;

	if (!qtm_name_valid(name) || strcmp(name, "bundled") == 0)
		rc = qtm_error(ctx, -EINVAL, _("invalid source name \"%s\": use lowercase letters, digits and - . _ (\"bundled\" is reserved)"), name);
	else if (url[0] != '/' && strncmp(url, "file://", 7) != 0 && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
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
		full = url[0] == '/' ? xasprintf("file://%s", url) : xstrdup(url);
		text = xasprintf("# qtm source, see qtm(1)\nurl = %s\n", full);
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
		cache = qtm_source_cache_dir(ctx, name);
		rc = qtm_rm_rf(ctx, cache);
		free(cache);
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
	}
	free(v);
}
