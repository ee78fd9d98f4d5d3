/* cmd-policy.c - qtm policy NAME: every version the sources offer, and which one an install
 * would take and why (source priority first, then the newest version; installed and held
 * versions are shown). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"

static int cmd_policy_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_policy_entry = {
	"policy", NULL, N_("NAME"), N_("show which source and version of a package wins, and why"), cmd_policy_exec,
};

/* The candidate an install picks: highest source priority, then the newest version. */
static Id
winner(struct qtm_pool *p, const Queue *q)
{
	Id best = 0;

	for (int i = 0; i < q->count; i++) {
		Solvable *s = pool_id2solvable(p->pool, q->elements[i]), *b;

		if (s->repo == p->system)
			continue;
		b = best != 0 ? pool_id2solvable(p->pool, best) : NULL;
		if (b == NULL || s->repo->priority > b->repo->priority ||
		    (s->repo->priority == b->repo->priority && pool_evrcmp(p->pool, s->evr, b->evr, EVRCMP_COMPARE) > 0))
			best = q->elements[i];
	}
	return best;
}

static int
cmd_policy_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	cJSON *o, *cands;
	Queue q;
	Id best;
	int rc;

	if (argc != 2)
		return cmd_usage(&cmd_policy_entry, _("name one package"));
	queue_init(&q);
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED, &p);
	if (rc == 0) {
		qtm_pool_by_name(p, argv[1], &q);
		if (q.count == 0)
			rc = qtm_error(ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), argv[1]);
	}
	if (rc == 0) {
		best = winner(p, &q);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", argv[1]);
		cands = cJSON_AddArrayToObject(o, "candidates");
		for (int i = 0; i < q.count; i++) {
			Solvable *s = pool_id2solvable(p->pool, q.elements[i]);
			bool inst = s->repo == p->system, held = false;
			cJSON *c = cJSON_CreateObject();

			for (int j = 0; j < p->held.count; j++)
				held |= p->held.elements[j] == q.elements[i];
			cJSON_AddStringToObject(c, "version", pool_id2str(p->pool, s->evr));
			cJSON_AddStringToObject(c, "source", inst ? "installed" : s->repo->name);
			if (!inst)
				cJSON_AddNumberToObject(c, "priority", s->repo->priority);
			cJSON_AddBoolToObject(c, "candidate", q.elements[i] == best);
			cJSON_AddBoolToObject(c, "held", held);
			cJSON_AddItemToArray(cands, c);
			if (!ctx->json)
				printf("%s %-10s %-16s %s\n", q.elements[i] == best ? "=>" : "  ", pool_id2str(p->pool, s->evr),
				    inst ? _("(installed)") : s->repo->name, held ? _("held") : "");
		}
		if (!ctx->json && best != 0)
			printf(_("An install takes %s from %s: sources of higher priority win, then newer versions.\n"),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, best)->evr), pool_id2solvable(p->pool, best)->repo->name);
		if (ctx->json)
			cmd_print_json(o);
		else
			cJSON_Delete(o);
	}
	queue_free(&q);
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
