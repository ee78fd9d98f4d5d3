/* solve.c - install jobs, the libsolv run, its transaction as a plan, and problem reports. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
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
#include "solve-internal.h"
#include "xalloc.h"

void
qtm_msg_add(char **msg, const char *fmt, ...)
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
			qtm_msg_add(&hint, "%s%s", hint != NULL ? ", " : "", other);
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
		qtm_msg_add(&avail, "%s%s (%s)", avail != NULL ? ", " : "", evr, s->repo->name);
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

/* The names among the providers in q (each once) into names. */
static void
provider_names(struct qtm_pool *p, const Queue *q, Queue *names)
{
	queue_empty(names);
	for (int i = 0; i < q->count; i++)
		queue_pushunique(names, pool_id2solvable(p->pool, q->elements[i])->name);
}

/* Keeps in q the providers whose name is in names. */
static void
keep_names(struct qtm_pool *p, Queue *q, const Queue *names)
{
	for (int i = q->count; i-- > 0;)
		if (!qtm_queue_has(names, pool_id2solvable(p->pool, q->elements[i])->name))
			queue_delete(q, i);
}

/* Narrows providers named several ways: installed ones first, then the names offered by the
 * sources of the highest priority. */
static void
narrow_providers(struct qtm_pool *p, Queue *q, Queue *names)
{
	Queue pick;
	int top = 0;

	queue_init(&pick);
	for (int i = 0; i < q->count; i++)
		if (qtm_pool_is_installed(p, q->elements[i]))
			queue_pushunique(&pick, pool_id2solvable(p->pool, q->elements[i])->name);
	if (pick.count == 0) {
		for (int i = 0; i < q->count; i++)
			if (pool_id2solvable(p->pool, q->elements[i])->repo->priority > top)
				top = pool_id2solvable(p->pool, q->elements[i])->repo->priority;
		for (int i = 0; i < q->count; i++)
			if (pool_id2solvable(p->pool, q->elements[i])->repo->priority == top)
				queue_pushunique(&pick, pool_id2solvable(p->pool, q->elements[i])->name);
	}
	if (pick.count > 0 && pick.count < names->count) {
		keep_names(p, q, &pick);
		provider_names(p, q, names);
	}
	queue_free(&pick);
}

/* A request for a name no package has but packages provide (a virtual name): the provider it
 * means, with a note, or an error listing them.  Pinned-out versions do not count; *chosen is
 * the provider's name (the pool's). */
static int
add_virtual_job(struct qtm_pool *p, const struct qtm_dep *dep, Queue *job, struct qtm_plan *plan,
    const char **chosen)
{
	Pool *pool = p->pool;   /* FOR_PROVIDES expects a variable named pool */
	Id d = qtm_pool_dep(p, dep), id, pp;
	Queue q, names;
	char *list = NULL;
	int rc = 0;

	queue_init(&q);
	queue_init(&names);
	FOR_PROVIDES(id, pp, d)
		if (id != p->runtime && qtm_pool_pinned_out(p, id) == NULL)
			queue_push(&q, id);
	provider_names(p, &q, &names);
	if (names.count > 1)
		narrow_providers(p, &q, &names);
	if (names.count == 0 && dep->op != QTM_DEP_ANY) {
		FOR_PROVIDES(id, pp, pool_str2id(pool, dep->name, 1))
			if (id != p->runtime)
				queue_push(&q, id);
		provider_names(p, &q, &names);
		for (int i = 0; i < names.count; i++)
			qtm_msg_add(&list, "%s%s", i > 0 ? ", " : "", pool_id2str(pool, names.elements[i]));
		rc = list != NULL ? qtm_error(p->ctx, -ENOEXEC, _("no package provides %s in that version (%s is provided by: %s)"),
		    pool_dep2str(pool, d), dep->name, list) : unknown_package(p, dep->name);
		free(list);
	} else if (names.count == 0) {
		rc = unknown_package(p, dep->name);
	} else if (names.count > 1) {
		for (int i = 0; i < names.count; i++)
			qtm_msg_add(&list, "%s%s", i > 0 ? ", " : "", pool_id2str(pool, names.elements[i]));
		rc = qtm_error(p->ctx, -ENOEXEC, _("%s is a virtual name that several packages provide: %s (name the one to install, or pin one)"),
		    dep->name, list);
		free(list);
	} else {
		*chosen = pool_id2str(pool, names.elements[0]);
		qtm_plan_note(plan, _("Note, selecting '%s' instead of '%s'"), *chosen, dep->name);
		queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_ONE_OF, pool_queuetowhatprovides(pool, &q));
	}
	queue_free(&q);
	queue_free(&names);
	return rc;
}

