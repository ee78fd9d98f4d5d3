/* dataset.c - fetching a dataset's files into the download cache. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctx.h"
#include "dataset.h"
#include "fetch.h"
#include "file-url.h"
#include "hash.h"
#include "i18n.h"
#include "manifest.h"
#include "paths.h"
#include "xalloc.h"

static bool
cached(struct qtm_ctx *ctx, const char *path, const char *sha256)
{
	char hex[QTM_SHA256_HEX];

	return access(path, F_OK) == 0 && qtm_sha256_file(ctx, path, hex, NULL) == 0 && strcmp(hex, sha256) == 0;
}

/* path has a ".." component. */
static bool
dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* path is dir or below it (both absolute, without ".." components). */
static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Why the source at base_url may not name url for a dataset file, or NULL when it may. */
static const char *
url_refusal(const char *base_url, const char *url)
{
	char *path = NULL, *base = NULL;
	const char *why = NULL;

	if (strstr(url, "://") == NULL) {
		char *u = xasprintf("file:///%s", url);   /* only to percent-decode it */

		if ((path = qtm_file_url_path(u)) == NULL || dotdot(path))
			why = _("a relative URL must stay inside the source");
		free(u);
	} else if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0) {
		why = NULL;
	} else if (!qtm_file_url_is(url)) {
		why = _("only http://, https:// and file:// URLs are allowed");
	} else if (!qtm_file_url_is(base_url)) {
		why = _("a file:// URL is allowed only in a file:// source");
	} else if ((path = qtm_file_url_path(url)) == NULL || (base = qtm_file_url_path(base_url)) == NULL ||
	    dotdot(path) || !under(path, base)) {
		why = _("a file:// URL must name a file under the source's own directory");
	}
	free(path);
	free(base);
	return why;
}

/* A signed index must not make the client read files of its own disk (see qtm-repository(5)). */
static int
check_urls(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *base_url)
{
	for (size_t i = 0; i < m->n_files; i++) {
		const char *why = url_refusal(base_url, m->files[i].url);

		if (why != NULL)
			return qtm_error(ctx, -EPERM, _("%s/%s: the source %s may not name the dataset URL %s: %s"),
			    m->name, m->files[i].name, base_url, m->files[i].url, why);
	}
	return 0;
}

int
qtm_dataset_fetch(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *base_url,
    char *const *mirrors, char **dir_out)
{
	struct qtm_fetch_req *reqs = xcalloc(m->n_files + 1, sizeof *reqs);
	char *dir = xasprintf("%s/datasets/%s/%s", ctx->cache_dir, m->name, m->version);
	size_t n = 0;
	int rc = check_urls(ctx, m, base_url);

	if (rc == 0)
		rc = qtm_mkdir_p(ctx, dir, 0755);
	for (size_t i = 0; rc == 0 && i < m->n_files; i++) {
		const struct qtm_dataset_file *f = &m->files[i];
		char *dest = xasprintf("%s/%s", dir, f->name);

		if (cached(ctx, dest, f->sha256)) {
			free(dest);
			continue;
		}
		reqs[n++] = (struct qtm_fetch_req){ .url = qtm_url_join(base_url, f->url), .dest = dest,
		    .sha256 = f->sha256, .size = f->size, .size_declared = true, .label = xasprintf("%s/%s", m->name, f->name),
		    .mirrors = (const char *const *)qtm_url_join_all(mirrors, f->url) };
	}
	if (rc == 0 && n > 0)
		rc = qtm_fetch_many(ctx, reqs, n, 0);
	for (size_t i = 0; i < n; i++) {
		free((char *)reqs[i].url);
		free((char *)reqs[i].dest);
		free((char *)reqs[i].label);
		strv_free((char **)reqs[i].mirrors);
	}
	free(reqs);
	if (rc == 0 && dir_out != NULL)
		*dir_out = dir;
	else
		free(dir);
	return rc;
}
