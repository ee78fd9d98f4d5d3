/* info-curve.c - qtm info's metrics and training curve: on a terminal, the curve drawn (libqtm's
 * chart) beside the metrics listed one per line, or below them when the terminal is too
 * narrow; elsewhere the metrics as one JSON line and the curve's extent in words. */
#include "config.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "chart.h"
#include "cmd.h"
#include "ctx.h"
#include "curve.h"
#include "i18n.h"
#include "number.h"
#include "text.h"
#include "xalloc.h"

#define CHART_COLS 48
#define CHART_ROWS 8
#define GAP 4

/* COLUMNS first (what the user asks for), then the terminal's own width. */
static int
term_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	int n;

	/* A COLUMNS that is not a plain width is ignored, as if unset. */
	if (env != NULL && qtm_parse_int(env, 1, 100000, &n) == 0)
		return n;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Columns a string takes on the terminal (translated labels may hold accented letters). */
static int
display_width(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	int w = -1;

	if (n != (size_t)-1) {
		wchar_t *ws = xcalloc(n + 1, sizeof *ws);

		mbstowcs(ws, s, n + 1);
		w = wcswidth(ws, n);
		free(ws);
	}
	return w >= 0 ? w : (int)strlen(s);
}

static char *
value_text(const cJSON *v)
{
	char *text, *safe;

	if (cJSON_IsNumber(v))
		return xasprintf("%g", v->valuedouble);
	if (cJSON_IsString(v))
		return qtm_term_escape(v->valuestring);
	text = cJSON_PrintUnformatted(v);   /* cJSON's allocator is the C library's */
	safe = qtm_term_escape(text);
	free(text);
	return safe;
}

/* "metrics       NAME  VALUE", one metric a line (the label on the first only). */
static char **
metric_lines(const cJSON *metrics)
{
	const cJSON *it;
	char **lines = NULL;
	int name_w = 0;

	cJSON_ArrayForEach(it, metrics)
		if (display_width(it->string) > name_w)
			name_w = display_width(it->string);
	cJSON_ArrayForEach(it, metrics) {
		char *v = value_text(it), *line;

		line = xasprintf("%-13s %s%*s  %s", lines == NULL ? _("metrics") : "", qtm_term_safe(it->string),
		    name_w - display_width(it->string), "", v);
		lines = strv_push(lines, line);
		free(line);
		free(v);
	}
	if (lines == NULL) {
		char *line = xasprintf("%-13s {}", _("metrics"));

		lines = strv_push(lines, line);
		free(line);
	}
	return lines;
}

static void
print_side_by_side(char **left, char **right)
{
	size_t nl = strv_len(left), nr = strv_len(right);
	int lw = 0;

	for (size_t i = 0; i < nl; i++)
		if (display_width(left[i]) > lw)
			lw = display_width(left[i]);
	for (size_t i = 0; i < nl || i < nr; i++) {
		const char *l = i < nl ? left[i] : "";

		if (i < nr)
			printf("%s%*s%s\n", l, lw - display_width(l) + GAP, "", right[i]);
		else
			printf("%s\n", l);
	}
}

static char **
render(struct qtm_ctx *ctx, const struct qtm_point *p, size_t n, int cols, int *width)
{
	bool color = ctx->color && isatty(STDOUT_FILENO);
	const char *codeset = nl_langinfo(CODESET);
	struct qtm_chart_opts o = { .cols = cols, .rows = CHART_ROWS,
	    .ascii = codeset == NULL || strcmp(codeset, "UTF-8") != 0,
	    .on = color ? "\033[36m" : NULL, .off = color ? "\033[0m" : NULL };
	char **chart = qtm_chart_render(p, n, &o, width), **lines = NULL, *caption;

	caption = xasprintf("%s%s%s", cmd_bold(ctx), _("training curve (loss)"), cmd_reset(ctx));
	lines = strv_push(lines, caption);
	for (size_t i = 0; chart[i] != NULL; i++)
		lines = strv_push(lines, chart[i]);
	free(caption);
	strv_free(chart);
	return lines;
}

/* The chart beside the metrics when both fit the terminal's width, else below them. */
static void
draw(struct qtm_ctx *ctx, const cJSON *metrics, const struct qtm_point *p, size_t n)
{
	char **left = metric_lines(metrics), **chart;
	int term = term_width(), lw = 0, cw;

	for (size_t i = 0; left[i] != NULL; i++)
		if (display_width(left[i]) > lw)
			lw = display_width(left[i]);
	chart = render(ctx, p, n, CHART_COLS, &cw);
	if (lw + GAP + cw <= term) {
		print_side_by_side(left, chart);
	} else {
		/* Under the metrics' values, narrowed to the terminal (not below 16 columns of plot). */
		int labels = cw - CHART_COLS, indent = term - 14 - labels >= 16 ? 14 : 0;

		if (indent + cw > term) {
			strv_free(chart);
			chart = render(ctx, p, n, term - indent - labels >= 16 ? term - indent - labels : 16, &cw);
		}
		for (size_t i = 0; left[i] != NULL; i++)
			printf("%s\n", left[i]);
		for (size_t i = 0; chart[i] != NULL; i++)
			printf("%*s%s\n", indent, "", chart[i]);
	}
	strv_free(left);
	strv_free(chart);
}

static void
describe(const struct qtm_point *p, size_t n)
{
	char a[32], b[32];

	snprintf(a, sizeof a, "%g", p[0].x);
	snprintf(b, sizeof b, "%g", p[n - 1].x);
	printf("%-13s ", _("curve"));
	if (n == 1)
		printf(_("one point, at step %s\n"), a);
	else
		printf(_("%zu points, steps %s to %s\n"), n, a, b);
}

void
cmd_info_print_metrics(struct qtm_ctx *ctx, const cJSON *inst, bool model)
{
	const cJSON *metrics = cJSON_GetObjectItem(inst, "metrics");
	struct qtm_point *p;
	size_t n = qtm_curve_points(cJSON_GetObjectItem(inst, "curve"), &p);
	bool terminal = isatty(STDOUT_FILENO);
	char *text;

	if (n > 0 && terminal) {
		draw(ctx, metrics, p, n);
	} else {
		text = cJSON_PrintUnformatted(metrics);
		printf("%-13s %s\n", _("metrics"), text != NULL ? text : "{}");
		cJSON_free(text);
		if (n > 0)
			describe(p, n);
		else if (model)
			printf("%-13s %s\n", _("curve"), _("no recorded curve"));
	}
	free(p);
}
