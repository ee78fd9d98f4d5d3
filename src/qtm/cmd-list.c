/* cmd-list.c - qtm list [--installed|--available] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
#include "text.h"
#include "xalloc.h"

static int cmd_list_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_list_entry = { &qtm_verb_list, cmd_list_exec };

static const struct qtm_installed *
find_installed(const struct qtm_installed *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* One row; inst_version and reason are NULL when the package is not installed. */
static void
add_row(cJSON *rows, const char *name, const char *version, const char *kind, const char *summary,
    const char *source, const char *inst_version, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "version", version);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "summary", summary);
	if (source != NULL)
		cJSON_AddStringToObject(o, "source", source);
	cJSON_AddBoolToObject(o, "installed", inst_version != NULL);
	if (inst_version != NULL) {
		cJSON_AddStringToObject(o, "installed_version", inst_version);
		cJSON_AddStringToObject(o, "reason", reason);
	}
	cJSON_AddItemToArray(rows, o);
}

/* Newest version of each name from the sources, marked with its installed state. */
static void
collect_available(struct qtm_pool *p, const struct qtm_installed *inst, size_t n, cJSON *rows)
{
	struct qtm_pkg *v;
	size_t nv = qtm_query_newest(p, &v);

	for (size_t k = 0; k < nv; k++) {
		const struct qtm_installed *i = find_installed(inst, n, v[k].name);

		add_row(rows, v[k].name, v[k].version, qtm_pool_kind(p, v[k].id), v[k].summary, v[k].source,
		    i != NULL ? i->version : NULL, i != NULL ? i->reason : NULL);
	}
	free(v);
}

static int
cmp_rows(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;

	return strcmp(cJSON_GetObjectItem(x, "name")->valuestring, cJSON_GetObjectItem(y, "name")->valuestring);
}

/* Sorts rows by name in place. */
static void
sort_rows(cJSON *rows)
{
	int n = cJSON_GetArraySize(rows), i = 0;
	cJSON **v = xcalloc((size_t)n + 1, sizeof *v), *it;

	cJSON_ArrayForEach(it, rows)
		v[i++] = it;
	qsort(v, (size_t)n, sizeof *v, cmp_rows);
	for (i = 0; i < n; i++)
		cJSON_DetachItemViaPointer(rows, v[i]);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(rows, v[i]);
	free(v);
}

static void
print_rows(struct qtm_ctx *ctx, const cJSON *rows)
{
	const cJSON *row;

	cJSON_ArrayForEach(row, rows) {
		const cJSON *inst = cJSON_GetObjectItem(row, "installed_version");
		const cJSON *reason = cJSON_GetObjectItem(row, "reason");

		printf("%s%-26s%s %-10s %-8s %-18s %s\n", cmd_bold(ctx), qtm_term_safe(cJSON_GetObjectItem(row, "name")->valuestring),
		    cmd_reset(ctx), qtm_term_safe(cJSON_GetObjectItem(row, "version")->valuestring),
		    qtm_term_safe(cJSON_GetObjectItem(row, "kind")->valuestring),
		    inst != NULL ? (strcmp(reason->valuestring, "auto") == 0 ? _("[installed,auto]") : _("[installed]")) : "",
		    qtm_term_safe(cJSON_GetObjectItem(row, "summary")->valuestring));
	}
}

/* --installed: the rows straight from the database, already sorted. */
struct listing {
	cJSON *rows;                    /* --json */
	const char *bold, *reset, *manual, *autom;
};

static int
listed_row(const struct qtm_listed *r, void *arg)
{
	struct listing *l = arg;
	bool manual = strcmp(r->reason, "auto") != 0;

	if (l->rows != NULL)
		add_row(l->rows, r->name, r->version, r->kind, r->summary, r->source, r->version, r->reason);
	else
		printf("%s%-26s%s %-10s %-8s %-18s %s\n", l->bold, qtm_term_safe(r->name), l->reset,
		    qtm_term_safe(r->version), qtm_term_safe(r->kind), manual ? l->manual : l->autom, qtm_term_safe(r->summary));
	return 0;
}

static int
list_installed(struct qtm_ctx *ctx, struct qtm_db *db)
{
	struct listing l = { ctx->json ? cJSON_CreateArray() : NULL, cmd_bold(ctx), cmd_reset(ctx),
	    _("[installed]"), _("[installed,auto]") };
	int rc = qtm_db_each_listed(ctx, db, listed_row, &l);

	if (rc == 0 && l.rows != NULL) {
		cmd_print_json(l.rows);
		l.rows = NULL;
	}
	cJSON_Delete(l.rows);
	return rc;
}

/* The newest version of everything in the sources, marked with its installed state. */
static int
list_available(struct qtm_ctx *ctx, struct qtm_db *db)
{
	struct qtm_installed *inst = NULL;
	struct qtm_pool *pool = NULL;
	cJSON *rows = cJSON_CreateArray();
	size_t n = 0;
	int rc = qtm_db_list(ctx, db, &inst, &n);

	if (rc == 0)
		rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &pool);
	if (rc == 0) {
		collect_available(pool, inst, n, rows);
		sort_rows(rows);
	}
	if (rc == 0 && ctx->json) {
		cmd_print_json(rows);
		rows = NULL;
	} else if (rc == 0) {
		print_rows(ctx, rows);
	}
	cJSON_Delete(rows);
	qtm_installed_free_all(inst, n);
	qtm_pool_free(pool);
	return rc;
}

static int
cmd_list_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_db *db = NULL;
	int rc, which = 0;

	for (size_t i = 0; i < a->noptions; i++)
		which = a->options[i].opt->id;
	if (a->argc > 1)
		return cmd_usage(&cmd_list_entry, _("takes no arguments"));
	rc = cmd_open_reader(ctx, &db);
	if (rc == 0)
		rc = which == 'i' ? list_installed(ctx, db) : list_available(ctx, db);
	qtm_db_close(db);
	return rc;
}
