/* status-watch.c - qtm status --watch: this root's running and recent trainings, live.  On a
 * terminal a full-screen view (tui.h): each training's progress bar, ETA and loss sparkline,
 * read from the "@qtm progress" lines of its log as it grows; Enter follows the selected
 * training's log, q quits.  Otherwise, or with --json, a line per running training every
 * interval seconds. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"
#include "clock.h"
#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "watch.h"
#include "xalloc.h"

#define MAX_TRAININGS 30
#define LOG_POLL_S 0.5

/* A training's log as scanned so far. */
struct slot {
	int64_t id;
	bool final;              /* scanned after it ended: nothing more to read */
	struct qtm_log_scan scan;
};

struct watch {
	struct qtm_ctx *ctx;
	struct tui t;
	struct qtm_training *tr;  /* the newest trainings (owned) */
	size_t n_tr;
	struct slot **slots;      /* one per training of tr, same order (owned) */
	int models, datasets;
	char err[512];
	int sel, top;
	char msg[256];
	int64_t log_id;           /* the training whose log is shown, or 0 */
	int log_back;
};

static struct slot *
take_slot(struct slot **old, size_t n_old, int64_t id)
{
	for (size_t i = 0; i < n_old; i++)
		if (old[i] != NULL && old[i]->id == id) {
			struct slot *s = old[i];

			old[i] = NULL;
			return s;
		}
	struct slot *s = xcalloc(1, sizeof *s);

	s->id = id;
	return s;
}

static void
free_slots(struct slot **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL) {
			qtm_log_scan_clear(&v[i]->scan);
			free(v[i]);
		}
	free(v);
}

/* Reads the trainings again and what their logs gained; a failure stays on screen. */
static void
load(struct watch *w)
{
	struct qtm_installed *inst = NULL;
	struct qtm_training *tr = NULL;
	size_t n_tr = 0, n_inst = 0;
	struct qtm_db *db = NULL;
	struct slot **slots;
	int rc;

	if ((rc = cmd_open_reader(w->ctx, &db)) == 0 && (rc = qtm_db_trainings(w->ctx, db, MAX_TRAININGS, &tr, &n_tr)) == 0)
		rc = qtm_db_list(w->ctx, db, &inst, &n_inst);
	qtm_db_close(db);
	if (rc < 0) {
		snprintf(w->err, sizeof w->err, "%s", qtm_strerror(w->ctx));
		qtm_training_free_all(tr, n_tr);
		return;
	}
	w->err[0] = '\0';
	w->models = w->datasets = 0;
	for (size_t i = 0; i < n_inst; i++)
		strcmp(inst[i].kind, "dataset") == 0 ? w->datasets++ : w->models++;
	qtm_installed_free_all(inst, n_inst);
	slots = xcalloc(n_tr + 1, sizeof *slots);
	for (size_t i = 0; i < n_tr; i++) {
		struct slot *s = slots[i] = take_slot(w->slots, w->n_tr, tr[i].id);
		bool running = strcmp(cmd_training_state(&tr[i]), "running") == 0;

		if (!s->final && tr[i].log_path != NULL && qtm_log_scan_file(w->ctx, &s->scan, tr[i].log_path) < 0)
			snprintf(w->err, sizeof w->err, "%s", qtm_strerror(w->ctx));
		s->final = !running;
	}
	free_slots(w->slots, w->n_tr);
	qtm_training_free_all(w->tr, w->n_tr);
	w->tr = tr;
	w->n_tr = n_tr;
	w->slots = slots;
}

/* The ETA of a running training from its progress and the time since it started. */
static double
eta(const struct qtm_training *t, double p)
{
	double elapsed = qtm_wall_s() - (double)t->started_at;

	return p > 0 && p < 1 && strcmp(cmd_training_state(t), "running") == 0 ? elapsed * (1 - p) / p : -1;
}

/* ---- plain lines --------------------------------------------------------------------------- */

static void
plain_json(struct watch *w)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "trainings");
	char *text;

	cJSON_AddNumberToObject(o, "time", qtm_wall_s());
	for (size_t i = 0; i < w->n_tr; i++) {
		cJSON *t = cmd_training_json(&w->tr[i]);
		const struct qtm_log_scan *s = &w->slots[i]->scan;
		double p = qtm_log_scan_progress(s);

		if (p >= 0) {
			cJSON_AddNumberToObject(t, "progress", p);
			if (eta(&w->tr[i], p) >= 0)
				cJSON_AddNumberToObject(t, "eta_s", eta(&w->tr[i], p));
		}
		if (s->n_loss > 0)
			cJSON_AddNumberToObject(t, "loss", s->loss[s->n_loss - 1]);
		cJSON_AddItemToArray(arr, t);
	}
	text = cJSON_PrintUnformatted(o);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
}

