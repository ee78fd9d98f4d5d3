/* cmd-remove.c - qtm remove [-s] [--auto-remove] NAME... */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "solve.h"
#include "transaction.h"

static int cmd_remove_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_remove_entry = { &qtm_verb_remove, cmd_remove_exec };

static int
cmd_remove_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_transaction_opts opts = { 0 };
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	bool dry_run = false, auto_remove = false;
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		if (a->options[i].opt->id == 's')
			dry_run = true;
		else if (a->options[i].opt->id == 'a')
			auto_remove = true;
	}
	if (a->argc < 2)
		return cmd_usage(&cmd_remove_entry, _("name at least one package"));
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_INSTALLED, &pool);
	if (rc == 0)
		rc = qtm_solve_remove(pool, a->argv + 1, auto_remove, &plan);
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
