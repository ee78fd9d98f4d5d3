/* progress.c - progress bars on a terminal, sparse plain lines elsewhere. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "i18n.h"
#include "progress.h"
#include "xalloc.h"

struct qtm_progress {
	char *label;
	uint64_t total, done;
	bool steps, tty;
	double started, last_draw;
	int last_decile;      /* plain mode: print at each 10% */
	char extra[96];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct qtm_progress *
qtm_progress_new(const struct qtm_ctx *ctx, const char *label, uint64_t total, bool steps)
{
	struct qtm_progress *p;

	if (ctx->verbosity < QTM_NORMAL || ctx->json)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->label = xstrdup(label);
	p->total = total;
	p->steps = steps;
	p->tty = ctx->is_tty;
	p->started = now();
	p->last_decile = -1;
	return p;
}

void
qtm_progress_set_total(struct qtm_progress *p, uint64_t total)
{
	if (p != NULL)
		p->total = total;
}

static void
format_amount(const struct qtm_progress *p, uint64_t v, char *buf, size_t len)
{
	if (p->steps)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else if (v >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)v / (1 << 20));
	else
		snprintf(buf, len, "%.1f KiB", (double)v / 1024);
}

static void
draw(struct qtm_progress *p, bool final)
{
	char done[32], total[32], bar[31];
	double frac = p->total ? (double)p->done / (double)p->total : 0, elapsed = now() - p->started;
	int fill = (int)(frac * 30);

	if (frac > 1)
		frac = 1, fill = 30;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(30 - fill));
	bar[30] = '\0';
	format_amount(p, p->done, done, sizeof done);
	format_amount(p, p->total, total, sizeof total);
	if (p->tty)
		fprintf(stderr, "\r\033[K");
	if (p->total)
		fprintf(stderr, "%-24s [%s] %3d%% %s/%s", p->label, bar, (int)(frac * 100), done, total);
	else
		fprintf(stderr, "%-24s %s", p->label, done);
	if (!p->steps && elapsed > 0.2)
		fprintf(stderr, "  %.1f MiB/s", (double)p->done / elapsed / (1 << 20));
	if (p->extra[0] != '\0')
		fprintf(stderr, "  %s", p->extra);
	if (final || !p->tty)
		fprintf(stderr, final ? _("  done in %.1fs\n") : "\n", elapsed);
	fflush(stderr);
}

void
qtm_progress_update_extra(struct qtm_progress *p, uint64_t done, const char *extra)
{
	double t;

	if (p == NULL)
		return;
	p->done = done;
	if (extra != NULL)
		snprintf(p->extra, sizeof p->extra, "%s", extra);
	t = now();
	if (p->tty) {
		if (t - p->last_draw >= 0.1) {
			p->last_draw = t;
			draw(p, false);
		}
		return;
	}
	/* Plain output: a line at each tenth, so logs stay short. */
	int decile = p->total ? (int)(10 * done / p->total) : -1;
	if (decile > p->last_decile && decile < 10) {
		p->last_decile = decile;
		draw(p, false);
	}
}

void
qtm_progress_update(struct qtm_progress *p, uint64_t done)
{
	qtm_progress_update_extra(p, done, NULL);
}

void
qtm_progress_done(struct qtm_progress *p, bool ok)
{
	if (p == NULL)
		return;
	if (ok)
		draw(p, true);
	else if (p->tty)
		fprintf(stderr, "\n");
	free(p->label);
	free(p);
}
