/* hc-monitor.c - hive-control monitor: on a terminal a full-screen view refreshed live (runners
 * with their job's progress, ETA and loss sparkline, the queue by priority, the system's load;
 * keys to select a job, follow its log, cancel it, quit); otherwise, or with --json or --plain,
 * a status line every --interval seconds. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "i18n.h"
#include "tui.h"
#include "watch.h"
#include "xalloc.h"

#define LOG_POLL_S 0.5
#define FIRST_ROW 4   /* the list starts below the title, system, counts and error lines */

/* ---- the plain lines ----------------------------------------------------------------------- */

static void
monitor_line(struct hc *h, cJSON *st)
{
	char when[16];
	time_t t = time(NULL);

	if (h->ctx->json) {
		char *text = cJSON_PrintUnformatted(st);

		printf("%s\n", text);
		free(text);
	} else {
		strftime(when, sizeof when, "%H:%M:%S", localtime(&t));
		printf(_("%s  runners %.0f active / %.0f available / %.0f max  queue %.0f pending, %.0f running, %.0f completed, %.0f failed  cpu %.0f%% mem %.0f%%\n"),
		    when, hc_num(st, "runners", "active"), hc_num(st, "runners", "available"), hc_num(st, "runners", "max"),
		    hc_num(st, "queue", "pending"), hc_num(st, "queue", "running"), hc_num(st, "queue", "completed"),
		    hc_num(st, "queue", "failed"), hc_num(st, "system", "cpu_percent"), hc_num(st, "system", "memory_percent"));
	}
	fflush(stdout);
}

static int
plain_lines(struct hc *h, struct qtm_hive_client *cl, double interval, long long count)
{
	int rc = 0;

	for (long long i = 0; count == 0 || i < count; i++) {
		cJSON *st = NULL;

		if (i > 0)
			qtm_sleep_s(interval);
		if ((rc = qtm_hive_call(h->ctx, cl, "GET", "/status", NULL, &st)) < 0)
			break;
		monitor_line(h, st);
		cJSON_Delete(st);
		rc = 0;
	}
	return rc;
}

/* ---- the full-screen view: its data -------------------------------------------------------- */

enum row_kind { ROW_TITLE, ROW_LABELS, ROW_NOTE, ROW_RUNNER, ROW_JOB };

struct row {
	enum row_kind kind;
	const cJSON *runner, *job;   /* in the monitor's documents; either may be NULL */
	long long id;                /* the job's id, or -1 */
	char *text;                  /* ROW_TITLE, ROW_LABELS, ROW_NOTE (owned) */
};

struct mon {
	struct hc *h;
	struct qtm_hive_client *cl;
	struct tui t;
	cJSON *status, *runners, *running, *pending;   /* the last answers (owned) */
	char err[512];                                  /* the last refresh's failure, or "" */
	struct row *rows;
	bool *selectable;
	int n_rows, sel, top;
	char msg[512];            /* shown on the last line until the next key */
	long long confirm;        /* the job a "cancel? [y/n]" waits for, or 0 */
	long long log_job;        /* the job whose log is shown, or 0 */
	struct qtm_log_scan log;
	char log_state[32], log_module[128];
	int log_back;
	double next_log;
};

static int
prio_rank(const cJSON *j)
{
	const char *p = hc_str(j, "priority", "");

	return strcmp(p, "high") == 0 ? 0 : strcmp(p, "medium") == 0 ? 1 : 2;
}

/* Priority, then oldest first: the order the scheduler takes them in (estimates aside). */
static int
by_priority(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	double dx = hc_num(x, "submitted_at", NULL), dy = hc_num(y, "submitted_at", NULL);

	if (prio_rank(x) != prio_rank(y))
		return prio_rank(x) - prio_rank(y);
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return hc_num(x, "id", NULL) < hc_num(y, "id", NULL) ? -1 : 1;
}

