/* cmd-info.c - qtm info NAME[=VERSION] (alias show): metadata of every version (or of one),
 * install state, metrics. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "curve.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
#include "text.h"
#include "verify.h"
#include "xalloc.h"

static int cmd_info_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_info_entry = { &qtm_verb_info, cmd_info_exec };

static cJSON *
installed_json(const struct qtm_installed *pkg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", pkg->version);
	cJSON_AddStringToObject(o, "reason", pkg->reason);
	cJSON_AddStringToObject(o, "path", pkg->store_path);
	cJSON_AddNumberToObject(o, "installed_at", (double)pkg->installed_at);
	if (pkg->build_id != NULL)
		cJSON_AddStringToObject(o, "build_id", pkg->build_id);
	if (pkg->source != NULL)
		cJSON_AddStringToObject(o, "source", pkg->source);
	cJSON_AddItemToObject(o, "metrics", pkg->metrics != NULL ? cJSON_Parse(pkg->metrics) : cJSON_CreateObject());
	if (pkg->params != NULL)
		cJSON_AddItemToObject(o, "params", cJSON_Parse(pkg->params));
	if (pkg->origin != NULL)
		cJSON_AddStringToObject(o, "origin", pkg->origin);
	return o;
}

/* The recorded training curve, [[step, loss], ...]: empty when none was recorded. */
static int
add_curve(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_installed *pkg, cJSON *inst)
{
	char *text = NULL;
	cJSON *parsed = NULL, *curve;
	int rc = qtm_db_get_curve(ctx, db, pkg->id, &text);

	if (text != NULL)
		parsed = cJSON_Parse(text);
	curve = qtm_curve_from_json(parsed);
	cJSON_AddItemToObject(inst, "curve", curve != NULL ? curve : cJSON_CreateArray());
	cJSON_Delete(parsed);
	free(text);
	return rc;
}

/* Every installed version (side by side installs), the default first. */
static int
add_installed_versions(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, cJSON *info)
{
	cJSON *arr = cJSON_AddArrayToObject(info, "installed_versions");
	struct qtm_installed *v;
	size_t n;
	int rc = qtm_db_list(ctx, db, &v, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "version", v[i].version);
			cJSON_AddBoolToObject(o, "default", v[i].is_default);
			cJSON_AddStringToObject(o, "path", v[i].store_path);
			cJSON_AddItemToArray(arr, o);
		}
	if (rc == 0)
		qtm_installed_free_all(v, n);
	return rc;
}

static void
print_strv(const char *label, const cJSON *arr)
{
	const cJSON *it;
	int first = 1;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return;
	printf("%-13s ", label);
	cJSON_ArrayForEach(it, arr) {
		printf("%s%s", first ? "" : ", ", qtm_term_safe(it->valuestring));
		first = 0;
	}
	printf("\n");
}


/* How the installed artifact came to be: "trained", "cache", "repository" or
 * "hive:RUNNER (job ID at URL)". */
static void
print_origin(const char *origin)
{
	if (strncmp(origin, "hive:", 5) == 0)
		printf("%-13s %s %s\n", _("origin"), _("trained by the hive, runner"), qtm_term_safe(origin + 5));
	else
		printf("%-13s %s\n", _("origin"), strcmp(origin, "trained") == 0 ? _("trained on this machine")
		    : strcmp(origin, "cache") == 0 ? _("reused from the local artifact cache")
		    : _("pre-trained artifact from the repository"));
}
/* The declared headline with the best baseline beside it: what the card's claim rests on. */
static void
print_headline(const cJSON *e)
{
	const cJSON *best = cJSON_GetObjectItem(e, "best_baseline"), *n = cJSON_GetObjectItem(e, "n_test");

	if (e == NULL)
		return;
	printf("%-13s %s %.6g (%s, %s, n=%.0f)", _("headline"), qtm_term_safe(cJSON_GetObjectItem(e, "headline")->valuestring),
	    cJSON_GetObjectItem(e, "value")->valuedouble,
	    cJSON_IsTrue(cJSON_GetObjectItem(e, "higher_is_better")) ? _("higher is better") : _("lower is better"),
	    qtm_term_safe(cJSON_GetObjectItem(e, "headline_split")->valuestring), cJSON_IsNumber(n) ? n->valuedouble : 0);
	if (cJSON_IsObject(best))
		printf(_("; best baseline %s %.6g"), qtm_term_safe(cJSON_GetObjectItem(best, "name")->valuestring),
		    cJSON_GetObjectItem(best, "value")->valuedouble);
	else
		printf(_("; no baseline"));
	printf("\n");
}

