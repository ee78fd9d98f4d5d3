/* cmd-list.c - qtm list [--installed|--available] */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "xalloc.h"

static int cmd_list_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_list_entry = {
	"list", NULL, N_("[--installed|--available]"), N_("list modules and datasets"), cmd_list_exec,
};

static const struct qtm_installed *
find_installed(const struct qtm_installed *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static void
add_row(cJSON *rows, const char *name, const char *version, const char *kind, const char *summary,
    const struct qtm_installed *inst, const char *source)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "version", version);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "summary", summary);
	if (source != NULL)
		cJSON_AddStringToObject(o, "source", source);
	cJSON_AddBoolToObject(o, "installed", inst != NULL);
	if (inst != NULL) {
		cJSON_AddStringToObject(o, "installed_version", inst->version);
		cJSON_AddStringToObject(o, "reason", inst->reason);
	}
	cJSON_AddItemToArray(rows, o);
}

/* Newest version of each name from the sources, marked with its installed state. */
static void
collect_available(struct qtm_pool *p, const struct qtm_installed *inst, size_t n, cJSON *rows)
{
	Pool *pool = p->pool;
	Id id;

	FOR_POOL_SOLVABLES(id) {
		Solvable *s = pool_id2solvable(pool, id);
		const char *name = pool_id2str(pool, s->name), *json = qtm_pool_manifest_json(p, id);
		bool newest, dataset = json != NULL && strstr(json, "\"kind\":\"dataset\"") != NULL;
		Queue same;

		if (s->repo == p->system)
			continue;
		queue_init(&same);
		qtm_pool_by_name(p, name, &same);
		newest = same.count > 0 && same.elements[0] == id;
		queue_free(&same);
		if (newest)
			add_row(rows, name, pool_id2str(pool, s->evr), dataset ? "dataset" : "model",
			    solvable_lookup_str(s, SOLVABLE_SUMMARY), find_installed(inst, n, name), s->repo->name);
	}
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

		printf("%s%-26s%s %-10s %-8s %-18s %s\n", cmd_bold(ctx), cJSON_GetObjectItem(row, "name")->valuestring,
		    cmd_reset(ctx), cJSON_GetObjectItem(row, "version")->valuestring,
		    cJSON_GetObjectItem(row, "kind")->valuestring,
		    inst != NULL ? (strcmp(reason->valuestring, "auto") == 0 ? _("[installed,auto]") : _("[installed]")) : "",
		    cJSON_GetObjectItem(row, "summary")->valuestring);
	}
}

static int
cmd_list_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "installed", no_argument, NULL, 'i' },
		{ "available", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct qtm_installed *inst = NULL;
	struct qtm_pool *pool = NULL;
	struct qtm_db *db = NULL;
	cJSON *rows = cJSON_CreateArray();
	int c, rc, which = 0;
	size_t n = 0;

	while ((c = getopt_long(argc, argv, "+ia", opts, NULL)) != -1) {
		if (c != 'i' && c != 'a') {
			cJSON_Delete(rows);
			return cmd_usage(&cmd_list_entry, _("unknown option"));
		}
		which = c;
	}
	rc = cmd_open_reader(ctx, &db);
	if (rc == 0)
		rc = qtm_db_list(ctx, db, &inst, &n);
	if (rc == 0 && which != 'i')
		rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &pool);
	if (rc == 0 && which != 'i') {
		collect_available(pool, inst, n, rows);
	} else if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			cJSON *j = cJSON_Parse(inst[i].manifest);
			const cJSON *summary = cJSON_GetObjectItem(j, "summary");

			add_row(rows, inst[i].name, inst[i].version, inst[i].kind,
			    cJSON_IsString(summary) ? summary->valuestring : "", &inst[i], inst[i].source);
			cJSON_Delete(j);
		}
	}
	if (rc == 0)
		sort_rows(rows);
	if (rc == 0 && ctx->json) {
		cmd_print_json(rows);
		rows = NULL;
	} else if (rc == 0) {
		print_rows(ctx, rows);
	}
	cJSON_Delete(rows);
	qtm_installed_free_all(inst, n);
	qtm_pool_free(pool);
	qtm_db_close(db);
	return rc;
}
