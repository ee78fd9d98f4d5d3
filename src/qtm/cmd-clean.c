/* cmd-clean.c - qtm clean [--all]: empty the download and build caches. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "clean.h"
#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "lock.h"

static int cmd_clean_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_clean_entry = {
	"clean", NULL, N_("[--all]"), N_("remove cached downloads (and, with --all, cached artifacts)"), cmd_clean_exec,
};

static int
cmd_clean_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	struct qtm_lock *lock = NULL;
	uint64_t freed = 0;
	bool all = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (c != 'a')
			return cmd_usage(&cmd_clean_entry, _("unknown option"));
		all = true;
	}
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
