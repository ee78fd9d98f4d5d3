/* verify.c - comparing the store with what the database says was installed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "metrics-schema.h"
#include "verify.h"
#include "xalloc.h"

struct problems {
	struct qtm_verify_problem *v;
	size_t n;
};

static void
add(struct problems *p, const char *package, const char *path, const char *problem)
{
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n].package = xstrdup(package);
	p->v[p->n].path = path != NULL ? xstrdup(path) : NULL;
	p->v[p->n].problem = xstrdup(problem);
	p->n++;
}

static bool
listed(const struct qtm_filelist *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return true;
	return false;
}

static int
verify_package(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_installed *pkg,
    struct problems *out, size_t *checked)
{
	struct qtm_filelist want = { 0 }, have = { 0 };
	struct stat st;
	int rc;

	if (stat(pkg->store_path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		add(out, pkg->name, NULL, "missing directory");
		return 0;
	}
	if ((rc = qtm_db_files(ctx, db, pkg->id, &want)) < 0)
		return rc;
	/* A scan failure (a symlink or device planted in the store) is itself a finding. */
	if (qtm_filelist_scan(ctx, pkg->store_path, &have) < 0)
		add(out, pkg->name, NULL, qtm_strerror(ctx));
	for (size_t i = 0; i < want.n; i++) {
		const struct qtm_file_entry *w = &want.v[i], *h = NULL;

		for (size_t j = 0; j < have.n && h == NULL; j++)
			if (strcmp(have.v[j].path, w->path) == 0)
				h = &have.v[j];
		(*checked)++;
		if (h == NULL)
			add(out, pkg->name, w->path, "missing");
		else if (h->size != w->size)
			add(out, pkg->name, w->path, "size");
		else if (strcmp(h->sha256, w->sha256) != 0)
			add(out, pkg->name, w->path, "modified");
		else if (w->mode != 0 && h->mode != w->mode)
			add(out, pkg->name, w->path, "mode");
	}
	for (size_t j = 0; j < have.n; j++)
		if (!listed(&want, have.v[j].path))
			add(out, pkg->name, have.v[j].path, "unexpected file");
	qtm_filelist_free(&want);
	qtm_filelist_free(&have);
	return 0;
}

int
qtm_verify(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    struct qtm_verify_problem **out, size_t *n, size_t *checked)
{
	struct problems p = { 0 };
	struct qtm_installed *v;
	size_t count;
	int rc;

	*checked = 0;
	if (name != NULL) {
		rc = qtm_db_get(ctx, db, name, &v);
		if (rc == -ENOENT)
			return qtm_error(ctx, -ENOENT, _("%s is not installed"), name);
		count = 1;
	} else {
		rc = qtm_db_list(ctx, db, &v, &count);
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = verify_package(ctx, db, &v[i], &p, checked);
	qtm_installed_free_all(v, count);
	if (rc < 0) {
		qtm_verify_free(p.v, p.n);
		return rc;
	}
	*out = p.v;
	*n = p.n;
	return 0;
}

void
qtm_verify_free(struct qtm_verify_problem *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].package);
		free(v[i].path);
		free(v[i].problem);
	}
	free(v);
}

/* The installed package's manifest and its metrics.json, both owned by the caller. */
static int
installed_metrics(struct qtm_ctx *ctx, const struct qtm_installed *pkg, struct qtm_manifest **m, cJSON **json)
{
	cJSON *obj = cJSON_Parse(pkg->manifest);
	char *path = xasprintf("%s/metrics.json", pkg->store_path);
	int rc = qtm_manifest_from_json(ctx, obj, pkg->name, false, m);

	*json = NULL;
	if (rc == 0 && (rc = qtm_json_load(ctx, path, json)) < 0) {
		qtm_manifest_free(*m);
		*m = NULL;
	}
	cJSON_Delete(obj);
	free(path);
	return rc;
}

int
qtm_verify_metrics(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, cJSON **report)
{
	struct qtm_installed *pkg = NULL;
	struct qtm_manifest *m = NULL;
	struct qtm_metrics_recomputed r;
	cJSON *json = NULL;
	int rc;

	*report = NULL;
	if ((rc = qtm_db_get(ctx, db, name, &pkg)) == -ENOENT)
		return qtm_error(ctx, -ENOENT, _("%s is not installed"), name);
	if (rc < 0)
		return rc;
	if ((rc = installed_metrics(ctx, pkg, &m, &json)) == 0) {
		rc = qtm_metrics_recompute(ctx, m, json, pkg->store_path, &r);
		if (r.formula != NULL && r.n > 0) {
			*report = cJSON_CreateObject();
			cJSON_AddStringToObject(*report, "package", pkg->name);
			cJSON_AddStringToObject(*report, "headline", r.headline);
			cJSON_AddStringToObject(*report, "formula", r.formula);
			cJSON_AddNumberToObject(*report, "recorded", r.recorded);
			cJSON_AddNumberToObject(*report, "computed", r.computed);
			cJSON_AddNumberToObject(*report, "n", (double)r.n);
			cJSON_AddBoolToObject(*report, "agrees", r.agrees);
		}
	}
	cJSON_Delete(json);
	qtm_manifest_free(m);
	qtm_installed_free(pkg);
	return rc;
}

cJSON *
qtm_installed_evaluation(struct qtm_ctx *ctx, const struct qtm_installed *pkg)
{
	struct qtm_manifest *m = NULL;
	cJSON *json = NULL, *e = NULL;

	if (pkg->manifest == NULL || pkg->build_id == NULL)
		return NULL;
	if (installed_metrics(ctx, pkg, &m, &json) == 0)
		e = qtm_metrics_evaluation(m, json);
	cJSON_Delete(json);
	qtm_manifest_free(m);
	return e;
}
