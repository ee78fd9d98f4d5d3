/* repo-add.c - qtm-repo add: new versions packed into a staging folder, checked against what is
 * published (a published NAME=VERSION never changes), moved into pool/ and datasets/, then the
 * next release.  Any failure puts back what was moved: the repository is as it was. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "lock.h"
#include "paths.h"
#include "repo-index.h"
#include "repo-publish.h"
#include "repository.h"
#include "xalloc.h"

#define STAGING ".qtm-repo.staging"
#define ASIDE ".qtm-repo-old"

/* What add changed in the served tree, in order, to be undone on failure. */
struct undo {
	char **moved;            /* files moved in */
	char **aside;            /* files that stood in their way, renamed to NAME.qtm-repo-old */
	char **dirs;             /* folders created */
};

static const char *
str_of(const cJSON *obj, const char *field)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, field);

	return cJSON_IsString(s) ? s->valuestring : "";
}

/* What identifies an entry's content in a message: its source's sha256, or its first file's. */
static char *
content_of(const cJSON *e)
{
	const cJSON *source = cJSON_GetObjectItemCaseSensitive(e, "source");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(e, "files");

	if (cJSON_IsObject(source))
		return xasprintf(_("source sha256 %s"), str_of(source, "sha256"));
	if (cJSON_GetArraySize(files) > 0)
		return xasprintf(_("file %s sha256 %s"), str_of(cJSON_GetArrayItem(files, 0), "name"),
		    str_of(cJSON_GetArrayItem(files, 0), "sha256"));
	return xstrdup("?");
}

/* True when a and b publish the same thing: equal but for the artifacts trained since. */
static bool
same_content(const cJSON *a, const cJSON *b)
{
	cJSON *x = cJSON_Duplicate(a, true), *y = cJSON_Duplicate(b, true);
	bool same;

	cJSON_DeleteItemFromObjectCaseSensitive(x, "artifacts");
	cJSON_DeleteItemFromObjectCaseSensitive(y, "artifacts");
	same = cJSON_Compare(x, y, true);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return same;
}

/* 1 when entry is published with the same content, 0 when it is new, or the refusal. */
static int
published(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *dir, const cJSON *entry,
    const char *folder)
{
	const char *name = str_of(entry, "name"), *version = str_of(entry, "version");
	char *theirs, *ours;
	cJSON *pub = NULL;
	int rc = qtm_repo_index_find(ctx, idx, name, version, &pub);

	if (rc <= 0 || same_content(pub, entry))
		return rc;
	theirs = content_of(pub);
	ours = content_of(entry);
	rc = qtm_error(ctx, -EEXIST, _("%s=%s is published in %s with other content (%s), %s has %s: a published "
	    "version never changes, give the new content a new version"), name, version, dir, theirs, folder, ours);
	free(theirs);
	free(ours);
	return rc;
}

/* The files of an entry in the repository (relative paths, NULL-terminated, owned). */
static char **
entry_files(const cJSON *e)
{
	const cJSON *source = cJSON_GetObjectItemCaseSensitive(e, "source"), *f;
	char **v = xcalloc(1, sizeof *v);

	if (cJSON_IsObject(source))
		v = strv_push(v, str_of(source, "path"));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "files"))
		v = strv_push(v, str_of(f, "url"));
	return v;
}

/* mkdir -p dir/rel's parent, recording each folder it makes. */
static int
make_parents(struct qtm_ctx *ctx, const char *dir, const char *rel, struct undo *u)
{
	char *path = xasprintf("%s/%s", dir, rel);
	size_t skip = strlen(dir) + 1;
	int rc = 0;

	for (char *p = path + skip; rc == 0 && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0)
			u->dirs = strv_push(u->dirs, path);
		else if (errno != EEXIST)
			rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), path, strerror(errno));
		*p = '/';
	}
	free(path);
	return rc;
}

static int
move_in(struct qtm_ctx *ctx, const char *staging, const char *dir, const char *rel, struct undo *u)
{
	char *from = xasprintf("%s/%s", staging, rel), *to = xasprintf("%s/%s", dir, rel);
	char *aside = xasprintf("%s%s", to, ASIDE), *parent = xstrdup(to);
	int rc = make_parents(ctx, dir, rel, u);

	*strrchr(parent, '/') = '\0';
	if (rc == 0 && access(to, F_OK) == 0) {
		/* A file no release refers to (left by an add that failed, or withdrawn). */
		if (rename(to, aside) < 0)
			rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), to, strerror(errno));
		else
			u->aside = strv_push(u->aside, to);
	}
	if (rc == 0 && rename(from, to) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s to %s: %s"), from, to, strerror(errno));
	if (rc == 0) {
		u->moved = strv_push(u->moved, to);
		rc = qtm_fsync_dir(ctx, parent);
	}
	free(from);
	free(to);
	free(aside);
	free(parent);
	return rc;
}

