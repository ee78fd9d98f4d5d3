/* query-policy.c - which version of a package an install takes, and why the others do not
 * (query.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/policy.h>

#include "ctx.h"
#include "i18n.h"
#include "pin.h"
#include "pool-internal.h"
#include "query.h"
#include "xalloc.h"

/* The version an install takes: libsolv's own choice (source priority, then the newest version,
 * the pruning its solver applies when it picks a provider) among the available versions the
 * pins leave to the solver; 0 when they leave none. */
static Id
candidate_of(struct qtm_pool *p, const struct qtm_candidate *v, size_t n)
{
	Queue q;
	Id best = 0;

	queue_init(&q);
	for (size_t i = 0; i < n; i++)
		if (!v[i].pkg.installed && v[i].excluded_by == NULL)
			queue_push(&q, v[i].pkg.id);
	if (q.count > 0) {
		pool_best_solvables(p->pool, &q, 0);
		best = q.elements[0];
	}
	queue_free(&q);
	return best;
}

/* Table order: newest version first; of one version, the sources by priority (highest first,
 * then in the order they are configured), the installed package last. */
static int
table_cmp(struct qtm_pool *p, const struct qtm_pkg *a, const struct qtm_pkg *b)
{
	Solvable *sa = pool_id2solvable(p->pool, a->id), *sb = pool_id2solvable(p->pool, b->id);
	int c = pool_evrcmp(p->pool, sb->evr, sa->evr, EVRCMP_COMPARE);

	if (c != 0)
		return c;
	if (a->installed != b->installed)
		return a->installed ? 1 : -1;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* A name has a handful of versions: an insertion sort keeps it short and stable. */
static void
sort_table(struct qtm_pool *p, struct qtm_candidate *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct qtm_candidate c = v[i];
		size_t j = i;

		for (; j > 0 && table_cmp(p, &v[j - 1].pkg, &c.pkg) > 0; j--)
			v[j] = v[j - 1];
		v[j] = c;
	}
}

int
qtm_query_policy(struct qtm_pool *p, const char *name, struct qtm_policy *out)
{
	struct qtm_pkg *v;
	size_t n = qtm_query_versions(p, name, &v);
	Id best;

	memset(out, 0, sizeof *out);
	if (n == 0) {
		free(v);
		return qtm_error(p->ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), name);
	}
	out->pin = qtm_pool_pin_of(p, name);
	out->v = xcalloc(n, sizeof *out->v);
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		out->v[i].pkg = v[i];
		out->v[i].excluded_by = qtm_pool_pinned_out(p, v[i].id);
		out->n_installed += v[i].installed;
	}
	free(v);
	sort_table(p, out->v, n);
	best = candidate_of(p, out->v, n);
	for (size_t i = 0; i < n; i++)
		if (best != 0 && out->v[i].pkg.id == best) {
			out->v[i].chosen = true;
			out->chosen = &out->v[i].pkg;
		}
	return 0;
}

void
qtm_policy_clear(struct qtm_policy *pol)
{
	free(pol->v);
	memset(pol, 0, sizeof *pol);
}
