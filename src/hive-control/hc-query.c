/* hc-query.c - hive-control status, runners, jobs, logs, web: reading the hive. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "hive-local.h"
#include "paths.h"
#include "text.h"
#include "i18n.h"
#include "xalloc.h"

#define GREEN "\033[32m"

/* GET path as JSON; the client's URL in *url when asked (owned by the caller). */
static int
get(struct hc *h, const char *path, cJSON **out, char **url)
{
	struct qtm_hive_client *c;
	int rc;

	if ((rc = hc_client(h, &c)) < 0)
		return rc;
	rc = qtm_hive_call(h->ctx, c, "GET", path, NULL, out);
	if (rc >= 0 && url != NULL)
		*url = xstrdup(qtm_hive_client_url(c));
	qtm_hive_client_free(c);
	return rc < 0 ? rc : 0;
}

static int
no_args(struct hc *h, const struct cli_args *a)
{
	return a->argc > 1 ? hc_usage_error(h, a) : 0;
}

/* ---- status -------------------------------------------------------------------------------- */

static void
print_status(struct hc *h, const cJSON *st, const char *url)
{
	const char *b = hc_bold(h), *r = hc_reset(h);

	printf(_("%sHive Status:%s\n\n"), b, r);
	printf(_("%sOrchestrator:%s %s%s%s (%s, version %s, up %.0f s, executor %s)\n\n"), b, r,
	    hc_color(h, GREEN), strcmp(hc_str(st, "orchestrator", ""), "running") == 0 ? _("Running") : hc_str(st, "orchestrator", "?"),
	    r, url, hc_str(st, "version", "?"), hc_num(st, "uptime_s", NULL), hc_str(st, "executor", "?"));
	printf(_("%sSystem:%s\n  CPU: %.1f%%\n  Memory: %.1f%%\n  Disk: %.1f%%\n\n"), b, r,
	    hc_num(st, "system", "cpu_percent"), hc_num(st, "system", "memory_percent"), hc_num(st, "system", "disk_percent"));
	printf(_("%sRunners:%s\n  Active: %.0f (busy %.0f, idle %.0f)\n  Available: %.0f\n  Max: %.0f\n\n"), b, r,
	    hc_num(st, "runners", "active"), hc_num(st, "runners", "busy"), hc_num(st, "runners", "idle"),
	    hc_num(st, "runners", "available"), hc_num(st, "runners", "max"));
	printf(_("%sQueue:%s\n  Pending: %.0f\n  Running: %.0f\n  Completed: %.0f\n  Failed: %.0f\n"), b, r,
	    hc_num(st, "queue", "pending"), hc_num(st, "queue", "running"), hc_num(st, "queue", "completed"),
	    hc_num(st, "queue", "failed"));
}

/* The local hive (no --hive, QTM_HIVE or `hive =`) that does not answer: stopped, with the
 * address from STATE/last-url, which the daemon keeps when it stops. */
static int
stopped_status(struct hc *h, int rc)
{
	const char *env = getenv("QTM_HIVE");
	char *dir, *path, *last = NULL;
	size_t len = 0;

	if (rc != -EHOSTUNREACH || h->hive != NULL || (env != NULL && env[0] != '\0') ||
	    (h->ctx->hive != NULL && h->ctx->hive[0] != '\0'))
		return rc;
	dir = qtm_hive_state_dir(h->ctx);
	if (qtm_hive_local_pid(dir) > 0) {   /* running but not answering: the error says why */
		free(dir);
		return rc;
	}
	path = xasprintf("%s/last-url", dir);
	if (qtm_read_file(h->ctx, path, &last, &len) < 0)
		last = NULL;
	while (last != NULL && len > 0 && (last[len - 1] == '\n' || last[len - 1] == '\r'))
		last[--len] = '\0';
	if (h->ctx->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "orchestrator", "stopped");
		cJSON_AddItemToObject(o, "url", last != NULL ? cJSON_CreateString(last) : cJSON_CreateNull());
		hc_print_json(o);
	} else {
		printf(_("%sHive Status:%s\n\n"), hc_bold(h), hc_reset(h));
		if (last != NULL)
			printf(_("%sOrchestrator:%s stopped (last at %s)\n"), hc_bold(h), hc_reset(h), qtm_term_safe(last));
		else
			printf(_("%sOrchestrator:%s stopped (never started)\n"), hc_bold(h), hc_reset(h));
	}
	free(last);
	free(path);
	free(dir);
	return CLI_EXIT(CLI_EXIT_STOPPED);
}

