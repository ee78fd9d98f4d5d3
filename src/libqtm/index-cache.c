/* index-cache.c - the .solv cache of a source's index: written from its index.json.gz, read back
 * only while the index it was made from is current. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <solv/repo_solv.h>
#include <solv/repo_write.h>

#include "ctx.h"
#include "i18n.h"
#include "index-cache.h"
#include "pool-internal.h"
#include "xalloc.h"

/* The .solv cache ends with the index sha256 it was made from, then this magic. */
#define COOKIE_MAGIC "QTM2"
#define COOKIE_LEN (64 + 4)

/* The manifests are most of a cache's bytes and few of them are ever read: stored "vertical"
 * (paged), libsolv reads them from the file on demand instead of at every start. */
static int
manifest_paged(Repo *repo, Repokey *key, void *data)
{
	Id manifest = *(Id *)data;

	return key->name == manifest ? KEY_STORAGE_VERTICAL_OFFSET : repo_write_stdkeyfilter(repo, key, NULL);
}

int
qtm_index_cache_write_repo(struct qtm_ctx *ctx, Repo *repo, const char *cookie, const char *solv_path)
{
	Id manifest = pool_str2id(repo->pool, "qtm:manifest", 1);
	char *tmp = xasprintf("%s.tmp.%ld", solv_path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	int rc = 0;

	if (f == NULL) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	if (repo_write_filtered(repo, f, manifest_paged, &manifest, NULL) != 0 || fputs(cookie, f) < 0 || fputs(COOKIE_MAGIC, f) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = qtm_error(ctx, -EIO, _("cannot write the cache %s"), solv_path);
	fclose(f);
	if (rc == 0 && rename(tmp, solv_path) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
qtm_index_cache_write(struct qtm_ctx *ctx, const char *name, const char *index_path,
    const char *origin, const char *cookie, const char *solv_path)
{
	struct qtm_pool *p = qtm_pool_new(ctx);
	Repo *repo = repo_create(p->pool, name);
	int rc = qtm_pool_add_index(p, repo, index_path, origin);

	if (rc == 0) {
		repo_internalize(repo);
		rc = qtm_index_cache_write_repo(ctx, repo, cookie, solv_path);
	}
	qtm_pool_free(p);
	return rc;
}

bool
qtm_index_cache_current(const char *solv_path, const char *cookie)
{
	char tail[COOKIE_LEN];
	FILE *f = fopen(solv_path, "re");
	bool ok;

	if (f == NULL)
		return false;
	ok = fseek(f, -COOKIE_LEN, SEEK_END) == 0 && fread(tail, 1, COOKIE_LEN, f) == COOKIE_LEN &&
	    memcmp(tail, cookie, 64) == 0 && memcmp(tail + 64, COOKIE_MAGIC, 4) == 0;
	fclose(f);
	return ok;
}

int
qtm_index_cache_load(Repo *repo, const char *solv_path, const char *cookie)
{
	FILE *f;
	int rc, had = repo->nsolvables;

	if (!qtm_index_cache_current(solv_path, cookie) || (f = fopen(solv_path, "re")) == NULL)
		return 1;
	rc = repo_add_solv(repo, f, 0) == 0 ? 0 : 1;
	if (rc != 0 && had == 0)
		repo_empty(repo, 1);
	fclose(f);
	return rc;
}
