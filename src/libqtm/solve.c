/* solve.c - libsolv jobs, transactions and problem reports. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/policy.h>
#include <solv/problems.h>
#include <solv/rules.h>
#include <solv/selection.h>
#include <solv/solver.h>
#include <solv/transaction.h>

#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "pin.h"
#include "pool-internal.h"
#include "runtime.h"
#include "solve.h"
#include "xalloc.h"

/* Appends to a growing message buffer owned by the caller. */
static void
msg_add(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
msg_add(char **msg, const char *fmt, ...)
{
	va_list ap;
	char *more, *joined;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	joined = xasprintf("%s%s", *msg != NULL ? *msg : "", more);
	free(more);
	free(*msg);
	*msg = joined;
}

static int
unknown_package(struct qtm_pool *p, const char *name)
{
	Pool *pool = p->pool;
	char *hint = NULL;
	Queue seen;
	Id id;

	/* Suggest names sharing a prefix or containing the request, each once. */
	queue_init(&seen);
	FOR_POOL_SOLVABLES(id) {
		Id nameid = pool_id2solvable(pool, id)->name;
		const char *other = pool_id2str(pool, nameid);

		if (id == p->runtime || strncmp(other, "dataset-", 8) == 0 || qtm_queue_has(&seen, nameid))
			continue;
		if (strstr(other, name) != NULL || strncmp(other, name, 3) == 0) {
			queue_push(&seen, nameid);
			msg_add(&hint, "%s%s", hint != NULL ? ", " : "", other);
		}
	}
	queue_free(&seen);
	if (hint != NULL) {
		qtm_error(p->ctx, -ENOENT, _("unknown module \"%s\" (did you mean: %s?)"), name, hint);
		free(hint);
		return -ENOENT;
	}
	return qtm_error(p->ctx, -ENOENT, _("unknown module \"%s\": no source offers it (see: qtm list --available; qtm update)"),
	    name);
}

/* The held installed package named name, or 0. */
static Id
held_of(struct qtm_pool *p, const char *name)
{
	for (int i = 0; i < p->held.count; i++)
		if (strcmp(pool_id2str(p->pool, pool_id2solvable(p->pool, p->held.elements[i])->name), name) == 0)
			return p->held.elements[i];
	return 0;
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
		bool named = names == NULL || names[0] == NULL;

		for (size_t j = 0; !named && names[j] != NULL; j++)
			named = strcmp(names[j], name) == 0;
		qtm_pool_by_name(p, name, &q);
		if (named && q.count > 0 && pool_evrcmp(p->pool, pool_id2solvable(p->pool, q.elements[0])->evr,
		    s->evr, EVRCMP_COMPARE) > 0)
			qtm_warn(p->ctx, _("%s is held at %s and kept back (%s is available; qtm unhold %s to allow it)"),
			    name, pool_id2str(p->pool, s->evr), pool_id2str(p->pool, pool_id2solvable(p->pool, q.elements[0])->evr),
			    name);
	}
	queue_free(&q);
}

/* Fails, naming the pin, when dep's package is pinned and the pin excludes every available
 * version the request accepts (found: the solvables of that name). */
static int
check_pin(struct qtm_pool *p, const char *spec, const struct qtm_dep *dep, const Queue *found)
{
	const struct qtm_pin *pin = qtm_pool_pin_of(p, dep->name);
	bool allowed = false;
	char *avail = NULL, *what;
	int rc;

	for (int i = 0; pin != NULL && i < found->count; i++) {
		Solvable *s = pool_id2solvable(p->pool, found->elements[i]);
		const char *evr = pool_id2str(p->pool, s->evr);

		if (s->repo == p->system || !qtm_pool_version_ok(p, evr, dep))
			continue;
		allowed |= qtm_pool_pinned_out(p, found->elements[i]) == NULL;
		msg_add(&avail, "%s%s (%s)", avail != NULL ? ", " : "", evr, s->repo->name);
	}
	if (allowed || avail == NULL) {   /* no pin, an allowed version, or libsolv explains */
		free(avail);
		return 0;
	}
	what = qtm_pin_describe(pin);
	if (dep->op == QTM_DEP_ANY)
		rc = qtm_error(p->ctx, -ENOEXEC, _("cannot install %s: the pin at %s:%d (%s) matches no available version (available: %s)"),
		    dep->name, pin->origin, pin->line, what, avail);
	else
		rc = qtm_error(p->ctx, -ENOEXEC, _("cannot install %s: the pin at %s:%d (%s) excludes every version that matches it (available: %s)"),
		    spec, pin->origin, pin->line, what, avail);
	free(what);
	free(avail);
	return rc;
}

