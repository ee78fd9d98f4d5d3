/* cmd-upgrade.c - qtm upgrade [-s] [NAME...]: newest versions of installed packages. */
#include "config.h"

#include <getopt.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "solve.h"

static int cmd_upgrade_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_upgrade_entry = {
	"upgrade", NULL, N_("[-s] [NAME...]"), N_("upgrade installed packages (all, or those named)"), cmd_upgrade_exec,
};

static int
cmd_upgrade_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_lock *lock = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_db *db = NULL;
	bool dry_run = false;
	int c, rc;

	while ((c = getopt(argc, argv, "s")) != -1) {
		if (c != 's')
			return cmd_usage(&cmd_upgrade_entry, _("unknown option"));
		dry_run = true;
	}
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	if (rc == 0)
		rc = qtm_solve_upgrade(pool, argv + optind, &plan);
	if (rc == 0)
		rc = cmd_run_plan(ctx, pool, db, &plan, dry_run, _("Upgrade these packages?"));
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}
