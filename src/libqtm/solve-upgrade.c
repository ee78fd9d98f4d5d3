/* solve-upgrade.c - upgrades: the newest versions of installed packages, the replacement of a
 * name no source carries any more by a package that "replaces" it, what is kept back and why,
 * and full upgrades that remove what is in the way. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/solver.h>

#include "ctx.h"
#include "i18n.h"
#include "pin.h"
#include "solve-internal.h"
#include "xalloc.h"

/* Whether the upgrade names it (names NULL or empty: all). */
static bool
named(char *const *names, const char *name)
{
	bool all = names == NULL || names[0] == NULL;

	for (size_t j = 0; !all && names[j] != NULL; j++)
		if (strcmp(names[j], name) == 0)
			return true;
	return all;
}

/* Says which held packages an upgrade keeps back (a newer version exists). */
static void
warn_held(struct qtm_pool *p, char *const *names)
{
	Queue q;

	queue_init(&q);
	for (int i = 0; i < p->held.count; i++) {
		Solvable *s = pool_id2solvable(p->pool, p->held.elements[i]);
		const char *name = pool_id2str(p->pool, s->name);

		qtm_pool_by_name(p, name, &q);
		if (named(names, name) && q.count > 0 && pool_evrcmp(p->pool, pool_id2solvable(p->pool, q.elements[0])->evr,
		    s->evr, EVRCMP_COMPARE) > 0)
			qtm_warn(p->ctx, _("%s is held at %s and kept back (%s is available; qtm unhold %s to allow it)"),
			    name, pool_id2str(p->pool, s->evr), pool_id2str(p->pool, pool_id2solvable(p->pool, q.elements[0])->evr),
			    name);
	}
	queue_free(&q);
}

/* Says which installed packages named in an upgrade a pin keeps from a newer version the
 * sources offer. */
static void
warn_pinned(struct qtm_pool *p, char *const *names)
{
	Pool *pool = p->pool;   /* FOR_REPO_SOLVABLES expects a variable named pool */
	Solvable *s;
	Queue q;
	Id id;

	queue_init(&q);
	FOR_REPO_SOLVABLES(p->system, id, s) {
		const char *name = pool_id2str(pool, s->name);
		const struct qtm_pin *pin = qtm_pool_pin_of(p, name);
		int newest = 0;

		if (pin == NULL || !named(names, name))
			continue;
		qtm_pool_by_name(p, name, &q);
		while (newest < q.count && qtm_pool_is_installed(p, q.elements[newest]))
			newest++;
		if (newest < q.count && qtm_pool_pinned_out(p, q.elements[newest]) != NULL &&
		    pool_evrcmp(pool, pool_id2solvable(pool, q.elements[newest])->evr, s->evr, EVRCMP_COMPARE) > 0) {
			char *what = qtm_pin_describe(pin);

			qtm_warn(p->ctx, _("%s %s is available but the pin at %s:%d (%s) keeps it out"), name,
			    pool_id2str(pool, pool_id2solvable(pool, q.elements[newest])->evr), pin->origin, pin->line, what);
			free(what);
		}
	}
	queue_free(&q);
}

/* Whether a source (not what is installed) carries a package of that name. */
static bool
carried(struct qtm_pool *p, Id name)
{
	Pool *pool = p->pool;
	Id id, pp;

	FOR_PROVIDES(id, pp, name)
		if (pool_id2solvable(pool, id)->name == name && pool_id2solvable(pool, id)->repo != p->system)
			return true;
	return false;
}

/* Whether a beats b (0: nothing yet): the higher source priority, then the newer version. */
static bool
better(struct qtm_pool *p, Id a, Id b)
{
	Solvable *sa = pool_id2solvable(p->pool, a), *sb;

	if (b == 0)
		return true;
	sb = pool_id2solvable(p->pool, b);
	return sa->repo->priority > sb->repo->priority ||
	    (sa->repo->priority == sb->repo->priority && pool_evrcmp(p->pool, sa->evr, sb->evr, EVRCMP_COMPARE) > 0);
}

