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

int
hc_jobs(struct hc *h, const struct cli_args *a)
{
	const char *state = NULL, *limit = NULL;
	const cJSON *j;
	cJSON *doc = NULL;
	char *path;
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		const char *arg = a->options[i].arg;

		if (a->options[i].opt->id == 's')
			state = arg;
		else if (hc_number(h, "jobs", "--limit", arg) >= 0)
			limit = arg;
		else
			return hc_usage_error(h, a);
	}
	if (a->argc > 1)
		return hc_usage_error(h, a);
	path = xasprintf("/jobs%s%s%s%s%s", state != NULL || limit != NULL ? "?" : "",
	    state != NULL ? "state=" : "", state != NULL ? state : "",
	    state != NULL && limit != NULL ? "&limit=" : limit != NULL ? "limit=" : "", limit != NULL ? limit : "");
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

static int
follow_logs(struct hc *h, struct qtm_hive_client *c, long long id, int attempt, bool follow)
{
	struct qtm_hive_log_chunk ch;
	long long off = 0;
	int rc;

	for (;;) {
		if ((rc = qtm_hive_log_get(h->ctx, c, id, attempt, off, &ch)) < 0)
			return rc;
		fwrite(ch.text, 1, ch.len, stdout);
		fflush(stdout);
		free(ch.text);
		off = ch.next_offset;
		if (!follow || (ch.len == 0 && (ch.state[0] == '\0' || final_state(ch.state))))
			return 0;
		if (ch.len == 0) {
			struct timespec ts = { 0, 500000000L };

			nanosleep(&ts, NULL);
		}
	}
}

int
hc_logs(struct hc *h, const struct cli_args *a)
{
	struct qtm_hive_client *cl;
	long long id, attempt = 0;
	bool follow = false;
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		if (a->options[i].opt->id == 'f')
			follow = true;
		else if ((attempt = hc_number(h, "logs", "--attempt", a->options[i].arg)) < 0)
			return hc_usage_error(h, a);
	}
	if (a->argc != 2 || (id = hc_number(h, "logs", _("the job id"), a->argv[1])) < 0)
		return hc_usage_error(h, a);
	if ((rc = hc_client(h, &cl)) < 0)
		return rc;
	if (h->ctx->json) {
		struct qtm_hive_log_chunk ch;

		if ((rc = qtm_hive_log_get(h->ctx, cl, id, (int)attempt, 0, &ch)) == 0) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "job", (double)id);
			cJSON_AddStringToObject(o, "state", ch.state);
			cJSON_AddNumberToObject(o, "next_offset", (double)ch.next_offset);
			cJSON_AddStringToObject(o, "log", ch.text);
			hc_print_json(o);
			free(ch.text);
		}
	} else {
		rc = follow_logs(h, cl, id, (int)attempt, follow);
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
