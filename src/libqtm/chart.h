/* chart.h - a compact line chart as lines of text (Unicode braille dots, 2 x 4 per cell, with
 * box-drawing axes, or ASCII): what `qtm info` draws for a model's training curve.  Pure: no
 * terminal, locale or colour decision is made here (the caller passes them in opts).
 *
 * The points are the caller's and only read; the returned lines are owned by the caller
 * (strv_free). */
#ifndef QTM_CHART_H
#define QTM_CHART_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_point {
	double x, y;
};

struct qtm_chart_opts {
	int cols, rows;          /* the plot area in character cells (at least 2 x 2) */
	bool ascii;              /* '*' cells and ASCII axes, for a terminal without UTF-8 */
	const char *on, *off;    /* written around each row's plot cells (a colour), or NULL */
};

/* The chart of the points in their order (consecutive points joined by a line; points with a
 * NaN or infinite coordinate are skipped):
 *
 *   YMAX ┤<plot row>        the y axis, its maximum on the first row and minimum on the last
 *        │<plot row>
 *   YMIN ┤<plot row>
 *        └──────────
 *         XMIN   XMAX       the x range under the axis (one label when they are equal)
 *
 * One point is drawn in the middle of the plot, a flat curve on its middle row.  Every line
 * is *width display columns wide (on/off not counted; trailing blanks kept).  NULL when no
 * point is finite. */
char **qtm_chart_render(const struct qtm_point *p, size_t n, const struct qtm_chart_opts *o, int *width);

#endif