/* Adds the job for one spec; *chosen: the name the spec resolves to, when it is another
 * (a virtual name's provider). */
static int
add_install_job(struct qtm_pool *p, const char *spec, Queue *job, struct qtm_plan *plan, const char **chosen)
{
	struct qtm_dep dep;
	Queue found;
	Id held;
	int rc;

	if ((rc = qtm_dep_parse(p->ctx, spec, &dep)) < 0)
		return rc;
	queue_init(&found);
	qtm_pool_by_name(p, dep.name, &found);
	if (strncmp(dep.name, "runtime(", 8) == 0) {
		rc = unknown_package(p, dep.name);
	} else if (found.count == 0) {
		rc = add_virtual_job(p, &dep, job, plan, chosen);
	} else if ((held = qtm_solve_held_of(p, dep.name)) != 0 &&
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
		qtm_msg_add(msg, _("\n  - %s needs %s, which this system lacks"),
		    pool_solvid2str(pool, source), depstr);
		if (deb != NULL)
			qtm_msg_add(msg, _(": install the Debian package %s (apt-get install %s)"), deb, deb);
		return;
	}
	if (type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP) {
		qtm_msg_add(msg, _("\n  - %s requires %s, which no source provides (check the version, or add the source that has it)"),
		    pool_solvid2str(pool, source), depstr);
		return;
	}
	qtm_msg_add(msg, "\n  - %s", solver_problem2str(solv, problem));
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
		qtm_msg_add(msg, _("\n  - %s %s from %s is excluded by the pin at %s:%d (%s)"), pin->name,
		    pool_id2str(p->pool, pool_id2solvable(p->pool, source)->evr), pool_id2solvable(p->pool, source)->repo->name,
		    pin->origin, pin->line, what);
		free(what);
	}
	queue_free(&seen);
	queue_free(&rules);
}

static void
describe_solutions(struct qtm_pool *qp, Solver *solv, Id problem, char **msg)
{
	Id solution = 0, p, rp, element;
	int shown = 0;

	while ((solution = solver_next_solution(solv, problem, solution)) != 0 && shown < 3) {
		element = 0;
		qtm_msg_add(msg, _("\n    way out %d:"), ++shown);
		while ((element = solver_next_solutionelement(solv, problem, solution, element, &p, &rp)) != 0) {
			/* Dropping the lock a hold makes is releasing the hold. */
			Id at = p == SOLVER_SOLUTION_JOB ? rp + solv->pooljobcnt : 0;

			if (at > 0 && (solv->job.elements[at - 1] & SOLVER_JOBMASK) == SOLVER_LOCK &&
			    qtm_queue_has(&qp->held, solv->job.elements[at]))
				qtm_msg_add(msg, _(" release the hold: qtm unhold %s;"),
				    pool_id2str(qp->pool, pool_id2solvable(qp->pool, solv->job.elements[at])->name));
			else
				qtm_msg_add(msg, " %s;", solver_solutionelement2str(solv, p, rp));
		}
	}
}

/* Every problem, in words, with the ways out: the caller owns the text. */
static char *
problems_text(struct qtm_pool *p, Solver *solv, bool ways_out)
{
	int count = solver_problem_count(solv);
	char *msg = NULL;

	for (Id problem = 1; problem <= count; problem++) {
		describe_problem(p, solv, problem, &msg);
		describe_pins(p, solv, problem, &msg);
		if (ways_out)
			describe_solutions(p, solv, problem, &msg);
	}
	return msg;
}

static int
report_problems(struct qtm_pool *p, Solver *solv)
{
	int count = solver_problem_count(solv);
	char *msg = problems_text(p, solv, true);

	qtm_error(p->ctx, -ENOEXEC, ngettext("cannot satisfy the request (%d problem):%s",
	    "cannot satisfy the request (%d problems):%s", (unsigned long)count), count, msg != NULL ? msg : "");
	free(msg);
	return -ENOEXEC;
}

void
qtm_plan_push(struct qtm_pool *p, struct qtm_plan *plan, enum qtm_step_action action, Id id, bool manual)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	struct qtm_manifest *m = NULL;
	struct qtm_step *st;

	plan->steps = xreallocarray(plan->steps, plan->n + 1, sizeof *plan->steps);
	st = &plan->steps[plan->n++];
	memset(st, 0, sizeof *st);
	st->action = action;
	st->id = id;
	st->name = xstrdup(pool_id2str(p->pool, s->name));
	st->version = xstrdup(pool_id2str(p->pool, s->evr));
	st->kind = xstrdup(qtm_pool_manifest(p, id, &m) == 0 && m->is_dataset ? "dataset" : "model");
	st->source = xstrdup(s->repo->name);
	st->manual = manual;
	qtm_manifest_free(m);
}

