/* cmd-search.c - qtm search TERM...: packages whose name, summary or description contain every
 * term (case-insensitive). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
#include "text.h"

static int cmd_search_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_search_entry = { &qtm_verb_search, cmd_search_exec };

static int
cmd_search_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct qtm_pool *p;
	struct qtm_pkg *v;
	cJSON *rows;
	size_t n;
	int rc;

	if (argc < 2)
		return cmd_usage(&cmd_search_entry, _("give at least one search term"));
	if ((rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &p)) < 0)
		return rc;
	rows = cJSON_CreateArray();
	n = qtm_query_search(p, argv + 1, &v);
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "version", v[i].version);
		cJSON_AddStringToObject(o, "summary", v[i].summary != NULL ? v[i].summary : "");
		cJSON_AddItemToArray(rows, o);
		if (!ctx->json)
			printf("%s%-26s%s %-10s %s\n", cmd_bold(ctx), qtm_term_safe(v[i].name), cmd_reset(ctx),
			    qtm_term_safe(v[i].version), v[i].summary != NULL ? qtm_term_safe(v[i].summary) : "");
	}
	free(v);
	if (ctx->json)
		cmd_print_json(rows);
	else
		cJSON_Delete(rows);
	qtm_pool_free(p);
	return 0;
}