static void
plain_line(struct watch *w)
{
	char when[16], dur[32];
	time_t now = time(NULL);
	int running = 0;

	if (w->ctx->json) {
		plain_json(w);
		return;
	}
	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	if (w->err[0] != '\0')
		printf("%s  %s\n", when, w->err);
	for (size_t i = 0; i < w->n_tr; i++) {
		const struct qtm_log_scan *s = &w->slots[i]->scan;
		double p = qtm_log_scan_progress(s);
		char loss[32] = "-";

		if (strcmp(cmd_training_state(&w->tr[i]), "running") != 0)
			continue;
		running++;
		qtm_duration(eta(&w->tr[i], p), dur, sizeof dur);
		if (s->n_loss > 0)
			snprintf(loss, sizeof loss, "%.4g", s->loss[s->n_loss - 1]);
		printf(_("%s  training %s %s: %.0f%% (step %.0f of %.0f), loss %s, ETA %s\n"), when, w->tr[i].name,
		    w->tr[i].version, p < 0 ? 0 : p * 100, s->step, s->steps, loss, dur);
	}
	if (running == 0)
		printf(_("%s  no training running (%zu recorded)\n"), when, w->n_tr);
	fflush(stdout);
}

/* ---- the full-screen view ------------------------------------------------------------------ */

static enum tui_color
state_color(const char *state)
{
	if (strcmp(state, "running") == 0)
		return TUI_GOOD;
	if (strcmp(state, "failed") == 0 || strcmp(state, "interrupted") == 0)
		return TUI_BAD;
	return TUI_PLAIN;
}

static void
draw_row(struct watch *w, int y, size_t i, bool selected)
{
	const struct qtm_training *t = &w->tr[i];
	const struct qtm_log_scan *s = &w->slots[i]->scan;
	const char *state = cmd_training_state(t);
	double p = qtm_log_scan_progress(s);
	int bw = COLS / 6 < 12 ? 12 : COLS / 6 > 32 ? 32 : COLS / 6, x;
	char buf[512], dur[32];

	if (selected)
		attron(A_REVERSE);
	snprintf(buf, sizeof buf, "  %-11.11s %-22.22s %-9.9s ", state, t->name, t->version);
	tui_put(&w->t, y, 0, COLS, state_color(state), false, buf);
	x = (int)strlen(buf);
	tui_bar(&w->t, y, x, bw, p);
	x += bw;
	qtm_duration(strcmp(state, "running") == 0 ? eta(t, p) : t->wall_s, dur, sizeof dur);
	if (p >= 0)
		snprintf(buf, sizeof buf, strcmp(state, "running") == 0 ? _(" %3.0f%%  ETA %-7s") : _(" %3.0f%%  took %-6s"),
		    p * 100, dur);
	else
		snprintf(buf, sizeof buf, strcmp(state, "running") == 0 ? _("   -  ETA %-7s") : _("   -  took %-6s"), dur);
	tui_put(&w->t, y, x, COLS - x, TUI_PLAIN, false, buf);
	x += (int)strlen(buf);
	if (s->n_loss > 0) {
		snprintf(buf, sizeof buf, _(" loss %-9.4g "), s->loss[s->n_loss - 1]);
		tui_put(&w->t, y, x, COLS - x, TUI_PLAIN, false, buf);
		x += (int)strlen(buf);
		x += tui_spark(&w->t, y, x, COLS - x < 48 ? COLS - x : 48, s->loss, s->n_loss);
	}
	if (t->message != NULL && strcmp(state, "running") != 0)
		tui_put(&w->t, y, x + 1, COLS - x - 1, TUI_DIM, false, t->message);
	if (selected) {
		int cy, cx;

		getyx(stdscr, cy, cx);
		if (cy == y && cx < COLS)
			mvhline(y, cx, ' ', COLS - cx);
		attroff(A_REVERSE);
	}
}

