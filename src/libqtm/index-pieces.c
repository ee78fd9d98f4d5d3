/* index-pieces.c - fetching, verifying and caching the pieces of a format 2 index, and merging
 * them into the few group files a pool loads. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <solv/repo.h>

#include "ctx.h"
#include "fetch.h"
#include "i18n.h"
#include "index-cache.h"
#include "index-pieces.h"
#include "json.h"
#include "paths.h"
#include "pool-internal.h"
#include "release.h"
#include "xalloc.h"

static unsigned
n_groups(const struct qtm_release *rel)
{
	return rel->buckets < QTM_PIECE_GROUPS ? rel->buckets : QTM_PIECE_GROUPS;
}

/* A piece's .solv is named for its slot as well as its content: it was checked against that
 * slot, so a release naming the same bytes under another slot fetches and checks them anew. */
static char *
piece_name(const struct qtm_release *rel, const struct qtm_release_piece *pc)
{
	return xasprintf("%s-%u-%s%u.solv", pc->sha256, rel->buckets, pc->older ? "o" : "n", pc->bucket);
}

static char *
piece_solv(const char *dir, const struct qtm_release *rel, const struct qtm_release_piece *pc)
{
	char *name = piece_name(rel, pc), *path = xasprintf("%s/pieces/%s", dir, name);

	free(name);
	return path;
}

static char *
group_solv(const char *dir, bool older, unsigned g)
{
	return xasprintf("%s/groups/%s-%u.solv", dir, older ? "older" : "newest", g);
}

/* The cookie of group g: the sha256 over its pieces' sha256s; false when it has no piece. */
static bool
group_cookie(const struct qtm_release *rel, bool older, unsigned g, char cookie[QTM_SHA256_HEX])
{
	struct qtm_sha256 h;
	unsigned n = 0;

	qtm_sha256_init(&h);
	for (size_t i = 0; i < rel->n_pieces; i++) {
		const struct qtm_release_piece *pc = &rel->pieces[i];

		if (pc->older == older && pc->bucket % n_groups(rel) == g) {
			qtm_sha256_update(&h, pc->sha256, 64);
			n++;
		}
	}
	qtm_sha256_final(&h, cookie);
	return n > 0;
}

/* The piece's JSON against the slot that named it: format 2, its bucket, its kind, every name
 * in that bucket and, in a newest piece, each name once. */
static int
check_piece(struct qtm_ctx *ctx, const cJSON *doc, const struct qtm_release *rel,
    const struct qtm_release_piece *pc, const char *origin, const cJSON **packages)
{
	long long format = 0, bucket = 0;
	const cJSON *older = cJSON_GetObjectItemCaseSensitive(doc, "older"), *it;
	const char *prev = NULL;
	int rc, i = 0;

	if ((rc = qtm_json_int(ctx, doc, "format", true, origin, 2, 2, &format)) < 0 ||
	    (rc = qtm_json_int(ctx, doc, "bucket", true, origin, 0, QTM_INDEX_MAX_BUCKETS, &bucket)) < 0)
		return rc;
	if (!cJSON_IsBool(older) || (uint32_t)bucket != pc->bucket || cJSON_IsTrue(older) != pc->older)
		return qtm_error(ctx, -EINVAL, pc->older ? _("%s: not the piece of older versions of bucket %u that the release names")
		    : _("%s: not the piece of newest versions of bucket %u that the release names"), origin, pc->bucket);
	*packages = cJSON_GetObjectItemCaseSensitive(doc, "packages");
	if (!cJSON_IsArray(*packages))
		return qtm_error(ctx, -EINVAL, _("%s: field \"packages\": missing or not an array"), origin);
	cJSON_ArrayForEach(it, *packages) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (!cJSON_IsString(name))
			break;   /* the manifest check names the field */
		if (qtm_release_bucket(name->valuestring, rel->buckets) != pc->bucket)
			return qtm_error(ctx, -EINVAL, _("%s: packages[%d]: %s does not belong in bucket %u"),
			    origin, i, name->valuestring, pc->bucket);
		if (!pc->older && prev != NULL && strcmp(prev, name->valuestring) >= 0)
			return qtm_error(ctx, -EINVAL, _("%s: packages[%d]: %s is out of order or listed twice in a newest piece"),
			    origin, i, name->valuestring);
		prev = name->valuestring;
		i++;
	}
	return 0;
}

