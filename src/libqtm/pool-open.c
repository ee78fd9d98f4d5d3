/* pool-open.c - opening a pool from the configuration: the pins, each configured source from
 * its .solv cache (fetching a source never fetched first, rewriting a stale cache), the
 * installed packages and the runtime. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <solv/repo.h>

#include "ctx.h"
#include "i18n.h"
#include "index-cache.h"
#include "index-pieces.h"
#include "pin.h"
#include "paths.h"
#include "pool-internal.h"
#include "repository.h"
#include "source.h"
#include "update.h"
#include "xalloc.h"

/* The newest and the older packages of a format 2 source; a piece missing from the cache
 * (a cache cleaned by hand, an update killed half-way) is fetched by updating the source. */
static int
load_pieces(struct qtm_pool *p, const struct qtm_source *src, Repo *repo, const char *dir,
    struct qtm_release *rel, bool newest_only)
{
	int last = newest_only ? 0 : 1, rc = 0;

	for (int older = 0; rc == 0 && older <= last; older++)
		rc = qtm_pieces_load(p->ctx, repo, dir, rel, older);
	if (rc == 1) {
		char *rel_path = xasprintf("%s/release.json", dir), *text = NULL;
		size_t len;

		repo_empty(repo, 1);
		p->from_cache = false;
		qtm_release_clear(rel);
		if ((rc = qtm_update_source(p->ctx, src, NULL)) == 0 &&
		    (rc = qtm_read_file(p->ctx, rel_path, &text, &len)) == 0 &&
		    (rc = qtm_release_parse(p->ctx, text, len, rel_path, rel)) == 0)
			for (int older = 0; rc == 0 && older <= last; older++)
				rc = qtm_pieces_load(p->ctx, repo, dir, rel, older);
		if (rc == 1)
			rc = qtm_error(p->ctx, -EIO, _("the cache in %s lacks a piece that was just fetched"), dir);
		free(text);
		free(rel_path);
	}
	return rc;
}

/* Keeps what loading the older versions of repo later needs; takes rel's contents. */
static void
defer_older(struct qtm_pool *p, Repo *repo, const char *dir, struct qtm_release *rel)
{
	struct qtm_pool_deferred *d;

	p->deferred = xreallocarray(p->deferred, p->n_deferred + 1, sizeof *p->deferred);
	d = &p->deferred[p->n_deferred++];
	d->repo = repo;
	d->dir = xstrdup(dir);
	d->rel = *rel;
	memset(rel, 0, sizeof *rel);
}

int
qtm_pool_load_older(struct qtm_pool *p)
{
	size_t n = p->n_deferred;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct qtm_pool_deferred *d = &p->deferred[i];

		if (rc == 0 && (rc = qtm_pieces_load(p->ctx, d->repo, d->dir, &d->rel, true)) == 1)
			rc = qtm_error(p->ctx, -EIO, _("the cache in %s lacks a piece: run qtm update"), d->dir);
	}
	qtm_pool_deferred_free(p);
	if (rc == 0 && n > 0)
		qtm_pool_finish(p);
	return rc < 0 ? rc : n > 0;
}

bool
qtm_pool_older_may_matter(struct qtm_pool *p, const char *name)
{
	Queue found;
	int repos = 0;
	bool deferred = false;

	queue_init(&found);
	qtm_pool_by_name(p, name, &found);
	for (int i = 0; i < found.count; i++) {
		Repo *repo = pool_id2solvable(p->pool, found.elements[i])->repo;
		bool seen = false;

		if (repo == p->system)
			continue;
		for (int j = 0; j < i; j++)
			seen |= pool_id2solvable(p->pool, found.elements[j])->repo == repo;
		repos += !seen;
		for (size_t k = 0; !seen && k < p->n_deferred; k++) {
			const struct qtm_release *rel = &p->deferred[k].rel;
			uint32_t b = qtm_release_bucket(name, rel->buckets);

			for (size_t q = rel->n_newest; p->deferred[k].repo == repo && q < rel->n_pieces; q++)
				deferred |= rel->pieces[q].bucket == b;
		}
	}
	queue_free(&found);
	return repos > 1 && deferred;
}

