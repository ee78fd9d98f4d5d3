/* cmd-autoremove.c - qtm autoremove [-s]: remove automatically installed packages that nothing
 * installed on request needs any more. */
#include "config.h"

#include <stdlib.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
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
	struct qtm_pkg *unneeded = NULL;
	bool dry_run = a->noptions > 0;   /* -s, its only option */
	size_t n = 0;
	int rc;

	if (a->argc > 1)
		return cmd_usage(&cmd_autoremove_entry, _("takes no arguments"));
	names = xcalloc(1, sizeof *names);
	rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_INSTALLED, &pool);
	if (rc == 0 && (rc = qtm_query_unneeded(pool, db, &unneeded, &n)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (unneeded[i].held)
				qtm_info(ctx, _("%s is no longer needed but held: kept"), unneeded[i].name);
			else
				names = strv_push(names, unneeded[i].name);
		}
		if (names[0] != NULL)
			rc = qtm_solve_remove(pool, names, false, &plan);
	}
	if (rc == 0)
		rc = cmd_run_plan(ctx, pool, db, &plan, dry_run, _("Remove these packages?"));
	strv_free(names);
	free(unneeded);
	qtm_plan_free(&plan);
	qtm_pool_free(pool);
	cmd_close(lock, db);
	return rc;
}