/* The best available package whose "replaces" matches installed package old, or 0. */
static Id
replacement_of(struct qtm_pool *p, Id old)
{
	Pool *pool = p->pool;   /* FOR_POOL_SOLVABLES expects a variable named pool */
	Id id, best = 0;

	FOR_POOL_SOLVABLES(id) {
		Solvable *s = pool_id2solvable(pool, id);
		Id *obsp, obs;

		if (s->repo == p->system || s->obsoletes == 0 || qtm_pool_pinned_out(p, id) != NULL)
			continue;
		for (obsp = s->repo->idarraydata + s->obsoletes; (obs = *obsp) != 0; obsp++)
			if (pool_match_nevr(pool, pool_id2solvable(pool, old), obs) && better(p, id, best))
				best = id;
	}
	return best;
}

/* The version the sources' policy prefers of installed package id (a pin allowing it), if newer
 * than every installed version of the name (side by side ones too), or 0. */
static Id
candidate_of(struct qtm_pool *p, Id id)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	Id best = 0, newest = id;
	Queue q;

	queue_init(&q);
	qtm_pool_by_name(p, pool_id2str(p->pool, s->name), &q);
	for (int i = 0; i < q.count; i++) {
		Id other = q.elements[i];

		if (qtm_pool_is_installed(p, other)) {
			if (pool_evrcmp(p->pool, pool_id2solvable(p->pool, other)->evr, pool_id2solvable(p->pool, newest)->evr,
			    EVRCMP_COMPARE) > 0)
				newest = other;
		} else if (qtm_pool_pinned_out(p, other) == NULL && better(p, other, best)) {
			best = other;
		}
	}
	queue_free(&q);
	if (best != 0 && pool_evrcmp(p->pool, pool_id2solvable(p->pool, best)->evr, pool_id2solvable(p->pool, newest)->evr,
	    EVRCMP_COMPARE) <= 0)
		best = 0;
	return best;
}

static bool
plan_installs_name(struct qtm_pool *p, const struct qtm_plan *plan, Id name)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].action == QTM_STEP_INSTALL && pool_id2solvable(p->pool, plan->steps[i].id)->name == name)
			return true;
	return false;
}

/* An installed package and its move (to: a newer version, or what replaces it). */
struct keep {
	Id from, to;
	bool moved;   /* by a full upgrade */
};

/* The install of a replacement says whose place it takes. */
static void
mark_replaced(struct qtm_pool *p, struct qtm_plan *plan, Id from, Id to)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].id == to && plan->steps[i].replaces == NULL &&
		    pool_id2solvable(p->pool, from)->name != pool_id2solvable(p->pool, to)->name)
			plan->steps[i].replaces = xstrdup(pool_id2str(p->pool, pool_id2solvable(p->pool, from)->name));
}

/* The upgrade's jobs: each named name (all: NULL) updated, and each installed package whose
 * name no source carries any more replaced when a package replaces it (found in *repl). */
static int
upgrade_jobs(struct qtm_pool *p, char *const *names, Queue *job, struct keep **repl, size_t *n_repl)
{
	Pool *pool = p->pool;
	Queue found;
	Solvable *s;
	Id id;
	int rc = 0;

	queue_init(&found);
	if (names == NULL || names[0] == NULL)
		queue_push2(job, SOLVER_UPDATE | SOLVER_SOLVABLE_ALL, 0);
	for (size_t i = 0; rc == 0 && names != NULL && names[i] != NULL; i++) {
		bool installed = false;

		qtm_pool_by_name(p, names[i], &found);
		for (int j = 0; j < found.count; j++)
			installed |= qtm_pool_is_installed(p, found.elements[j]);
		if (!installed)
			rc = qtm_error(p->ctx, -ENOENT, _("%s is not installed (see: qtm list --installed)"), names[i]);
		queue_push2(job, SOLVER_UPDATE | SOLVER_SOLVABLE_NAME, pool_str2id(p->pool, names[i], 1));
	}
	queue_free(&found);
	FOR_REPO_SOLVABLES(p->system, id, s) {
		Id to;

		if (rc < 0 || id == p->runtime || qtm_queue_has(&p->held, id) || !named(names, pool_id2str(pool, s->name)) ||
		    carried(p, s->name) || (to = replacement_of(p, id)) == 0)
			continue;
		*repl = xreallocarray(*repl, *n_repl + 1, sizeof **repl);
		(*repl)[(*n_repl)++] = (struct keep){ id, to, false };
	}
	return rc;
}

