/* hc-show.c - hive-control show JOB: all of one job (GET /jobs/{id}): its module, build id,
 * state, times, artifact, metrics and each attempt with its runner. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "i18n.h"
#include "text.h"
#include "xalloc.h"

/* A time field as UTC, or "-" when null; buf holds it. */
static const char *
when(const cJSON *o, const char *field, char *buf, size_t n)
{
	const cJSON *v = cJSON_GetObjectItem(o, field);
	time_t t;

	if (!cJSON_IsNumber(v))
		return "-";
	t = (time_t)v->valuedouble;
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	return buf;
}

/* A JSON member printed compactly (escaped for the terminal), "-" when absent or null. */
static void
print_raw(const char *label, const cJSON *v)
{
	char *s;

	if (v == NULL || cJSON_IsNull(v)) {
		printf("%-12s -\n", label);
		return;
	}
	s = cJSON_PrintUnformatted(v);
	printf("%-12s %s\n", label, s != NULL ? qtm_term_safe(s) : "?");
	free(s);
}

static void
print_show(struct hc *h, const cJSON *j)
{
	const cJSON *art = cJSON_GetObjectItem(j, "artifact"), *a;
	char b1[64], b2[64];

	printf(_("%sJob %.0f%s: %s %s (%s)\n"), hc_bold(h), hc_num(j, "id", NULL), hc_reset(h),
	    hc_str(j, "module", "?"), hc_str(j, "version", "?"), hc_str(j, "priority", "?"));
	printf("%-12s %s\n", _("State:"), hc_str(j, "state", "?"));
	printf("%-12s %s\n", _("Build id:"), hc_str(j, "build_id", "-"));
	printf("%-12s %s\n", _("Runner:"), hc_str(j, "runner", "-"));
	printf("%-12s %.0f / %.0f\n", _("Attempts:"), hc_num(j, "attempts", NULL), hc_num(j, "max_attempts", NULL));
	printf("%-12s %s\n", _("Submitted:"), when(j, "submitted_at", b1, sizeof b1));
	printf("%-12s %s\n", _("Started:"), when(j, "started_at", b1, sizeof b1));
	printf("%-12s %s\n", _("Finished:"), when(j, "finished_at", b1, sizeof b1));
	if (cJSON_IsNumber(cJSON_GetObjectItem(j, "progress")))
		printf("%-12s %.0f%%\n", _("Progress:"), hc_num(j, "progress", NULL) * 100);
	if (cJSON_IsObject(art))
		printf("%-12s %s (%.0f bytes)\n", _("Artifact:"), hc_str(art, "sha256", "?"), hc_num(art, "size", NULL));
	else
		printf("%-12s -\n", _("Artifact:"));
	print_raw(_("Metrics:"), cJSON_GetObjectItem(j, "metrics"));
	print_raw(_("Depends on:"), cJSON_GetObjectItem(j, "depends_on"));
	print_raw(_("Resources:"), cJSON_GetObjectItem(j, "resources"));
	if (cJSON_IsString(cJSON_GetObjectItem(j, "error")))
		printf("%-12s %s\n", _("Error:"), hc_str(j, "error", ""));
	printf(_("%sAttempts:%s\n"), hc_bold(h), hc_reset(h));
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(j, "attempt_log"))
		printf("  %2.0f %-16s %s - %s %s%s%s\n", hc_num(a, "attempt", NULL), hc_str(a, "runner", "-"),
		    when(a, "started_at", b1, sizeof b1), when(a, "finished_at", b2, sizeof b2), hc_str(a, "outcome", "running"),
		    cJSON_IsString(cJSON_GetObjectItem(a, "error")) ? ": " : "", hc_str(a, "error", ""));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "attempt_log")) == 0)
		printf(_("  none yet\n"));
}

int
hc_show(struct hc *h, const struct cli_args *a)
{
	struct qtm_hive_client *c;
	cJSON *job = NULL;
	long long id;
	char *path;
	int rc;

	if (a->argc != 2 || (id = hc_number(h, "show", _("the job id"), a->argv[1])) < 0)
		return hc_usage_error(h, a);
	if ((rc = hc_client(h, &c)) < 0)
		return rc;
	path = xasprintf("/jobs/%lld", id);
	rc = qtm_hive_call(h->ctx, c, "GET", path, NULL, &job);
	free(path);
	qtm_hive_client_free(c);
	if (rc < 0)
		return rc;
	if (h->ctx->json) {
		hc_print_json(job);
		return 0;
	}
	print_show(h, job);
	cJSON_Delete(job);
	return 0;
}
