/* cmd-history.c - qtm history [list | info ID | undo ID | rollback ID] */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "history.h"
#include "i18n.h"
#include "number.h"
#include "pool.h"
#include "solve.h"
#include "xalloc.h"

static int cmd_history_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_history_entry = { &qtm_verb_history, cmd_history_exec };

static cJSON *
tx_json(const struct qtm_history_tx *tx)
{
	cJSON *o = cJSON_CreateObject(), *items = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "id", (double)tx->id);
	cJSON_AddNumberToObject(o, "started_at", (double)tx->started_at);
	cJSON_AddNumberToObject(o, "finished_at", (double)tx->finished_at);
	cJSON_AddStringToObject(o, "command", tx->command);
	cJSON_AddStringToObject(o, "state", tx->state);
	if (tx->message != NULL)
		cJSON_AddStringToObject(o, "message", tx->message);
	for (size_t i = 0; i < tx->n_items; i++) {
		const struct qtm_history_item *it = &tx->items[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "action", it->action);
		cJSON_AddStringToObject(j, "name", it->name);
		if (it->kind != NULL)
			cJSON_AddStringToObject(j, "kind", it->kind);
		if (it->old_version != NULL)
			cJSON_AddStringToObject(j, "old_version", it->old_version);
		if (it->new_version != NULL)
			cJSON_AddStringToObject(j, "new_version", it->new_version);
		if (it->old_build_id != NULL)
			cJSON_AddStringToObject(j, "old_build_id", it->old_build_id);
		if (it->new_build_id != NULL)
			cJSON_AddStringToObject(j, "new_build_id", it->new_build_id);
		if (it->reason != NULL)
			cJSON_AddStringToObject(j, "reason", it->reason);
		if (it->replaces != NULL)
			cJSON_AddStringToObject(j, "replaces", it->replaces);
		cJSON_AddItemToArray(items, j);
	}
	cJSON_AddItemToObject(o, "items", items);
	return o;
}

static void
print_tx_line(const struct qtm_history_tx *tx)
{
	char when[32];

	printf("%4lld  %s  %-11s %2zu  %s\n", (long long)tx->id, cmd_time(tx->started_at, when, sizeof when),
	    tx->state, tx->n_items, tx->command);
}

static void
print_tx(const struct qtm_history_tx *tx)
{
	print_tx_line(tx);
	if (tx->message != NULL)
		printf("      %s\n", tx->message);
	for (size_t i = 0; i < tx->n_items; i++) {
		const struct qtm_history_item *it = &tx->items[i];

		printf("      %-10s %-26s %s%s%s", it->action, it->name,
		    it->old_version != NULL ? it->old_version : "",
		    it->old_version != NULL && it->new_version != NULL ? " -> " : "",
		    it->new_version != NULL ? it->new_version : "");
		if (it->replaces != NULL)
			printf(_(" (replaces %s)"), it->replaces);
		putchar('\n');
	}
}

static int
history_list(struct qtm_ctx *ctx, struct qtm_db *db)
{
	struct qtm_history_tx *v;
	cJSON *json = cJSON_CreateArray();
	size_t n;
	int rc = qtm_history_list(ctx, db, &v, &n);

	if (rc < 0) {
		cJSON_Delete(json);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (ctx->json)
			cJSON_AddItemToArray(json, tx_json(&v[i]));
		else
			print_tx_line(&v[i]);
	}
	if (ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_history_free(v, n);
	return 0;
}

static int
history_info(struct qtm_ctx *ctx, struct qtm_db *db, long long id)
{
	struct qtm_history_tx *tx;
	int rc = qtm_history_get(ctx, db, id, &tx);

	if (rc < 0)
		return rc;
	if (ctx->json)
		cmd_print_json(tx_json(tx));
	else
		print_tx(tx);
	qtm_history_free(tx, 1);
	return 0;
}

/* Each package comes back with the install reason it had, recorded in the same step (so that
 * neither a crash nor autoremove sees a wrong reason in between). */
static void
restore_reasons(struct qtm_plan *plan, const struct qtm_history_revert *rev)
{
	for (size_t i = 0; i < plan->n; i++)
		for (size_t j = 0; rev->installs[j] != NULL; j++) {
			size_t len = strcspn(rev->installs[j], "=");

			if (strlen(plan->steps[i].name) == len && strncmp(plan->steps[i].name, rev->installs[j], len) == 0)
				plan->steps[i].manual = strcmp(rev->reasons[j], "manual") == 0;
		}
}

/* Undo / rollback: removals (dependants first) then installs of the earlier versions, in one
 * new transaction; the earlier install reasons are restored. */
static int
history_revert(struct qtm_ctx *ctx, long long id, bool rollback, bool dry_run)
{
	struct qtm_history_revert rev = { 0 };
	struct qtm_plan plan = { 0 }, more = { 0 };
	struct qtm_pool *pool = NULL;
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	int rc = dry_run ? cmd_open_reader(ctx, &db) : cmd_open_writer(ctx, &lock, &db);

	if (rc == 0)
		rc = qtm_history_revert(ctx, db, id, rollback, &rev);
	if (rc == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED | QTM_POOL_RUNTIME, &pool);
	if (rc == 0 && rev.removes[0] != NULL)
		rc = qtm_solve_remove(pool, rev.removes, false, &plan);
	if (rc == 0 && rev.installs[0] != NULL && (rc = qtm_solve_install(pool, rev.installs, &more)) == 0) {
		restore_reasons(&more, &rev);
		cmd_plan_append(&plan, &more);
	}
	if (rc == 0)
		rc = cmd_run_plan(ctx, pool, db, &plan, dry_run, rollback ? _("Roll back?") : _("Undo?"));
	qtm_plan_free(&plan);
	qtm_plan_free(&more);
	qtm_pool_free(pool);
	qtm_history_revert_clear(&rev);
	cmd_close(lock, db);
	return rc;
}

static int
parse_id(const char *s, long long *id)
{
	return qtm_parse_ll(s, 1, LLONG_MAX, id);
}

static int
cmd_history_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	const char *verb = "list";
	struct qtm_db *db = NULL;
	bool dry_run = a->noptions > 0;   /* -s, its only option */
	long long id = 0;
	int rc;

	if (a->argc > 1)
		verb = a->argv[1];
	if (strcmp(verb, "list") != 0 && (a->argc < 3 || parse_id(a->argv[2], &id) < 0))
		return cmd_usage(&cmd_history_entry, _("%s needs a transaction number"), verb);
	if (strcmp(verb, "undo") == 0 || strcmp(verb, "rollback") == 0)
		return history_revert(ctx, id, strcmp(verb, "rollback") == 0, dry_run);
	if (strcmp(verb, "list") != 0 && strcmp(verb, "info") != 0)
		return cmd_usage(&cmd_history_entry, _("unknown subcommand \"%s\""), verb);
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = strcmp(verb, "list") == 0 ? history_list(ctx, db) : history_info(ctx, db, id);
	qtm_db_close(db);
	return rc;
}
