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
