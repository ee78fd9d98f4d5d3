/* cmd-autoremove.c - qtm autoremove [-s]: remove automatically installed packages that nothing
 * installed on request needs any more. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include <solv/pool.h>

#include "cmd.h"
#include "ctx.h"
#include "deps-internal.h"
#include "i18n.h"
#include "pool-internal.h"
#include "solve.h"
#include "xalloc.h"

static int cmd_autoremove_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_autoremove_entry = {
	"autoremove", NULL, N_("[-s]"), N_("remove dependencies nothing needs any more"), cmd_autoremove_exec,
};

static int
cmd_autoremove_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_lock *lock = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_plan plan = { 0 };
	struct qtm_db *db = NULL;
	char **names = xcalloc(1, sizeof *names);
	bool dry_run = false;
	Queue manual, unneeded;
	int c, rc;

	while ((c = getopt(argc, argv, "s")) != -1) {
		if (c != 's') {
			free(names);
			return cmd_usage(&cmd_autoremove_entry, _("unknown option"));
		}
		dry_run = true;
	}
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
