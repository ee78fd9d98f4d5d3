/* progress.c - progress bars on a terminal, sparse plain lines elsewhere. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "clock.h"
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
	int fd;               /* a training worker's progress pipe, or -1 */
	char extra[96];
};

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
	p->started = qtm_mono_s();
	p->last_decile = -1;
	p->fd = ctx->progress_fd;
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

/* Appends to line (of size len) at *n, never past its end. */
static void
append(char *line, size_t len, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
append(char *line, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= len - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(line + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < len - 1 ? *n + (size_t)k : len - 1;
}

static void
draw(struct qtm_progress *p, bool final)
{
	char done[32], total[32], bar[31], line[512];
	double frac = p->total ? (double)p->done / (double)p->total : 0, elapsed = qtm_mono_s() - p->started;
	int fill = (int)(frac * 30);
	size_t n = 0;

	if (frac > 1)
		frac = 1, fill = 30;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(30 - fill));
	bar[30] = '\0';
	format_amount(p, p->done, done, sizeof done);
	format_amount(p, p->total, total, sizeof total);
	line[0] = '\0';
	if (p->total)
		append(line, sizeof line, &n, "%-24s [%s] %3d%% %s/%s", p->label, bar, (int)(frac * 100), done, total);
	else
		append(line, sizeof line, &n, "%-24s %s", p->label, done);
	if (!p->steps && elapsed > 0.2)
		append(line, sizeof line, &n, "  %.1f MiB/s", (double)p->done / elapsed / (1 << 20));
	if (p->extra[0] != '\0')
		append(line, sizeof line, &n, "  %s", p->extra);
	if (final)
		append(line, sizeof line, &n, _("  done in %.1fs\n"), elapsed);
	if (p->fd >= 0) {
		/* A training worker's: the parent shows it (qtm_progress_board). */
		if (!final)
			append(line, sizeof line, &n, "\n");
		if (write(p->fd, line, n) < 0)
			p->fd = -1;
		return;
	}
	fprintf(stderr, "%s%s%s", p->tty ? "\r\033[K" : "", line, !final && !p->tty ? "\n" : "");
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
	t = qtm_mono_s();
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
	else if (p->tty && p->fd < 0)
		fprintf(stderr, "\n");
	free(p->label);
	free(p);
}

/* ---- download sets ---------------------------------------------------------------------------- */

struct qtm_fetch_progress {
	uint64_t total;
	bool tty, drawn;
	double started, last_draw;
};

struct qtm_fetch_progress *
qtm_fetch_progress_new(const struct qtm_ctx *ctx, uint64_t total)
{
	struct qtm_fetch_progress *p;

	if (ctx->verbosity < QTM_NORMAL || ctx->json)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->total = total;
	p->tty = ctx->is_tty;
	p->started = qtm_mono_s();
	return p;
}

void
qtm_format_bytes(uint64_t v, char *buf, size_t len)
{
	if (v >= 1ULL << 30)
		snprintf(buf, len, "%.1f GiB", (double)v / (1ULL << 30));
	else if (v >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)v / (1 << 20));
	else if (v >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)v / 1024);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)v);
}

