/* cmd-why.c - qtm why NAME: the chain of requirements that keeps an installed package installed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "pool.h"
#include "query.h"
#include "xalloc.h"

static int cmd_why_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_why_entry = { &qtm_verb_why, cmd_why_exec };

static int
cmd_why_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	char *chain = NULL;
	int rc;

	if (argc != 2)
		return cmd_usage(&cmd_why_entry, _("name one installed package"));
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_INSTALLED, &p);
	if (rc == 0 && (rc = qtm_query_why(p, db, argv[1], &chain)) == 0 && chain == NULL)
		chain = xasprintf(_("nothing installed on request needs %s: qtm autoremove would remove it"), argv[1]);
	if (rc == 0 && ctx->json) {
		cJSON *o = cJSON_CreateObject(), *lines = cJSON_AddArrayToObject(o, "chain");
		char *save = NULL;

		cJSON_AddStringToObject(o, "name", argv[1]);
		for (char *line = strtok_r(chain, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			cJSON_AddItemToArray(lines, cJSON_CreateString(line));
		cmd_print_json(o);
	} else if (rc == 0) {
		printf("%s\n", chain);
	}
	free(chain);
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
