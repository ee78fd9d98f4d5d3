/* cmd-hive.c - qtm hive COMMAND: the same commands as hive-control (src/hive-control), parsed
 * by its table. */
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
	struct hc h = { .ctx = ctx, .prog = "qtm hive" };
	struct cli_args b;
	int rc;

	/* qtm's own options (--root, --json...) came before "hive"; hive-control's may follow it. */
	switch (cli_parse(&hc_qtm_prog, a->argc, a->argv, &b)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return QTM_CMD_USAGE;
	case CLI_RUN: break;
	}
	for (size_t i = 0; i < b.nglobals; i++)
		if (b.globals[i].opt->id == 'r' || b.globals[i].opt->id == 'c') {
			fprintf(stderr, _("qtm hive: put --root and --config before \"hive\"\n"));
			cli_args_free(&b);
			return QTM_CMD_USAGE;
		}
	hc_apply_globals(&h, &b);
	rc = hive_control_run(&h, &b);
	cli_args_free(&b);
	return rc;
}
