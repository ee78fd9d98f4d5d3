/* solve-remove.c - removals: what is named, refused while something installed needs it, and
 * with auto-remove the dependencies only the removed packages needed; dependants go first. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "deps-internal.h"
#include "i18n.h"
#include "manifest.h"
#include "solve-internal.h"
#include "xalloc.h"

/* The installed package (not in the removal set) that needs id, or 0. */
static Id
installed_dependant(struct qtm_pool *p, Id id, const Queue *removing, Id *dep_out)
{
	Pool *pool = p->pool;
	Solvable *s;
	Id other;

	FOR_REPO_SOLVABLES(p->system, other, s) {
		Id *reqp, req;

		if (other == p->runtime || qtm_queue_has(removing, other) || s->requires == 0)
			continue;
		for (reqp = s->repo->idarraydata + s->requires; (req = *reqp) != 0; reqp++) {
			Id prov, pp, still = 0, needs = 0;

			FOR_PROVIDES(prov, pp, req) {
				if (pool_id2solvable(pool, prov)->repo != p->system)
					continue;
				if (prov == id)
					needs = 1;
				else if (!qtm_queue_has(removing, prov))
					still = 1;
			}
			if (needs && !still) {
				*dep_out = req;
				return other;
			}
		}
	}
	return 0;
}

static bool
name_in(struct qtm_pool *p, const Queue *q, const char *name)
{
	for (int i = 0; i < q->count; i++)
		if (strcmp(pool_id2str(p->pool, pool_id2solvable(p->pool, q->elements[i])->name), name) == 0)
			return true;
	return false;
}

/* A member of set that requires id (and nothing else in set or outside provides it), or 0. */
static Id
installed_dependant_in(struct qtm_pool *p, Id id, const Queue *set, Id *dep_out)
{
	Pool *pool = p->pool;

	for (int i = 0; i < set->count; i++) {
		Solvable *s = pool_id2solvable(pool, set->elements[i]);
		Id *reqp, req;

		if (s->requires == 0)
			continue;
		for (reqp = s->repo->idarraydata + s->requires; (req = *reqp) != 0; reqp++) {
			Id prov, pp;

			FOR_PROVIDES(prov, pp, req)
				if (prov == id) {
					*dep_out = req;
					return set->elements[i];
				}
		}
	}
	return 0;
}

/* What the closure over installed requirements may add: none of stop (may be NULL), and with
 * autos_only only packages installed as dependencies. */
struct admit_rule {
	const Queue *stop;
	bool autos_only;
};

static bool
admit(struct qtm_pool *p, Id id, const void *data)
{
	const struct admit_rule *rule = data;

	return (rule->stop == NULL || !qtm_queue_has(rule->stop, id)) && (!rule->autos_only || qtm_queue_has(&p->autos, id));
}

static void
requires_closure(struct qtm_pool *p, Queue *set, const Queue *stop, bool autos_only)
{
	struct admit_rule rule = { stop, autos_only };

	qtm_deps_closure(p, set, admit, &rule, NULL, NULL);
}

/* The candidates (dependencies of what is removed) that nothing staying needs; with_held, held
 * candidates stay and keep what they need. */
static void
unneeded_of(struct qtm_pool *p, const Queue *removing, const Queue *cand, bool with_held, Queue *out)
{
	Queue keep;
	Solvable *s;
	Id id;

	queue_init(&keep);
	FOR_REPO_SOLVABLES(p->system, id, s)
		if (id != p->runtime && !qtm_queue_has(removing, id) &&
		    (!qtm_queue_has(cand, id) || (with_held && qtm_queue_has(&p->held, id))))
			queue_push(&keep, id);
	requires_closure(p, &keep, removing, false);
	queue_empty(out);
	for (int i = 0; i < cand->count; i++)
		if (!qtm_queue_has(&keep, cand->elements[i]))
			queue_push(out, cand->elements[i]);
	queue_free(&keep);
}