/* Says which installed packages named in an upgrade (all: names NULL or empty) a pin keeps from
 * a newer version the sources offer. */
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
		bool named = names == NULL || names[0] == NULL;
		int newest = 0;

		for (size_t j = 0; pin != NULL && !named && names[j] != NULL; j++)
			named = strcmp(names[j], name) == 0;
		if (pin == NULL || !named)
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

static int
add_install_job(struct qtm_pool *p, const char *spec, Queue *job)
{
	struct qtm_dep dep;
	Queue found;
	Id held;
	int rc;

	if ((rc = qtm_dep_parse(p->ctx, spec, &dep)) < 0)
		return rc;
	queue_init(&found);
	qtm_pool_by_name(p, dep.name, &found);
	if (found.count == 0 || strncmp(dep.name, "runtime(", 8) == 0) {
		rc = unknown_package(p, dep.name);
	} else if ((held = held_of(p, dep.name)) != 0 &&
	    !qtm_pool_version_ok(p, pool_id2str(p->pool, pool_id2solvable(p->pool, held)->evr), &dep)) {
		rc = qtm_error(p->ctx, -EBUSY, _("%s is held at %s (release it first with: qtm unhold %s)"), dep.name,
		    pool_id2str(p->pool, pool_id2solvable(p->pool, held)->evr), dep.name);
	} else if ((rc = check_pin(p, spec, &dep, &found)) == 0) {
		/* By name: a package that merely provides the name must not stand in for it, and
		 * a version constraint applies to the named package itself. */
		queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, qtm_pool_dep(p, &dep));
	}
	queue_free(&found);
	qtm_dep_clear(&dep);
	return rc;
}

/* A problem, in words: the rule libsolv blames, with the Debian package for a missing runtime. */
static void
describe_problem(struct qtm_pool *p, Solver *solv, Id problem, char **msg)
{
	Pool *pool = p->pool;
	Id rid = solver_findproblemrule(solv, problem), source, target, dep;
	SolverRuleinfo type = solver_ruleinfo(solv, rid, &source, &target, &dep);
	const char *depstr = dep ? pool_dep2str(pool, dep) : "";

	if (type == SOLVER_RULE_PKG_NOT_INSTALLABLE && source > 0 && qtm_pool_pinned_out(p, source) != NULL)
		return;   /* describe_pins() names the pin */
	if (type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP && strncmp(depstr, "runtime(", 8) == 0) {
		char cap[160];
		const char *deb;

		snprintf(cap, sizeof cap, "%.*s", (int)strcspn(depstr, " "), depstr);
		deb = qtm_runtime_debian_package(cap);
		msg_add(msg, _("\n  - %s needs %s, which this system lacks"),
		    pool_solvid2str(pool, source), depstr);
		if (deb != NULL)
			msg_add(msg, _(": install the Debian package %s (apt-get install %s)"), deb, deb);
		return;
	}
	if (type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP) {
		msg_add(msg, _("\n  - %s requires %s, which no source provides (check the version, or add the source that has it)"),
		    pool_solvid2str(pool, source), depstr);
		return;
	}
	msg_add(msg, "\n  - %s", solver_problem2str(solv, problem));
}

/* Names the pins behind a problem: the versions it involves that a pin keeps out. */
static void
describe_pins(struct qtm_pool *p, Solver *solv, Id problem, char **msg)
{
	Queue rules, seen;

	queue_init(&rules);
	queue_init(&seen);
	solver_findallproblemrules(solv, problem, &rules);
	for (int i = 0; i < rules.count; i++) {
		Id source, target, dep;
		const struct qtm_pin *pin;
		char *what;

		if (solver_ruleinfo(solv, rules.elements[i], &source, &target, &dep) != SOLVER_RULE_PKG_NOT_INSTALLABLE ||
		    source <= 0 || qtm_queue_has(&seen, source) || (pin = qtm_pool_pinned_out(p, source)) == NULL)
			continue;
		queue_push(&seen, source);
		what = qtm_pin_describe(pin);
		msg_add(msg, _("\n  - %s %s from %s is excluded by the pin at %s:%d (%s)"), pin->name,
		    pool_id2str(p->pool, pool_id2solvable(p->pool, source)->evr), pool_id2solvable(p->pool, source)->repo->name,
		    pin->origin, pin->line, what);
		free(what);
	}
	queue_free(&seen);
	queue_free(&rules);
}

