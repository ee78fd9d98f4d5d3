/* cmd-upgrade.c - qtm upgrade [-s] [NAME...]: newest versions of installed packages; and
 * qtm full-upgrade [-s] [NAME...], which removes what is in the way. */
#include "config.h"

#include <stdbool.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "solve.h"

static int cmd_upgrade_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_upgrade_entry = { &qtm_verb_upgrade, cmd_upgrade_exec };
const struct qtm_cmd_entry cmd_full_upgrade_entry = { &qtm_verb_full_upgrade, cmd_upgrade_exec };

static int
cmd_upgrade_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_lock *lock = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_db *db = NULL;
	bool dry_run, full = a->verb == &qtm_verb_full_upgrade;
	int rc = cmd_dry_run_jobs(ctx, full ? &cmd_full_upgrade_entry : &cmd_upgrade_entry, a, &dry_run);

	if (rc != 0)
		return rc;
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_NEWEST | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	if (rc == 0)
		rc = full ? qtm_solve_full_upgrade(pool, a->argv + 1, &plan) : qtm_solve_upgrade(pool, a->argv + 1, &plan);
	if (rc == 0 && !full && plan.n_kept > 0 && !ctx->json)
		qtm_info(ctx, _("qtm full-upgrade moves what is kept back, removing what is in the way."));
	if (rc == 0)
		rc = cmd_run_plan(ctx, pool, db, &plan, dry_run, qtm_plan_removes(&plan)
		    ? _("Upgrade these packages and remove those listed?") : _("Upgrade these packages?"));
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}
