/* cmd-search.c - qtm search TERM...: packages whose name, summary or description contain every
 * term (case-insensitive). */
#define _GNU_SOURCE 1
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "pool-internal.h"
#include "text.h"

static int cmd_search_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_search_entry = {
	"search", NULL, N_("TERM..."), N_("find packages by name, summary or description"), cmd_search_exec,
};

static bool
matches(struct qtm_pool *p, Id id, char **terms)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	const char *name = pool_id2str(p->pool, s->name), *summary = solvable_lookup_str(s, SOLVABLE_SUMMARY);
	cJSON *m = cJSON_Parse(qtm_pool_manifest_json(p, id));
	const cJSON *desc = cJSON_GetObjectItem(m, "description");
	bool all = true;

	for (size_t i = 0; all && terms[i] != NULL; i++)
		all = strcasestr(name, terms[i]) != NULL || (summary != NULL && strcasestr(summary, terms[i]) != NULL) ||
		    (cJSON_IsString(desc) && strcasestr(desc->valuestring, terms[i]) != NULL);
	cJSON_Delete(m);
	return all;
}

static int
cmd_search_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	struct qtm_pool *p;
	cJSON *rows;
	Queue same;
	Pool *pool;
	Id id;
	int rc;

	if (argc < 2)
		return cmd_usage(&cmd_search_entry, _("give at least one search term"));
	if ((rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &p)) < 0)
		return rc;
	pool = p->pool;
	rows = cJSON_CreateArray();
	queue_init(&same);
	FOR_POOL_SOLVABLES(id) {
		Solvable *s = pool_id2solvable(pool, id);
		const char *summary;
		cJSON *o;

		qtm_pool_by_name(p, pool_id2str(pool, s->name), &same);
		if (s->repo == p->system || same.elements[0] != id || !matches(p, id, argv + 1))
			continue;   /* the newest version of each name, once */
		summary = solvable_lookup_str(s, SOLVABLE_SUMMARY);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", pool_id2str(pool, s->name));
		cJSON_AddStringToObject(o, "version", pool_id2str(pool, s->evr));
		cJSON_AddStringToObject(o, "summary", summary != NULL ? summary : "");
		cJSON_AddItemToArray(rows, o);
		if (!ctx->json)
			printf("%s%-26s%s %-10s %s\n", cmd_bold(ctx), qtm_term_safe(pool_id2str(pool, s->name)), cmd_reset(ctx),
			    qtm_term_safe(pool_id2str(pool, s->evr)), summary != NULL ? qtm_term_safe(summary) : "");
	}
	queue_free(&same);
	if (ctx->json)
		cmd_print_json(rows);
	else
		cJSON_Delete(rows);
	qtm_pool_free(p);
	return 0;
}