static int
load_source(struct qtm_pool *p, const struct qtm_source *src, bool newest_only)
{
	struct qtm_ctx *ctx = p->ctx;
	char *dir = qtm_source_cache_dir(ctx, src->name);
	char *rel_path = xasprintf("%s/release.json", dir), *solv = xasprintf("%s/index.solv", dir);
	char *index = xasprintf("%s/index.json.gz", dir), *text = NULL;
	struct qtm_release rel = { 0 };
	Repo *repo;
	size_t len;
	int rc = 0;

	if (access(rel_path, F_OK) < 0)   /* never fetched: fetch it now, as a first run expects */
		rc = qtm_update_source(ctx, src, NULL);
	if (rc == 0 && (rc = qtm_read_file(ctx, rel_path, &text, &len)) == 0)
		rc = qtm_release_parse(ctx, text, len, rel_path, &rel);
	if (rc == 0 && rel.format == 2) {
		repo = repo_create(p->pool, src->name);
		repo->priority = src->priority;
		rc = load_pieces(p, src, repo, dir, &rel, newest_only);
		if (rc == 0 && newest_only && rel.n_pieces > rel.n_newest)
			defer_older(p, repo, dir, &rel);
	} else if (rc == 0) {
		repo = repo_create(p->pool, src->name);
		repo->priority = src->priority;
		if (qtm_index_cache_load(repo, solv, rel.index_sha256) != 0) {
			p->from_cache = false;
			rc = qtm_index_cache_write(ctx, src->name, index, index, rel.index_sha256, solv);
			if (rc == 0 && qtm_index_cache_load(repo, solv, rel.index_sha256) != 0)
				rc = qtm_error(ctx, -EIO, _("cannot load the cache %s just written"), solv);
		}
	}
	if (rc < 0)
		qtm_error_prefix(ctx, _("source %s"), src->name);
	qtm_release_clear(&rel);
	free(text);
	free(dir);
	free(rel_path);
	free(solv);
	free(index);
	return rc;
}

static int
load_sources(struct qtm_pool *p, bool newest_only)
{
	struct qtm_source *srcs;
	struct timespec t0, t1;
	size_t n;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = qtm_sources_list(p->ctx, &srcs, &n)) < 0)
		return rc;
	p->from_cache = true;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = load_source(p, &srcs[i], newest_only);
	qtm_sources_free(srcs, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	p->load_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

int
qtm_pool_open(struct qtm_ctx *ctx, struct qtm_db *db, unsigned flags, struct qtm_pool **out)
{
	struct qtm_pool *p = qtm_pool_new(ctx);
	int rc = 0;

	p->system = repo_create(p->pool, "@System");
	pool_set_installed(p->pool, p->system);
	if ((flags & QTM_POOL_SOURCES) != 0 && (rc = qtm_pins_load(ctx, &p->pins, &p->n_pins)) == 0)
		rc = load_sources(p, (flags & QTM_POOL_NEWEST) != 0);
	/* A pin that keeps out the newest version of a source can leave an older version of a
	 * source of higher priority to win over another source's newest: the choice needs them all. */
	if (rc == 0 && p->n_deferred > 0 && qtm_pool_pins_exclude_any(p) && (rc = qtm_pool_load_older(p)) > 0)
		rc = 0;
	if (rc == 0 && (flags & QTM_POOL_INSTALLED) != 0 && db != NULL)
		rc = qtm_pool_add_installed(p, db);
	if (rc == 0 && (flags & QTM_POOL_RUNTIME) != 0)
		rc = qtm_pool_probe_runtime(p);
	if (rc < 0) {
		qtm_pool_free(p);
		return rc;
	}
	qtm_pool_finish(p);
	*out = p;
	return 0;
}