static void
print_text(struct qtm_ctx *ctx, const cJSON *info)
{
	const cJSON *versions = cJSON_GetObjectItem(info, "versions"), *inst = cJSON_GetObjectItem(info, "installed");
	const cJSON *m = cJSON_GetArrayItem(versions, 0), *res, *v;
	const char *fields[] = { "kind", "summary", "license", "priority", "estimated_minutes" };

	if (m == NULL)
		m = cJSON_GetObjectItem(info, "installed_manifest");
	printf("%s%s%s\n", cmd_bold(ctx), qtm_term_safe(cJSON_GetObjectItem(info, "name")->valuestring), cmd_reset(ctx));
	for (size_t i = 0; m != NULL && i < sizeof fields / sizeof fields[0]; i++) {
		const cJSON *f = cJSON_GetObjectItem(m, fields[i]);

		if (cJSON_IsString(f))
			printf("%-13s %s\n", fields[i], qtm_term_safe(f->valuestring));
		else if (cJSON_IsNumber(f))
			printf("%-13s %g\n", fields[i], f->valuedouble);
	}
	printf("%-13s", _("versions"));
	cJSON_ArrayForEach(v, versions)
		printf(" %s (%s)", qtm_term_safe(cJSON_GetObjectItem(v, "version")->valuestring),
		    qtm_term_safe(cJSON_GetObjectItem(v, "repository")->valuestring));
	printf("\n");
	print_strv(_("requires"), cJSON_GetObjectItem(m, "requires"));
	if ((res = cJSON_GetObjectItem(m, "resources")) != NULL) {
		char *r = cJSON_PrintUnformatted(res);

		printf("%-13s %s\n", _("resources"), qtm_term_safe(r));
		cJSON_free(r);
	}
	if (cJSON_IsString(cJSON_GetObjectItem(m, "description")))
		printf("%-13s %s\n", _("description"), qtm_term_safe(cJSON_GetObjectItem(m, "description")->valuestring));
	if (inst == NULL) {
		printf("%-13s %s\n", _("installed"), _("no"));
		return;
	}
	printf("%-13s %s (%s)\n", _("installed"), qtm_term_safe(cJSON_GetObjectItem(inst, "version")->valuestring),
	    cJSON_GetObjectItem(inst, "reason")->valuestring);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(info, "installed_versions")) > 1) {
		const cJSON *iv;

		printf("%-13s", _("side by side"));
		cJSON_ArrayForEach(iv, cJSON_GetObjectItem(info, "installed_versions"))
			printf(" %s%s", qtm_term_safe(cJSON_GetObjectItem(iv, "version")->valuestring),
			    cJSON_IsTrue(cJSON_GetObjectItem(iv, "default")) ? _(" (default)") : "");
		printf("\n");
	}
	printf("%-13s %s\n", _("path"), qtm_term_safe(cJSON_GetObjectItem(inst, "path")->valuestring));
	if (cJSON_GetObjectItem(inst, "build_id") != NULL)
		printf("%-13s %s\n", _("build id"), cJSON_GetObjectItem(inst, "build_id")->valuestring);
	if (cJSON_GetObjectItem(inst, "origin") != NULL)
		print_origin(cJSON_GetObjectItem(inst, "origin")->valuestring);
	print_headline(cJSON_GetObjectItem(inst, "evaluation"));
	cmd_info_print_metrics(ctx, inst, cJSON_GetObjectItem(inst, "build_id") != NULL);
	if (cJSON_GetObjectItem(inst, "params") != NULL) {
		char *params = cJSON_PrintUnformatted(cJSON_GetObjectItem(inst, "params"));

		printf("%-13s %s\n", _("params"), qtm_term_safe(params));
		cJSON_free(params);
	}
}

