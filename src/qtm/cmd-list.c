/* cmd-list.c - qtm list [--installed|--available|--all-versions] */
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

static const struct qtm_installed *
find_installed_version(const struct qtm_installed *v, size_t n, const char *name, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 && strcmp(v[i].version, version) == 0)
			return &v[i];
	return NULL;
}

/* Whether a source (any: source NULL) offers version among vs[0..n).  An installed version
 * is listed only when no source offers it, and marked installed on the row of the source it
 * came from when that source still offers it. */
static bool
offered(const struct qtm_pkg *vs, size_t n, const char *version, const char *source)
{
	for (size_t i = 0; i < n; i++)
		if (!vs[i].installed && strcmp(vs[i].version, version) == 0 &&
		    (source == NULL || strcmp(vs[i].source, source) == 0))
			return true;
	return false;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names the sources offer and those installed, sorted, each once; the caller frees the
 * array (the strings belong to the pool and inst). */
static const char **
all_names(struct qtm_pool *p, const struct qtm_installed *inst, size_t n, size_t *count)
{
	struct qtm_pkg *newest;
	size_t nn = qtm_query_newest(p, &newest), k = 0;
	const char **names = xcalloc(nn + n + 1, sizeof *names);

	for (size_t i = 0; i < nn; i++)
		names[k++] = newest[i].name;
	for (size_t i = 0; i < n; i++)
		names[k++] = inst[i].name;
	free(newest);
	qsort(names, k, sizeof *names, cmp_names);
	*count = 0;
	for (size_t i = 0; i < k; i++)
		if (*count == 0 || strcmp(names[*count - 1], names[i]) != 0)
			names[(*count)++] = names[i];
	return names;
}

/* --all-versions: every version of each name (names sorted, versions newest first), one row
 * per source offering it; a row is marked installed when that very version is. */
static void
collect_all_versions(struct qtm_pool *p, const struct qtm_installed *inst, size_t n, cJSON *rows)
{
	size_t nn;
	const char **names = all_names(p, inst, n, &nn);

	for (size_t k = 0; k < nn; k++) {
		struct qtm_pkg *vs;
		size_t nv = qtm_query_versions(p, names[k], &vs);

		for (size_t j = 0; j < nv; j++) {
			const struct qtm_installed *i = find_installed_version(inst, n, vs[j].name, vs[j].version);

			if (vs[j].installed && offered(vs, nv, vs[j].version, NULL))
				continue;
			if (i != NULL && i->source != NULL && !vs[j].installed && strcmp(i->source, vs[j].source) != 0 &&
			    offered(vs, nv, i->version, i->source))
				i = NULL;
			add_row(rows, vs[j].name, vs[j].version, qtm_pool_kind(p, vs[j].id),
			    vs[j].summary != NULL ? vs[j].summary : "", vs[j].installed ? NULL : vs[j].source,
			    i != NULL ? i->version : NULL, i != NULL ? i->reason : NULL);
		}
		free(vs);
	}
	free(names);
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

/* with_source: a source column before the state (--all-versions; "-" for an installed version
 * that no source offers any more). */
static void
print_rows(struct qtm_ctx *ctx, const cJSON *rows, bool with_source)
{
	const cJSON *row;

	cJSON_ArrayForEach(row, rows) {
		const cJSON *inst = cJSON_GetObjectItem(row, "installed_version");
		const cJSON *reason = cJSON_GetObjectItem(row, "reason");
		const cJSON *source = cJSON_GetObjectItem(row, "source");

		printf("%s%-26s%s %-10s %-8s ", cmd_bold(ctx), qtm_term_safe(cJSON_GetObjectItem(row, "name")->valuestring),
		    cmd_reset(ctx), qtm_term_safe(cJSON_GetObjectItem(row, "version")->valuestring),
		    qtm_term_safe(cJSON_GetObjectItem(row, "kind")->valuestring));
		if (with_source)
			printf("%-12s ", source != NULL ? qtm_term_safe(source->valuestring) : "-");
		printf("%-18s %s\n",
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

/* The newest version (all: every version) of everything in the sources, marked with its
 * installed state. */
static int
list_available(struct qtm_ctx *ctx, struct qtm_db *db, bool all)
{
	struct qtm_installed *inst = NULL;
	struct qtm_pool *pool = NULL;
	cJSON *rows = cJSON_CreateArray();
	size_t n = 0;
	int rc = qtm_db_list(ctx, db, &inst, &n);

	/* every version includes those installed that no source offers any more */
	if (rc == 0)
		rc = qtm_pool_open(ctx, all ? db : NULL, QTM_POOL_SOURCES | (all ? QTM_POOL_INSTALLED : 0), &pool);
	if (rc == 0 && all) {
		collect_all_versions(pool, inst, n, rows);
	} else if (rc == 0) {
		collect_available(pool, inst, n, rows);
		sort_rows(rows);
	}
	if (rc == 0 && ctx->json) {
		cmd_print_json(rows);
		rows = NULL;
	} else if (rc == 0) {
		print_rows(ctx, rows, all);
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
		rc = which == 'i' ? list_installed(ctx, db) : list_available(ctx, db, which == 'A');
	qtm_db_close(db);
	return rc;
}