int
hc_status(struct hc *h, const struct cli_args *a)
{
	cJSON *st = NULL;
	char *url = NULL;
	int rc;

	if ((rc = no_args(h, a)) != 0)
		return rc;
	if ((rc = get(h, "/status", &st, &url)) < 0)
		return stopped_status(h, rc);
	if (h->ctx->json) {
		cJSON_AddStringToObject(st, "url", url);
		hc_print_json(st);
	} else {
		print_status(h, st, url);
		cJSON_Delete(st);
	}
	free(url);
	return 0;
}

/* ---- runners and jobs ---------------------------------------------------------------------- */

int
hc_runners(struct hc *h, const struct cli_args *a)
{
	const cJSON *rn;
	cJSON *doc = NULL;
	int rc;

	if ((rc = no_args(h, a)) != 0 || (rc = get(h, "/runners", &doc, NULL)) < 0)
		return rc;
	if (h->ctx->json) {
		hc_print_json(doc);
		return 0;
	}
	printf(_("%s%-16s %-9s %-8s %-16s %5s %9s %4s %6s%s\n"), hc_bold(h), _("ID"), _("STATE"), _("EXECUTOR"),
	    _("HOST"), _("CORES"), _("MEM(MiB)"), _("GPUS"), _("JOB"), hc_reset(h));
	cJSON_ArrayForEach(rn, cJSON_GetObjectItem(doc, "runners")) {
		const cJSON *job = cJSON_GetObjectItem(rn, "job");
		char jb[32] = "-";

		if (cJSON_IsNumber(job))
			snprintf(jb, sizeof jb, "%.0f", job->valuedouble);
		printf("%-16s %-9s %-8s %-16.16s %5.0f %9.0f %4.0f %6s\n", hc_str(rn, "id", "?"), hc_str(rn, "state", "?"),
		    hc_str(rn, "executor", "?"), hc_str(rn, "host", "?"), hc_num(rn, "capability", "cores"),
		    hc_num(rn, "capability", "memory_mb"), hc_num(rn, "capability", "gpus"), jb);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "runners")) == 0)
		printf(_("  no runners\n"));
	cJSON_Delete(doc);
	return 0;
}

static void
print_job(const cJSON *j)
{
	const cJSON *p = cJSON_GetObjectItem(j, "progress");
	char prog[16] = "-";

	if (cJSON_IsNumber(p))
		snprintf(prog, sizeof prog, "%.0f%%", p->valuedouble * 100);
	printf("%6.0f %-10s %-7s %-24s %-10s %-14s %5s %4.0f/%-4.0f\n", hc_num(j, "id", NULL), hc_str(j, "state", "?"),
	    hc_str(j, "priority", "?"), hc_str(j, "module", "?"), hc_str(j, "version", "?"),
	    cJSON_IsString(cJSON_GetObjectItem(j, "runner")) ? hc_str(j, "runner", "-") : "-", prog,
	    hc_num(j, "attempts", NULL), hc_num(j, "max_attempts", NULL));
	if (cJSON_IsString(cJSON_GetObjectItem(j, "error")))
		printf("       %s\n", hc_str(j, "error", ""));
}

/* path with "?" or "&" and key=value appended, value percent-encoded; frees path. */
static char *
add_query(char *path, const char *key, const char *value)
{
	size_t n = strlen(value);
	char *enc = xmalloc(3 * n + 1), *out, *p = enc;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)value[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			*p++ = (char)ch;
		else
			p += sprintf(p, "%%%02X", ch);
	}
	*p = '\0';
	out = xasprintf("%s%c%s=%s", path, strchr(path, '?') != NULL ? '&' : '?', key, enc);
	free(enc);
	free(path);
	return out;
}

