/* repo-publish.c - the publishing verbs of qtm-repo on a repository's index: build, add,
 * remove and add-artifact, each under the publishers' lock. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "lock.h"
#include "paths.h"
#include "repo-index.h"
#include "repo-publish.h"
#include "repository.h"
#include "xalloc.h"

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The number of distinct names among packages. */
static size_t
count_names(const cJSON *packages)
{
	size_t n = 0, distinct = 0, cap = (size_t)cJSON_GetArraySize(packages) + 1;
	const char **v = xcalloc(cap, sizeof *v);
	const cJSON *it;

	cJSON_ArrayForEach(it, packages) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (cJSON_IsString(name))
			v[n++] = name->valuestring;
	}
	qsort(v, n, sizeof *v, cmp_name);
	for (size_t i = 0; i < n; i++)
		distinct += i == 0 || strcmp(v[i], v[i - 1]) != 0;
	free(v);
	return distinct;
}

/* The release number after the one dir holds now (1 for none). */
static long long
next_version(struct qtm_ctx *ctx, const char *dir)
{
	char *path = xasprintf("%s/release.json", dir), *text;
	struct qtm_release rel;
	long long v = 0;
	size_t len;

	if (access(path, F_OK) == 0 && qtm_read_file(ctx, path, &text, &len) == 0) {
		if (qtm_release_parse(ctx, text, len, path, &rel) == 0)
			v = rel.version;
		qtm_release_clear(&rel);
		free(text);
	}
	free(path);
	return v + 1;
}

int
qtm_repo_build(struct qtm_ctx *ctx, char *const *srcs, const char *out_dir,
    const struct qtm_repo_build_opts *opts)
{
	cJSON *packages = cJSON_CreateArray(), *e;
	struct qtm_repo_commit co = { .name = opts->name, .version = opts->version,
	    .valid_days = opts->valid_days, .keys = opts->keys };
	struct qtm_repo_index *idx;
	struct qtm_lock *lock = NULL;
	bool defer = ctx->defer_sync;
	int rc = qtm_mkdir_p(ctx, out_dir, 0755);

	if (rc == 0)
		rc = qtm_repo_lock(ctx, out_dir, &lock);
	/* One sync of the whole file system at the end instead of two per module. */
	ctx->defer_sync = true;
	if (rc == 0)
		rc = qtm_repo_pack_sources(ctx, srcs, out_dir, packages, NULL);
	if (rc == 0)
		rc = qtm_sync_tree(ctx, out_dir);
	if (rc == 0) {
		if (co.version == 0)
			co.version = next_version(ctx, out_dir);
		idx = qtm_repo_index_new(out_dir, opts->format == 1 ? 1 : 2, qtm_repo_buckets_for(count_names(packages)));
		while ((e = cJSON_DetachItemFromArray(packages, 0)) != NULL)
			qtm_repo_index_append(idx, e);
		rc = qtm_repo_index_commit(ctx, idx, &co);
		qtm_repo_index_free(idx);
	}
	ctx->defer_sync = defer;
	qtm_lock_release(lock);
	cJSON_Delete(packages);
	return rc;
}

/* The artifact entry: replaces one with the same build id. */
static void
set_artifact(cJSON *entry, const char *build_id, const char *rel, const char *sha, uint64_t size, cJSON *metrics)
{
	cJSON *arts = cJSON_GetObjectItemCaseSensitive(entry, "artifacts"), *a, *it;
	int i = 0;

	if (!cJSON_IsArray(arts)) {
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "artifacts");
		arts = cJSON_AddArrayToObject(entry, "artifacts");
	}
	cJSON_ArrayForEach(it, arts) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "build_id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, build_id) == 0) {
			cJSON_DeleteItemFromArray(arts, i);
			break;
		}
		i++;
	}
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "build_id", build_id);
	cJSON_AddStringToObject(a, "path", rel);
	cJSON_AddStringToObject(a, "sha256", sha);
	cJSON_AddNumberToObject(a, "size", (double)size);
	cJSON_AddItemToObject(a, "metrics", metrics != NULL ? metrics : cJSON_CreateObject());
	cJSON_AddItemToArray(arts, a);
}

