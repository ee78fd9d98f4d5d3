/* metric-chamfer.c - the symmetric Chamfer distance between point sets, as qtm recomputes
 * it from a trainer's predicted and target points (qtm-module(5), "Recomputing metrics"). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "metric-calc.h"
#include "xalloc.h"

/* Rows of four values: set id, x, y, z. */
#define ROW 4

struct key {
	double x;
	size_t row;
};

struct pts {
	const double *v;   /* rows, not owned */
	struct key *idx;   /* the rows of one set, sorted by x; owned */
	size_t n;
};

static int
by_x(const void *a, const void *b)
{
	const struct key *p = a, *q = b;

	if (p->x != q->x)
		return p->x > q->x ? 1 : -1;
	return (p->row > q->row) - (p->row < q->row);
}

static double
dist2(const double *a, const double *b)
{
	double dx = a[1] - b[1], dy = a[2] - b[2], dz = a[3] - b[3];

	return dx * dx + dy * dy + dz * dz;
}

/* Squared distance from q to the nearest point of s: a sweep outwards from q's place in the
 * x order that stops once the gap in x alone exceeds the best so far (exact). */
static double
nearest2(const double *q, const struct pts *s)
{
	size_t lo = 0, hi = s->n;
	double best = INFINITY;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->idx[mid].x < q[1])
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->n; i++) {
		const double *p = s->v + s->idx[i].row * ROW;
		double gap = p[1] - q[1];

		if (gap * gap > best)
			break;
		best = fmin(best, dist2(p, q));
	}
	for (size_t i = lo; i-- > 0;) {
		const double *p = s->v + s->idx[i].row * ROW;
		double gap = q[1] - p[1];

		if (gap * gap > best)
			break;
		best = fmin(best, dist2(p, q));
	}
	return best;
}

/* The rows of v (n of them) in set id, sorted by x. */
static void
gather(const double *v, size_t n, double id, struct pts *out)
{
	out->v = v;
	out->n = 0;
	out->idx = xreallocarray(NULL, n > 0 ? n : 1, sizeof *out->idx);
	for (size_t i = 0; i < n; i++)
		if (v[i * ROW] == id)
			out->idx[out->n++] = (struct key){ v[i * ROW + 1], i };
	qsort(out->idx, out->n, sizeof *out->idx, by_x);
}

/* Mean, in row order, of the distances from the rows of a in set id to their nearest in b. */
static double
mean_nearest(const double *a, size_t n, double id, const struct pts *b, size_t count)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i * ROW] == id)
			sum += sqrt(nearest2(a + i * ROW, b));
	return sum / (double)count;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
check_rows(const double *v, size_t nv)
{
	if (nv == 0 || nv % ROW != 0)
		return -EINVAL;
	for (size_t i = 0; i < nv; i++) {
		if (!isfinite(v[i]))
			return -ERANGE;
		if (i % ROW == 0 && v[i] != floor(v[i]))
			return -EINVAL;
	}
	return 0;
}

/* The distinct set ids of the target rows, ascending; their number. */
static size_t
set_ids(const double *t, size_t rows, double **out)
{
	double *ids = xreallocarray(NULL, rows, sizeof *ids);
	size_t k = 0;

	for (size_t i = 0; i < rows; i++)
		ids[i] = t[i * ROW];
	qsort(ids, rows, sizeof *ids, cmp_double);
	for (size_t i = 0; i < rows; i++)
		if (i == 0 || ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	*out = ids;
	return k;
}

int
qtm_metric_chamfer(const double *pred, size_t np, const double *target, size_t nt, double *out)
{
	size_t pr = np / ROW, tr = nt / ROW, k;
	double *ids = NULL, sum = 0;
	int rc;

	if ((rc = check_rows(pred, np)) < 0 || (rc = check_rows(target, nt)) < 0)
		return rc;
	k = set_ids(target, tr, &ids);
	for (size_t s = 0; s < k && rc == 0; s++) {
		struct pts p, t;

		gather(pred, pr, ids[s], &p);
		gather(target, tr, ids[s], &t);
		if (p.n == 0)
			rc = -EINVAL;
		else
			sum += 0.5 * (mean_nearest(pred, pr, ids[s], &t, p.n) +
			    mean_nearest(target, tr, ids[s], &p, t.n));
		free(p.idx);
		free(t.idx);
	}
	/* a predicted set with no target set of its id */
	for (size_t i = 0; i < pr && rc == 0; i++)
		if (bsearch(&pred[i * ROW], ids, k, sizeof *ids, cmp_double) == NULL)
			rc = -EINVAL;
	free(ids);
	if (rc == 0)
		*out = sum / (double)k;
	return rc;
}
