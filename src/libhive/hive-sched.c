/* hive-sched.c - which job a claiming runner gets: priority, resource fit, host lists, and
 * within the top priority class an exact makespan plan for small candidate sets. */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "hive-sched.h"
#include "xalloc.h"

#define EPS 1e-6
/* Search nodes one decision may visit before it settles for the greedy answer: a claim must
 * stay fast even with many runners of distinct loads. */
#define NODE_BUDGET 400000

static bool
host_in(const char *host, char *const *globs)
{
	for (size_t i = 0; globs != NULL && globs[i] != NULL; i++)
		if (fnmatch(globs[i], host != NULL ? host : "", FNM_CASEFOLD) == 0)
			return true;
	return false;
}

/* Deny wins; an empty allow list allows every host. */
static bool
host_allowed(const char *host, char *const *allow, char *const *deny)
{
	if (host_in(host, deny))
		return false;
	return allow == NULL || allow[0] == NULL || host_in(host, allow);
}

bool
qtm_hive_sched_fits(const struct qtm_hive_sched_policy *p, const struct qtm_hive_sched_runner *r,
    const struct qtm_hive_sched_job *j, bool any_gpu_runner)
{
	bool gpu_ok = r->cuda && (double)r->vram_mib >= j->min_vram_gib * 1024.0;

	if (j->cpus > r->cores || j->memory_mb > r->memory_mb)
		return false;
	if (j->gpu == QTM_HIVE_GPU_REQUIRE && !gpu_ok)
		return false;
	/* A "prefer" job waits for a GPU runner during the grace period, unless none exists. */
	if (j->gpu == QTM_HIVE_GPU_PREFER && !gpu_ok && any_gpu_runner &&
	    p->now - j->pending_since < p->gpu_grace_s)
		return false;
	return host_allowed(r->host, p->allow_hosts, p->deny_hosts) && host_allowed(r->host, j->allow, j->deny);
}

struct search {
	const double *est;   /* descending */
	size_t n;
	double *load;
	size_t r;
	double best;         /* makespan search: best found; feasibility: the cap */
	long nodes;
	bool found;
};

/* Runners with equal loads are interchangeable: trying one of them is enough. */
static bool
seen_load(const double *load, size_t b)
{
	for (size_t a = 0; a < b; a++)
		if (load[a] > load[b] - EPS && load[a] < load[b] + EPS)
			return true;
	return false;
}

static void
minimise(struct search *s, size_t k, double cur)
{
	if (k == s->n) {
		if (cur < s->best - EPS)
			s->best = cur;
		return;
	}
	for (size_t b = 0; b < s->r && s->nodes < NODE_BUDGET; b++) {
		double nl = s->load[b] + s->est[k];

		if ((nl > cur ? nl : cur) >= s->best - EPS || seen_load(s->load, b))
			continue;
		s->nodes++;
		s->load[b] = nl;
		minimise(s, k + 1, nl > cur ? nl : cur);
		s->load[b] -= s->est[k];
	}
}

static void
feasible(struct search *s, size_t k)
{
	if (k == s->n) {
		s->found = true;
		return;
	}
	for (size_t b = 0; b < s->r && !s->found && s->nodes < NODE_BUDGET; b++) {
		if (s->load[b] + s->est[k] > s->best + EPS || seen_load(s->load, b))
			continue;
		s->nodes++;
		s->load[b] += s->est[k];
		feasible(s, k + 1);
		s->load[b] -= s->est[k];
	}
}

static int
cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

