/* cmd-policy.c - qtm policy NAME: every version the sources offer, and which one an install
 * would take and why (the pin of the package first, if any, then source priority, then the
 * newest version; installed and held versions are shown). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pin.h"
#include "pool-internal.h"
#include "xalloc.h"

static int cmd_policy_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_policy_entry = {
	"policy", NULL, N_("NAME"), N_("show which source and version of a package wins, and why"), cmd_policy_exec,
};

/* The candidate an install picks: of the versions the pin allows, highest source priority,
 * then the newest version. */
static Id
winner(struct qtm_pool *p, const Queue *q)
{
	Id best = 0;

	for (int i = 0; i < q->count; i++) {
		Solvable *s = pool_id2solvable(p->pool, q->elements[i]), *b;

		if (s->repo == p->system || qtm_pool_pinned_out(p, q->elements[i]) != NULL)
			continue;
		b = best != 0 ? pool_id2solvable(p->pool, best) : NULL;
		if (b == NULL || s->repo->priority > b->repo->priority ||
		    (s->repo->priority == b->repo->priority && pool_evrcmp(p->pool, s->evr, b->evr, EVRCMP_COMPARE) > 0))
			best = q->elements[i];
	}
	return best;
}

/* Why pin keeps version from source out (owned by the caller). */
static char *
excluded_because(const struct qtm_pin *pin, const char *version, const char *source)
{
	if (pin->source != NULL && strcmp(pin->source, source) != 0)
		return xasprintf(_("not from source %s"), pin->source);
	return xasprintf(_("version does not match %s"), pin->version);
}

static cJSON *
pin_json(const struct qtm_pin *pin)
{
	cJSON *o;

	if (pin == NULL)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", pin->origin);
	cJSON_AddNumberToObject(o, "line", pin->line);
	cJSON_AddItemToObject(o, "version", pin->version != NULL ? cJSON_CreateString(pin->version) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "source", pin->source != NULL ? cJSON_CreateString(pin->source) : cJSON_CreateNull());
	return o;
}

/* One line of the table and one entry of cands. */
static void
show_candidate(struct qtm_ctx *ctx, struct qtm_pool *p, Id id, Id best, cJSON *cands)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	const struct qtm_pin *out = qtm_pool_pinned_out(p, id);
	const char *version = pool_id2str(p->pool, s->evr);
	bool inst = s->repo == p->system, held = qtm_queue_has(&p->held, id);
	char *why = out != NULL ? excluded_because(out, version, s->repo->name) : NULL;
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "version", version);
	cJSON_AddStringToObject(c, "source", inst ? "installed" : s->repo->name);
	if (!inst)
		cJSON_AddNumberToObject(c, "priority", s->repo->priority);
	cJSON_AddBoolToObject(c, "candidate", id == best);
	cJSON_AddBoolToObject(c, "held", held);
	cJSON_AddBoolToObject(c, "excluded", out != NULL);
	if (why != NULL)
		cJSON_AddStringToObject(c, "excluded_because", why);
	cJSON_AddItemToArray(cands, c);
	if (!ctx->json)
		printf("%s %-10s %-16s %s%s%s\n", id == best ? "=>" : "  ", version, inst ? _("(installed)") : s->repo->name,
		    held ? _("held") : "", why != NULL ? _("excluded by the pin: ") : "", why != NULL ? why : "");
	free(why);
}

/* The verdict, in words (owned by the caller), or NULL when nothing is available. */
static char *
verdict(struct qtm_pool *p, const char *name, const struct qtm_pin *pin, Id best)
{
	Solvable *b = best != 0 ? pool_id2solvable(p->pool, best) : NULL;
	char *what, *text;

	if (b != NULL && pin == NULL)
		return xasprintf(_("An install takes %s from %s: sources of higher priority win, then newer versions."),
		    pool_id2str(p->pool, b->evr), b->repo->name);
	if (pin == NULL)
		return NULL;
	what = qtm_pin_describe(pin);
	if (b != NULL)
		text = xasprintf(_("An install takes %s from %s: of the versions the pin at %s:%d (%s) allows, "
		    "sources of higher priority win, then newer versions."), pool_id2str(p->pool, b->evr), b->repo->name,
		    pin->origin, pin->line, what);
	else
		text = xasprintf(_("The pin at %s:%d (%s) allows no available version: installing %s fails."),
		    pin->origin, pin->line, what, name);
	free(what);
	return text;
}

static void
show_policy(struct qtm_ctx *ctx, struct qtm_pool *p, const char *name, const Queue *q)
{
	const struct qtm_pin *pin = qtm_pool_pin_of(p, name);
	Id best = winner(p, q);
	char *why = verdict(p, name, pin, best), *what;
	cJSON *o = cJSON_CreateObject(), *cands;

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "pin", pin_json(pin));
	if (!ctx->json && pin != NULL) {
		what = qtm_pin_describe(pin);
		printf(_("Pinned to %s by %s:%d\n"), what, pin->origin, pin->line);
		free(what);
	}
	cands = cJSON_AddArrayToObject(o, "candidates");
	for (int i = 0; i < q->count; i++)
		show_candidate(ctx, p, q->elements[i], best, cands);
	cJSON_AddItemToObject(o, "why", why != NULL ? cJSON_CreateString(why) : cJSON_CreateNull());
	if (!ctx->json && why != NULL)
		printf("%s\n", why);
	if (ctx->json)
		cmd_print_json(o);
	else
		cJSON_Delete(o);
	free(why);
}

static int
cmd_policy_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	Queue q;
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
	if (rc == 0)
		show_policy(ctx, p, argv[1], &q);
	queue_free(&q);
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