static void
describe_solutions(Solver *solv, Id problem, char **msg)
{
	Id solution = 0, p, rp, element;
	int shown = 0;

	while ((solution = solver_next_solution(solv, problem, solution)) != 0 && shown < 3) {
		element = 0;
		msg_add(msg, _("\n    way out %d:"), ++shown);
		while ((element = solver_next_solutionelement(solv, problem, solution, element, &p, &rp)) != 0)
			msg_add(msg, " %s;", solver_solutionelement2str(solv, p, rp));
	}
}

static int
report_problems(struct qtm_pool *p, Solver *solv)
{
	int count = solver_problem_count(solv);
	char *msg = NULL;

	for (Id problem = 1; problem <= count; problem++) {
		describe_problem(p, solv, problem, &msg);
		describe_pins(p, solv, problem, &msg);
		describe_solutions(solv, problem, &msg);
	}
	qtm_error(p->ctx, -ENOEXEC, ngettext("cannot satisfy the request (%d problem):%s",
	    "cannot satisfy the request (%d problems):%s", (unsigned long)count), count, msg != NULL ? msg : "");
	free(msg);
	return -ENOEXEC;
}

static void
plan_push(struct qtm_pool *p, struct qtm_plan *plan, enum qtm_step_action action, Id id, bool manual)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	struct qtm_manifest *m = NULL;
	struct qtm_step *st;

	plan->steps = xreallocarray(plan->steps, plan->n + 1, sizeof *plan->steps);
	st = &plan->steps[plan->n++];
	st->action = action;
	st->id = id;
	st->name = xstrdup(pool_id2str(p->pool, s->name));
	st->version = xstrdup(pool_id2str(p->pool, s->evr));
	st->kind = xstrdup(qtm_pool_manifest(p, id, &m) == 0 && m->is_dataset ? "dataset" : "model");
	st->source = xstrdup(s->repo->name);
	st->manual = manual;
	st->downgrade_from = NULL;
	qtm_manifest_free(m);
}

static bool
requested(struct qtm_pool *p, char *const *specs, Id id)
{
	const char *name = pool_id2str(p->pool, pool_id2solvable(p->pool, id)->name);
	size_t n = strlen(name);

	for (size_t i = 0; specs != NULL && specs[i] != NULL; i++)
		if (strncmp(specs[i], name, n) == 0 && strchr(" <>=", specs[i][n]) != NULL)
			return true;
	return false;
}

static void
transaction_to_plan(struct qtm_pool *p, Solver *solv, char *const *specs, struct qtm_plan *plan)
{
	Transaction *trans = solver_create_transaction(solv);

	transaction_order(trans, 0);
	for (int i = 0; i < trans->steps.count; i++) {
		Id id = trans->steps.elements[i];
		Id type = transaction_type(trans, id, SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_OBSOLETES);

		if (id == p->runtime)
			continue;
		if (type == SOLVER_TRANSACTION_ERASE)
			plan_push(p, plan, QTM_STEP_REMOVE, id, false);
		else if (type != SOLVER_TRANSACTION_IGNORE && !qtm_pool_is_installed(p, id)) {
			plan_push(p, plan, QTM_STEP_INSTALL, id, requested(p, specs, id));
			if (type == SOLVER_TRANSACTION_DOWNGRADE) {
				Id old = transaction_obs_pkg(trans, id);

				if (old != 0)
					plan->steps[plan->n - 1].downgrade_from =
					    xstrdup(pool_id2str(p->pool, pool_id2solvable(p->pool, old)->evr));
			}
		}
	}
	transaction_free(trans);
}

/* Names installed in several versions (or asked for with --keep) may stay so. */
static void
add_multiversion(struct qtm_pool *p, Queue *job, char *const *specs)
{
	Pool *pool = p->pool;
	Queue names;
	Solvable *s;
	Id id;

	queue_init(&names);
	FOR_REPO_SOLVABLES(p->system, id, s) {
		Id other;
		Solvable *o;

		FOR_REPO_SOLVABLES(p->system, other, o)
			if (other != id && o->name == s->name && !qtm_queue_has(&names, s->name))
				queue_push(&names, s->name);
	}
	for (size_t i = 0; p->keep && specs != NULL && specs[i] != NULL; i++) {
		char *name = xstrndup(specs[i], strcspn(specs[i], " <>="));

		queue_pushunique(&names, pool_str2id(pool, name, 1));
		free(name);
	}
	for (int i = 0; i < names.count; i++)
		queue_push2(job, SOLVER_MULTIVERSION | SOLVER_SOLVABLE_NAME, names.elements[i]);
	queue_free(&names);
}