double
qtm_hive_sched_makespan(const double *est, size_t n, const double *load, size_t r)
{
	double sorted[QTM_HIVE_SCHED_EXACT_MAX], *l = xmalloc((r > 0 ? r : 1) * sizeof *l), cur = 0;
	struct search s = { .est = sorted, .n = n, .load = l, .r = r };

	if (r == 0) {
		free(l);
		return 0;
	}
	memcpy(sorted, est, n * sizeof *est);
	qsort(sorted, n, sizeof *sorted, cmp_desc);
	memcpy(l, load, r * sizeof *load);
	for (size_t b = 0; b < r; b++)
		cur = l[b] > cur ? l[b] : cur;
	/* Longest-first greedy gives the first bound; the search only improves on it. */
	for (size_t k = 0; k < n; k++) {
		size_t m = 0;

		for (size_t b = 1; b < r; b++)
			if (l[b] < l[m])
				m = b;
		l[m] += sorted[k];
		cur = l[m] > cur ? l[m] : cur;
	}
	s.best = cur + 2 * EPS;
	memcpy(l, load, r * sizeof *load);
	cur = 0;
	for (size_t b = 0; b < r; b++)
		cur = l[b] > cur ? l[b] : cur;
	minimise(&s, 0, cur);
	free(l);
	return s.best;
}

/* cand[] indexes jobs, sorted by estimate descending then oldest; returns the position in
 * cand of the longest job the claimant holds in some optimal plan, or -1. */
static int
exact_plan(const struct qtm_hive_sched_runner *runners, size_t n_runners, size_t claimant,
    const struct qtm_hive_sched_job *jobs, const size_t *cand, size_t n)
{
	double est[QTM_HIVE_SCHED_EXACT_MAX], rest[QTM_HIVE_SCHED_EXACT_MAX], best;
	double *load = xmalloc(n_runners * sizeof *load);
	int pick = -1;

	for (size_t i = 0; i < n; i++)
		est[i] = jobs[cand[i]].estimate_s;
	for (size_t b = 0; b < n_runners; b++)
		load[b] = b == claimant ? 0 : runners[b].busy_remaining_s;
	best = qtm_hive_sched_makespan(est, n, load, n_runners);
	for (size_t i = 0; i < n && pick < 0; i++) {
		struct search s = { .est = rest, .n = 0, .load = load, .r = n_runners, .best = best };

		if (i > 0 && est[i] > est[i - 1] - EPS)
			continue;    /* an equal, older job was tried already */
		for (size_t k = 0; k < n; k++)
			if (k != i)
				rest[s.n++] = est[k];
		load[claimant] = est[i];
		feasible(&s, 0);
		load[claimant] = 0;
		if (s.found)
			pick = (int)i;
	}
	free(load);
	return pick;
}

static int
cmp_longest(const void *a, const void *b, void *arg)
{
	const struct qtm_hive_sched_job *jobs = arg;
	const struct qtm_hive_sched_job *x = &jobs[*(const size_t *)a], *y = &jobs[*(const size_t *)b];

	if (x->estimate_s != y->estimate_s)
		return x->estimate_s < y->estimate_s ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
qtm_hive_sched_pick(const struct qtm_hive_sched_policy *p, const struct qtm_hive_sched_runner *runners,
    size_t n_runners, size_t claimant, const struct qtm_hive_sched_job *jobs, size_t n_jobs)
{
	size_t *cand = xmalloc((n_jobs > 0 ? n_jobs : 1) * sizeof *cand), n = 0;
	bool any_gpu = false;
	int top = QTM_HIVE_LOW + 1, pick = -1;

	for (size_t b = 0; b < n_runners; b++)
		any_gpu = any_gpu || runners[b].cuda;
	for (size_t i = 0; i < n_jobs; i++)
		if (qtm_hive_sched_fits(p, &runners[claimant], &jobs[i], any_gpu) && jobs[i].priority <= top) {
			if (jobs[i].priority < top)
				n = 0, top = jobs[i].priority;
			cand[n++] = i;
		}
	if (n > 0) {
		qsort_r(cand, n, sizeof *cand, cmp_longest, (void *)jobs);
		pick = n <= QTM_HIVE_SCHED_EXACT_MAX ? exact_plan(runners, n_runners, claimant, jobs, cand, n) : -1;
		pick = (int)cand[pick >= 0 ? (size_t)pick : 0];
	}
	free(cand);
	return pick;
}