void
qtm_plan_note(struct qtm_plan *plan, const char *fmt, ...)
{
	va_list ap;
	char *note;

	va_start(ap, fmt);
	note = xvasprintf(fmt, ap);
	va_end(ap);
	if (plan->notes == NULL)
		plan->notes = xcalloc(1, sizeof *plan->notes);
	plan->notes = strv_push(plan->notes, note);
	free(note);
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

static bool
plan_has(const struct qtm_plan *plan, Id id)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].id == id)
			return true;
	return false;
}

/* An install that obsoletes installed packages of other names (their "replaces"): each is
 * removed, and the install says whose place it takes. */
static void
replaced_to_plan(struct qtm_pool *p, Transaction *trans, Id id, struct qtm_plan *plan, struct qtm_plan *removes)
{
	Queue obs;

	queue_init(&obs);
	transaction_all_obs_pkgs(trans, id, &obs);
	for (int i = 0; i < obs.count; i++) {
		Solvable *old = pool_id2solvable(p->pool, obs.elements[i]);

		if (old->name == pool_id2solvable(p->pool, id)->name || plan_has(removes, obs.elements[i]))
			continue;
		if (plan->steps[plan->n - 1].replaces == NULL)
			plan->steps[plan->n - 1].replaces = xstrdup(pool_id2str(p->pool, old->name));
		qtm_plan_push(p, removes, QTM_STEP_REMOVE, obs.elements[i], false);
	}
	queue_free(&obs);
}

/* Installs in libsolv's order, then removals: a failed install leaves what it would have
 * removed in place. */
static void
transaction_to_plan(struct qtm_pool *p, Solver *solv, char *const *specs, struct qtm_plan *plan)
{
	Transaction *trans = solver_create_transaction(solv);
	struct qtm_plan removes = { 0 };

	transaction_order(trans, 0);
	for (int i = 0; i < trans->steps.count; i++) {
		Id id = trans->steps.elements[i];
		Id type = transaction_type(trans, id, SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_OBSOLETES);

		if (id == p->runtime)
			continue;
		if (type == SOLVER_TRANSACTION_ERASE) {
			if (!plan_has(&removes, id))
				qtm_plan_push(p, &removes, QTM_STEP_REMOVE, id, false);
		} else if (type != SOLVER_TRANSACTION_IGNORE && !qtm_pool_is_installed(p, id)) {
			qtm_plan_push(p, plan, QTM_STEP_INSTALL, id, requested(p, specs, id));
			if (type == SOLVER_TRANSACTION_DOWNGRADE) {
				Id old = transaction_obs_pkg(trans, id);

				if (old != 0)
					plan->steps[plan->n - 1].downgrade_from =
					    xstrdup(pool_id2str(p->pool, pool_id2solvable(p->pool, old)->evr));
			} else if (type == SOLVER_TRANSACTION_OBSOLETES) {
				replaced_to_plan(p, trans, id, plan, &removes);
			}
		}
	}
	transaction_free(trans);
	plan->steps = xreallocarray(plan->steps, plan->n + removes.n + 1, sizeof *plan->steps);
	if (removes.n > 0)   /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(plan->steps + plan->n, removes.steps, removes.n * sizeof *removes.steps);
	plan->n += removes.n;
	free(removes.steps);
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

/* libsolv takes a package that obsoletes an installed one for its update, whatever the flags:
 * an upgrade hides the "replaces" (kept as obsoletes) and asks for replacements by job.  The
 * saved offsets are owned by the caller. */
static Offset *
hide_replaces(struct qtm_pool *p)
{
	Pool *pool = p->pool;
	Offset *saved = xcalloc((size_t)pool->nsolvables + 1, sizeof *saved);

	for (Id id = 2; id < pool->nsolvables; id++) {
		Solvable *s = pool_id2solvable(pool, id);

		if (s->repo != NULL && s->repo != p->system) {
			saved[id] = s->obsoletes;
			s->obsoletes = 0;
		}
	}
	return saved;
}

static void
restore_replaces(struct qtm_pool *p, Offset *saved)
{
	for (Id id = 2; id < p->pool->nsolvables; id++)
		if (saved[id] != 0)
			pool_id2solvable(p->pool, id)->obsoletes = saved[id];
	free(saved);
}

int
qtm_solve_jobs(struct qtm_pool *p, Queue *job, char *const *specs, unsigned flags,
    struct qtm_plan *plan, char **why)
{
	Offset *saved = NULL;
	Solver *solv;
	int rc = 0;

	if (p->runtime != 0)
		queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE, p->runtime);
	for (int i = 0; i < p->held.count; i++)
		queue_push2(job, SOLVER_LOCK | SOLVER_SOLVABLE, p->held.elements[i]);
	add_multiversion(p, job, specs);
	qtm_pool_pins_apply(p);
	if ((flags & QTM_SOLVE_NO_REPLACES) != 0)
		saved = hide_replaces(p);
	solv = solver_create(p->pool);
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
	solver_set_flag(solv, SOLVER_FLAG_ALLOW_UNINSTALL, (flags & QTM_SOLVE_UNINSTALL) != 0);
	if (solver_solve(solv, job) == 0)
		transaction_to_plan(p, solv, specs, plan);
	else if ((flags & QTM_SOLVE_QUIET) == 0)
		rc = report_problems(p, solv);
	else {
		rc = -ENOEXEC;
		if (why != NULL)
			*why = problems_text(p, solv, false);
	}
	solver_free(solv);
	qtm_pool_pins_release(p);
	if (saved != NULL)
		restore_replaces(p, saved);
	return rc;
}

