/* chart.c - a line chart drawn with braille dots (see chart.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "xalloc.h"

#define LABEL_MAX 32

/* The braille bit of each dot of a cell, by dot row (0-3) and dot column (0-1). */
static const unsigned char dot_bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };

struct grid {
	unsigned char *cells;    /* rows x cols braille bit sets */
	int cols, rows;
};

static void
plot(struct grid *g, long dx, long dy)
{
	if (dx < 0 || dy < 0 || dx >= 2L * g->cols || dy >= 4L * g->rows)
		return;
	g->cells[(dy / 4) * g->cols + dx / 2] |= dot_bit[dy % 4][dx % 2];
}

/* Bresenham: every dot between two dots, so that the curve stays connected. */
static void
line(struct grid *g, long x0, long y0, long x1, long y1)
{
	long dx = labs(x1 - x0), dy = -labs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	long err = dx + dy;

	for (;;) {
		long e2 = 2 * err;

		plot(g, x0, y0);
		if (x0 == x1 && y0 == y1)
			break;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

/* v's dot on an axis of n dots from lo to hi (the middle when the range is empty). */
static long
scale(double v, double lo, double hi, long n)
{
	if (hi <= lo)
		return (n - 1) / 2;
	return lround((v - lo) / (hi - lo) * (double)(n - 1));
}

static bool
finite_point(const struct qtm_point *p)
{
	return isfinite(p->x) && isfinite(p->y);
}

static void
draw(struct grid *g, const struct qtm_point *p, size_t n, const double lo[2], const double hi[2])
{
	long px = 0, py = 0;
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		long x, y;

		if (!finite_point(&p[i]))
			continue;
		x = scale(p[i].x, lo[0], hi[0], 2L * g->cols);
		/* Dot rows count down from the top: the maximum is row 0. */
		y = 4L * g->rows - 1 - scale(p[i].y, lo[1], hi[1], 4L * g->rows);
		if (have)
			line(g, px, py, x, y);
		else
			plot(g, x, y);
		px = x, py = y, have = true;
	}
}

/* A growing line of text. */
struct text {
	char *s;
	size_t len, cap;
};

static void
put(struct text *t, const char *s)
{
	xbuf_append(&t->s, &t->len, &t->cap, s, strlen(s));
}

static void
put_n(struct text *t, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		put(t, s);
}

static void
put_cell(struct text *t, unsigned char bits, bool ascii)
{
	char utf8[4] = { (char)0xe2, (char)(0xa0 | (bits >> 6)), (char)(0x80 | (bits & 0x3f)), '\0' };

	if (bits == 0)
		put(t, " ");
	else
		put(t, ascii ? "*" : utf8);
}

static void
x_label(char *buf, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		snprintf(buf, LABEL_MAX, "%.0f", x);
	else
		snprintf(buf, LABEL_MAX, "%.4g", x);
}

/* The x range line: XMIN at the plot's left, XMAX ending at its right (or one space after XMIN
 * when the plot is too narrow for both). */
static char *
x_axis_labels(int gutter, int cols, double lo, double hi, int *len)
{
	char a[LABEL_MAX], b[LABEL_MAX];
	struct text t = { 0 };
	int la, lb;

	x_label(a, lo);
	x_label(b, hi);
	la = (int)strlen(a), lb = (int)strlen(b);
	put_n(&t, " ", gutter + 2);
	put(&t, a);
	if (strcmp(a, b) != 0) {
		put_n(&t, " ", la + 1 + lb <= cols ? cols - la - lb : 1);
		put(&t, b);
	}
	*len = (int)t.len;
	return t.s;
}

static void
bounds(const struct qtm_point *p, size_t n, double lo[2], double hi[2])
{
	lo[0] = lo[1] = INFINITY;
	hi[0] = hi[1] = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (finite_point(&p[i])) {
			lo[0] = fmin(lo[0], p[i].x), hi[0] = fmax(hi[0], p[i].x);
			lo[1] = fmin(lo[1], p[i].y), hi[1] = fmax(hi[1], p[i].y);
		}
}

/* Pads every line with blanks to the chart's width (each is ASCII-wide but for the cells
 * and axes, which count one column each). */
static void
pad(char **lines, const int *cols, int n, int width)
{
	for (int i = 0; i < n; i++)
		if (cols[i] < width) {
			struct text t = { lines[i], strlen(lines[i]), strlen(lines[i]) + 1 };

			put_n(&t, " ", width - cols[i]);
			lines[i] = t.s;
		}
}

char **
qtm_chart_render(const struct qtm_point *p, size_t n, const struct qtm_chart_opts *o, int *width)
{
	struct grid g = { NULL, o->cols < 2 ? 2 : o->cols, o->rows < 2 ? 2 : o->rows };
	char ymax[LABEL_MAX], ymin[LABEL_MAX], **lines;
	double lo[2], hi[2];
	int gutter, *cols;

	bounds(p, n, lo, hi);
	if (lo[0] > hi[0])
		return NULL;
	g.cells = xcalloc((size_t)g.rows * (size_t)g.cols, 1);
	draw(&g, p, n, lo, hi);
	snprintf(ymax, sizeof ymax, "%.4g", hi[1]);
	snprintf(ymin, sizeof ymin, "%.4g", lo[1]);
	gutter = (int)(strlen(ymax) > strlen(ymin) ? strlen(ymax) : strlen(ymin));
	lines = xcalloc((size_t)g.rows + 3, sizeof *lines);
	cols = xcalloc((size_t)g.rows + 2, sizeof *cols);
	for (int r = 0; r < g.rows; r++) {
		struct text t = { 0 };
		bool labelled = r == 0 || r == g.rows - 1;
		char head[LABEL_MAX + 8];

		snprintf(head, sizeof head, "%*s ", gutter, r == 0 ? ymax : r == g.rows - 1 ? ymin : "");
		put(&t, head);
		put(&t, o->ascii ? (labelled ? "+" : "|") : (labelled ? "\u2524" : "\u2502"));
		put(&t, o->on != NULL ? o->on : "");
		for (int c = 0; c < g.cols; c++)
			put_cell(&t, g.cells[r * g.cols + c], o->ascii);
		put(&t, o->off != NULL ? o->off : "");
		lines[r] = t.s;
		cols[r] = gutter + 2 + g.cols;
	}
	{
		struct text t = { 0 };

		put_n(&t, " ", gutter + 1);
		put(&t, o->ascii ? "+" : "\u2514");
		put_n(&t, o->ascii ? "-" : "\u2500", g.cols);
		lines[g.rows] = t.s;
		cols[g.rows] = gutter + 2 + g.cols;
	}
	lines[g.rows + 1] = x_axis_labels(gutter, g.cols, lo[0], hi[0], &cols[g.rows + 1]);
	*width = cols[g.rows + 1] > gutter + 2 + g.cols ? cols[g.rows + 1] : gutter + 2 + g.cols;
	pad(lines, cols, g.rows + 2, *width);
	free(cols);
	free(g.cells);
	return lines;
}
