/* cmd-status.c - qtm status: running and recent trainings, installed counts, sources; with
 * --watch the live view of status-watch.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "number.h"
#include "source.h"
#include "watch.h"

static int cmd_status_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_status_entry = { &qtm_verb_status, cmd_status_exec };

/* A "running" row whose process is gone was interrupted. */
const char *
cmd_training_state(const struct qtm_training *t)
{
	if (strcmp(t->state, "running") == 0 && (t->pid <= 0 || (kill((pid_t)t->pid, 0) < 0 && errno == ESRCH)))
		return "interrupted";
	return t->state;
}

cJSON *
cmd_training_json(const struct qtm_training *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)t->id);
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "version", t->version);
	cJSON_AddStringToObject(o, "build_id", t->build_id);
	cJSON_AddStringToObject(o, "state", cmd_training_state(t));
	cJSON_AddNumberToObject(o, "started_at", (double)t->started_at);
	if (t->finished_at > 0)
		cJSON_AddNumberToObject(o, "finished_at", (double)t->finished_at);
	cJSON_AddNumberToObject(o, "wall_s", t->wall_s);
	if (t->log_path != NULL)
		cJSON_AddStringToObject(o, "log", t->log_path);
	if (t->limits != NULL)
		cJSON_AddStringToObject(o, "limits", t->limits);
	if (t->message != NULL)
		cJSON_AddStringToObject(o, "message", t->message);
	return o;
}

static void
print_text(struct qtm_ctx *ctx, const cJSON *st)
{
	const cJSON *t, *counts = cJSON_GetObjectItem(st, "installed");
	char when[32];

	printf(_("%sInstalled:%s %d models, %d datasets\n"), cmd_bold(ctx), cmd_reset(ctx),
	    cJSON_GetObjectItem(counts, "models")->valueint, cJSON_GetObjectItem(counts, "datasets")->valueint);
	printf(_("%sSources:%s"), cmd_bold(ctx), cmd_reset(ctx));
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(st, "sources"))
		printf(" %s", cJSON_GetObjectItem(t, "name")->valuestring);
	printf(_("\n%sTrainings:%s\n"), cmd_bold(ctx), cmd_reset(ctx));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(st, "trainings")) == 0)
		printf(_("  none yet\n"));
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(st, "trainings")) {
		printf("  %-12s %-24s %-8s %s  %6.1fs  %.12s\n", cJSON_GetObjectItem(t, "state")->valuestring,
		    cJSON_GetObjectItem(t, "name")->valuestring, cJSON_GetObjectItem(t, "version")->valuestring,
		    cmd_time((long long)cJSON_GetObjectItem(t, "started_at")->valuedouble, when, sizeof when),
		    cJSON_GetObjectItem(t, "wall_s")->valuedouble, cJSON_GetObjectItem(t, "build_id")->valuestring);
		if (cJSON_GetObjectItem(t, "message") != NULL)
			printf("               %s\n", cJSON_GetObjectItem(t, "message")->valuestring);
	}
}

static double watch_interval;
static long long watch_count;

static long long
number(const char *opt, const char *text)
{
	long long n;

	if (qtm_parse_ll(text, 0, LLONG_MAX, &n) < 0) {
		cmd_usage(&cmd_status_entry, _("%s must be a number, not \"%s\""), opt, text);
		return -1;
	}
	return n;
}

/* --watch, --interval S (from 0.1, default 2), --count N (0: until q or interrupted). */
static int
parse_options(struct qtm_ctx *ctx, const struct cli_args *a)
{
	double interval = 2;
	bool watch = false;

	watch_count = 0;
	for (size_t i = 0; i < a->noptions; i++) {
		const char *arg = a->options[i].arg;

		switch (a->options[i].opt->id) {
		case 'w':
			watch = true;
			break;
		case 'i':
			if (qtm_watch_interval(ctx, arg, &interval) < 0)
				return cmd_usage(&cmd_status_entry, "%s", qtm_strerror(ctx));
			break;
		case 'n':
			if ((watch_count = number("--count", arg)) < 0)
				return QTM_CMD_USAGE;
			break;
		}
	}
	if (a->argc > 1)
		return cmd_usage(&cmd_status_entry, _("takes no arguments"));
	watch_interval = watch ? interval : 0;
	return 0;
}

static int
cmd_status_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_installed *inst = NULL;
	struct qtm_training *tr = NULL;
	struct qtm_source *srcs = NULL;
	size_t n_inst = 0, n_tr = 0, n_src = 0;
	int models = 0, datasets = 0, rc;
	struct qtm_db *db = NULL;
	cJSON *st, *arr, *counts;

	if ((rc = parse_options(ctx, a)) != 0)
		return rc;
	if (watch_interval > 0)
		return cmd_status_watch(ctx, watch_interval, watch_count);
	if ((rc = cmd_open_reader(ctx, &db)) == 0 && (rc = qtm_db_list(ctx, db, &inst, &n_inst)) == 0 &&
	    (rc = qtm_db_trainings(ctx, db, 10, &tr, &n_tr)) == 0)
		rc = qtm_sources_list(ctx, &srcs, &n_src);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n_inst; i++)
		strcmp(inst[i].kind, "dataset") == 0 ? datasets++ : models++;
	st = cJSON_CreateObject();
	counts = cJSON_AddObjectToObject(st, "installed");
	cJSON_AddNumberToObject(counts, "models", models);
	cJSON_AddNumberToObject(counts, "datasets", datasets);
	arr = cJSON_AddArrayToObject(st, "sources");
	for (size_t i = 0; i < n_src; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", srcs[i].name);
		cJSON_AddStringToObject(o, "url", srcs[i].url);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(st, "trainings");
	for (size_t i = 0; i < n_tr; i++)
		cJSON_AddItemToArray(arr, cmd_training_json(&tr[i]));
	if (ctx->json) {
		cmd_print_json(st);
	} else {
		print_text(ctx, st);
		cJSON_Delete(st);
	}
out:
	qtm_installed_free_all(inst, n_inst);
	qtm_training_free_all(tr, n_tr);
	qtm_sources_free(srcs, n_src);
	qtm_db_close(db);
	return rc;
}
