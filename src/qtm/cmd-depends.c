/* cmd-depends.c - qtm depends NAME (what it requires, and what satisfies each requirement) and
 * qtm rdepends [--installed] NAME (what requires it). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"

static int cmd_depends_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_depends_entry = { &qtm_verb_depends, cmd_depends_exec };
const struct qtm_cmd_entry cmd_rdepends_entry = { &qtm_verb_rdepends, cmd_depends_exec };

static cJSON *
pkg_json(const struct qtm_pkg *pkg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", pkg->name);
	cJSON_AddStringToObject(o, "version", pkg->version);
	cJSON_AddBoolToObject(o, "installed", pkg->installed);
	return o;
}

static void
depends(struct qtm_ctx *ctx, struct qtm_pool *p, qtm_pkg_id id, cJSON *out)
{
	struct qtm_requirement *v;
	size_t n = qtm_query_depends(p, id, &v);

	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *by = cJSON_AddArrayToObject(o, "satisfied_by");

		cJSON_AddStringToObject(o, "requires", v[i].dep);
		if (!ctx->json)
			printf("%s\n", v[i].dep);
		for (size_t j = 0; j < v[i].n_by; j++) {
			cJSON_AddItemToArray(by, pkg_json(&v[i].by[j]));
			if (!ctx->json)
				printf("    %s %s%s\n", v[i].by[j].name, v[i].by[j].version, v[i].by[j].installed ? _(" [installed]") : "");
		}
		if (!ctx->json && v[i].n_by == 0)
			printf("    %s\n", _("(nothing provides it)"));
		cJSON_AddItemToArray(out, o);
	}
	qtm_requirements_free(v, n);
}

static void
rdepends(struct qtm_ctx *ctx, struct qtm_pool *p, qtm_pkg_id id, bool installed_only, cJSON *out)
{
	struct qtm_pkg *v;
	size_t n = qtm_query_rdepends(p, id, installed_only, &v);

	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(out, pkg_json(&v[i]));
		if (!ctx->json)
			printf("%s %s%s\n", v[i].name, v[i].version, v[i].installed ? _(" [installed]") : "");
	}
	free(v);
}

static int
cmd_depends_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	bool reverse = a->verb == &qtm_verb_rdepends, installed_only = a->noptions > 0;   /* --installed */
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	qtm_pkg_id id = 0;
	cJSON *out;
	int rc;

	if (a->argc != 2)
		return cmd_usage(reverse ? &cmd_rdepends_entry : &cmd_depends_entry, _("name one package"));
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED |
		    (reverse ? 0 : QTM_POOL_RUNTIME), &p);
	if (rc == 0 && (id = qtm_query_pick(p, a->argv[1])) == 0)
		rc = qtm_error(ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), a->argv[1]);
	if (rc == 0) {
		out = cJSON_CreateArray();
		if (!reverse)
			depends(ctx, p, id, out);
		else
			rdepends(ctx, p, id, installed_only, out);
		if (ctx->json)
			cmd_print_json(out);
		else
			cJSON_Delete(out);
	}
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
