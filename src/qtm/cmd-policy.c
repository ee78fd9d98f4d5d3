/* cmd-policy.c - qtm policy NAME: every version the sources offer, and which one an install
 * would take and why (the pin of the package first, if any, then source priority, then the
 * newest version; installed and held versions are shown). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pin.h"
#include "pool.h"
#include "query.h"
#include "xalloc.h"

static int cmd_policy_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_policy_entry = { &qtm_verb_policy, cmd_policy_exec };

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
show_candidate(struct qtm_ctx *ctx, const struct qtm_candidate *cand, cJSON *cands)
{
	const struct qtm_pkg *pkg = &cand->pkg;
	const struct qtm_pin *out = cand->excluded_by;
	char *why = out != NULL ? excluded_because(out, pkg->version, pkg->source) : NULL;
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "version", pkg->version);
	cJSON_AddStringToObject(c, "source", pkg->installed ? "installed" : pkg->source);
	if (!pkg->installed)
		cJSON_AddNumberToObject(c, "priority", pkg->priority);
	cJSON_AddBoolToObject(c, "candidate", cand->chosen);
	cJSON_AddBoolToObject(c, "held", pkg->held);
	cJSON_AddBoolToObject(c, "excluded", out != NULL);
	if (why != NULL)
		cJSON_AddStringToObject(c, "excluded_because", why);
	cJSON_AddItemToArray(cands, c);
	if (!ctx->json)
		printf("%s %-10s %-16s %s%s%s\n", cand->chosen ? "=>" : "  ", pkg->version, pkg->installed ? _("(installed)") : pkg->source,
		    pkg->held ? _("held") : "", why != NULL ? _("excluded by the pin: ") : "", why != NULL ? why : "");
	free(why);
}

/* The verdict, in words (owned by the caller), or NULL when nothing is available. */
static char *
verdict(const char *name, const struct qtm_pin *pin, const struct qtm_pkg *b)
{
	char *what, *text;

	if (b != NULL && pin == NULL)
		return xasprintf(_("An install takes %s from %s: sources of higher priority win, then newer versions."),
		    b->version, b->source);
	if (pin == NULL)
		return NULL;
	what = qtm_pin_describe(pin);
	if (b != NULL)
		text = xasprintf(_("An install takes %s from %s: of the versions the pin at %s:%d (%s) allows, "
		    "sources of higher priority win, then newer versions."), b->version, b->source,
		    pin->origin, pin->line, what);
	else
		text = xasprintf(_("The pin at %s:%d (%s) allows no available version: installing %s fails."),
		    pin->origin, pin->line, what, name);
	free(what);
	return text;
}

static void
show_policy(struct qtm_ctx *ctx, const char *name, const struct qtm_policy *pol)
{
	const struct qtm_pin *pin = pol->pin;
	char *why = verdict(name, pin, pol->chosen), *what;
	cJSON *o = cJSON_CreateObject(), *cands;

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "pin", pin_json(pin));
	if (!ctx->json && pin != NULL) {
		what = qtm_pin_describe(pin);
		printf(_("Pinned to %s by %s:%d\n"), what, pin->origin, pin->line);
		free(what);
	}
	cands = cJSON_AddArrayToObject(o, "candidates");
	for (size_t i = 0; i < pol->n; i++)
		show_candidate(ctx, &pol->v[i], cands);
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
cmd_policy_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct qtm_policy pol = { 0 };
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	int rc;

	if (argc != 2)
		return cmd_usage(&cmd_policy_entry, _("name one package"));
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED, &p);
	if (rc == 0 && (rc = qtm_query_policy(p, argv[1], &pol)) == 0)
		show_policy(ctx, argv[1], &pol);
	qtm_policy_clear(&pol);
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