int
qtm_repo_add_artifact(struct qtm_ctx *ctx, const char *dir, const char *name, const char *version,
    const char *build_id, const char *artifact, const char *metrics_path, char *const *keys)
{
	char *rel = xasprintf("artifacts/%s.tar.zst", build_id);
	char *dest = xasprintf("%s/%s", dir, rel), *adir = xasprintf("%s/artifacts", dir);
	struct qtm_repo_commit co = { .keys = keys };
	struct qtm_repo_index *idx = NULL;
	struct qtm_lock *lock = NULL;
	cJSON *metrics = NULL, *entry = NULL;
	char sha[QTM_SHA256_HEX];
	uint64_t size;
	int rc = qtm_sha256_valid(build_id) ? 0 : qtm_error(ctx, -EINVAL, _("\"%s\" is not a build id (64 hex digits)"), build_id);

	if (rc == 0 && (rc = qtm_repo_lock(ctx, dir, &lock)) == 0 && (rc = qtm_repo_index_open(ctx, dir, &idx)) == 0)
		rc = qtm_repo_index_check_keys(ctx, idx, keys);
	if (rc == 0 && (rc = qtm_repo_index_find(ctx, idx, name, version, &entry)) == 0)
		rc = qtm_error(ctx, -ENOENT, _("%s: no package %s %s"), dir, name, version);
	if (rc > 0)
		rc = 0;
	if (rc == 0 && metrics_path != NULL)
		rc = qtm_json_load(ctx, metrics_path, &metrics);
	if (rc == 0 && (rc = qtm_sha256_file(ctx, artifact, sha, &size)) == 0 && (rc = qtm_mkdir_p(ctx, adir, 0755)) == 0)
		rc = qtm_copy_file(ctx, artifact, dest);
	if (rc == 0) {
		entry = cJSON_Duplicate(entry, true);
		set_artifact(entry, build_id, rel, sha, size, metrics);
		metrics = NULL;
		if ((rc = qtm_repo_index_put(ctx, idx, entry)) == 0)
			rc = qtm_repo_index_commit(ctx, idx, &co);
	}
	qtm_repo_index_free(idx);
	qtm_lock_release(lock);
	cJSON_Delete(metrics);
	free(rel);
	free(dest);
	free(adir);
	return rc;
}


int
qtm_repo_remove(struct qtm_ctx *ctx, const char *dir, char *const *specs, char *const *keys,
    long long *release)
{
	struct qtm_repo_commit co = { .keys = keys };
	struct qtm_repo_index *idx = NULL;
	struct qtm_lock *lock = NULL;
	int rc;

	*release = 0;
	if ((rc = qtm_repo_lock(ctx, dir, &lock)) == 0 && (rc = qtm_repo_index_open(ctx, dir, &idx)) == 0)
		rc = qtm_repo_index_check_keys(ctx, idx, keys);
	for (size_t i = 0; rc == 0 && specs[i] != NULL; i++) {
		char *name = xstrdup(specs[i]), *eq = strchr(name, '=');

		if (eq == NULL || eq == name || eq[1] == '\0')
			rc = qtm_error(ctx, -EINVAL, _("\"%s\": expected NAME=VERSION"), specs[i]);
		else
			*eq = '\0';
		if (rc == 0)
			rc = qtm_repo_index_remove(ctx, idx, name, eq + 1);
		free(name);
	}
	if (rc == 0 && (rc = qtm_repo_index_commit(ctx, idx, &co)) == 0)
		*release = qtm_repo_index_release(idx, NULL, NULL)->version + 1;
	qtm_repo_index_free(idx);
	qtm_lock_release(lock);
	return rc;
}