static const cJSON *
running_job(const struct mon *m, const cJSON *runner)
{
	const cJSON *id = cJSON_GetObjectItem(runner, "job"), *j;

	if (!cJSON_IsNumber(id))
		return NULL;
	cJSON_ArrayForEach(j, cJSON_GetObjectItem(m->running, "jobs"))
		if (hc_num(j, "id", NULL) == id->valuedouble)
			return j;
	return NULL;
}

static void
add_row(struct mon *m, enum row_kind kind, const cJSON *runner, const cJSON *job, char *text)
{
	const cJSON *id = cJSON_GetObjectItem(runner, "job");

	m->rows = xreallocarray(m->rows, (size_t)m->n_rows + 1, sizeof *m->rows);
	m->selectable = xreallocarray(m->selectable, (size_t)m->n_rows + 1, sizeof *m->selectable);
	m->rows[m->n_rows] = (struct row){ kind, runner, job, job != NULL ? (long long)hc_num(job, "id", NULL)
	    : cJSON_IsNumber(id) ? (long long)id->valuedouble : -1, text };
	m->selectable[m->n_rows++] = kind == ROW_RUNNER || kind == ROW_JOB;
}

static void
free_rows(struct mon *m)
{
	for (int i = 0; i < m->n_rows; i++)
		free(m->rows[i].text);
	free(m->rows);
	free(m->selectable);
	m->rows = NULL;
	m->selectable = NULL;
	m->n_rows = 0;
}

/* The queue's pending jobs by priority, with a count per priority. */
static void
queue_rows(struct mon *m)
{
	const cJSON *arr = cJSON_GetObjectItem(m->pending, "jobs"), *j;
	int n = cJSON_GetArraySize(arr), k = 0, per[3] = { 0, 0, 0 };
	const cJSON **v = xcalloc((size_t)n + 1, sizeof *v);

	cJSON_ArrayForEach(j, arr) {
		v[k++] = j;
		per[prio_rank(j)]++;
	}
	qsort(v, (size_t)n, sizeof *v, by_priority);
	add_row(m, ROW_TITLE, NULL, NULL, xasprintf(_("Queue by priority: %d pending (%d high, %d medium, %d low)"),
	    n, per[0], per[1], per[2]));
	add_row(m, ROW_LABELS, NULL, NULL, xasprintf("  %-7s %-8s %-24s %-10s %-9s %s", _("JOB"), _("PRIORITY"),
	    _("MODULE"), _("VERSION"), _("WAITING"), _("ATTEMPTS")));
	for (int i = 0; i < n; i++)
		add_row(m, ROW_JOB, NULL, v[i], NULL);
	if (n == 0)
		add_row(m, ROW_NOTE, NULL, NULL, xstrdup(_("  the queue is empty")));
	free(v);
}

/* Rebuilds the rows from the documents, keeping the selection on the runner old_runner (may be
 * NULL) or the queued job old_id (-1: none). */
static void
build_rows(struct mon *m, const char *old_runner, long long old_id)
{
	const cJSON *r;

	free_rows(m);
	add_row(m, ROW_TITLE, NULL, NULL, xstrdup(_("Runners")));
	add_row(m, ROW_LABELS, NULL, NULL, xasprintf("  %-14s %-8s %-7s %-18s %s", _("RUNNER"), _("STATE"), _("JOB"),
	    _("MODULE"), _("PROGRESS, ETA AND LOSS")));
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(m->runners, "runners"))
		add_row(m, ROW_RUNNER, r, running_job(m, r), NULL);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(m->runners, "runners")) == 0)
		add_row(m, ROW_NOTE, NULL, NULL, xstrdup(_("  no runners")));
	add_row(m, ROW_NOTE, NULL, NULL, xstrdup(""));
	queue_rows(m);
	m->sel = -1;
	for (int i = 0; i < m->n_rows && m->sel < 0; i++)
		if ((old_runner != NULL && m->rows[i].runner != NULL && strcmp(hc_str(m->rows[i].runner, "id", ""), old_runner) == 0) ||
		    (old_id >= 0 && m->rows[i].kind == ROW_JOB && m->rows[i].id == old_id))
			m->sel = i;
	if (m->sel < 0)
		for (int i = 0; i < m->n_rows && m->sel < 0; i++)
			if (m->selectable[i])
				m->sel = i;
	if (m->sel < 0)
		m->sel = 0;
}

