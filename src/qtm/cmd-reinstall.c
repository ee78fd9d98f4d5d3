/* cmd-reinstall.c - qtm reinstall [-s] NAME...: place installed packages again (from the
 * artifact cache when its build is there, else by fetching and training again). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
#include "solve.h"
#include "transaction.h"

static int cmd_reinstall_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_reinstall_entry = { &qtm_verb_reinstall, cmd_reinstall_exec };

/* The available package with the installed version of name; the params it was built with go
 * into params[name], so that the same build comes back. */
static int
plan_reinstall(struct qtm_ctx *ctx, struct qtm_pool *p, struct qtm_db *db, const char *name,
    struct qtm_plan *plan, cJSON *params)
{
	struct qtm_installed *pkg;
	qtm_pkg_id found;
	int rc = qtm_db_get(ctx, db, name, &pkg);

	if (rc == -ENOENT)
		return qtm_error(ctx, -ENOENT, _("%s is not installed"), name);
	if (rc < 0)
		return rc;
	if ((found = qtm_query_offered(p, name, pkg->version)) == 0)
		rc = qtm_error(ctx, -ENOENT, _("%s %s is no longer offered by any source"), name, pkg->version);
	else
		qtm_plan_add_install(p, plan, found, strcmp(pkg->reason, "manual") == 0);
	if (found != 0 && pkg->params != NULL)
		cJSON_AddItemToObject(params, name, cJSON_Parse(pkg->params));
	qtm_installed_free(pkg);
	return rc;
}

static int
cmd_reinstall_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_lock *lock = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_db *db = NULL;
	cJSON *params = cJSON_CreateObject();
	struct qtm_transaction_opts opts = { .params = params };
	bool dry_run;
	int rc = cmd_dry_run_jobs(ctx, &cmd_reinstall_entry, a, &dry_run);

	if (rc != 0 || a->argc < 2) {
		cJSON_Delete(params);
		return rc != 0 ? rc : cmd_usage(&cmd_reinstall_entry, _("name at least one package"));
	}
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	for (int i = 1; rc == 0 && i < a->argc; i++)
		rc = plan_reinstall(ctx, pool, db, a->argv[i], &plan, params);
	if (rc == 0)
		rc = cmd_run_plan_opts(ctx, pool, db, &plan, dry_run, _("Reinstall these packages?"), &opts);
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	cJSON_Delete(params);
	return rc;
}