Id
qtm_solve_held_of(struct qtm_pool *p, const char *name)
{
	for (int i = 0; i < p->held.count; i++)
		if (strcmp(pool_id2str(p->pool, pool_id2solvable(p->pool, p->held.elements[i])->name), name) == 0)
			return p->held.elements[i];
	return 0;
}

static int
solve_install_once(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan)
{
	char **resolved;
	Queue job;
	int rc = 0;

	memset(plan, 0, sizeof *plan);
	queue_init(&job);
	/* What each spec resolves to, so that a virtual name's provider counts as requested. */
	resolved = xcalloc(1, sizeof *resolved);
	for (size_t i = 0; rc == 0 && specs[i] != NULL; i++) {
		const char *chosen = NULL;

		rc = add_install_job(p, specs[i], &job, plan, &chosen);
		resolved = strv_push(resolved, chosen != NULL ? chosen : specs[i]);
	}
	if (rc == 0)
		rc = qtm_solve_jobs(p, &job, resolved, QTM_SOLVE_UNINSTALL, plan, NULL);
	plan->requested = resolved;
	queue_free(&job);
	if (rc < 0)
		qtm_plan_free(plan);   /* a failed solve leaves the caller nothing to free */
	return rc;
}

void
qtm_plan_add_install(struct qtm_pool *p, struct qtm_plan *plan, qtm_pkg_id id, bool manual)
{
	qtm_plan_push(p, plan, QTM_STEP_INSTALL, id, manual);
}

bool
qtm_plan_removes(const struct qtm_plan *plan)
{
	return qtm_plan_removes_id(plan, 0);
}

bool
qtm_plan_removes_id(const struct qtm_plan *plan, qtm_pkg_id id)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].action == QTM_STEP_REMOVE && (id == 0 || plan->steps[i].id == id))
			return true;
	return false;
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
		free(plan->steps[i].replaces);
	}
	for (size_t i = 0; i < plan->n_kept; i++) {
		free(plan->kept[i].name);
		free(plan->kept[i].version);
		free(plan->kept[i].to_name);
		free(plan->kept[i].to_version);
		free(plan->kept[i].why);
	}
	free(plan->steps);
	free(plan->kept);
	strv_free(plan->notes);
	strv_free(plan->requested);
	memset(plan, 0, sizeof *plan);
}

int
qtm_solve_with_older(struct qtm_pool *p, char *const *args, struct qtm_plan *plan,
    int (*once)(struct qtm_pool *, char *const *, struct qtm_plan *))
{
	int rc = once(p, args, plan), more;
	bool again = rc < 0;

	if (p->n_deferred == 0)
		return rc;
	for (size_t i = 0; !again && i < plan->n; i++)
		again = plan->steps[i].action == QTM_STEP_INSTALL && qtm_pool_older_may_matter(p, plan->steps[i].name);
	if (!again)
		return rc;
	if ((more = qtm_pool_load_older(p)) <= 0)
		return more < 0 ? more : rc;
	qtm_plan_free(plan);
	return once(p, args, plan);
}

int
qtm_solve_install(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan)
{
	return qtm_solve_with_older(p, specs, plan, solve_install_once);
}