static void
replace(cJSON **slot, cJSON *doc)
{
	cJSON_Delete(*slot);
	*slot = doc;
}

/* GET /status, /runners and the running and pending jobs; on a failure the last answers stay
 * on screen with the failure above them. */
static void
fetch_all(struct mon *m)
{
	static const char *const paths[] = { "/status", "/runners", "/jobs?state=running", "/jobs?state=pending" };
	cJSON *docs[4] = { NULL, NULL, NULL, NULL };
	const struct row *old;
	char *old_runner;
	long long old_id;
	int rc = 0;

	for (int i = 0; i < 4 && rc >= 0; i++)
		rc = qtm_hive_call(m->h->ctx, m->cl, "GET", paths[i], NULL, &docs[i]);
	if (rc < 0) {
		snprintf(m->err, sizeof m->err, "%s", qtm_strerror(m->h->ctx));
		for (int i = 0; i < 4; i++)
			cJSON_Delete(docs[i]);
		return;
	}
	/* What is selected, before the rows' documents go. */
	old = m->sel < m->n_rows ? &m->rows[m->sel] : NULL;
	old_runner = old != NULL && old->runner != NULL ? xstrdup(hc_str(old->runner, "id", "")) : NULL;
	old_id = old != NULL && old->kind == ROW_JOB ? old->id : -1;
	m->err[0] = '\0';
	replace(&m->status, docs[0]);
	replace(&m->runners, docs[1]);
	replace(&m->running, docs[2]);
	replace(&m->pending, docs[3]);
	build_rows(m, old_runner, old_id);
	free(old_runner);
}

/* ---- the full-screen view: drawing --------------------------------------------------------- */

static void
draw_header(struct mon *m)
{
	const cJSON *st = m->status;
	char up[32], line[512], when[16];
	time_t now = time(NULL);
	int x = 0;

	qtm_duration(hc_num(st, "uptime_s", NULL), up, sizeof up);
	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	snprintf(line, sizeof line, _(" qtm hive monitor   %s   version %s, up %s, executor %s"),
	    qtm_hive_client_url(m->cl), hc_str(st, "version", "?"), up, hc_str(st, "executor", "?"));
	tui_title(&m->t, 0, line);
	if ((int)strlen(line) + 10 <= COLS) {   /* the clock only where it leaves the title whole */
		attron(A_REVERSE);
		mvaddnstr(0, COLS - 9, when, 8);
		attroff(A_REVERSE);
	}
	for (int i = 0; i < 3; i++) {
		static const char *const keys[] = { "cpu_percent", "memory_percent", "disk_percent" };
		const char *label = i == 0 ? _("CPU") : i == 1 ? _("Memory") : _("Disk");
		double p = hc_num(st, "system", keys[i]);

		snprintf(line, sizeof line, "%s ", label);
		tui_put(&m->t, 1, x, COLS - x, TUI_PLAIN, true, line);
		x += (int)strlen(line);
		tui_bar(&m->t, 1, x, 14, p / 100);
		snprintf(line, sizeof line, " %3.0f%%   ", p);
		tui_put(&m->t, 1, x + 14, COLS - x - 14, p > 90 ? TUI_BAD : TUI_PLAIN, false, line);
		x += 14 + (int)strlen(line);
	}
	snprintf(line, sizeof line, _("Runners: %.0f busy of %.0f (max %.0f)   Jobs: %.0f pending, %.0f running, %.0f completed, %.0f failed, %.0f cancelled"),
	    hc_num(st, "runners", "busy"), hc_num(st, "runners", "total"), hc_num(st, "runners", "max"),
	    hc_num(st, "queue", "pending"), hc_num(st, "queue", "running"), hc_num(st, "queue", "completed"),
	    hc_num(st, "queue", "failed"), hc_num(st, "queue", "cancelled"));
	tui_put(&m->t, 2, 0, COLS, TUI_PLAIN, false, line);
	if (m->err[0] != '\0')
		tui_put(&m->t, 3, 0, COLS, TUI_BAD, true, m->err);
}

