/* cmd-key.c - qtm key add SOURCE FILE | list [SOURCE] | remove SOURCE KEYID: the Ed25519 public
 * keys each source's releases must be signed with. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "source.h"
#include "trust.h"
#include "xalloc.h"

static int cmd_key_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_key_entry = { &qtm_verb_key, cmd_key_exec };

static int
key_list(struct qtm_ctx *ctx, const char *only)
{
	struct qtm_source *v;
	cJSON *json = cJSON_CreateObject();
	size_t n;
	int rc = qtm_sources_list(ctx, &v, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		cJSON *arr;
		char **ids;

		if (only != NULL && strcmp(only, v[i].name) != 0)
			continue;
		if ((rc = qtm_trust_key_list(ctx, v[i].name, &ids)) < 0)
			break;
		arr = cJSON_AddArrayToObject(json, v[i].name);
		for (size_t j = 0; ids[j] != NULL; j++) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(ids[j]));
			if (!ctx->json)
				printf("%-16s %s\n", v[i].name, ids[j]);
		}
		strv_free(ids);
	}
	if (rc == 0 && ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_sources_free(v, n);
	return rc;
}

static int
cmd_key_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	char id[QTM_KEYID_LEN];
	int rc;

	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "list") == 0)
		return key_list(ctx, argc == 3 ? argv[2] : NULL);
	if (argc == 4 && strcmp(argv[1], "add") == 0) {
		if ((rc = qtm_trust_key_add(ctx, argv[2], argv[3], id)) == 0)
			qtm_info(ctx, _("Trusting key %s for source %s"), id, argv[2]);
		return rc;
	}
	if (argc == 4 && strcmp(argv[1], "remove") == 0)
		return qtm_trust_key_remove(ctx, argv[2], argv[3]);
	return cmd_usage(&cmd_key_entry, _("expected add SOURCE FILE, list [SOURCE], or remove SOURCE KEYID"));
}
