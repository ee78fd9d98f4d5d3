/* tui.c - the curses screen of the live views (see tui.h). */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "clock.h"
#include "ctx.h"
#include "i18n.h"
#include "tui.h"
#include "watch.h"
#include "xalloc.h"

static volatile sig_atomic_t stop_requested;

/* Ctrl-C, a hang-up or SIGTERM: the loop ends and curses gives the terminal back as it was. */
static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

bool
tui_stopped(void)
{
	return stop_requested != 0;
}

int
tui_key(double until)
{
	double left = until - qtm_mono_s();

	timeout(left > 0.2 ? 200 : left > 0.01 ? (int)(left * 1000) : 10);
	return getch();
}

bool
tui_wanted(const struct qtm_ctx *ctx)
{
	const char *term = getenv("TERM");

	return !ctx->json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term != NULL && term[0] != '\0' &&
	    strcmp(term, "dumb") != 0;
}

static void
init_colors(struct tui *t)
{
	static const short fg[] = { [TUI_BAR] = COLOR_GREEN, [TUI_SPARK] = COLOR_CYAN, [TUI_GOOD] = COLOR_GREEN,
		[TUI_WARN] = COLOR_YELLOW, [TUI_BAD] = COLOR_RED, [TUI_DIM] = COLOR_BLUE };

	t->color = false;
	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	for (short i = TUI_BAR; i <= TUI_DIM; i++)
		init_pair(i, fg[i], -1);
	t->color = true;
}

bool
tui_start(struct tui *t, const struct qtm_ctx *ctx, int wait_ms)
{
	const char *cs = nl_langinfo(CODESET);

	memset(t, 0, sizeof *t);
	/* newterm, not initscr: initscr exits the program on an unusable terminal. */
	if ((t->screen = newterm(NULL, stdout, stdin)) == NULL)
		return false;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(50);   /* Escape leaves the log view at once */
	timeout(wait_ms);
	t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	/* ctx->color already says no to NO_COLOR and --no-color. */
	if (ctx->color && getenv("NO_COLOR") == NULL)
		init_colors(t);
	return true;
}

void
tui_end(struct tui *t)
{
	endwin();
	delscreen(t->screen);
	t->screen = NULL;
}

static attr_t
attrs(const struct tui *t, enum tui_color c, bool bold)
{
	return (t->color && c != TUI_PLAIN ? COLOR_PAIR(c) : 0) | (bold ? A_BOLD : 0);
}

/* The bytes of text's first characters that take at most width cells (curses would wrap the
 * rest onto the next line). */
static int
fit(const char *text, int width)
{
	mbstate_t st;
	size_t len = strlen(text), used = 0;
	int cells = 0;

	memset(&st, 0, sizeof st);
	while (used < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, text + used, len - used, &st);
		int w;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		w = wcwidth(wc);
		if (cells + (w > 0 ? w : 0) > width)
			break;
		cells += w > 0 ? w : 0;
		used += k;
	}
	return (int)used;
}

void
tui_put(struct tui *t, int y, int x, int width, enum tui_color c, bool bold, const char *text)
{
	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attron(attrs(t, c, bold));
	mvaddnstr(y, x, text, t->utf8 ? fit(text, width) : width);
	attroff(attrs(t, c, bold));
}

void
tui_title(struct tui *t, int y, const char *text)
{
	(void)t;
	if (y < 0 || y >= LINES)
		return;
	attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, text, COLS);
	attroff(A_REVERSE);
}

void
tui_bar(struct tui *t, int y, int x, int width, double frac)
{
	char buf[256];

	if (width < 3)
		return;
	if (width - 2 >= (int)sizeof buf)
		width = (int)sizeof buf + 1;
	qtm_bar(frac < 0 ? 0 : frac, width - 2, buf, sizeof buf);
	tui_put(t, y, x, 1, TUI_PLAIN, false, "[");
	tui_put(t, y, x + 1, width - 2, frac < 0 ? TUI_DIM : TUI_BAR, false, buf);
	tui_put(t, y, x + width - 1, 1, TUI_PLAIN, false, "]");
}