static void
push_replacements(Queue *job, const struct keep *repl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE, repl[i].to);
		queue_push2(job, SOLVER_ERASE | SOLVER_SOLVABLE, repl[i].from);
	}
}

static void
kept_push(struct qtm_pool *p, struct qtm_plan *plan, Id from, Id to, char *why)
{
	Solvable *s = pool_id2solvable(p->pool, from), *t = pool_id2solvable(p->pool, to);
	struct qtm_kept *k;

	plan->kept = xreallocarray(plan->kept, plan->n_kept + 1, sizeof *plan->kept);
	k = &plan->kept[plan->n_kept++];
	k->name = xstrdup(pool_id2str(p->pool, s->name));
	k->version = xstrdup(pool_id2str(p->pool, s->evr));
	k->to_name = xstrdup(pool_id2str(p->pool, t->name));
	k->to_version = xstrdup(pool_id2str(p->pool, t->evr));
	k->why = why;
}

/* Why installed package from does not move to to: what a trial that allows removals would
 * remove, or what stands in the way.  Owned by the caller. */
static char *
why_kept(struct qtm_pool *p, Id from, Id to)
{
	struct qtm_plan trial = { 0 };
	char *why = NULL, *gone = NULL;
	Queue job;

	queue_init(&job);
	queue_push2(&job, SOLVER_INSTALL | SOLVER_SOLVABLE, to);
	if (pool_id2solvable(p->pool, from)->name != pool_id2solvable(p->pool, to)->name)
		queue_push2(&job, SOLVER_ERASE | SOLVER_SOLVABLE, from);
	if (qtm_solve_jobs(p, &job, NULL, QTM_SOLVE_UNINSTALL | QTM_SOLVE_QUIET | QTM_SOLVE_NO_REPLACES, &trial, &why) == 0) {
		for (size_t i = 0; i < trial.n; i++)
			if (trial.steps[i].action == QTM_STEP_REMOVE && trial.steps[i].id != from)
				qtm_msg_add(&gone, "%s%s %s", gone != NULL ? ", " : "", trial.steps[i].name, trial.steps[i].version);
		why = gone != NULL ? xasprintf(_("it would remove %s"), gone) : xstrdup(_("the solver keeps it"));
	} else if (why != NULL) {
		/* "\n  - problem" lines, as one line */
		char *text = why + strspn(why, "\n -");
		char *line = xstrdup(text);

		for (char *c = line; *c != '\0'; c++)
			if (*c == '\n')
				*c = ' ';
		free(why);
		why = line;
	} else {
		why = xstrdup(_("the solver keeps it"));
	}
	free(gone);
	qtm_plan_free(&trial);
	queue_free(&job);
	return why;
}

/* The installed packages named in the upgrade that have a newer candidate (or a replacement)
 * the plan does not move to. */
static void
find_kept(struct qtm_pool *p, char *const *names, const struct keep *repl, size_t n_repl, bool repl_done,
    struct keep **out, size_t *n_out, const struct qtm_plan *plan)
{
	Pool *pool = p->pool;
	Solvable *s;
	Id id;

	FOR_REPO_SOLVABLES(p->system, id, s) {
		Id to = 0;

		if (id == p->runtime || qtm_queue_has(&p->held, id) || !named(names, pool_id2str(pool, s->name)))
			continue;
		for (size_t i = 0; i < n_repl; i++)
			if (repl[i].from == id)
				to = repl_done ? -1 : repl[i].to;
		if (to == 0)
			to = candidate_of(p, id);
		if (to <= 0 || plan_installs_name(p, plan, s->name) || qtm_plan_removes_id(plan, id))
			continue;
		*out = xreallocarray(*out, *n_out + 1, sizeof **out);
		(*out)[(*n_out)++] = (struct keep){ id, to, false };
	}
}

