/* cmd-source.c - qtm source add NAME URL | list | remove NAME */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "source.h"

static int cmd_source_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_source_entry = {
	"source", NULL, N_("add NAME URL | list | remove NAME"), N_("manage repository sources"), cmd_source_exec,
};

static int
source_list(struct qtm_ctx *ctx)
{
	struct qtm_source *v;
	size_t n;
	int rc = qtm_sources_list(ctx, &v, &n);
	cJSON *json;

	if (rc < 0)
		return rc;
	json = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "url", v[i].url);
		cJSON_AddBoolToObject(o, "bundled", v[i].bundled);
		cJSON_AddItemToArray(json, o);
		if (!ctx->json)
			printf("%-16s %s%s\n", v[i].name, v[i].url, v[i].bundled ? _("  (bundled default)") : "");
	}
	if (ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_sources_free(v, n);
	return 0;
}

static int
cmd_source_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return source_list(ctx);
	if (argc == 4 && strcmp(argv[1], "add") == 0) {
		if ((rc = qtm_source_add(ctx, argv[2], argv[3])) == 0)
			qtm_info(ctx, _("Added source %s; run qtm update to fetch it."), argv[2]);
		return rc;
	}
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return qtm_source_remove(ctx, argv[2]);
	return cmd_usage(&cmd_source_entry, _("expected add NAME URL, list, or remove NAME"));
}
