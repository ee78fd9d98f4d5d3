/* cmd-install.c - qtm install NAME[=VERSION]... */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "lock.h"
#include "model.h"
#include "params.h"
#include "pool.h"
#include "solve.h"
#include "transaction.h"

static int cmd_install_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_install_entry = { &qtm_verb_install, cmd_install_exec };

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
install(struct qtm_ctx *ctx, char **specs, bool dry_run, struct qtm_transaction_opts opts,
    const cJSON *overrides)
{
	cJSON *per_package = cJSON_CreateObject();
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct timespec t0, t1;
	bool from_cache;
	double load_s;
	int rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);

	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_NEWEST | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	if (rc == 0) {
		qtm_pool_set_keep(pool, opts.keep);
		load_s = qtm_pool_load_time(pool, &from_cache);
		qtm_verbose(ctx, _("Loaded the sources in %.3f s (%s)"), load_s,
		    from_cache ? _("from the .solv cache") : _("from the JSON index"));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = qtm_solve_install(pool, specs, &plan);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		qtm_verbose(ctx, _("Resolved in %.3f s"), (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	opts.params = per_package;
	if (rc == 0)
		rc = qtm_params_plan(ctx, pool, db, plan.requested, overrides, &plan, per_package);
	if (rc == 0 && plan.n == 0) {
		if (!dry_run)
			rc = mark_requested(ctx, db, plan.requested);
		cmd_print_plan(ctx, &plan, dry_run);
		if (!ctx->json)
			qtm_info(ctx, _("Nothing to do: everything requested is installed."));
		goto out;
	}
	if (rc == 0 && (dry_run || !ctx->json))
		cmd_print_plan(ctx, &plan, dry_run);
	if (rc < 0 || dry_run)
		goto out;
	if (!cmd_confirm(ctx, qtm_plan_removes(&plan) ? _("Install these packages and remove those listed?")
	    : _("Install these packages?"))) {
		rc = ctx->err;
		goto out;
	}
	/* Only once the user agreed: requested packages already installed become manual. */
	if ((rc = mark_requested(ctx, db, plan.requested)) < 0)
		goto out;
	if ((rc = qtm_transaction_run(ctx, pool, db, &plan, &opts, NULL)) == 0 && !opts.download_only)
		print_result(ctx, db, &plan);
out:
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	cJSON_Delete(per_package);
	return rc;
}

static int
cmd_install_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_transaction_opts topts = { 0 };
	bool dry_run = false, check = false;
	cJSON *overrides = cJSON_CreateObject();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->noptions; i++) {
		int c = a->options[i].opt->id;
		const char *arg = a->options[i].arg;

		if (c == 's')
			dry_run = true;
		else if (c == 'd')
			topts.download_only = true;
		else if (c == 't')
			topts.train = true;
		else if (c == 'k')
			topts.keep = true;
		else if (c == 'H')
			topts.hive_url = arg;
		else if (c == 'L')
			topts.hive_mode = QTM_HIVE_LOCAL;
		else if (c == 'O')
			topts.hive_mode = QTM_HIVE_ONLY;
		else if (c == 'K')
			check = true;
		else if (c == 'p')
			rc = qtm_param_parse(ctx, arg, overrides);
		else if (c == 'J')
			rc = cmd_jobs(ctx, &cmd_install_entry, arg);
	}
	if (rc == 0 && a->argc < 2)
		rc = cmd_usage(&cmd_install_entry, _("name at least one module"));
	if (rc == 0 && check)
		rc = cmd_install_check(ctx, a->argv + 1);
	else if (rc == 0)
		rc = install(ctx, a->argv + 1, dry_run, topts, overrides);
	cJSON_Delete(overrides);
	return rc;
}
