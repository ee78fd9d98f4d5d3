/* cmd-run.c - qtm run NAME [--] ARGS...: inference with an installed model. */
#include "config.h"

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "predict.h"

static int cmd_run_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_run_entry = { &qtm_verb_run, cmd_run_exec };

static int
cmd_run_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	struct qtm_db *db = NULL;
	int rc, code = 0;
	char **args;

	if (argc < 2)
		return cmd_usage(&cmd_run_entry, _("name an installed model"));
	args = argv + 2;
	if (args[0] != NULL && args[0][0] == '-' && args[0][1] == '-' && args[0][2] == '\0')
		args++;
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_run_predict(ctx, db, argv[1], args, &code);
	qtm_db_close(db);
	if (rc < 0)
		return rc;
	/* The model's own exit status is ours: scripts can test the prediction's outcome. */
	return code == 0 ? 0 : QTM_CMD_EXIT(code);
}