static void
draw_main(struct watch *w)
{
	char line[512], when[16];
	time_t now = time(NULL);
	int running = 0, rows = LINES - 5;

	erase();
	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	snprintf(line, sizeof line, _(" qtm status --watch   %s   %s"), w->ctx->state_dir, when);
	tui_title(&w->t, 0, line);
	for (size_t i = 0; i < w->n_tr; i++)
		running += strcmp(cmd_training_state(&w->tr[i]), "running") == 0;
	snprintf(line, sizeof line, _("Installed: %d models, %d datasets   Trainings: %d running, %zu recent"),
	    w->models, w->datasets, running, w->n_tr);
	tui_put(&w->t, 1, 0, COLS, TUI_PLAIN, true, line);
	if (w->err[0] != '\0')
		tui_put(&w->t, 2, 0, COLS, TUI_BAD, true, w->err);
	snprintf(line, sizeof line, "  %-11s %-22s %-9s %s", _("STATE"), _("NAME"), _("VERSION"),
	    _("PROGRESS, ETA AND LOSS"));
	tui_put(&w->t, 3, 0, COLS, TUI_PLAIN, true, line);
	if (w->n_tr == 0)
		tui_put(&w->t, 4, 0, COLS, TUI_DIM, false, _("  no training yet"));
	tui_scroll(w->sel, rows, (int)w->n_tr, &w->top);
	for (int i = w->top, y = 4; i < (int)w->n_tr && y < LINES - 1; i++, y++)
		draw_row(w, y, (size_t)i, i == w->sel);
	tui_title(&w->t, LINES - 1, w->msg[0] != '\0' ? w->msg : _(" up/down/j/k select   Enter follow the log   q quit"));
}

static int
find(const struct watch *w, int64_t id)
{
	for (size_t i = 0; i < w->n_tr; i++)
		if (w->tr[i].id == id)
			return (int)i;
	return -1;
}

static void
draw_log(struct watch *w, int i)
{
	char *title = xasprintf(_(" Log of %s %s (training %lld): %s   Esc back"), w->tr[i].name, w->tr[i].version,
	    (long long)w->tr[i].id, cmd_training_state(&w->tr[i]));

	tui_log(&w->t, title, &w->slots[i]->scan, w->log_back);
	free(title);
}

/* One key; false to quit. */
static bool
key_main(struct watch *w, int key)
{
	bool *sel_ok = xcalloc(w->n_tr + 1, sizeof *sel_ok);

	w->msg[0] = '\0';
	for (size_t i = 0; i < w->n_tr; i++)
		sel_ok[i] = true;
	if (!tui_nav(key, &w->sel, sel_ok, (int)w->n_tr, LINES - 6) && w->sel < (int)w->n_tr) {
		if (key == '\r' || key == '\n' || key == KEY_ENTER) {
			w->log_id = w->tr[w->sel].id;
			w->log_back = 0;
		} else if (key == 'c') {
			snprintf(w->msg, sizeof w->msg,
			    _(" a local training stops when the qtm that runs it is interrupted (process %lld)"),
			    (long long)w->tr[w->sel].pid);
		}
	}
	free(sel_ok);
	return key != 'q' && key != 'Q';
}

static void
full_screen(struct watch *w, double interval, long long count)
{
	double next = 0, next_log = 0;
	long long done = 0;

	for (;;) {
		int key, li;

		if (qtm_mono_s() >= next) {
			if (count > 0 && done == count)
				break;
			load(w);
			done++;
			next = qtm_mono_s() + interval;
		}
		if (w->sel >= (int)w->n_tr)
			w->sel = w->n_tr > 0 ? (int)w->n_tr - 1 : 0;
		li = w->log_id != 0 ? find(w, w->log_id) : -1;
		if (li >= 0 && qtm_mono_s() >= next_log) {
			size_t before = w->slots[li]->scan.n_lines;

			if (w->tr[li].log_path != NULL)
				qtm_log_scan_file(w->ctx, &w->slots[li]->scan, w->tr[li].log_path);
			if (w->log_back > 0)
				w->log_back += (int)(w->slots[li]->scan.n_lines - before);
			next_log = qtm_mono_s() + LOG_POLL_S;
		}
		li >= 0 ? draw_log(w, li) : draw_main(w);
		key = tui_key(li >= 0 && next_log < next ? next_log : next);
		if (tui_stopped())
			break;
		if (key == ERR || key == KEY_RESIZE)
			continue;
		if (li >= 0) {
			if (tui_back_key(key))
				w->log_id = 0;
			else
				tui_log_key(key, &w->log_back, &w->slots[li]->scan);
		} else if (!key_main(w, key)) {
			break;
		}
	}
}

int
cmd_status_watch(struct qtm_ctx *ctx, double interval, long long count)
{
	struct watch w = { .ctx = ctx };

	if (tui_wanted(ctx) && tui_start(&w.t, ctx, 200)) {
		full_screen(&w, interval, count);
		tui_end(&w.t);
	} else {
		for (long long i = 0; count == 0 || i < count; i++) {
			if (i > 0)
				qtm_sleep_s(interval);
			load(&w);
			plain_line(&w);
		}
	}
	free_slots(w.slots, w.n_tr);
	qtm_training_free_all(w.tr, w.n_tr);
	return 0;
}