static void
undo_run(struct undo *u, bool failed)
{
	size_t n;

	for (n = strv_len(u->moved); failed && n > 0; n--)
		unlink(u->moved[n - 1]);
	for (n = strv_len(u->aside); n > 0; n--) {
		char *aside = xasprintf("%s%s", u->aside[n - 1], ASIDE);

		if (failed && rename(aside, u->aside[n - 1]) < 0) {
			/* Left as NAME.qtm-repo-old: no release refers to it either way. */
		}
		if (!failed)
			unlink(aside);
		free(aside);
	}
	for (n = strv_len(u->dirs); failed && n > 0; n--)
		rmdir(u->dirs[n - 1]);
	strv_free(u->moved);
	strv_free(u->aside);
	strv_free(u->dirs);
}

/* Sorts the packed entries into new ones (kept in packages) and those published already. */
static int
sort_out(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *dir, cJSON *packages, char **folders,
    struct qtm_repo_add_result *res)
{
	cJSON *it = packages->child;
	int rc = 0;

	for (size_t i = 0; rc == 0 && it != NULL; i++) {
		cJSON *next = it->next;
		char *key = xasprintf("%s=%s", str_of(it, "name"), str_of(it, "version"));

		if ((rc = published(ctx, idx, dir, it, folders[i])) > 0) {
			res->unchanged = strv_push(res->unchanged, key);
			cJSON_Delete(cJSON_DetachItemViaPointer(packages, it));
			rc = 0;
		} else if (rc == 0) {
			res->added = strv_push(res->added, key);
		}
		free(key);
		it = next;
	}
	return rc;
}

/* Moves the new entries' files in and puts the entries into the index. */
static int
publish_new(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *staging, const char *dir,
    cJSON *packages, struct undo *u)
{
	cJSON *e;
	int rc = qtm_sync_tree(ctx, staging);

	while (rc == 0 && (e = cJSON_DetachItemFromArray(packages, 0)) != NULL) {
		char **files = entry_files(e);

		for (size_t i = 0; rc == 0 && files[i] != NULL; i++)
			rc = move_in(ctx, staging, dir, files[i], u);
		strv_free(files);
		if (rc == 0)
			rc = qtm_repo_index_put(ctx, idx, e);
		else
			cJSON_Delete(e);
	}
	return rc;
}

int
qtm_repo_add(struct qtm_ctx *ctx, const char *dir, char *const *srcs, char *const *keys,
    struct qtm_repo_add_result *res)
{
	char *staging = xasprintf("%s/%s", dir, STAGING), **folders = NULL;
	cJSON *packages = cJSON_CreateArray();
	struct qtm_repo_commit co = { .keys = keys };
	struct qtm_repo_index *idx = NULL;
	struct undo u = { 0 };
	struct qtm_lock *lock = NULL;
	bool defer = ctx->defer_sync;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = qtm_repo_lock(ctx, dir, &lock)) == 0 && (rc = qtm_repo_index_open(ctx, dir, &idx)) == 0 &&
	    (rc = qtm_repo_index_check_keys(ctx, idx, keys)) == 0 && (rc = qtm_rm_rf(ctx, staging)) == 0 &&
	    (rc = qtm_mkdir_p(ctx, staging, 0755)) == 0) {
		/* The staging folder is synced once, before anything moves in. */
		ctx->defer_sync = true;
		rc = qtm_repo_pack_sources(ctx, srcs, staging, packages, &folders);
		ctx->defer_sync = defer;
	}
	if (rc == 0)
		rc = sort_out(ctx, idx, dir, packages, folders, res);
	if (rc == 0 && packages->child != NULL) {
		res->release = qtm_repo_index_release(idx, NULL, NULL)->version + 1;
		if ((rc = publish_new(ctx, idx, staging, dir, packages, &u)) == 0)
			rc = qtm_repo_index_commit(ctx, idx, &co);
	}
	undo_run(&u, rc < 0);
	if (lock != NULL)
		qtm_rm_rf(ctx, staging);
	if (rc < 0)
		res->release = 0;
	qtm_repo_index_free(idx);
	qtm_lock_release(lock);
	cJSON_Delete(packages);
	strv_free(folders);
	free(staging);
	return rc;
}

void
qtm_repo_add_result_clear(struct qtm_repo_add_result *res)
{
	strv_free(res->added);
	strv_free(res->unchanged);
	memset(res, 0, sizeof *res);
}