/* Solves the upgrade; with full, forces each kept-back move in turn, removing what is in the way,
 * as far as it goes.  What is left kept back goes to plan->kept. */
static int
solve_upgrade(struct qtm_pool *p, char *const *names, bool full, struct qtm_plan *plan)
{
	struct keep *repl = NULL, *kept = NULL;
	size_t n_repl = 0, n_kept = 0;
	bool repl_done = true;
	Queue job, base;
	int rc;

	memset(plan, 0, sizeof *plan);
	queue_init(&job);
	queue_init(&base);
	rc = upgrade_jobs(p, names, &base, &repl, &n_repl);
	/* Replacements first all together; when they cannot be, the upgrade goes on without them. */
	if (rc == 0) {
		queue_init_clone(&job, &base);
		push_replacements(&job, repl, n_repl);
		rc = qtm_solve_jobs(p, &job, NULL, QTM_SOLVE_NO_REPLACES | QTM_SOLVE_QUIET | (full ? QTM_SOLVE_UNINSTALL : 0), plan, NULL);
		if (rc < 0) {   /* again without them, saying why when it still fails */
			repl_done = false;
			qtm_plan_free(plan);
			queue_free(&job);
			queue_init_clone(&job, &base);
			rc = qtm_solve_jobs(p, &job, NULL, QTM_SOLVE_NO_REPLACES | (full ? QTM_SOLVE_UNINSTALL : 0), plan, NULL);
		}
		if (repl_done)
			push_replacements(&base, repl, n_repl);
	}
	if (rc == 0)
		find_kept(p, names, repl, n_repl, repl_done, &kept, &n_kept, plan);
	/* A full upgrade takes each kept-back move that can be made, removing what is in the way. */
	for (size_t i = 0; full && rc == 0 && i < n_kept; i++) {
		struct qtm_plan trial = { 0 };
		bool other = pool_id2solvable(p->pool, kept[i].from)->name != pool_id2solvable(p->pool, kept[i].to)->name;

		queue_free(&job);
		queue_init_clone(&job, &base);
		queue_push2(&job, SOLVER_INSTALL | SOLVER_SOLVABLE, kept[i].to);
		if (other)
			queue_push2(&job, SOLVER_ERASE | SOLVER_SOLVABLE, kept[i].from);
		if (qtm_solve_jobs(p, &job, NULL, QTM_SOLVE_UNINSTALL | QTM_SOLVE_QUIET | QTM_SOLVE_NO_REPLACES, &trial, NULL) == 0) {
			/* kept for the next trials */
			queue_push2(&base, SOLVER_INSTALL | SOLVER_SOLVABLE, kept[i].to);
			if (other)
				queue_push2(&base, SOLVER_ERASE | SOLVER_SOLVABLE, kept[i].from);
			qtm_plan_free(plan);
			*plan = trial;
			kept[i].moved = true;
		} else {
			qtm_plan_free(&trial);
		}
	}
	for (size_t i = 0; rc == 0 && repl_done && i < n_repl; i++)
		mark_replaced(p, plan, repl[i].from, repl[i].to);
	for (size_t i = 0; rc == 0 && i < n_kept; i++)
		if (kept[i].moved)
			mark_replaced(p, plan, kept[i].from, kept[i].to);
	for (size_t i = 0; rc == 0 && i < n_kept; i++)
		if (!kept[i].moved && !qtm_plan_removes_id(plan, kept[i].from))
			kept_push(p, plan, kept[i].from, kept[i].to, why_kept(p, kept[i].from, kept[i].to));
	if (rc == 0) {
		warn_held(p, names);
		warn_pinned(p, names);
	}
	free(repl);
	free(kept);
	queue_free(&job);
	queue_free(&base);
	return rc;
}

static int
upgrade_once(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	return solve_upgrade(p, names, false, plan);
}

static int
full_upgrade_once(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	return solve_upgrade(p, names, true, plan);
}

int
qtm_solve_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	return qtm_solve_with_older(p, names, plan, upgrade_once);
}

int
qtm_solve_full_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	return qtm_solve_with_older(p, names, plan, full_upgrade_once);
}
