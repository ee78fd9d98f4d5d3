/* rebuild-check.c - training an installed model again and comparing the result. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "archive.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "manifest.h"
#include "model.h"
#include "paths.h"
#include "rebuild-check.h"
#include "runtime.h"
#include "source.h"
#include "xalloc.h"

/* The first path (in sorted order) that is missing on one side or whose bytes differ, or NULL. */
static char *
first_difference(const struct qtm_filelist *a, const struct qtm_filelist *b)
{
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i].path, b->v[j].path);

		if (c != 0)
			return xstrdup(c < 0 ? a->v[i].path : b->v[j].path);
		if (strcmp(a->v[i].sha256, b->v[j].sha256) != 0)
			return xstrdup(a->v[i].path);
		i++;
		j++;
	}
	return NULL;
}

/* Trains m as pkg was built (its source's URL, its params) into dir/artifact.tar.zst, unpacked
 * into dir/files. */
static int
retrain(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_installed *pkg, const struct qtm_manifest *m,
    const char *dir, char **files_dir)
{
	struct qtm_source *src = NULL;
	struct qtm_runtime *rt = NULL;
	struct qtm_model_artifact art;
	char *path = xasprintf("%s/artifact.tar.zst", dir);
	cJSON *params = pkg->params != NULL ? cJSON_Parse(pkg->params) : NULL;
	size_t n = 0, k;
	int rc;

	*files_dir = xasprintf("%s/files", dir);
	if ((rc = qtm_sources_list(ctx, &src, &n)) == 0 && (rc = qtm_runtime_probe(ctx, &rt)) == 0) {
		for (k = 0; k < n && strcmp(src[k].name, pkg->source) != 0; k++)
			;
		struct qtm_model_build_opts o = { .base_url = k < n ? src[k].url : NULL,
			.mirrors = k < n ? src[k].mirrors : NULL, .overrides = params, .rt = rt, .train = true,
			.hive_mode = QTM_HIVE_LOCAL };

		if (o.base_url == NULL)
			rc = qtm_error(ctx, -ENOENT, _("%s: its source %s is no longer configured"), pkg->name, pkg->source);
		else if ((rc = qtm_model_retrain(ctx, db, m, &o, path, &art)) == 0) {
			if (strcmp(art.build_id, pkg->build_id) != 0)
				rc = qtm_error(ctx, -EBADMSG, _("%s: a training here has build id %.12s, not the installed "
				    "%.12s: its inputs changed since it was installed"), pkg->name, art.build_id, pkg->build_id);
			else if ((rc = qtm_mkdir_p(ctx, *files_dir, 0755)) == 0)
				rc = qtm_archive_unpack(ctx, path, *files_dir, 0, NULL);
			qtm_model_artifact_clear(&art);
		}
	}
	qtm_sources_free(src, n);
	qtm_runtime_free(rt);
	cJSON_Delete(params);
	free(path);
	return rc;
}

int
qtm_rebuild_check(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, char **differs)
{
	struct qtm_filelist mine = { 0 }, installed = { 0 };
	struct qtm_manifest *m = NULL;
	struct qtm_installed *pkg = NULL;
	char *dir = NULL, *files = NULL;
	cJSON *json = NULL;
	int rc = qtm_db_get(ctx, db, name, &pkg);

	*differs = NULL;
	if (rc == -ENOENT)
		return qtm_error(ctx, -ENOENT, _("%s is not installed"), name);
	if (rc < 0)
		return rc;
	if (pkg->build_id == NULL) {
		rc = qtm_error(ctx, -EINVAL, _("--check: %s is a dataset, not a trained model"), name);
		goto out;
	}
	if ((json = cJSON_Parse(pkg->manifest)) == NULL ||
	    (rc = qtm_manifest_from_json(ctx, json, pkg->name, true, &m)) < 0) {
		rc = rc < 0 ? rc : qtm_error(ctx, -EIO, _("the installed record of %s holds no valid manifest"), name);
		goto out;
	}
	dir = qtm_cache_path(ctx, "check");
	qtm_rm_rf(ctx, dir);   /* what an interrupted check left */
	if ((rc = qtm_mkdir_p(ctx, dir, 0755)) == 0 && (rc = retrain(ctx, db, pkg, m, dir, &files)) == 0 &&
	    (rc = qtm_filelist_scan(ctx, files, &mine)) == 0 &&
	    (rc = qtm_filelist_scan(ctx, pkg->store_path, &installed)) == 0 &&
	    (*differs = first_difference(&mine, &installed)) != NULL)
		rc = qtm_error(ctx, -EBADMSG, _("%s: the artifact trained here differs from the installed one (origin: %s), "
		    "first in %s"), name, pkg->origin != NULL ? pkg->origin : "?", *differs);
	qtm_rm_rf(ctx, dir);
out:
	qtm_filelist_free(&mine);
	qtm_filelist_free(&installed);
	qtm_manifest_free(m);
	cJSON_Delete(json);
	qtm_installed_free(pkg);
	free(dir);
	free(files);
	return rc;
}