/* Verifies the fetched piece file and writes its .solv; the file is removed either way. */
static int
convert_piece(struct qtm_ctx *ctx, struct qtm_pool *scratch, const char *dir, const char *file,
    const char *origin, const struct qtm_release *rel, const struct qtm_release_piece *pc)
{
	Repo *repo = repo_create(scratch->pool, "piece");
	const cJSON *packages = NULL;
	char *solv = piece_solv(dir, rel, pc);
	cJSON *doc = NULL;
	int rc = qtm_json_load_as(ctx, file, origin, &doc);

	if (rc == 0 && (rc = check_piece(ctx, doc, rel, pc, origin, &packages)) == 0 &&
	    (rc = qtm_pool_add_packages(scratch, repo, packages, origin)) == 0) {
		repo_internalize(repo);
		rc = qtm_index_cache_write_repo(ctx, repo, pc->sha256, solv);
	}
	cJSON_Delete(doc);
	repo_free(repo, 1);
	unlink(file);
	free(solv);
	return rc;
}

/* Fetches the pieces in want (n of them) in parallel, then converts each. */
static int
fetch_pieces(struct qtm_ctx *ctx, const char *label, const char *base, const char *dir,
    const struct qtm_release *rel, const struct qtm_release_piece **want, size_t n)
{
	struct qtm_fetch_req *reqs = xcalloc(n, sizeof *reqs);
	char **urls = xcalloc(n, sizeof *urls), **dests = xcalloc(n, sizeof *dests);
	char *what = xasprintf(_("%s index"), label);
	struct qtm_pool *scratch = NULL;
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *rel_path = qtm_release_piece_path(want[i]);

		urls[i] = qtm_url_join(base, rel_path);
		dests[i] = xasprintf("%s/pieces/%s.json.gz", dir, want[i]->sha256);
		reqs[i] = (struct qtm_fetch_req){ .url = urls[i], .dest = dests[i], .sha256 = want[i]->sha256,
		    .size = want[i]->size, .max_size = want[i]->size, .size_declared = true, .label = what,
		    .quiet = true };
		free(rel_path);
	}
	rc = qtm_fetch_many(ctx, reqs, n, 0);
	/* A pool of its own for each piece: writing a repo costs time in the size of its pool's
	 * string table, which would grow with every piece. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		scratch = qtm_pool_new(ctx);
		rc = convert_piece(ctx, scratch, dir, dests[i], urls[i], rel, want[i]);
		qtm_pool_free(scratch);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc < 0)
			unlink(dests[i]);
		free(urls[i]);
		free(dests[i]);
	}
	free(reqs);
	free(urls);
	free(dests);
	free(what);
	return rc;
}

/* Merges the pieces of group g into its group file.  Returns 1 when a piece is missing. */
static int
write_group(struct qtm_ctx *ctx, const char *dir, const struct qtm_release *rel, bool older,
    unsigned g, const char *cookie)
{
	struct qtm_pool *scratch = qtm_pool_new(ctx);
	Repo *repo = repo_create(scratch->pool, "group");
	char *path = group_solv(dir, older, g);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < rel->n_pieces; i++) {
		const struct qtm_release_piece *pc = &rel->pieces[i];
		char *solv;

		if (pc->older != older || pc->bucket % n_groups(rel) != g)
			continue;
		solv = piece_solv(dir, rel, pc);
		rc = qtm_index_cache_load(repo, solv, pc->sha256);
		free(solv);
	}
	if (rc == 0) {
		repo_internalize(repo);
		rc = qtm_index_cache_write_repo(ctx, repo, cookie, path);
	}
	qtm_pool_free(scratch);
	free(path);
	return rc;
}

/* Rewrites every group whose pieces changed. */
static int
write_groups(struct qtm_ctx *ctx, const char *dir, const struct qtm_release *rel)
{
	char cookie[QTM_SHA256_HEX];
	int rc = 0;

	for (int older = 0; rc == 0 && older <= 1; older++)
		for (unsigned g = 0; rc == 0 && g < n_groups(rel); g++) {
			char *path = group_solv(dir, older, g);

			if (group_cookie(rel, older, g, cookie) && !qtm_index_cache_current(path, cookie) &&
			    (rc = write_group(ctx, dir, rel, older, g, cookie)) == 1)
				rc = qtm_error(ctx, -EIO, _("%s: a piece of group %u vanished while it was written"), dir, g);
			free(path);
		}
	return rc;
}

