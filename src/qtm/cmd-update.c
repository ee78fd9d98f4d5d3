/* cmd-update.c - qtm update: refresh every source's metadata. */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "lock.h"
#include "progress.h"
#include "update.h"

static int cmd_update_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_update_entry = { &qtm_verb_update, cmd_update_exec };

static int
cmd_update_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	struct qtm_update_result *res = NULL;
	struct qtm_lock *lock = NULL;
	cJSON *json = cJSON_CreateArray();
	size_t n = 0;
	int rc;

	if (argc != 1) {
		cJSON_Delete(json);
		return cmd_usage(&cmd_update_entry, _("takes no arguments"));
	}
	if ((rc = qtm_lock_acquire(ctx, &lock)) == 0)
		rc = qtm_update_all(ctx, &res, &n);
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		char size[32];

		cJSON_AddStringToObject(o, "source", res[i].source);
		cJSON_AddBoolToObject(o, "ok", res[i].error == NULL);
		cJSON_AddNumberToObject(o, "version", (double)res[i].version);
		cJSON_AddBoolToObject(o, "changed", res[i].changed);
		if (res[i].pieces > 0) {
			cJSON_AddNumberToObject(o, "pieces", res[i].pieces);
			cJSON_AddNumberToObject(o, "pieces_fetched", res[i].pieces_fetched);
			cJSON_AddNumberToObject(o, "bytes_fetched", (double)res[i].bytes_fetched);
		}
		if (res[i].error != NULL)
			cJSON_AddStringToObject(o, "error", res[i].error);
		cJSON_AddItemToArray(json, o);
		qtm_format_bytes(res[i].bytes_fetched, size, sizeof size);
		if (!ctx->json && res[i].error == NULL && res[i].pieces_fetched > 0)
			printf(_("%-16s release %lld: %u of %u index pieces fetched and verified (%s)\n"), res[i].source,
			    res[i].version, res[i].pieces_fetched, res[i].pieces, size);
		else if (!ctx->json && res[i].error == NULL)
			printf(res[i].changed ? _("%-16s release %lld: new index fetched and verified\n")
			    : _("%-16s release %lld: up to date\n"), res[i].source, res[i].version);
		else if (!ctx->json)
			printf(_("%-16s FAILED: %s\n"), res[i].source, res[i].error);
	}
	if (ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_update_results_free(res, n);
	qtm_lock_release(lock);
	return rc;
}
