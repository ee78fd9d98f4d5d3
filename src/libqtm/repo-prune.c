/* repo-prune.c - qtm-repo prune (withdraw old versions, delete the files no current index refers
 * to) and qtm-repo verify (hash every file the current release refers to). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "hash.h"
#include "i18n.h"
#include "lock.h"
#include "paths.h"
#include "repo-index.h"
#include "repo-publish.h"
#include "repository.h"
#include "xalloc.h"

static const char *
str_of(const cJSON *obj, const char *field)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, field);

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* A path inside the repository (a dataset's url may name another server). */
static bool
local_path(const char *p)
{
	return p != NULL && *p != '\0' && *p != '/' && strstr(p, "://") == NULL && strstr(p, "..") == NULL;
}

/* Calls fn(ctx, path, sha256, size, arg) for each file entry e refers to. */
static int
entry_each_file(struct qtm_ctx *ctx, const cJSON *e,
    int (*fn)(struct qtm_ctx *, const char *, const char *, const cJSON *, void *), void *arg)
{
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(e, "source"), *f;
	int rc = 0;

	if (cJSON_IsObject(src) && local_path(str_of(src, "path")))
		rc = fn(ctx, str_of(src, "path"), str_of(src, "sha256"), cJSON_GetObjectItemCaseSensitive(src, "size"), arg);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "files"))
		if (rc == 0 && local_path(str_of(f, "url")))
			rc = fn(ctx, str_of(f, "url"), str_of(f, "sha256"), cJSON_GetObjectItemCaseSensitive(f, "size"), arg);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "artifacts"))
		if (rc == 0 && local_path(str_of(f, "path")))
			rc = fn(ctx, str_of(f, "path"), str_of(f, "sha256"), cJSON_GetObjectItemCaseSensitive(f, "size"), arg);
	return rc;
}

static int
collect_file(struct qtm_ctx *ctx, const char *path, const char *sha, const cJSON *size, void *arg)
{
	char ***v = arg;

	(void)ctx;
	(void)sha;
	(void)size;
	*v = strv_push(*v, path);
	return 0;
}

static int
collect_entry(struct qtm_ctx *ctx, cJSON *e, void *arg)
{
	return entry_each_file(ctx, e, collect_file, arg);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sweep {
	const char *dir;
	char **keep;             /* sorted */
	size_t nkeep;
	struct qtm_repo_prune_result *res;
};

/* Deletes the files under dir/rel that are not in keep, and the folders left empty below it. */
static int
sweep_dir(struct qtm_ctx *ctx, struct sweep *s, const char *rel)
{
	char *path = xasprintf("%s/%s", s->dir, rel);
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		rc = errno == ENOENT ? 0 : qtm_error(ctx, -errno, _("cannot open %s: %s"), path, strerror(errno));
		free(path);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *sub = xasprintf("%s/%s", rel, de->d_name), *full = xasprintf("%s/%s", s->dir, sub);
		const char *key = sub;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || lstat(full, &st) < 0) {
			/* not ours, or gone already */
		} else if (S_ISDIR(st.st_mode)) {
			if ((rc = sweep_dir(ctx, s, sub)) == 0)
				rmdir(full);   /* only when it was left empty */
		} else if (bsearch(&key, s->keep, s->nkeep, sizeof *s->keep, cmp_str) == NULL) {
			if (unlink(full) < 0)
				rc = qtm_error(ctx, -errno, _("cannot delete %s: %s"), full, strerror(errno));
			else {
				s->res->files++;
				s->res->bytes += (unsigned long long)st.st_size;
			}
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(path);
	return rc;
}

/* At the top of the repository: a format 1 index left by an earlier release, the temporary
 * files and the staging folder of a publisher that was killed. */
static int
sweep_top(struct qtm_ctx *ctx, struct sweep *s)
{
	char *staging = xasprintf("%s/.qtm-repo.staging", s->dir);
	DIR *d = opendir(s->dir);
	struct dirent *de;
	int rc = qtm_rm_rf(ctx, staging);

	free(staging);
	while (rc == 0 && d != NULL && (de = readdir(d)) != NULL) {
		const char *key = de->d_name;
		char *path = xasprintf("%s/%s", s->dir, de->d_name);
		struct stat st;

		if ((strcmp(key, "index.json.gz") == 0 || strncmp(key, "release.json.tmp.", 17) == 0 ||
		    strncmp(key, "release.json.sig.tmp.", 21) == 0) &&
		    bsearch(&key, s->keep, s->nkeep, sizeof *s->keep, cmp_str) == NULL && lstat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && unlink(path) == 0) {
			s->res->files++;
			s->res->bytes += (unsigned long long)st.st_size;
		}
		free(path);
	}
	if (d != NULL)
		closedir(d);
	return rc;
}

static int
collect_name(struct qtm_ctx *ctx, cJSON *e, void *arg)
{
	char ***names = arg;

	(void)ctx;
	if (str_of(e, "name") != NULL)
		*names = strv_push(*names, str_of(e, "name"));
	return 0;
}

/* Withdraws all but the keep highest versions of every name. */
static int
keep_newest(struct qtm_ctx *ctx, struct qtm_repo_index *idx, int keep, char ***withdrawn)
{
	char **names = xcalloc(1, sizeof *names);
	int rc = qtm_repo_index_each(ctx, idx, collect_name, &names, NULL);

	qsort(names, strv_len(names), sizeof *names, cmp_str);
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++) {
		char **old = xcalloc(1, sizeof *old);
		cJSON **v;
		size_t n;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0) {
			free(old);
			continue;
		}
		if ((rc = qtm_repo_index_versions(ctx, idx, names[i], &v, &n)) == 0)
			for (size_t j = (size_t)keep; j < n; j++)
				old = strv_push(old, str_of(v[j], "version"));
		free(v);
		for (size_t j = 0; rc == 0 && old[j] != NULL; j++) {
			char *key = xasprintf("%s=%s", names[i], old[j]);

			*withdrawn = strv_push(*withdrawn, key);
			free(key);
			rc = qtm_repo_index_remove(ctx, idx, names[i], old[j]);
		}
		strv_free(old);
	}
	strv_free(names);
	return rc;
}

