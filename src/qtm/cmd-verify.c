/* cmd-verify.c - qtm verify [NAME]: re-hash installed files; exit 6 when anything differs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "verify.h"

static int cmd_verify_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_verify_entry = { &qtm_verb_verify, cmd_verify_exec };

/* qtm verify --metrics NAME: qtm's formula over the artifact's predictions against the record. */
static int
verify_metrics(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_db *db = NULL;
	cJSON *report = NULL;
	int rc;

	if (a->argc != 2)
		return cmd_usage(&cmd_verify_entry, _("--metrics needs the name of one installed model"));
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_verify_metrics(ctx, db, a->argv[1], &report);
	cmd_close(NULL, db);
	if (report != NULL && ctx->json) {
		cmd_print_json(report);
		report = NULL;
	} else if (report != NULL && rc == 0) {
		printf(_("%s: %s recomputed with %s over %zu values: %.17g, as recorded\n"), a->argv[1],
		    cJSON_GetObjectItem(report, "headline")->valuestring, cJSON_GetObjectItem(report, "formula")->valuestring,
		    (size_t)cJSON_GetObjectItem(report, "n")->valuedouble, cJSON_GetObjectItem(report, "computed")->valuedouble);
	}
	cJSON_Delete(report);
	return rc;
}

static int
cmd_verify_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct qtm_verify_problem *v = NULL;
	struct qtm_db *db = NULL;
	size_t n = 0, checked = 0;
	cJSON *json, *arr;
	int rc;

	if (argc > 2)
		return cmd_usage(&cmd_verify_entry, _("name at most one package"));
	if (a->noptions > 0)   /* --metrics, its only option */
		return verify_metrics(ctx, a);
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_verify(ctx, db, argc == 2 ? argv[1] : NULL, &v, &n, &checked);
	cmd_close(NULL, db);
	if (rc < 0)
		return rc;
	json = cJSON_CreateObject();
	cJSON_AddNumberToObject(json, "files_checked", (double)checked);
	arr = cJSON_AddArrayToObject(json, "problems");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "package", v[i].package);
		cJSON_AddItemToObject(o, "path", v[i].path != NULL ? cJSON_CreateString(v[i].path) : cJSON_CreateNull());
		cJSON_AddStringToObject(o, "problem", v[i].problem);
		cJSON_AddItemToArray(arr, o);
		if (!ctx->json)
			printf("%s: %s: %s\n", v[i].package, v[i].path != NULL ? v[i].path : ".", v[i].problem);
	}
	if (ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_verify_free(v, n);
	if (n > 0)
		return qtm_error(ctx, -EBADMSG, ngettext("%zu problem found in %zu files checked",
		    "%zu problems found in %zu files checked", (unsigned long)n), n, checked);
	qtm_info(ctx, _("%zu files checked, all as installed"), checked);
	return 0;
}
