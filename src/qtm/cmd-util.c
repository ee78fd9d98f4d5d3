/* cmd-util.c - helpers shared by the qtm commands. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "number.h"
#include "ctx.h"
#include "db.h"
#include "history.h"
#include "i18n.h"
#include "lock.h"
#include "solve.h"
#include "store.h"
#include "text.h"
#include "transaction.h"
#include "xalloc.h"

int
cmd_open_writer(struct qtm_ctx *ctx, struct qtm_lock **lock, struct qtm_db **db)
{
	int rc = qtm_lock_acquire(ctx, lock);

	*db = NULL;
	if (rc < 0)
		return rc;
	if ((rc = qtm_db_open(ctx, true, db)) == 0 && (rc = qtm_store_recover(ctx, *db)) == 0 &&
	    (rc = qtm_history_recover(ctx, *db)) == 0)
		return 0;
	cmd_close(*lock, *db);
	*lock = NULL;
	*db = NULL;
	return rc;
}

int
cmd_open_reader(struct qtm_ctx *ctx, struct qtm_db **db)
{
	return qtm_db_open(ctx, false, db);
}

void
cmd_close(struct qtm_lock *lock, struct qtm_db *db)
{
	qtm_db_close(db);
	qtm_lock_release(lock);
}

int
cmd_usage(const struct qtm_cmd_entry *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cli_vusage(&qtm_prog, e->verb, fmt, ap);
	va_end(ap);
	return rc;
}

bool
cmd_confirm(struct qtm_ctx *ctx, const char *question)
{
	char answer[16] = "";
	FILE *tty;

	if (ctx->assume_yes)
		return true;
	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "re")) == NULL) {
		qtm_error(ctx, -ECANCELED, _("not asking on a non-interactive input: pass -y to proceed"));
		return false;
	}
	fprintf(stderr, "%s [Y/n] ", question);
	fflush(stderr);
	if (fgets(answer, sizeof answer, tty) == NULL)
		answer[0] = 'n';
	fclose(tty);
	if (answer[0] == '\n' || answer[0] == 'y' || answer[0] == 'Y')
		return true;
	qtm_error(ctx, -ECANCELED, _("aborted"));
	return false;
}

static cJSON *
plan_extras_json(cJSON *json, const struct qtm_plan *plan)
{
	cJSON *kept = cJSON_AddArrayToObject(json, "kept_back"), *notes = cJSON_AddArrayToObject(json, "notes");

	for (size_t i = 0; i < plan->n_kept; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", plan->kept[i].name);
		cJSON_AddStringToObject(o, "version", plan->kept[i].version);
		cJSON_AddStringToObject(o, "to_name", plan->kept[i].to_name);
		cJSON_AddStringToObject(o, "to_version", plan->kept[i].to_version);
		cJSON_AddStringToObject(o, "why", plan->kept[i].why);
		cJSON_AddItemToArray(kept, o);
	}
	for (size_t i = 0; plan->notes != NULL && plan->notes[i] != NULL; i++)
		cJSON_AddItemToArray(notes, cJSON_CreateString(plan->notes[i]));
	return json;
}

/* apt's summaries: what a plan that also installs removes, and what an upgrade keeps back. */
static void
print_plan_extras(const struct qtm_plan *plan)
{
	bool installs = false;

	for (size_t i = 0; i < plan->n; i++)
		installs |= plan->steps[i].action == QTM_STEP_INSTALL;
	if (installs && qtm_plan_removes(plan)) {
		printf("%s\n", _("The following packages will be REMOVED:"));
		for (size_t i = 0; i < plan->n; i++)
			if (plan->steps[i].action == QTM_STEP_REMOVE)
				printf("  %s %s\n", plan->steps[i].name, plan->steps[i].version);
	}
	if (plan->n_kept > 0)
		printf("%s\n", _("The following packages have been kept back:"));
	for (size_t i = 0; i < plan->n_kept; i++) {
		const struct qtm_kept *k = &plan->kept[i];

		printf(_("  %s %s (%s %s is available, but %s)\n"), k->name, k->version, k->to_name, k->to_version, k->why);
	}
}