/* Every file the index refers to, sorted (owned by the caller). */
static int
referenced(struct qtm_ctx *ctx, struct qtm_repo_index *idx, char ***out)
{
	char **v = qtm_repo_index_files(idx);
	int rc = qtm_repo_index_each(ctx, idx, collect_entry, &v, NULL);

	qsort(v, strv_len(v), sizeof *v, cmp_str);
	*out = v;
	return rc;
}

int
qtm_repo_prune(struct qtm_ctx *ctx, const char *dir, int keep, char *const *keys,
    struct qtm_repo_prune_result *res)
{
	static const char *const tops[] = { "index", "pool", "datasets", "artifacts" };
	struct qtm_repo_commit co = { .keys = keys };
	struct qtm_repo_index *idx = NULL;
	struct qtm_lock *lock = NULL;
	struct sweep s = { .dir = dir, .res = res };
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = qtm_repo_lock(ctx, dir, &lock)) == 0 && (rc = qtm_repo_index_open(ctx, dir, &idx)) == 0 && keep > 0 &&
	    (rc = qtm_repo_index_check_keys(ctx, idx, keys)) == 0 &&
	    (rc = keep_newest(ctx, idx, keep, &res->withdrawn)) == 0 && qtm_repo_index_changed(idx) &&
	    (rc = qtm_repo_index_commit(ctx, idx, &co)) == 0)
		res->release = qtm_repo_index_release(idx, NULL, NULL)->version + 1;
	if (rc == 0)
		rc = referenced(ctx, idx, &s.keep);
	s.nkeep = strv_len(s.keep);
	for (size_t i = 0; rc == 0 && i < sizeof tops / sizeof tops[0]; i++)
		rc = sweep_dir(ctx, &s, tops[i]);
	if (rc == 0)
		rc = sweep_top(ctx, &s);
	strv_free(s.keep);
	qtm_repo_index_free(idx);
	qtm_lock_release(lock);
	return rc;
}

void
qtm_repo_prune_result_clear(struct qtm_repo_prune_result *res)
{
	strv_free(res->withdrawn);
	memset(res, 0, sizeof *res);
}

struct check {
	const char *dir;
	size_t checked, bad;
};

static int
check_file(struct qtm_ctx *ctx, const char *rel, const char *sha, const cJSON *size, void *arg)
{
	struct check *c = arg;
	char *path = xasprintf("%s/%s", c->dir, rel), hex[QTM_SHA256_HEX];
	uint64_t got = 0;

	c->checked++;
	if (qtm_sha256_file(ctx, path, hex, &got) < 0) {
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
		c->bad++;
	} else if (sha == NULL || strcmp(hex, sha) != 0 || (cJSON_IsNumber(size) && (double)got != size->valuedouble)) {
		qtm_warn(ctx, _("%s: sha256 %s and %llu bytes, the index declares %s and %.0f bytes"), path, hex,
		    (unsigned long long)got, sha != NULL ? sha : "?", cJSON_IsNumber(size) ? size->valuedouble : -1.0);
		c->bad++;
	}
	free(path);
	return 0;
}

static int
check_entry(struct qtm_ctx *ctx, cJSON *e, void *arg)
{
	return entry_each_file(ctx, e, check_file, arg);
}

int
qtm_repo_verify(struct qtm_ctx *ctx, const char *dir, size_t *checked)
{
	struct check c = { .dir = dir };
	struct qtm_repo_index *idx = NULL;
	const struct qtm_release *rel;
	int rc = qtm_repo_index_open(ctx, dir, &idx);

	*checked = 0;
	if (rc < 0)
		return rc;
	rel = qtm_repo_index_release(idx, NULL, NULL);
	c.checked = rel->format == 1 ? 1 : rel->n_pieces;
	rc = qtm_repo_index_each(ctx, idx, check_entry, &c, &c.bad);
	*checked = c.checked;
	if (rc == 0 && c.bad > 0)
		rc = qtm_error(ctx, -EBADMSG, _("%s: %zu of %zu files are missing or differ from what the release declares"),
		    dir, c.bad, c.checked);
	qtm_repo_index_free(idx);
	return rc;
}
