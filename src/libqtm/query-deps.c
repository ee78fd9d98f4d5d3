/* query-deps.c - the dependency questions of query.h: what a package requires and what
 * satisfies it, what requires it, why it is installed, what nothing needs any more. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ctx.h"
#include "deps-internal.h"
#include "i18n.h"
#include "pool-internal.h"
#include "query.h"
#include "xalloc.h"

/* An available package that is also installed in the same version shows once, as installed. */
static bool
shadowed(struct qtm_pool *p, Id id)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	bool hit = false;
	Queue q;

	if (s->repo == p->system)
		return false;
	queue_init(&q);
	qtm_pool_by_name(p, pool_id2str(p->pool, s->name), &q);
	for (int i = 0; i < q.count && !hit; i++)
		hit = qtm_pool_is_installed(p, q.elements[i]) && pool_id2solvable(p->pool, q.elements[i])->evr == s->evr;
	queue_free(&q);
	return hit;
}

/* Appends package id to the array *v of *n. */
static void
push_pkg(struct qtm_pool *p, Id id, struct qtm_pkg **v, size_t *n)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	qtm_query_pkg(p, id, &(*v)[(*n)++]);
}

size_t
qtm_query_depends(struct qtm_pool *p, qtm_pkg_id id, struct qtm_requirement **out)
{
	Pool *pool = p->pool;   /* FOR_PROVIDES expects a variable named pool */
	Solvable *s = pool_id2solvable(pool, id);
	Id *reqp, req, prov, pp;
	size_t n = 0;

	*out = NULL;
	for (reqp = s->requires ? s->repo->idarraydata + s->requires : NULL; reqp != NULL && (req = *reqp) != 0; reqp++) {
		struct qtm_requirement *r;

		*out = xreallocarray(*out, n + 1, sizeof **out);
		r = &(*out)[n++];
		r->dep = xstrdup(pool_dep2str(pool, req));
		r->by = NULL;
		r->n_by = 0;
		FOR_PROVIDES(prov, pp, req)
			if (!shadowed(p, prov))
				push_pkg(p, prov, &r->by, &r->n_by);
	}
	return n;
}

void
qtm_requirements_free(struct qtm_requirement *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dep);
		free(v[i].by);
	}
	free(v);
}

size_t
qtm_query_rdepends(struct qtm_pool *p, qtm_pkg_id id, bool installed_only, struct qtm_pkg **out)
{
	size_t n = 0;
	Queue q;

	*out = NULL;
	queue_init(&q);
	qtm_deps_rdepends(p, id, installed_only, &q);
	for (int i = 0; i < q.count; i++)
		if (!shadowed(p, q.elements[i]))
			push_pkg(p, q.elements[i], out, &n);
	queue_free(&q);
	return n;
}

int
qtm_query_why(struct qtm_pool *p, struct qtm_db *db, const char *name, char **chain)
{
	Queue manual, q;
	Id id = 0;
	int rc;

	*chain = NULL;
	queue_init(&manual);
	queue_init(&q);
	if ((rc = qtm_deps_manual(p, db, &manual)) == 0) {
		qtm_pool_by_name(p, name, &q);
		for (int i = 0; i < q.count && id == 0; i++)   /* the newest installed version */
			if (qtm_pool_is_installed(p, q.elements[i]))
				id = q.elements[i];
		if (id == 0)
			rc = qtm_error(p->ctx, -ENOENT, _("%s is not installed"), name);
		else
			*chain = qtm_deps_why(p, id, &manual);
	}
	queue_free(&manual);
	queue_free(&q);
	return rc;
}

int
qtm_query_unneeded(struct qtm_pool *p, struct qtm_db *db, struct qtm_pkg **out, size_t *n)
{
	Queue manual, unneeded;
	int rc;

	*out = NULL;
	*n = 0;
	queue_init(&manual);
	queue_init(&unneeded);
	if ((rc = qtm_deps_manual(p, db, &manual)) == 0) {
		qtm_deps_unneeded(p, &manual, &unneeded);
		for (int i = 0; i < unneeded.count; i++)
			push_pkg(p, unneeded.elements[i], out, n);
	}
	queue_free(&manual);
	queue_free(&unneeded);
	return rc;
}