/* Progress bar, percent, ETA, last loss and sparkline of a running job, from column x. */
static void
draw_progress(struct mon *m, int y, int x, const cJSON *job)
{
	const cJSON *p = cJSON_GetObjectItem(job, "progress"), *eta = cJSON_GetObjectItem(job, "eta_s");
	int bw = COLS / 6 < 12 ? 12 : COLS / 6 > 32 ? 32 : COLS / 6;
	double *loss = NULL;
	size_t n = qtm_loss_values(cJSON_GetObjectItem(job, "loss"), &loss);
	char buf[96], dur[32];

	tui_bar(&m->t, y, x, bw, cJSON_IsNumber(p) ? p->valuedouble : -1);
	x += bw;
	qtm_duration(cJSON_IsNumber(eta) ? eta->valuedouble : -1, dur, sizeof dur);
	if (cJSON_IsNumber(p))
		snprintf(buf, sizeof buf, _(" %3.0f%%  ETA %-7s"), p->valuedouble * 100, dur);
	else
		snprintf(buf, sizeof buf, _("   -  ETA %-7s"), dur);
	tui_put(&m->t, y, x, COLS - x, TUI_PLAIN, false, buf);
	x += (int)strlen(buf);
	if (n > 0) {
		snprintf(buf, sizeof buf, _(" loss %-9.4g "), loss[n - 1]);
		tui_put(&m->t, y, x, COLS - x, TUI_PLAIN, false, buf);
		x += (int)strlen(buf);
		tui_spark(&m->t, y, x, COLS - x < 48 ? COLS - x : 48, loss, n);
	}
	free(loss);
}

static void
draw_row(struct mon *m, int y, const struct row *r, bool selected)
{
	char buf[512], id[32], dur[32];

	if (selected)
		attron(A_REVERSE);
	switch (r->kind) {
	case ROW_TITLE: case ROW_LABELS: case ROW_NOTE:
		tui_put(&m->t, y, 0, COLS, r->kind == ROW_NOTE ? TUI_DIM : TUI_PLAIN, r->kind != ROW_NOTE, r->text);
		break;
	case ROW_RUNNER:
		snprintf(id, sizeof id, r->id >= 0 ? "#%lld" : "-", r->id);
		snprintf(buf, sizeof buf, "  %-14.14s %-8.8s %-7s %-18.18s ", hc_str(r->runner, "id", "?"),
		    hc_str(r->runner, "state", "?"), id, r->job != NULL ? hc_str(r->job, "module", "?") : "");
		tui_put(&m->t, y, 0, COLS, strcmp(hc_str(r->runner, "state", ""), "lost") == 0 ? TUI_BAD : TUI_PLAIN, false, buf);
		if (r->job != NULL)
			draw_progress(m, y, (int)strlen(buf), r->job);
		break;
	case ROW_JOB:
		snprintf(id, sizeof id, "#%lld", r->id);
		qtm_duration(qtm_wall_s() - hc_num(r->job, "submitted_at", NULL), dur, sizeof dur);
		snprintf(buf, sizeof buf, "  %-7s %-8s %-24.24s %-10.10s %-9s %.0f/%.0f %s", id, hc_str(r->job, "priority", "?"),
		    hc_str(r->job, "module", "?"), hc_str(r->job, "version", "?"), dur, hc_num(r->job, "attempts", NULL),
		    hc_num(r->job, "max_attempts", NULL), hc_str(r->job, "error", ""));
		tui_put(&m->t, y, 0, COLS, prio_rank(r->job) == 0 ? TUI_WARN : TUI_PLAIN, false, buf);
		break;
	}
	if (selected) {
		int cy, cx;

		getyx(stdscr, cy, cx);
		(void)cy;
		if (cx < COLS && cy == y)
			mvhline(y, cx, ' ', COLS - cx);   /* the whole line shows the selection */
		attroff(A_REVERSE);
	}
}

