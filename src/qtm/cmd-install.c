/* cmd-install.c - qtm install NAME[=VERSION]... */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "lock.h"
#include "pool.h"
#include "solve.h"
#include "transaction.h"

static int cmd_install_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_install_entry = {
	"install", NULL, N_("[-s] [--download-only] NAME[=VERSION]..."),
	N_("resolve, fetch, train and install modules"), cmd_install_exec,
};

/* Requested packages already installed become manual (apt's habit). */
static int
mark_requested(struct qtm_ctx *ctx, struct qtm_db *db, char **specs)
{
	for (size_t i = 0; specs[i] != NULL; i++) {
		char *name = strndup(specs[i], strcspn(specs[i], " <>="));
		struct qtm_installed *pkg;
		int rc = qtm_db_get(ctx, db, name, &pkg);

		if (rc == 0) {
			if (strcmp(pkg->reason, "manual") != 0)
				rc = qtm_db_set_reason(ctx, db, name, "manual");
			qtm_installed_free(pkg);
		}
		free(name);
		if (rc < 0 && rc != -ENOENT)
			return rc;
	}
	return 0;
}

static void
print_result(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_plan *plan)
{
	cJSON *json = ctx->json ? cJSON_CreateArray() : NULL;

	for (size_t i = 0; i < plan->n; i++) {
		struct qtm_installed *pkg;

		if (plan->steps[i].action != QTM_STEP_INSTALL || qtm_db_get(ctx, db, plan->steps[i].name, &pkg) < 0)
			continue;
		if (json != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", pkg->name);
			cJSON_AddStringToObject(o, "version", pkg->version);
			cJSON_AddStringToObject(o, "kind", pkg->kind);
			if (pkg->build_id != NULL)
				cJSON_AddStringToObject(o, "build_id", pkg->build_id);
			cJSON_AddStringToObject(o, "path", pkg->store_path);
			cJSON_AddItemToObject(o, "metrics", pkg->metrics ? cJSON_Parse(pkg->metrics) : cJSON_CreateObject());
			cJSON_AddItemToArray(json, o);
		} else {
			printf(_("installed %s %s (%s)%s%s\n"), pkg->name, pkg->version, pkg->kind,
			    pkg->metrics != NULL && strcmp(pkg->metrics, "{}") != 0 ? _(" metrics: ") : "",
			    pkg->metrics != NULL && strcmp(pkg->metrics, "{}") != 0 ? pkg->metrics : "");
		}
		qtm_installed_free(pkg);
	}
	if (json != NULL)
		cmd_print_json(json);
}

static int
install(struct qtm_ctx *ctx, char **specs, bool dry_run, bool download_only)
{
	struct qtm_transaction_opts opts = { .download_only = download_only };
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct timespec t0, t1;
	int rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);

	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	if (rc == 0) {
		qtm_verbose(ctx, _("Loaded the sources in %.3f s (%s)"), pool->load_s,
		    pool->from_cache ? _("from the .solv cache") : _("from the JSON index"));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = qtm_solve_install(pool, specs, &plan);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		qtm_verbose(ctx, _("Resolved in %.3f s"), (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (rc == 0 && !dry_run)
		rc = mark_requested(ctx, db, specs);
	if (rc == 0 && plan.n == 0) {
		if (ctx->json)
			cmd_print_plan(ctx, &plan, dry_run);
		else
			qtm_info(ctx, _("Nothing to do: everything requested is installed."));
		goto out;
	}
	if (rc == 0 && (dry_run || !ctx->json))
		cmd_print_plan(ctx, &plan, dry_run);
	if (rc < 0 || dry_run)
		goto out;
	if (!cmd_confirm(ctx, _("Install these packages?"))) {
		rc = ctx->err;
		goto out;
	}
	if ((rc = qtm_transaction_run(ctx, pool, db, &plan, &opts, NULL)) == 0 && !download_only)
		print_result(ctx, db, &plan);
out:
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}

static int
cmd_install_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 's' },
		{ "simulate", no_argument, NULL, 's' },
		{ "download-only", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	bool dry_run = false, download_only = false;
	int c;

	while ((c = getopt_long(argc, argv, "+sd", opts, NULL)) != -1) {
		if (c == 's')
			dry_run = true;
		else if (c == 'd')
			download_only = true;
		else
			return cmd_usage(&cmd_install_entry, _("unknown option"));
	}
	if (optind >= argc)
		return cmd_usage(&cmd_install_entry, _("name at least one module"));
	return install(ctx, argv + optind, dry_run, download_only);
}
