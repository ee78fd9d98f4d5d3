/* cmd-clean.c - qtm clean [--all]: empty the download and build caches. */
#include "config.h"

#include <stdio.h>

#include "clean.h"
#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "lock.h"

static int cmd_clean_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_clean_entry = { &qtm_verb_clean, cmd_clean_exec };

static int
cmd_clean_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_lock *lock = NULL;
	uint64_t freed = 0;
	bool all = a->noptions > 0;   /* --all, its only option */
	int rc;

	if (a->argc > 1)
		return cmd_usage(&cmd_clean_entry, _("takes no arguments"));
	if ((rc = qtm_lock_acquire(ctx, &lock)) == 0)
		rc = qtm_clean(ctx, all, &freed);
	qtm_lock_release(lock);
	if (rc == 0 && ctx->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "freed_bytes", (double)freed);
		cmd_print_json(o);
	} else if (rc == 0) {
		qtm_info(ctx, _("Freed %.1f MiB"), (double)freed / (1 << 20));
	}
	return rc;
}