static void
format_eta(double s, char *buf, size_t len)
{
	unsigned long t = s < 0 ? 0 : s > 359999 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

static size_t
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void
qtm_fetch_progress_update(struct qtm_fetch_progress *p, uint64_t done, uint64_t received,
    const char *active)
{
	char line[1024], a[32], b[32];
	size_t n = 0, width;
	double t = qtm_mono_s(), elapsed;

	if (p == NULL || !p->tty || t - p->last_draw < 0.1)
		return;
	p->last_draw = t;
	elapsed = t - p->started;
	qtm_format_bytes(done, a, sizeof a);
	append(line, sizeof line, &n, "%s", a);
	if (p->total != 0) {
		qtm_format_bytes(p->total, b, sizeof b);
		append(line, sizeof line, &n, " / %s (%d%%)", b,
		    (int)(done >= p->total ? 100 : 100 * done / p->total));
	}
	if (elapsed >= 0.5 && received > 0) {
		double rate = (double)received / elapsed;

		qtm_format_bytes((uint64_t)rate, a, sizeof a);
		append(line, sizeof line, &n, "  %s/s", a);
		if (p->total > done) {
			format_eta((double)(p->total - done) / rate, b, sizeof b);
			append(line, sizeof line, &n, _("  ETA %s"), b);
		}
	}
	if (active != NULL && active[0] != '\0')
		append(line, sizeof line, &n, "  %s", active);
	/* One terminal line, or \r cannot redraw it; cut on a character boundary. */
	width = term_width() - 1;
	if (n > width) {
		n = width;
		while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
		line[n] = '\0';
	}
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->drawn = true;
}

void
qtm_fetch_progress_clear(struct qtm_fetch_progress *p)
{
	if (p == NULL)
		return;
	if (p->tty && p->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	p->drawn = false;
	p->last_draw = 0;
}

void
qtm_fetch_progress_file(struct qtm_fetch_progress *p, const char *label, uint64_t size, double seconds)
{
	char amount[32];

	if (p == NULL)
		return;
	qtm_format_bytes(size, amount, sizeof amount);
	qtm_fetch_progress_clear(p);
	fprintf(stderr, _("fetched %s (%s) in %.1f s\n"), label, amount, seconds);
	fflush(stderr);
}

void
qtm_fetch_progress_done(struct qtm_fetch_progress *p)
{
	qtm_fetch_progress_clear(p);
	free(p);
}

/* ---- the trainings of a parallel install ------------------------------------------------------ */

struct board_slot {
	char *name;          /* NULL: free */
	char text[256];
};

struct qtm_progress_board {
	bool tty;
	struct board_slot *slots;
	size_t n;
	size_t drawn;        /* lines drawn on the terminal below the cursor's start */
	double last_draw;
};

struct qtm_progress_board *
qtm_progress_board_new(const struct qtm_ctx *ctx)
{
	struct qtm_progress_board *b;

	if (ctx->verbosity < QTM_NORMAL || ctx->json)
		return NULL;
	b = xcalloc(1, sizeof *b);
	b->tty = ctx->is_tty;
	return b;
}

void
qtm_progress_board_clear(struct qtm_progress_board *b)
{
	if (b == NULL || !b->tty || b->drawn == 0)
		return;
	fprintf(stderr, "\033[%zuA\r\033[J", b->drawn);
	fflush(stderr);
	b->drawn = 0;
}

static void
board_draw(struct qtm_progress_board *b, bool now)
{
	double t = qtm_mono_s();
	size_t width = term_width() - 1;

	if (!now && t - b->last_draw < 0.1)
		return;
	b->last_draw = t;
	qtm_progress_board_clear(b);
	for (size_t i = 0; i < b->n; i++) {
		char line[512];
		size_t n = 0;

		if (b->slots[i].name == NULL)
			continue;
		append(line, sizeof line, &n, "%s", b->slots[i].text[0] != '\0' ? b->slots[i].text : b->slots[i].name);
		/* One terminal line each, or moving back up would miss some. */
		if (n > width) {
			n = width;
			while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
				n--;
			line[n] = '\0';
		}
		fprintf(stderr, "\r\033[K%s\n", line);
		b->drawn++;
	}
	fflush(stderr);
}

size_t
qtm_progress_board_add(struct qtm_progress_board *b, const char *name)
{
	size_t i = 0;

	if (b == NULL)
		return 0;
	while (i < b->n && b->slots[i].name != NULL)
		i++;
	if (i == b->n) {
		b->slots = xreallocarray(b->slots, b->n + 1, sizeof *b->slots);
		b->n++;
	}
	b->slots[i].name = xstrdup(name);
	b->slots[i].text[0] = '\0';
	if (b->tty)
		board_draw(b, true);
	return i;
}

void
qtm_progress_board_line(struct qtm_progress_board *b, size_t slot, const char *text)
{
	if (b == NULL || slot >= b->n || b->slots[slot].name == NULL)
		return;
	if (!b->tty) {
		fprintf(stderr, "%s: %s\n", b->slots[slot].name, text);
		fflush(stderr);
		return;
	}
	snprintf(b->slots[slot].text, sizeof b->slots[slot].text, "%s", text);
	board_draw(b, false);
}

void
qtm_progress_board_remove(struct qtm_progress_board *b, size_t slot)
{
	if (b == NULL || slot >= b->n || b->slots[slot].name == NULL)
		return;
	qtm_progress_board_clear(b);
	free(b->slots[slot].name);
	b->slots[slot].name = NULL;
}

void
qtm_progress_board_redraw(struct qtm_progress_board *b)
{
	if (b != NULL && b->tty)
		board_draw(b, true);
}

void
qtm_progress_board_free(struct qtm_progress_board *b)
{
	if (b == NULL)
		return;
	qtm_progress_board_clear(b);
	for (size_t i = 0; i < b->n; i++)
		free(b->slots[i].name);
	free(b->slots);
	free(b);
}
