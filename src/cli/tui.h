/* tui.h - the curses screen shared by the live views, hive-control monitor (hc-monitor.c) and
 * qtm status --watch (src/qtm/status-watch.c): starting and ending curses, colours (only on a
 * terminal, never with NO_COLOR or --no-color), clipped text, a progress bar, a loss sparkline,
 * a scrolled log view and list navigation.
 *
 * Ownership: struct tui is the caller's; tui_start() fills it and tui_end() ends curses.  Text
 * arguments are only read. */
#ifndef QTM_TUI_H
#define QTM_TUI_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_ctx;
struct qtm_log_scan;

enum tui_color { TUI_PLAIN, TUI_BAR, TUI_SPARK, TUI_GOOD, TUI_WARN, TUI_BAD, TUI_DIM };

struct tui {
	bool color;      /* colour pairs in use */
	bool utf8;       /* the locale's characters are UTF-8: block sparklines */
	struct screen *screen;   /* curses' (a SCREEN), ended by tui_end() */
};

/* Whether to draw full-screen: stdin and stdout are terminals, TERM is usable and not --json. */
bool tui_wanted(const struct qtm_ctx *ctx);
/* Starts curses (keys without echo, a key wait of at most wait_ms).  False when the terminal
 * cannot be used (then nothing was started). */
bool tui_start(struct tui *t, const struct qtm_ctx *ctx, int wait_ms);
void tui_end(struct tui *t);
/* The next key, waiting until at most the monotonic time `until` (qtm_mono_s()) and 0.2 s at
 * most; ERR when none came.  The screen is brought up to date first. */
int tui_key(double until);
/* Whether SIGINT, SIGTERM or SIGHUP came since tui_start(): the view should end. */
bool tui_stopped(void);

/* Text at (y, x), at most width cells (and never past the screen's edge), in a colour. */
void tui_put(struct tui *t, int y, int x, int width, enum tui_color c, bool bold, const char *text);
/* A whole line in reverse video (the title bar and the key help). */
void tui_title(struct tui *t, int y, const char *text);
/* "[####....]" of width cells (brackets included) for frac (0..1; < 0: unknown). */
void tui_bar(struct tui *t, int y, int x, int width, double frac);
/* A sparkline of v[0..n) in at most width cells; returns the cells drawn. */
int tui_spark(struct tui *t, int y, int x, int width, const double *v, size_t n);

/* The log view: title on the first line, the scan's lines below (the last ones, back lines up
 * from the end), help on the last line. */
void tui_log(struct tui *t, const char *title, const struct qtm_log_scan *s, int back);
/* Scrolls a log view for key: returns true when the key was one (arrows, j/k, pages, Home/End). */
bool tui_log_key(int key, int *back, const struct qtm_log_scan *s);
/* Keys that leave the log view: Escape, Backspace, Left, h, q. */
bool tui_back_key(int key);

/* Moves *sel among the rows for which selectable[i] is true (arrows, j/k, pages, Home/End);
 * returns true when key was one of those. */
bool tui_nav(int key, int *sel, const bool *selectable, int n, int page);
/* The first row to draw so that sel is in the rows visible ones (*top is kept when it can be). */
void tui_scroll(int sel, int rows, int n, int *top);

#endif
