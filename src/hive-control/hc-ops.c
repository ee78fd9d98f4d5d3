/* hc-ops.c - hive-control scale, spawn, kill, submit, cancel, requeue, clean: operator calls
 * (they need the operator token: hive-control finds it in the state directory). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
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
one_arg(struct hc *h, int argc, char **argv, const char *cmd, const char *args, bool number, long long *n)
{
	while (hc_getopt(h, argc, argv, "", NULL) != -1)
		return hc_usage_error(h, cmd, args);
	if (optind + 1 != argc)
		return hc_usage_error(h, cmd, args);
	if (number && (*n = hc_number(h, cmd, args, argv[optind])) < 0)
		return hc_usage_error(h, cmd, args);
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
hc_scale(struct hc *h, int argc, char **argv)
{
	long long n = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, argc, argv, "scale", "N", true, &n)) != 0)
		return rc;
	path = xasprintf("/scale?target_runners=%lld", n);
	if ((rc = call(h, "POST", path, NULL, &out)) == 0 && h->ctx->json) {
		hc_print_json(out);
		out = NULL;
	} else if (rc == 0) {
		printf(_("Target runners: %lld; runners: "), n);
		print_ids(cJSON_GetObjectItem(out, "runners"));
	}
	cJSON_Delete(out);
	free(path);
	return rc;
}

int
hc_spawn(struct hc *h, int argc, char **argv)
{
	long long n = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, argc, argv, "spawn", "N", true, &n)) != 0)
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
hc_kill(struct hc *h, int argc, char **argv)
{
	cJSON *out = NULL;
	char *path, *esc;
	int rc;

	if ((rc = one_arg(h, argc, argv, "kill", "ID", false, NULL)) != 0)
		return rc;
	if (strpbrk(argv[optind], "/?#% ") != NULL)
		return qtm_error(h->ctx, -ENOENT, _("no runner \"%s\""), argv[optind]);
	esc = argv[optind];
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
job_verb(struct hc *h, int argc, char **argv, const char *verb)
{
	long long id = 0;
	cJSON *out = NULL;
	char *path;
	int rc;

	if ((rc = one_arg(h, argc, argv, verb, "ID", true, &id)) != 0)
		return rc;
	path = xasprintf("/jobs/%lld/%s", id, verb);
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
hc_cancel(struct hc *h, int argc, char **argv)
{
	return job_verb(h, argc, argv, "cancel");
}

int
hc_requeue(struct hc *h, int argc, char **argv)
{
	return job_verb(h, argc, argv, "requeue");
}

int
hc_clean(struct hc *h, int argc, char **argv)
{
	static const struct option opts[] = { { "older-than", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
	long long days = -1;
	cJSON *out = NULL;
	char *path;
	int c, rc;

	while ((c = hc_getopt(h, argc, argv, "", opts)) != -1)
		if (c != 'o' || (days = hc_number(h, "clean", "--older-than", optarg)) < 0)
			return hc_usage_error(h, "clean", "[--older-than DAYS]");
	if (optind < argc)
		return hc_usage_error(h, "clean", "[--older-than DAYS]");
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
hc_submit(struct hc *h, int argc, char **argv)
{
	static const struct option opts[] = { { "param", required_argument, NULL, 'p' }, { NULL, 0, NULL, 0 } };
	static const char args[] = "MODULE[=VERSION] [high|medium|low] [--param K=V]...";
	cJSON *overrides = cJSON_CreateObject(), *bodies = NULL, *answers = cJSON_CreateArray();
	const char *prio = NULL;
	int c, rc = 0;

	/* No "+": options may follow the module, as in `submit gis-lidar high --param seed=2`. */
	while (rc == 0 && (c = hc_getopt(h, argc, argv, "", opts)) != -1)
		rc = c == 'p' ? qtm_param_parse(h->ctx, optarg, overrides) : hc_usage_error(h, "submit", args);
	if (rc == 0 && (optind >= argc || argc - optind > 2))
		rc = hc_usage_error(h, "submit", args);
	if (rc == 0 && argc - optind == 2) {
		prio = argv[optind + 1];
		if (strcmp(prio, "high") != 0 && strcmp(prio, "medium") != 0 && strcmp(prio, "low") != 0)
			rc = qtm_error(h->ctx, -EINVAL, _("priority must be high, medium or low, not \"%s\""), prio);
	}
	if (rc == 0)
		rc = qtm_hive_job_plan(h->ctx, argv[optind], cJSON_GetArraySize(overrides) > 0 ? overrides : NULL,
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
