/* hc-ops.c - hive-control scale, spawn, kill, submit, cancel, requeue, clean: operator calls
 * (they need the operator token: hive-control finds it in the state directory). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "hive-job.h"
#include "i18n.h"
#include "params.h"
#include "xalloc.h"

/* One operator call; *out is the answer (owned by the caller; out may be NULL). */
static int
call(struct hc *h, const char *method, const char *path, const cJSON *body, cJSON **out)
{
	struct qtm_hive_client *c;
	int rc;

	if ((rc = hc_client(h, &c)) < 0)
		return rc;
	if (qtm_hive_client_token(c) == NULL)
		qtm_verbose(h->ctx, _("no operator token found: the hive will refuse %s %s"), method, path);
	rc = qtm_hive_call(h->ctx, c, method, path, body, out);
	qtm_hive_client_free(c);
	return rc < 0 ? rc : 0;
}

/* The command's single argument: a number (or any word when number is false). */
static int
one_arg(struct hc *h, const struct cli_args *a, bool number, long long *n)
{
	if (a->argc != 2)
		return hc_usage_error(h, a);
	if (number && (*n = hc_number(h, a->verb->name, a->verb->synopsis, a->argv[1])) < 0)
		return hc_usage_error(h, a);
	return 0;
}

static void
print_ids(const cJSON *list)
{
	const cJSON *id;
	bool first = true;

	cJSON_ArrayForEach(id, list) {
		const char *s = cJSON_IsString(id) ? id->valuestring : cJSON_GetStringValue(cJSON_GetObjectItem(id, "id"));

		printf("%s%s", first ? "" : " ", s != NULL ? s : "?");
		first = false;
	}
	printf("%s\n", first ? _("(none)") : "");
}

int
hc_scale(struct hc *h, const struct cli_args *a)
{
	long long n = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, a, true, &n)) != 0)
		return rc;
	path = xasprintf("/scale?target_runners=%lld", n);
	if ((rc = call(h, "POST", path, NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Target runners: %lld; starting: "), n);
		print_ids(cJSON_GetObjectItem(out, "runners"));
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

int
hc_spawn(struct hc *h, const struct cli_args *a)
{
	long long n = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, a, true, &n)) != 0)
		return rc;
	path = xasprintf("/runners/spawn?count=%lld", n);
	if ((rc = call(h, "POST", path, NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Started runners: "));
		print_ids(cJSON_GetObjectItem(out, "runners"));
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

int
hc_kill(struct hc *h, const struct cli_args *a)
{
	cJSON *out = NULL;
	char *path, *esc;
	int rc;

	if ((rc = one_arg(h, a, false, NULL)) != 0)
		return rc;
	if (strpbrk(a->argv[1], "/?#% ") != NULL)
		return qtm_error(h->ctx, -ENOENT, _("no runner \"%s\""), a->argv[1]);
	esc = a->argv[1];
	path = xasprintf("/runners/%s", esc);
	if ((rc = call(h, "DELETE", path, NULL, &out)) == 0 && h->ctx->json) {
		if (out == NULL)
			out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "killed", esc);
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Stopping runner %s\n"), esc);
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

/* cancel and requeue: POST /jobs/{id}/VERB, printing the job's new state. */
static int
job_verb(struct hc *h, const struct cli_args *a, const char *verb)
{
	long long id = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, a, true, &id)) != 0)
		return rc;
	path = xasprintf("/jobs/%lld/%s%s", id, verb, a->noptions > 0 ? "?force=1" : "");   /* requeue --force */
	if ((rc = call(h, "POST", path, NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(out, "state"));

		printf(_("Job %lld: %s%s\n"), id, state != NULL ? state : "?",
		    cJSON_IsTrue(cJSON_GetObjectItem(out, "cancel_requested")) && strcmp(state != NULL ? state : "", "running") == 0
		    ? _(" (cancel requested: the runner stops it at its next heartbeat)") : "");
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

int
hc_cancel(struct hc *h, const struct cli_args *a)
{
	return job_verb(h, a, "cancel");
}

int
hc_requeue(struct hc *h, const struct cli_args *a)
{
	return job_verb(h, a, "requeue");
}

/* POST /reload: the daemon's answer names the line and the reason of a refusal. */
int
hc_reload(struct hc *h, const struct cli_args *a)
{
	cJSON *out = NULL;
	int rc;

	if (a->argc > 1)
		return hc_usage_error(h, a);
	if ((rc = call(h, "POST", "/reload", NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Reloaded hive.conf\n"));
	}
	cJSON_Delete(out);
	return rc;
}

int
hc_clean(struct hc *h, const struct cli_args *a)
{
	long long days = -1;
	cJSON *out = NULL;
	char *path;
	int rc;

	for (size_t i = 0; i < a->noptions; i++)   /* --older-than, its only option */
		if ((days = hc_number(h, "clean", "--older-than", a->options[i].arg)) < 0)
			return hc_usage_error(h, a);
	if (a->argc > 1)
		return hc_usage_error(h, a);
	path = days >= 0 ? xasprintf("/clean?older_than_days=%lld", days) : xstrdup("/clean");
	if ((rc = call(h, "POST", path, NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Removed %.0f jobs, %.0f logs, %.0f artifacts\n"),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(out, "removed_jobs")),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(out, "removed_logs")),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(out, "removed_artifacts")));
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

/* ---- submit -------------------------------------------------------------------------------- */

static int
submit_all(struct hc *h, const cJSON *bodies, cJSON *answers)
{
	const cJSON *b;
	int rc = 0;

	cJSON_ArrayForEach(b, bodies) {
		cJSON *job = NULL;

		if ((rc = call(h, "POST", "/jobs/submit", b, &job)) < 0)
			break;
		if (!h->ctx->json)
			printf(_("Job %.0f: %s %s (%s) %s%s\n"), cJSON_GetNumberValue(cJSON_GetObjectItem(job, "id")),
			    hc_str(job, "module", "?"), hc_str(job, "version", "?"), hc_str(job, "priority", "?"),
			    hc_str(job, "state", "?"),
			    cJSON_IsTrue(cJSON_GetObjectItem(job, "deduplicated")) ? _(" (already queued)") : "");
		cJSON_AddItemToArray(answers, job);
	}
	return rc;
}

int
hc_submit(struct hc *h, const struct cli_args *a)
{
	cJSON *overrides = cJSON_CreateObject(), *bodies = NULL, *answers = cJSON_CreateArray();
	const char *prio = NULL;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->noptions; i++)   /* --param, its only option */
		rc = qtm_param_parse(h->ctx, a->options[i].arg, overrides);
	if (rc == 0 && (a->argc < 2 || a->argc > 3))
		rc = hc_usage_error(h, a);
	if (rc == 0 && a->argc == 3) {
		prio = a->argv[2];
		if (strcmp(prio, "high") != 0 && strcmp(prio, "medium") != 0 && strcmp(prio, "low") != 0)
			rc = qtm_error(h->ctx, -EINVAL, _("priority must be high, medium or low, not \"%s\""), prio);
	}
	if (rc == 0)
		rc = qtm_hive_job_plan(h->ctx, a->argv[1], cJSON_GetArraySize(overrides) > 0 ? overrides : NULL,
		    prio, &bodies);
	if (rc == 0)
		rc = submit_all(h, bodies, answers);
	if (rc == 0 && h->ctx->json) {
		hc_print_json(answers);
		answers = NULL;
	}
	cJSON_Delete(answers);
	cJSON_Delete(bodies);
	cJSON_Delete(overrides);
	return rc;
}