/* Adds to removing the packages installed as dependencies that only its members needed. */
static void
add_only_needed(struct qtm_pool *p, Queue *removing, struct qtm_plan *plan)
{
	Queue reach, cand, gone;

	queue_init_clone(&reach, removing);
	queue_init(&cand);
	queue_init(&gone);
	requires_closure(p, &reach, NULL, true);
	for (int i = removing->count; i < reach.count; i++)
		queue_push(&cand, reach.elements[i]);
	unneeded_of(p, removing, &cand, false, &gone);
	for (int i = 0; i < gone.count; i++)
		if (qtm_queue_has(&p->held, gone.elements[i]))
			qtm_plan_note(plan, _("%s is no longer needed but held: kept"),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, gone.elements[i])->name));
	unneeded_of(p, removing, &cand, true, &gone);
	for (int i = 0; i < gone.count; i++)
		queue_push(removing, gone.elements[i]);
	queue_free(&reach);
	queue_free(&cand);
	queue_free(&gone);
}

int
qtm_solve_remove(struct qtm_pool *p, char *const *names, bool auto_remove, struct qtm_plan *plan)
{
	Queue removing, found;
	int rc = 0;

	memset(plan, 0, sizeof *plan);
	queue_init(&removing);
	queue_init(&found);
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++) {
		int before = removing.count;
		struct qtm_dep dep;
		bool again;

		/* NAME removes every installed version, NAME=VERSION just that one. */
		if ((rc = qtm_dep_parse(p->ctx, names[i], &dep)) < 0)
			break;
		qtm_pool_by_name(p, dep.name, &found);
		for (int j = 0; j < found.count; j++)
			if (qtm_pool_is_installed(p, found.elements[j]) && found.elements[j] != p->runtime &&
			    qtm_pool_version_ok(p, pool_id2str(p->pool, pool_id2solvable(p->pool, found.elements[j])->evr), &dep))
				queue_pushunique(&removing, found.elements[j]);
		again = name_in(p, &removing, dep.name);
		qtm_dep_clear(&dep);
		if (removing.count == before && !again)
			rc = qtm_error(p->ctx, -ENOENT, _("%s is not installed (see: qtm list --installed)"), names[i]);
		for (int j = before; rc == 0 && j < removing.count; j++)
			if (qtm_queue_has(&p->held, removing.elements[j]))
				rc = qtm_error(p->ctx, -EBUSY, _("%s is held (release it first with: qtm unhold %s)"),
				    names[i], names[i]);
	}
	for (int i = 0; rc == 0 && i < removing.count; i++) {
		Id dep = 0, by = installed_dependant(p, removing.elements[i], &removing, &dep);

		if (by != 0)
			rc = qtm_error(p->ctx, -EBUSY,
			    _("cannot remove %s: the installed %s requires it (%s); remove both with: qtm remove %s %s"),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, removing.elements[i])->name),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, by)->name), pool_dep2str(p->pool, dep),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, by)->name),
			    pool_id2str(p->pool, pool_id2solvable(p->pool, removing.elements[i])->name));
	}
	if (rc == 0 && auto_remove)
		add_only_needed(p, &removing, plan);
	/* Dependants first: take, each round, a package nothing left in the set requires. */
	while (rc == 0 && removing.count > 0) {
		int pick = removing.count - 1;

		for (int i = 0; i < removing.count; i++) {
			Id dep = 0, others;
			Queue rest;

			queue_init_clone(&rest, &removing);
			queue_delete(&rest, i);
			/* With the rest staying installed, does any of them need this one? */
			queue_empty(&found);
			others = installed_dependant_in(p, removing.elements[i], &rest, &dep);
			queue_free(&rest);
			if (others == 0) {
				pick = i;
				break;
			}
		}
		qtm_plan_push(p, plan, QTM_STEP_REMOVE, removing.elements[pick], false);
		queue_delete(&removing, pick);
	}
	queue_free(&removing);
	queue_free(&found);
	return rc;
}