int
qtm_pieces_update(struct qtm_ctx *ctx, const char *label, const char *base, const char *dir,
    const struct qtm_release *rel, unsigned *fetched, uint64_t *bytes)
{
	const struct qtm_release_piece **want = xcalloc(rel->n_pieces + 1, sizeof *want);
	char *pdir = xasprintf("%s/pieces", dir), *gdir = xasprintf("%s/groups", dir);
	size_t n = 0;
	int rc;

	*fetched = 0;
	*bytes = 0;
	if ((rc = qtm_mkdir_p(ctx, pdir, 0755)) == 0 && (rc = qtm_mkdir_p(ctx, gdir, 0755)) == 0) {
		for (size_t i = 0; i < rel->n_pieces; i++) {
			char *solv = piece_solv(dir, rel, &rel->pieces[i]);

			if (!qtm_index_cache_current(solv, rel->pieces[i].sha256)) {
				want[n++] = &rel->pieces[i];
				*bytes += rel->pieces[i].size;
			}
			free(solv);
		}
		if (n > 0)
			rc = fetch_pieces(ctx, label, base, dir, rel, want, n);
	}
	if (rc == 0) {
		*fetched = (unsigned)n;
		rc = write_groups(ctx, dir, rel);
	} else {
		*bytes = 0;
	}
	free(want);
	free(pdir);
	free(gdir);
	return rc;
}

/* Removes the files of one cache folder that keep() refuses. */
static void
sweep(const char *folder, const struct qtm_release *rel,
    bool (*keep)(const char *name, const struct qtm_release *rel))
{
	DIR *d = opendir(folder);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path;

		if (de->d_name[0] == '.' || keep(de->d_name, rel))
			continue;
		path = xasprintf("%s/%s", folder, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
}

static bool
keep_piece(const char *name, const struct qtm_release *rel)
{
	for (size_t i = 0; i < rel->n_pieces; i++) {
		char *want = piece_name(rel, &rel->pieces[i]);
		bool same = strcmp(name, want) == 0;

		free(want);
		if (same)
			return true;
	}
	return false;
}

static bool
keep_group(const char *name, const struct qtm_release *rel)
{
	char cookie[QTM_SHA256_HEX];

	for (int older = 0; older <= 1; older++)
		for (unsigned g = 0; g < n_groups(rel); g++) {
			char want[32];

			snprintf(want, sizeof want, "%s-%u.solv", older ? "older" : "newest", g);
			if (strcmp(name, want) == 0)
				return group_cookie(rel, older, g, cookie);
		}
	return false;
}

void
qtm_pieces_gc(struct qtm_ctx *ctx, const char *dir, const struct qtm_release *rel)
{
	char *pdir = xasprintf("%s/pieces", dir), *gdir = xasprintf("%s/groups", dir);
	char *v1 = xasprintf("%s/index.json.gz", dir), *v1solv = xasprintf("%s/index.solv", dir);

	(void)ctx;
	sweep(pdir, rel, keep_piece);
	sweep(gdir, rel, keep_group);
	unlink(v1);
	unlink(v1solv);
	free(pdir);
	free(gdir);
	free(v1);
	free(v1solv);
}

int
qtm_pieces_load(struct qtm_ctx *ctx, Repo *repo, const char *dir, const struct qtm_release *rel,
    bool older)
{
	char cookie[QTM_SHA256_HEX];
	int rc = 0;

	for (unsigned g = 0; rc == 0 && g < n_groups(rel); g++) {
		char *path = group_solv(dir, older, g);

		if (group_cookie(rel, older, g, cookie) && qtm_index_cache_load(repo, path, cookie) != 0 &&
		    (rc = write_group(ctx, dir, rel, older, g, cookie)) == 0 &&
		    qtm_index_cache_load(repo, path, cookie) != 0)
			rc = qtm_error(ctx, -EIO, _("cannot load the cache %s just written"), path);
		free(path);
	}
	return rc;
}