static void
draw_main(struct mon *m)
{
	int rows = LINES - FIRST_ROW - 1;
	char help[sizeof m->msg + 64];

	erase();
	draw_header(m);
	tui_scroll(m->sel, rows, m->n_rows, &m->top);
	for (int i = m->top, y = FIRST_ROW; i < m->n_rows && y < LINES - 1; i++, y++)
		draw_row(m, y, &m->rows[i], i == m->sel && m->selectable[i]);
	if (m->confirm > 0)
		snprintf(help, sizeof help, _(" Cancel job %lld? [y/n] "), m->confirm);
	else if (m->msg[0] != '\0')
		snprintf(help, sizeof help, " %s", m->msg);
	else
		snprintf(help, sizeof help, "%s", _(" up/down/j/k select   Enter follow the log   c cancel the job   r refresh   q quit"));
	tui_title(&m->t, LINES - 1, help);
}

static void
draw_log(struct mon *m)
{
	char *title = xasprintf(_(" Log of job %lld (%s): %s   Esc back"), m->log_job, m->log_module,
	    m->log_state[0] != '\0' ? m->log_state : "?");

	tui_log(&m->t, title, &m->log, m->log_back);
	free(title);
}

/* ---- the full-screen view: keys ------------------------------------------------------------ */

static void
poll_log(struct mon *m)
{
	struct qtm_hive_log_chunk ch;

	if (qtm_hive_log_get(m->h->ctx, m->cl, m->log_job, 0, m->log.offset, &ch) < 0) {
		snprintf(m->log_state, sizeof m->log_state, "%s", _("unreachable"));
		return;
	}
	size_t before = m->log.n_lines;

	qtm_log_scan_feed(&m->log, ch.text, ch.len);
	m->log.offset = ch.next_offset;   /* the hive's word for it */
	snprintf(m->log_state, sizeof m->log_state, "%s", ch.state);
	if (m->log_back > 0)   /* scrolled back: the same lines stay on screen */
		m->log_back += (int)(m->log.n_lines - before);
	free(ch.text);
}

static void
open_log(struct mon *m, const struct row *r)
{
	if (r->id < 0) {
		snprintf(m->msg, sizeof m->msg, _("runner %s has no job"), hc_str(r->runner, "id", "?"));
		return;
	}
	qtm_log_scan_clear(&m->log);
	m->log_job = r->id;
	m->log_back = 0;
	m->log_state[0] = '\0';
	snprintf(m->log_module, sizeof m->log_module, "%s", r->job != NULL ? hc_str(r->job, "module", "?") : "?");
	m->next_log = 0;
}

static void
ask_cancel(struct mon *m, const struct row *r)
{
	if (r->id < 0)
		snprintf(m->msg, sizeof m->msg, _("runner %s has no job to cancel"), hc_str(r->runner, "id", "?"));
	else if (qtm_hive_client_token(m->cl) == NULL)
		snprintf(m->msg, sizeof m->msg, "%s",
		    _("cannot cancel: no operator token (give --token TOKEN|@FILE or QTM_HIVE_TOKEN, or --root of the hive)"));
	else
		m->confirm = r->id;
}

static void
do_cancel(struct mon *m)
{
	char *path = xasprintf("/jobs/%lld/cancel", m->confirm);
	cJSON *out = NULL;

	if (qtm_hive_call(m->h->ctx, m->cl, "POST", path, NULL, &out) < 0)
		snprintf(m->msg, sizeof m->msg, "%s", qtm_strerror(m->h->ctx));
	else if (strcmp(hc_str(out, "state", ""), "cancelled") == 0)
		snprintf(m->msg, sizeof m->msg, _("job %lld cancelled"), m->confirm);
	else
		snprintf(m->msg, sizeof m->msg, _("job %lld: cancel requested (the runner stops it at its next heartbeat)"),
		    m->confirm);
	cJSON_Delete(out);
	free(path);
	m->confirm = 0;
}