int
hc_jobs(struct hc *h, const struct cli_args *a)
{
	const cJSON *j;
	cJSON *doc = NULL;
	char *path = xstrdup("/jobs");
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		const char *arg = a->options[i].arg;

		switch (a->options[i].opt->id) {
		case 's': path = add_query(path, "state", arg); break;
		case 'm': path = add_query(path, "module", arg); break;
		case 'R': path = add_query(path, "runner", arg); break;
		default:
			if (hc_number(h, "jobs", "--limit", arg) < 0) {
				free(path);
				return hc_usage_error(h, a);
			}
			path = add_query(path, "limit", arg);
		}
	}
	if (a->argc > 1) {
		free(path);
		return hc_usage_error(h, a);
	}
	rc = get(h, path, &doc, NULL);
	free(path);
	if (rc < 0)
		return rc;
	if (h->ctx->json) {
		hc_print_json(doc);
		return 0;
	}
	printf(_("%s%6s %-10s %-7s %-24s %-10s %-14s %5s %9s%s\n"), hc_bold(h), _("ID"), _("STATE"), _("PRIO"),
	    _("MODULE"), _("VERSION"), _("RUNNER"), _("DONE"), _("ATTEMPTS"), hc_reset(h));
	cJSON_ArrayForEach(j, cJSON_GetObjectItem(doc, "jobs"))
		print_job(j);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "jobs")) == 0)
		printf(_("  no jobs\n"));
	cJSON_Delete(doc);
	return 0;
}

/* ---- logs ---------------------------------------------------------------------------------- */

static bool
final_state(const char *s)
{
	return strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0;
}

/* What `logs WORD` names. */
struct log_target {
	long long job;               /* > 0: a job's log */
	const char *runner;          /* else a runner's own */
	int attempt;
};

static int
log_chunk(struct hc *h, struct qtm_hive_client *c, const struct log_target *t, long long off,
    struct qtm_hive_log_chunk *ch)
{
	return t->job > 0 ? qtm_hive_log_get(h->ctx, c, t->job, t->attempt, off, ch)
	    : qtm_hive_runner_log_get(h->ctx, c, t->runner, off, ch);
}

/* A runner's log has no end: -f follows it until interrupted. */
static int
follow_logs(struct hc *h, struct qtm_hive_client *c, const struct log_target *t, bool follow)
{
	struct qtm_hive_log_chunk ch;
	long long off = 0;
	int rc;

	for (;;) {
		if ((rc = log_chunk(h, c, t, off, &ch)) < 0)
			return rc;
		fwrite(ch.text, 1, ch.len, stdout);
		fflush(stdout);
		free(ch.text);
		off = ch.next_offset;
		if (!follow || (t->job > 0 && ch.len == 0 && (ch.state[0] == '\0' || final_state(ch.state))))
			return 0;
		if (ch.len == 0) {
			struct timespec ts = { 0, 500000000L };

			nanosleep(&ts, NULL);
		}
	}
}

static bool
all_digits(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The newest job of module word, 0 when it has none. */
static int
module_latest(struct hc *h, const char *word, long long *job)
{
	cJSON *doc = NULL;
	char *path = add_query(xstrdup("/jobs?limit=1"), "module", word);
	int rc = get(h, path, &doc, NULL);

	free(path);
	*job = rc == 0 ? (long long)hc_num(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "jobs"), 0), "id", NULL) : 0;
	cJSON_Delete(doc);
	return rc;
}

static int
is_runner(struct hc *h, const char *word, bool *yes)
{
	const cJSON *r;
	cJSON *doc = NULL;
	int rc = get(h, "/runners", &doc, NULL);

	*yes = false;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "runners"))
		*yes = *yes || strcmp(hc_str(r, "id", ""), word) == 0;
	cJSON_Delete(doc);
	return rc;
}

/* Digits are a job, an exact runner id a runner, any other word a module (its newest job);
 * kind ('J', 'R', 'M' or 0) forces one. */