/* The versions the sources offer of name (only version, when not NULL) into info; how many. */
static size_t
add_offered(struct qtm_pool *pool, const char *name, const char *version, cJSON *info)
{
	cJSON *versions = cJSON_AddArrayToObject(info, "versions");
	struct qtm_pkg *ids;
	size_t n_ids = qtm_query_versions(pool, name, &ids), shown = 0;

	for (size_t i = 0; i < n_ids; i++) {
		cJSON *m;

		if (version != NULL && strcmp(ids[i].version, version) != 0)
			continue;
		m = cJSON_Parse(qtm_pool_manifest_json(pool, ids[i].id));
		cJSON_AddStringToObject(m, "repository", ids[i].source);
		cJSON_AddItemToArray(versions, m);
		shown++;
	}
	free(ids);
	return shown;
}

/* The installed version (the default one, or version) with its curve, manifest and siblings;
 * -ENOENT (no error set) when it is not installed. */
static int
add_installed(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version, cJSON *info)
{
	struct qtm_installed *pkg = NULL;
	cJSON *inst, *e;
	int rc = version != NULL ? qtm_db_get_version(ctx, db, name, version, &pkg) : qtm_db_get(ctx, db, name, &pkg);

	if (rc < 0)
		return rc;
	inst = installed_json(pkg);
	cJSON_AddItemToObject(info, "installed", inst);
	if ((e = qtm_installed_evaluation(ctx, pkg)) != NULL)
		cJSON_AddItemToObject(inst, "evaluation", e);
	if ((rc = add_curve(ctx, db, pkg, inst)) == 0) {
		cJSON_AddItemToObject(info, "installed_manifest", cJSON_Parse(pkg->manifest));
		rc = add_installed_versions(ctx, db, name, info);
	}
	qtm_installed_free(pkg);
	return rc;
}

static int
cmd_info_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_pool *pool = NULL;
	struct qtm_db *db = NULL;
	const char *version;
	char *name;
	cJSON *info;
	size_t shown;
	int rc;

	if (a->argc != 2)
		return cmd_usage(&cmd_info_entry, _("name one package"));
	if ((rc = cmd_open_reader(ctx, &db)) < 0 || (rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &pool)) < 0) {
		qtm_db_close(db);
		return rc;
	}
	/* NAME=VERSION: that version, of several offered or installed side by side. */
	name = xstrndup(a->argv[1], strcspn(a->argv[1], "="));
	version = strchr(a->argv[1], '=') != NULL ? strchr(a->argv[1], '=') + 1 : NULL;
	info = cJSON_CreateObject();
	cJSON_AddStringToObject(info, "name", name);
	shown = add_offered(pool, name, version, info);
	rc = add_installed(ctx, db, name, version, info);
	if (rc == -ENOENT && shown == 0 && version != NULL)
		rc = qtm_error(ctx, -ENOENT, _("%s %s is neither installed nor offered by a source (see: qtm policy %s)"),
		    name, version, name);
	else if (rc == -ENOENT && shown == 0)
		rc = qtm_error(ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), name);
	else if (rc == -ENOENT)
		rc = 0;
	if (rc == 0 && ctx->json) {
		cmd_print_json(info);
		info = NULL;
	} else if (rc == 0) {
		print_text(ctx, info);
	}
	cJSON_Delete(info);
	free(name);
	qtm_pool_free(pool);
	qtm_db_close(db);
	return rc;
}
