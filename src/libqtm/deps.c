/* deps.c - walking the requires graph of installed and available packages. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "ctx.h"
#include "db.h"
#include "deps-internal.h"
#include "i18n.h"
#include "pool-internal.h"
#include "xalloc.h"

void
qtm_deps_installed_providers(struct qtm_pool *p, Id dep, Queue *out)
{
	Pool *pool = p->pool;
	Id prov, pp;

	queue_empty(out);
	FOR_PROVIDES(prov, pp, dep)
		if (pool_id2solvable(pool, prov)->repo == p->system && prov != p->runtime)
			queue_push(out, prov);
}

void
qtm_deps_rdepends(struct qtm_pool *p, Id id, bool installed_only, Queue *out)
{
	Pool *pool = p->pool;
	Id other;

	queue_empty(out);
	FOR_POOL_SOLVABLES(other) {
		Solvable *s = pool_id2solvable(pool, other);
		Id *reqp, req;

		if (other == p->runtime || s->requires == 0 || (installed_only && s->repo != p->system))
			continue;
		for (reqp = s->repo->idarraydata + s->requires; (req = *reqp) != 0; reqp++) {
			Id prov, pp;
			bool hit = false;

			FOR_PROVIDES(prov, pp, req)
				hit |= prov == id;
			if (hit) {
				queue_push(out, other);
				break;
			}
		}
	}
}

void
qtm_deps_closure(struct qtm_pool *p, Queue *set, bool (*admit)(struct qtm_pool *p, Id id, const void *data),
    const void *data, Queue *parent, Queue *via)
{
	Pool *pool = p->pool;
	Queue provs;

	queue_init(&provs);
	for (int i = 0; i < set->count; i++) {
		Solvable *s = pool_id2solvable(pool, set->elements[i]);
		Id *reqp, req;

		if (s->requires == 0)
			continue;
		for (reqp = s->repo->idarraydata + s->requires; (req = *reqp) != 0; reqp++) {
			qtm_deps_installed_providers(p, req, &provs);
			for (int j = 0; j < provs.count; j++)
				if (!qtm_queue_has(set, provs.elements[j]) && (admit == NULL || admit(p, provs.elements[j], data))) {
					queue_push(set, provs.elements[j]);
					if (parent != NULL)
						queue_push(parent, set->elements[i]);
					if (via != NULL)
						queue_push(via, req);
				}
		}
	}
	queue_free(&provs);
}

/* Breadth-first from the manual packages over installed requirements; parent[i] and via[i]
 * record how each reached package was reached. */
static void
walk(struct qtm_pool *p, const Queue *manual, Queue *seen, Queue *parent, Queue *via)
{
	for (int i = 0; i < manual->count; i++)
		queue_push(seen, manual->elements[i]), queue_push(parent, 0), queue_push(via, 0);
	qtm_deps_closure(p, seen, NULL, NULL, parent, via);
}

char *
qtm_deps_why(struct qtm_pool *p, Id id, const Queue *manual)
{
	Pool *pool = p->pool;
	Queue seen, parent, via;
	char *text = NULL;
	int at = -1;

	queue_init(&seen);
	queue_init(&parent);
	queue_init(&via);
	walk(p, manual, &seen, &parent, &via);
	for (int i = 0; i < seen.count; i++)
		if (seen.elements[i] == id)
			at = i;
	while (at >= 0) {
		Id cur = seen.elements[at], up = parent.elements[at];
		char *line = up == 0
		    ? xasprintf(_("%s %s was installed on request"), pool_id2str(pool, pool_id2solvable(pool, cur)->name),
			pool_id2str(pool, pool_id2solvable(pool, cur)->evr))
		    : xasprintf(_("%s requires %s"), pool_id2str(pool, pool_id2solvable(pool, up)->name),
			pool_dep2str(pool, via.elements[at]));
		char *joined = xasprintf("%s%s%s", line, text != NULL ? "\n" : "", text != NULL ? text : "");

		free(line);
		free(text);
		text = joined;
		at = -1;
		for (int i = 0; up != 0 && i < seen.count; i++)
			if (seen.elements[i] == up)
				at = i;
	}
	queue_free(&seen);
	queue_free(&parent);
	queue_free(&via);
	return text;
}

void
qtm_deps_unneeded(struct qtm_pool *p, const Queue *manual, Queue *out)
{
	Queue seen, parent, via;
	Solvable *s;
	Id id;

	queue_init(&seen);
	queue_init(&parent);
	queue_init(&via);
	walk(p, manual, &seen, &parent, &via);
	queue_empty(out);
	FOR_REPO_SOLVABLES(p->system, id, s)
		if (id != p->runtime && !qtm_queue_has(&seen, id))
			queue_push(out, id);
	queue_free(&seen);
	queue_free(&parent);
	queue_free(&via);
}

int
qtm_deps_manual(struct qtm_pool *p, struct qtm_db *db, Queue *out)
{
	struct qtm_installed *v;
	Queue same;
	size_t n;
	int rc = qtm_db_list(p->ctx, db, &v, &n);

	if (rc < 0)
		return rc;
	queue_init(&same);
	queue_empty(out);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].reason, "manual") != 0)
			continue;
		qtm_pool_by_name(p, v[i].name, &same);
		for (int j = 0; j < same.count; j++)
			if (qtm_pool_is_installed(p, same.elements[j]))
				queue_push(out, same.elements[j]);
	}
	queue_free(&same);
	qtm_installed_free_all(v, n);
	return 0;
}