void
cmd_print_plan(struct qtm_ctx *ctx, const struct qtm_plan *plan, bool dry_run)
{
	cJSON *json, *steps;

	if (ctx->json) {
		json = cJSON_CreateObject();
		cJSON_AddBoolToObject(json, "dry_run", dry_run);
		plan_extras_json(json, plan);
		steps = cJSON_AddArrayToObject(json, "steps");
		for (size_t i = 0; i < plan->n; i++) {
			const struct qtm_step *st = &plan->steps[i];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "action", st->action == QTM_STEP_INSTALL ? "install" : "remove");
			cJSON_AddStringToObject(o, "name", st->name);
			cJSON_AddStringToObject(o, "version", st->version);
			cJSON_AddStringToObject(o, "kind", st->kind);
			cJSON_AddStringToObject(o, "source", st->source);
			cJSON_AddStringToObject(o, "reason", st->manual ? "manual" : "auto");
			if (st->downgrade_from != NULL)
				cJSON_AddStringToObject(o, "downgrade_from", st->downgrade_from);
			if (st->replaces != NULL)
				cJSON_AddStringToObject(o, "replaces", st->replaces);
			cJSON_AddItemToArray(steps, o);
		}
		cmd_print_json(json);
		return;
	}
	for (size_t i = 0; plan->notes != NULL && plan->notes[i] != NULL; i++)
		printf("%s\n", plan->notes[i]);
	for (size_t i = 0; i < plan->n; i++) {
		const struct qtm_step *st = &plan->steps[i];

		printf("%s %-28s %-10s %-8s %s",
		    st->action == QTM_STEP_INSTALL ? (dry_run ? _("Inst") : _("install")) : (dry_run ? _("Remv") : _("remove")),
		    st->name, st->version, st->kind,
		    st->action == QTM_STEP_INSTALL ? (st->manual ? _("[requested]") : _("[dependency]")) : "");
		if (st->downgrade_from != NULL)
			printf(_(" DOWNGRADE from %s"), st->downgrade_from);
		if (st->replaces != NULL)
			printf(_(" replaces %s"), st->replaces);
		putchar('\n');
	}
	print_plan_extras(plan);
	fflush(stdout);
}

int
cmd_jobs(struct qtm_ctx *ctx, const struct qtm_cmd_entry *e, const char *arg)
{
	int jobs;

	if (qtm_parse_jobs(arg, &jobs) < 0)
		return cmd_usage(e, _("-j/--jobs: \"%s\" is not a number of trainings (1 to %d, or auto)"),
		    arg != NULL ? arg : "", QTM_JOBS_MAX);
	ctx->jobs = jobs;
	return 0;
}

int
cmd_dry_run_jobs(struct qtm_ctx *ctx, const struct qtm_cmd_entry *e, const struct cli_args *a, bool *dry_run)
{
	int rc = 0;

	*dry_run = false;
	for (size_t i = 0; rc == 0 && i < a->noptions; i++) {
		if (a->options[i].opt->id == 's')
			*dry_run = true;
		else if (a->options[i].opt->id == 'J')
			rc = cmd_jobs(ctx, e, a->options[i].arg);
	}
	return rc;
}

int
cmd_run_plan(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, bool dry_run, const char *question)
{
	struct qtm_transaction_opts opts = { 0 };

	return cmd_run_plan_opts(ctx, pool, db, plan, dry_run, question, &opts);
}

int
cmd_run_plan_opts(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, bool dry_run, const char *question, const struct qtm_transaction_opts *opts)
{
	if (plan->n == 0) {
		cmd_print_plan(ctx, plan, dry_run);
		if (!ctx->json)
			qtm_info(ctx, _("Nothing to do."));
		return 0;
	}
	cmd_print_plan(ctx, plan, dry_run);
	if (dry_run)
		return 0;
	if (!cmd_confirm(ctx, question))
		return ctx->err;
	return qtm_transaction_run(ctx, pool, db, plan, opts, NULL);
}

void
cmd_plan_append(struct qtm_plan *dst, struct qtm_plan *src)
{
	size_t kept = 0;

	/* An install in src may remove, to make way, what dst removes already: once is enough. */
	for (size_t i = 0; i < src->n; i++) {
		if (src->steps[i].action == QTM_STEP_REMOVE && qtm_plan_removes_id(dst, src->steps[i].id)) {
			struct qtm_plan one = { .steps = xmalloc(sizeof *one.steps), .n = 1 };

			one.steps[0] = src->steps[i];
			qtm_plan_free(&one);
		} else {
			src->steps[kept++] = src->steps[i];
		}
	}
	src->n = kept;
	dst->steps = xreallocarray(dst->steps, dst->n + src->n + 1, sizeof *dst->steps);
	memcpy(dst->steps + dst->n, src->steps, src->n * sizeof *src->steps);
	dst->n += src->n;
	for (size_t i = 0; src->notes != NULL && src->notes[i] != NULL; i++) {
		if (dst->notes == NULL)
			dst->notes = xcalloc(1, sizeof *dst->notes);
		dst->notes = strv_push(dst->notes, src->notes[i]);
	}
	free(src->steps);
	src->steps = NULL;
	src->n = 0;
	qtm_plan_free(src);
}

const char *
cmd_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return "-";
	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}
