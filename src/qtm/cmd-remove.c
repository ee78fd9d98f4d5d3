/* cmd-remove.c - qtm remove NAME... */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "solve.h"
#include "transaction.h"

static int cmd_remove_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_remove_entry = {
	"remove", NULL, N_("[-s] NAME..."), N_("remove installed modules or datasets"), cmd_remove_exec,
};

static int
cmd_remove_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_transaction_opts opts = { 0 };
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	bool dry_run = false;
	int c, rc;

	while ((c = getopt(argc, argv, "+s")) != -1) {
		if (c != 's')
			return cmd_usage(&cmd_remove_entry, _("unknown option"));
		dry_run = true;
	}
	if (optind >= argc)
		return cmd_usage(&cmd_remove_entry, _("name at least one package"));
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_INSTALLED, &pool);
	if (rc == 0)
		rc = qtm_solve_remove(pool, argv + optind, &plan);
	if (rc == 0)
		cmd_print_plan(ctx, &plan, dry_run);
	if (rc == 0 && !dry_run && !cmd_confirm(ctx, _("Remove these packages?")))
		rc = ctx->err;
	if (rc == 0 && !dry_run)
		rc = qtm_transaction_run(ctx, pool, db, &plan, &opts, NULL);
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}
