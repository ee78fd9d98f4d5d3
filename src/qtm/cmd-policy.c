/* cmd-policy.c - qtm policy NAME: apt's version table (the installed versions, the candidate,
 * every version with the sources that offer it and their priorities), and which version an
 * install would take and why (the pin of the package first, if any, then source priority,
 * then the newest version; installed and held versions are shown). */
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

/* What a source line says in either JSON array: whether it is the candidate, or kept out. */
static void
add_choice(cJSON *o, const struct qtm_candidate *cand, const char *why)
{
	cJSON_AddBoolToObject(o, "candidate", cand->chosen);
	cJSON_AddBoolToObject(o, "excluded", why != NULL);
	if (why != NULL)
		cJSON_AddStringToObject(o, "excluded_because", why);
}

/* The entry of cand in the flat "candidates" array, and of its source in "sources". */
static void
candidate_json(const struct qtm_candidate *cand, const char *why, cJSON *cands, cJSON *sources)
{
	const struct qtm_pkg *pkg = &cand->pkg;
	cJSON *c = cJSON_CreateObject(), *s;

	cJSON_AddStringToObject(c, "version", pkg->version);
	cJSON_AddStringToObject(c, "source", pkg->installed ? "installed" : pkg->source);
	if (!pkg->installed)
		cJSON_AddNumberToObject(c, "priority", pkg->priority);
	cJSON_AddBoolToObject(c, "held", pkg->held);
	add_choice(c, cand, why);
	cJSON_AddItemToArray(cands, c);
	if (pkg->installed)
		return;
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "source", pkg->source);
	cJSON_AddNumberToObject(s, "priority", pkg->priority);
	add_choice(s, cand, why);
	cJSON_AddItemToArray(sources, s);
}

/* One source line of the version table: "=>" marks the candidate, as apt's priorities lead. */
static void
print_source(const struct qtm_candidate *cand, const char *why)
{
	const struct qtm_pkg *pkg = &cand->pkg;

	if (pkg->installed)
		printf("    %-2s %4s %s%s%s\n", "", "", _("(installed)"), pkg->held ? " " : "", pkg->held ? _("held") : "");
	else
		printf("    %-2s %4d %s%s%s%s\n", cand->chosen ? "=>" : "", pkg->priority, pkg->source,
		    why != NULL ? "  " : "", why != NULL ? _("excluded by the pin: ") : "", why != NULL ? why : "");
}

/* The versions of v[from..to), which are one version: its row of the table (*** when installed,
 * as apt marks it), its sources, and its entries in the JSON arrays. */
static void
show_version(struct qtm_ctx *ctx, const struct qtm_candidate *v, size_t from, size_t to, cJSON *cands, cJSON *versions)
{
	cJSON *o = cJSON_CreateObject(), *sources = cJSON_CreateArray();
	bool installed = false, chosen = false, held = false;

	for (size_t i = from; i < to; i++) {
		installed |= v[i].pkg.installed;
		chosen |= v[i].chosen;
		held |= v[i].pkg.held;
	}
	cJSON_AddStringToObject(o, "version", v[from].pkg.version);
	cJSON_AddBoolToObject(o, "installed", installed);
	cJSON_AddBoolToObject(o, "candidate", chosen);
	cJSON_AddBoolToObject(o, "held", held);
	cJSON_AddItemToObject(o, "sources", sources);
	cJSON_AddItemToArray(versions, o);
	if (!ctx->json)
		printf(" %3s %s\n", installed ? "***" : "", v[from].pkg.version);
	for (size_t i = from; i < to; i++) {
		const struct qtm_pin *out = v[i].excluded_by;
		char *why = out != NULL ? excluded_because(out, v[i].pkg.version, v[i].pkg.source) : NULL;

		candidate_json(&v[i], why, cands, sources);
		if (!ctx->json)
			print_source(&v[i], why);
		free(why);
	}
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

/* The header: the installed versions, the candidate and the pin, in text and JSON. */
static void
show_header(struct qtm_ctx *ctx, const char *name, const struct qtm_policy *pol, cJSON *o)
{
	const struct qtm_pkg *b = pol->chosen;
	const struct qtm_pin *pin = pol->pin;
	cJSON *inst = cJSON_AddArrayToObject(o, "installed"), *cand;
	char *what;

	for (size_t i = 0; i < pol->n; i++)
		if (pol->v[i].pkg.installed)
			cJSON_AddItemToArray(inst, cJSON_CreateString(pol->v[i].pkg.version));
	if (b != NULL) {
		cand = cJSON_AddObjectToObject(o, "candidate");
		cJSON_AddStringToObject(cand, "version", b->version);
		cJSON_AddStringToObject(cand, "source", b->source);
		cJSON_AddNumberToObject(cand, "priority", b->priority);
	} else {
		cJSON_AddNullToObject(o, "candidate");
	}
	if (ctx->json)
		return;
	printf("%s:\n  %s ", name, _("Installed:"));
	if (pol->n_installed == 0)
		printf("%s", _("(none)"));
	for (size_t i = 0, k = 0; i < pol->n; i++)
		if (pol->v[i].pkg.installed)
			printf("%s%s", k++ > 0 ? ", " : "", pol->v[i].pkg.version);
	printf("\n  %s %s\n", _("Candidate:"), b != NULL ? b->version : _("(none)"));
	if (pin != NULL) {
		what = qtm_pin_describe(pin);
		printf("  ");
		printf(_("Pinned to %s by %s:%d\n"), what, pin->origin, pin->line);
		free(what);
	}
	printf("  %s\n", _("Version table:"));
}

/* With one version installed and an older one than the candidate: the upgrade that takes it. */
static void
show_upgrade_hint(const char *name, const struct qtm_policy *pol)
{
	size_t chosen = pol->n, installed = pol->n;

	for (size_t i = 0; i < pol->n; i++) {
		if (pol->v[i].chosen)
			chosen = i;
		if (pol->v[i].pkg.installed && installed == pol->n)
			installed = i;
	}
	if (pol->n_installed != 1 || chosen >= installed || pol->v[installed].pkg.held ||
	    strcmp(pol->v[chosen].pkg.version, pol->v[installed].pkg.version) == 0)
		return;
	printf(_("The installed version %s is older than the candidate: qtm upgrade %s takes %s.\n"),
	    pol->v[installed].pkg.version, name, pol->v[chosen].pkg.version);
}

static void
show_policy(struct qtm_ctx *ctx, const char *name, const struct qtm_policy *pol)
{
	char *why = verdict(name, pol->pin, pol->chosen);
	cJSON *o = cJSON_CreateObject(), *cands, *versions;

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "pin", pin_json(pol->pin));
	show_header(ctx, name, pol, o);
	cands = cJSON_AddArrayToObject(o, "candidates");
	versions = cJSON_AddArrayToObject(o, "versions");
	for (size_t i = 0, j; i < pol->n; i = j) {
		for (j = i + 1; j < pol->n && strcmp(pol->v[j].pkg.version, pol->v[i].pkg.version) == 0; j++)
			;
		show_version(ctx, pol->v, i, j, cands, versions);
	}
	cJSON_AddItemToObject(o, "why", why != NULL ? cJSON_CreateString(why) : cJSON_CreateNull());
	if (!ctx->json && why != NULL)
		printf("%s\n", why);
	if (!ctx->json)
		show_upgrade_hint(name, pol);
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