/* Handles one key of the list; returns false to quit. */
static bool
main_key(struct mon *m, int key, double *next_refresh)
{
	const struct row *r = m->sel < m->n_rows ? &m->rows[m->sel] : NULL;

	if (m->confirm > 0) {
		if (key == 'y' || key == 'Y') {
			do_cancel(m);
			*next_refresh = 0;
		} else {
			snprintf(m->msg, sizeof m->msg, _("job %lld not cancelled"), m->confirm);
			m->confirm = 0;
		}
		return true;
	}
	m->msg[0] = '\0';
	if (key == 'q' || key == 'Q')
		return false;
	if (tui_nav(key, &m->sel, m->selectable, m->n_rows, LINES - FIRST_ROW - 2))
		return true;
	if (r != NULL && m->selectable[m->sel] && (key == '\r' || key == '\n' || key == KEY_ENTER))
		open_log(m, r);
	else if (r != NULL && m->selectable[m->sel] && key == 'c')
		ask_cancel(m, r);
	else if (key == 'r')
		*next_refresh = 0;
	return true;
}

static int
full_screen(struct mon *m, double interval, long long count)
{
	double next_refresh = 0;
	long long done = 0;

	if (!tui_start(&m->t, m->h->ctx, 200))
		return 1;
	for (;;) {
		int key;

		if (qtm_mono_s() >= next_refresh) {
			if (count > 0 && done == count)
				break;
			fetch_all(m);
			done++;
			next_refresh = qtm_mono_s() + interval;
		}
		if (m->log_job > 0 && qtm_mono_s() >= m->next_log) {
			poll_log(m);
			m->next_log = qtm_mono_s() + LOG_POLL_S;
		}
		m->log_job > 0 ? draw_log(m) : draw_main(m);
		key = tui_key(m->log_job > 0 && m->next_log < next_refresh ? m->next_log : next_refresh);
		if (tui_stopped())
			break;
		if (key == ERR || key == KEY_RESIZE)
			continue;   /* curses has taken the new size; the next pass redraws all */
		if (m->log_job > 0) {
			if (tui_back_key(key)) {
				m->log_job = 0;
				qtm_log_scan_clear(&m->log);
			} else {
				tui_log_key(key, &m->log_back, &m->log);
			}
		} else if (!main_key(m, key, &next_refresh)) {
			break;
		}
	}
	tui_end(&m->t);
	return 0;
}

int
hc_monitor(struct hc *h, const struct cli_args *a)
{
	struct mon m = { .h = h };
	double interval = 2;
	long long count = 0;
	bool plain = false;
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		int c = a->options[i].opt->id;
		const char *arg = a->options[i].arg;

		if (c == 'i' && qtm_watch_interval(h->ctx, arg, &interval) == 0)
			continue;
		if (c == 'i')
			fprintf(stderr, "%s monitor: %s\n", h->prog, qtm_strerror(h->ctx));
		if (c == 'p') {
			plain = true;
			continue;
		}
		if (c != 'n' || (count = hc_number(h, "monitor", "--count", arg)) < 0)
			return hc_usage_error(h, a);
	}
	if (a->argc > 1)
		return hc_usage_error(h, a);
	if ((rc = hc_client(h, &m.cl)) < 0)
		return rc;
	/* The terminal view only when one can be drawn; else (a pipe, --json) the plain lines. */
	if (plain || !tui_wanted(h->ctx) || full_screen(&m, interval, count) != 0)
		rc = plain_lines(h, m.cl, interval, count);
	free_rows(&m);
	qtm_log_scan_clear(&m.log);
	cJSON_Delete(m.status);
	cJSON_Delete(m.runners);
	cJSON_Delete(m.running);
	cJSON_Delete(m.pending);
	qtm_hive_client_free(m.cl);
	return rc;
}