int
tui_spark(struct tui *t, int y, int x, int width, const double *v, size_t n)
{
	char *s;
	int cells;

	if (width <= 0 || n == 0 || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	s = qtm_sparkline(v, n, width, t->utf8);
	cells = n < (size_t)width ? (int)n : width;
	tui_put(t, y, x, t->utf8 ? cells : width, TUI_SPARK, false, s);
	free(s);
	return cells;
}

void
tui_log(struct tui *t, const char *title, const struct qtm_log_scan *s, int back)
{
	int rows = LINES - 2, n = (int)s->n_lines, end = n - back, start = end - rows;

	erase();
	tui_title(t, 0, title);
	for (int i = start < 0 ? 0 : start, y = 1; i < end; i++, y++) {
		const char *line = qtm_log_scan_line(s, (size_t)i);

		/* train.c marks the trainer's stderr with "! ". */
		tui_put(t, y, 0, COLS, strncmp(line, "! ", 2) == 0 ? TUI_WARN : TUI_PLAIN, false, line);
	}
	if (n == 0)
		tui_put(t, 1, 0, COLS, TUI_DIM, false, _("(the log is empty so far)"));
	tui_title(t, LINES - 1, _(" up/down/PgUp/PgDn scroll   End follow   Esc back   q back"));
}

bool
tui_log_key(int key, int *back, const struct qtm_log_scan *s)
{
	int page = LINES - 3 > 1 ? LINES - 3 : 1, max = (int)s->n_lines - 1;

	switch (key) {
	case KEY_UP: case 'k': *back += 1; break;
	case KEY_DOWN: case 'j': *back -= 1; break;
	case KEY_PPAGE: *back += page; break;
	case KEY_NPAGE: case ' ': *back -= page; break;
	case KEY_HOME: case 'g': *back = max; break;
	case KEY_END: case 'G': *back = 0; break;
	default: return false;
	}
	*back = *back > max ? max : *back;
	*back = *back < 0 ? 0 : *back;
	return true;
}

bool
tui_back_key(int key)
{
	return key == 27 || key == KEY_BACKSPACE || key == 127 || key == KEY_LEFT || key == 'h' || key == 'q';
}

/* The next selectable row from sel in direction dir (sel itself when none). */
static int
step(int sel, int dir, const bool *selectable, int n)
{
	for (int i = sel + dir; i >= 0 && i < n; i += dir)
		if (selectable[i])
			return i;
	return sel;
}

bool
tui_nav(int key, int *sel, const bool *selectable, int n, int page)
{
	int dir = 0, count = 1;

	switch (key) {
	case KEY_UP: case 'k': dir = -1; break;
	case KEY_DOWN: case 'j': dir = 1; break;
	case KEY_PPAGE: dir = -1; count = page; break;
	case KEY_NPAGE: dir = 1; count = page; break;
	case KEY_HOME: case 'g': dir = 1; *sel = -1; count = 1; break;
	case KEY_END: case 'G': dir = -1; *sel = n; count = 1; break;
	default: return false;
	}
	for (int i = 0; i < (count > 0 ? count : 1); i++) {
		int next = step(*sel, dir, selectable, n);

		if (next == *sel)
			break;
		*sel = next;
	}
	if (*sel < 0 || *sel >= n)   /* Home/End with nothing selectable */
		*sel = step(-1, 1, selectable, n) >= 0 ? step(-1, 1, selectable, n) : 0;
	return true;
}

void
tui_scroll(int sel, int rows, int n, int *top)
{
	if (rows <= 0)
		return;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + rows)
		*top = sel - rows + 1;
	if (*top > n - rows)
		*top = n - rows;
	if (*top < 0)
		*top = 0;
}