static int
resolve_log(struct hc *h, const char *word, int kind, struct log_target *t)
{
	long long job = 0;
	bool runner = false;
	int rc;

	if (kind == 'J' || (kind == 0 && all_digits(word))) {
		if ((t->job = hc_number(h, "logs", _("the job id"), word)) < 0)
			return HC_USAGE;
		return 0;
	}
	if (kind == 'R') {
		t->runner = word;
		return 0;
	}
	if ((kind == 0 && (rc = is_runner(h, word, &runner)) < 0) || (rc = module_latest(h, word, &job)) < 0)
		return rc;
	if (runner && job > 0) {
		fprintf(stderr, _("%s logs: \"%s\" is both a runner and a module with jobs: say --runner or --module\n"),
		    h->prog, word);
		return HC_USAGE;
	}
	if (runner) {
		t->runner = word;
		return 0;
	}
	if (job > 0) {
		t->job = job;
		return 0;
	}
	return kind == 'M' ? qtm_error(h->ctx, -ENOENT, _("module %s has no job in the hive"), word)
	    : qtm_error(h->ctx, -ENOENT, _("no job, runner or module \"%s\" in the hive"), word);
}

int
hc_logs(struct hc *h, const struct cli_args *a)
{
	struct log_target t = { 0, NULL, 0 };
	struct qtm_hive_client *cl;
	long long attempt = 0;
	bool follow = false;
	int rc, kind = 0;

	for (size_t i = 0; i < a->noptions; i++) {
		int id = a->options[i].opt->id;

		if (id == 'f')
			follow = true;
		else if (id == 'J' || id == 'R' || id == 'M') {
			if (kind != 0 && kind != id)
				return hc_usage_error(h, a);
			kind = id;
		} else if ((attempt = hc_number(h, "logs", "--attempt", a->options[i].arg)) < 0)
			return hc_usage_error(h, a);
	}
	if (a->argc != 2)
		return hc_usage_error(h, a);
	if ((rc = resolve_log(h, a->argv[1], kind, &t)) == HC_USAGE)
		return hc_usage_error(h, a);
	if (rc < 0)
		return rc;
	t.attempt = (int)attempt;
	if ((rc = hc_client(h, &cl)) < 0)
		return rc;
	if (h->ctx->json) {
		struct qtm_hive_log_chunk ch;

		if ((rc = log_chunk(h, cl, &t, 0, &ch)) == 0) {
			cJSON *o = cJSON_CreateObject();

			if (t.job > 0)
				cJSON_AddNumberToObject(o, "job", (double)t.job);
			else
				cJSON_AddStringToObject(o, "runner", t.runner);
			cJSON_AddStringToObject(o, "state", ch.state);
			cJSON_AddNumberToObject(o, "next_offset", (double)ch.next_offset);
			cJSON_AddStringToObject(o, "log", ch.text);
			hc_print_json(o);
			free(ch.text);
		}
	} else {
		rc = follow_logs(h, cl, &t, follow);
	}
	qtm_hive_client_free(cl);
	return rc;
}

/* ---- web (monitor: hc-monitor.c) -------------------------------------------------------- */

/* xdg-open, detached, only on a terminal and only when it is installed. */
static void
open_browser(const char *url)
{
	pid_t pid;

	if (!isatty(STDOUT_FILENO) || access("/usr/bin/xdg-open", X_OK) < 0)
		return;
	if ((pid = fork()) == 0) {
		setsid();
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl("/usr/bin/xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
}

int
hc_web(struct hc *h, const struct cli_args *a)
{
	struct qtm_hive_client *cl;
	char *url;
	int rc;

	if ((rc = no_args(h, a)) != 0 || (rc = hc_client(h, &cl)) < 0)
		return rc;
	url = xasprintf("%s/", qtm_hive_client_url(cl));
	if (h->ctx->json) {
		cJSON *o = cJSON_CreateObject();
		char *docs = xasprintf("%sdocs", url);

		cJSON_AddStringToObject(o, "dashboard", url);
		cJSON_AddStringToObject(o, "docs", docs);
		hc_print_json(o);
		free(docs);
	} else {
		printf("%s\n", url);
		fflush(stdout);
		open_browser(url);
	}
	free(url);
	qtm_hive_client_free(cl);
	return 0;
}
