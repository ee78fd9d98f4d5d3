/* cmd-autoremove.c - qtm autoremove [-s]: remove automatically installed packages that nothing
 * installed on request needs any more. */
#include "config.h"

#include <stdlib.h>

#include <solv/pool.h>

#include "cmd.h"
#include "ctx.h"
#include "deps.h"
#include "i18n.h"
#include "pool.h"
#include "solve.h"
#include "xalloc.h"

static int cmd_autoremove_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_autoremove_entry = { &qtm_verb_autoremove, cmd_autoremove_exec };

static int
cmd_autoremove_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_lock *lock = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_db *db = NULL;
	char **names;
	bool dry_run = a->noptions > 0;   /* -s, its only option */
	Queue manual, unneeded;
	int rc;

	if (a->argc > 1)
		return cmd_usage(&cmd_autoremove_entry, _("takes no arguments"));
	names = xcalloc(1, sizeof *names);
	queue_init(&manual);
	queue_init(&unneeded);
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_INSTALLED, &pool);
	if (rc == 0)
		rc = qtm_deps_manual(pool, db, &manual);
	if (rc == 0) {
		qtm_deps_unneeded(pool, &manual, &unneeded);
		for (int i = 0; i < unneeded.count; i++) {
			const char *name = pool_id2str(pool->pool, pool_id2solvable(pool->pool, unneeded.elements[i])->name);
			bool held = false;

			for (int j = 0; j < pool->held.count; j++)
				held |= pool->held.elements[j] == unneeded.elements[i];
			if (held)
				qtm_info(ctx, _("%s is no longer needed but held: kept"), name);
			else
				names = strv_push(names, name);
		}
		if (names[0] != NULL)
			rc = qtm_solve_remove(pool, names, &plan);
	}
	if (rc == 0)
		rc = cmd_run_plan(ctx, pool, db, &plan, dry_run, _("Remove these packages?"));
	strv_free(names);
	queue_free(&manual);
	queue_free(&unneeded);
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}
