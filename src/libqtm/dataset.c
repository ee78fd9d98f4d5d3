/* dataset.c - fetching a dataset's files into the download cache. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "dataset.h"
#include "fetch.h"
#include "hash.h"
#include "manifest.h"
#include "paths.h"
#include "xalloc.h"

static bool
cached(struct qtm_ctx *ctx, const char *path, const char *sha256)
{
	char hex[QTM_SHA256_HEX];

	return access(path, F_OK) == 0 && qtm_sha256_file(ctx, path, hex, NULL) == 0 && strcmp(hex, sha256) == 0;
}

int
qtm_dataset_fetch(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *base_url,
    char *const *mirrors, char **dir_out)
{
	struct qtm_fetch_req *reqs = xcalloc(m->n_files + 1, sizeof *reqs);
	char *dir = xasprintf("%s/datasets/%s/%s", ctx->cache_dir, m->name, m->version);
	size_t n = 0;
	int rc = qtm_mkdir_p(ctx, dir, 0755);

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
