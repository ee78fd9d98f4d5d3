/* query-pkg.c - finding packages (query.h): by name, the newest version of every name, by
 * search terms. */
#define _GNU_SOURCE 1
#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "pool-internal.h"
#include "query.h"
#include "xalloc.h"

void
qtm_query_pkg(struct qtm_pool *p, qtm_pkg_id id, struct qtm_pkg *out)
{
	Solvable *s = pool_id2solvable(p->pool, id);

	out->id = id;
	out->name = pool_id2str(p->pool, s->name);
	out->version = pool_id2str(p->pool, s->evr);
	out->summary = solvable_lookup_str(s, SOLVABLE_SUMMARY);
	out->source = s->repo->name;
	out->priority = s->repo->priority;
	out->installed = s->repo == p->system;
	out->held = out->installed && qtm_queue_has(&p->held, id);
}

/* The packages of q as an array owned by the caller. */
static size_t
from_queue(struct qtm_pool *p, const Queue *q, struct qtm_pkg **out)
{
	*out = xcalloc((size_t)q->count + 1, sizeof **out);
	for (int i = 0; i < q->count; i++)
		qtm_query_pkg(p, q->elements[i], &(*out)[i]);
	return (size_t)q->count;
}

size_t
qtm_query_versions(struct qtm_pool *p, const char *name, struct qtm_pkg **out)
{
	Queue q;
	size_t n;

	queue_init(&q);
	qtm_pool_by_name(p, name, &q);
	n = from_queue(p, &q, out);
	queue_free(&q);
	return n;
}

qtm_pkg_id
qtm_query_pick(struct qtm_pool *p, const char *name)
{
	Queue q;
	Id id = 0;

	queue_init(&q);
	qtm_pool_by_name(p, name, &q);
	for (int i = 0; i < q.count && id == 0; i++)
		if (qtm_pool_is_installed(p, q.elements[i]))
			id = q.elements[i];
	if (id == 0 && q.count > 0)
		id = q.elements[0];
	queue_free(&q);
	return id;
}

qtm_pkg_id
qtm_query_offered(struct qtm_pool *p, const char *name, const char *version)
{
	Id found = 0;
	Queue q;

	queue_init(&q);
	qtm_pool_by_name(p, name, &q);
	for (int i = 0; i < q.count && found == 0; i++) {
		Solvable *s = pool_id2solvable(p->pool, q.elements[i]);

		if (s->repo != p->system && strcmp(pool_id2str(p->pool, s->evr), version) == 0)
			found = q.elements[i];
	}
	queue_free(&q);
	return found;
}

/* Available packages, each version (newest_only: the newest version of each name), that match
 * says yes to (NULL: all). */
static size_t
collect(struct qtm_pool *p, bool newest_only, bool (*match)(struct qtm_pool *, Id, void *), void *arg,
    struct qtm_pkg **out)
{
	Pool *pool = p->pool;   /* FOR_POOL_SOLVABLES expects a variable named pool */
	Queue found, same;
	size_t n;
	Id id;

	queue_init(&found);
	queue_init(&same);
	FOR_POOL_SOLVABLES(id) {
		Solvable *s = pool_id2solvable(pool, id);

		if (s->repo == p->system)
			continue;
		if (newest_only) {
			qtm_pool_by_name(p, pool_id2str(pool, s->name), &same);
			if (same.count == 0 || same.elements[0] != id)
				continue;
		}
		if (match == NULL || match(p, id, arg))
			queue_push(&found, id);
	}
	n = from_queue(p, &found, out);
	queue_free(&same);
	queue_free(&found);
	return n;
}

size_t
qtm_query_available(struct qtm_pool *p, struct qtm_pkg **out)
{
	return collect(p, false, NULL, NULL, out);
}

size_t
qtm_query_newest(struct qtm_pool *p, struct qtm_pkg **out)
{
	return collect(p, true, NULL, NULL, out);
}

static bool
matches(struct qtm_pool *p, Id id, void *arg)
{
	char *const *terms = arg;
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

size_t
qtm_query_search(struct qtm_pool *p, char *const *terms, struct qtm_pkg **out)
{
	return collect(p, true, matches, (void *)terms, out);
}
