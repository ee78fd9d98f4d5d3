/* cmd-hive.c - qtm hive COMMAND: the same commands as hive-control (src/hive-control). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../hive-control/hc.h"
#include "cmd.h"
#include "ctx.h"
#include "i18n.h"

static int cmd_hive_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_hive_entry = { &qtm_verb_hive, cmd_hive_exec };

static int
cmd_hive_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct hc_globals g = { 0 };
	struct hc h = { .ctx = ctx, .prog = "qtm hive" };
	int idx, rc;

	/* qtm's own options (--root, --json...) came before "hive"; these may follow it. */
	if ((idx = hc_parse_globals(argc, argv, &g, h.prog)) < 0)
		return idx == -2 ? 0 : QTM_CMD_USAGE;
	if (g.root != NULL || g.config != NULL) {
		fprintf(stderr, _("qtm hive: put --root and --config before \"hive\"\n"));
		return QTM_CMD_USAGE;
	}
	if (g.json)
		ctx->json = true;
	if (g.no_color)
		ctx->color = false;
	if (g.verbosity != 0)
		ctx->verbosity = g.verbosity;
	h.hive = g.hive;
	h.token = g.token;
	rc = hive_control_main(&h, argc - idx, argv + idx);
	return rc == HC_USAGE ? QTM_CMD_USAGE : rc;
}