/* Adds the locks every job list carries (the runtime, held packages), keeps pinned-out versions
 * out, solves, and turns the transaction into plan; specs (may be NULL) mark which installs were
 * asked for by name. */
static int
solve(struct qtm_pool *p, Queue *job, char *const *specs, struct qtm_plan *plan)
{
	Solver *solv;
	int rc = 0;

	if (p->runtime != 0)
		queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE, p->runtime);
	for (int i = 0; i < p->held.count; i++)
		queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE, p->held.elements[i]);
	add_multiversion(p, job, specs);
	qtm_pool_pins_apply(p);
	solv = solver_create(p->pool);
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
	if (solver_solve(solv, job) != 0)
		rc = report_problems(p, solv);
	else
		transaction_to_plan(p, solv, specs, plan);
	solver_free(solv);
	qtm_pool_pins_release(p);
	return rc;
}

static int
solve_install_once(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan)
{
	Queue job;
	int rc = 0;

	memset(plan, 0, sizeof *plan);
	queue_init(&job);
	for (size_t i = 0; rc == 0 && specs[i] != NULL; i++)
		rc = add_install_job(p, specs[i], &job);
	if (rc == 0)
		rc = solve(p, &job, specs, plan);
	queue_free(&job);
	return rc;
}

static int
solve_upgrade_once(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	Queue job, found;
	int rc = 0;

	memset(plan, 0, sizeof *plan);
	queue_init(&job);
	queue_init(&found);
	if (names == NULL || names[0] == NULL)
		queue_push2(&job, SOLVER_UPDATE | SOLVER_SOLVABLE_ALL, 0);
	for (size_t i = 0; rc == 0 && names != NULL && names[i] != NULL; i++) {
		bool installed = false;

		qtm_pool_by_name(p, names[i], &found);
		for (int j = 0; j < found.count; j++)
			installed |= qtm_pool_is_installed(p, found.elements[j]);
		if (!installed)
			rc = qtm_error(p->ctx, -ENOENT, _("%s is not installed (see: qtm list --installed)"), names[i]);
		queue_push2(&job, SOLVER_UPDATE | SOLVER_SOLVABLE_NAME, pool_str2id(p->pool, names[i], 1));
	}
	if (rc == 0)
		rc = solve(p, &job, NULL, plan);
	if (rc == 0)
		warn_held(p, names);
	if (rc == 0)
		warn_pinned(p, names);
	queue_free(&job);
	queue_free(&found);
	return rc;
}

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

int
qtm_solve_remove(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
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
		plan_push(p, plan, QTM_STEP_REMOVE, removing.elements[pick], false);
		queue_delete(&removing, pick);
	}
	queue_free(&removing);
	queue_free(&found);
	return rc;
}

void
qtm_plan_add_install(struct qtm_pool *p, struct qtm_plan *plan, qtm_pkg_id id, bool manual)
{
	plan_push(p, plan, QTM_STEP_INSTALL, id, manual);
}

void
qtm_plan_free(struct qtm_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->steps[i].name);
		free(plan->steps[i].version);
		free(plan->steps[i].kind);
		free(plan->steps[i].source);
		free(plan->steps[i].downgrade_from);
	}
	free(plan->steps);
	memset(plan, 0, sizeof *plan);
}

/* A pool opened with only the newest versions (QTM_POOL_NEWEST) solves again with every
 * version when the newest ones cannot serve: an older version asked for, pinned or required. */
static int
solve_with_older(struct qtm_pool *p, char *const *args, struct qtm_plan *plan,
    int (*once)(struct qtm_pool *, char *const *, struct qtm_plan *))
{
	int rc = once(p, args, plan), more;

	if (rc >= 0 || p->n_deferred == 0)
		return rc;
	if ((more = qtm_pool_load_older(p)) <= 0)
		return more < 0 ? more : rc;
	qtm_plan_free(plan);
	return once(p, args, plan);
}

int
qtm_solve_install(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan)
{
	return solve_with_older(p, specs, plan, solve_install_once);
}

int
qtm_solve_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan)
{
	return solve_with_older(p, names, plan, solve_upgrade_once);
}
