/* query-policy.c - which version of a package an install takes, and why the others do not
 * (query.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>

#include "ctx.h"
#include "i18n.h"
#include "pin.h"
#include "pool-internal.h"
#include "query.h"
#include "xalloc.h"

/* Whether a beats b (NULL: nothing yet): higher source priority, then the newer version. */
static bool
beats(struct qtm_pool *p, const struct qtm_pkg *a, const struct qtm_pkg *b)
{
	Solvable *sa = pool_id2solvable(p->pool, a->id), *sb;

	if (b == NULL)
		return true;
	sb = pool_id2solvable(p->pool, b->id);
	return sa->repo->priority > sb->repo->priority ||
	    (sa->repo->priority == sb->repo->priority && pool_evrcmp(p->pool, sa->evr, sb->evr, EVRCMP_COMPARE) > 0);
}

int
qtm_query_policy(struct qtm_pool *p, const char *name, struct qtm_policy *out)
{
	struct qtm_pkg *v;
	size_t n = qtm_query_versions(p, name, &v);
	struct qtm_candidate *best = NULL;

	memset(out, 0, sizeof *out);
	if (n == 0) {
		free(v);
		return qtm_error(p->ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), name);
	}
	out->pin = qtm_pool_pin_of(p, name);
	out->v = xcalloc(n, sizeof *out->v);
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		struct qtm_candidate *c = &out->v[i];

		c->pkg = v[i];
		c->excluded_by = qtm_pool_pinned_out(p, v[i].id);
		if (!c->pkg.installed && c->excluded_by == NULL && beats(p, &c->pkg, best != NULL ? &best->pkg : NULL))
			best = c;
	}
	if (best != NULL) {
		best->chosen = true;
		out->chosen = &best->pkg;
	}
	free(v);
	return 0;
}

void
qtm_policy_clear(struct qtm_policy *pol)
{
	free(pol->v);
	memset(pol, 0, sizeof *pol);
}
