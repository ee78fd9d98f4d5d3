/* cmd-install-check.c - qtm install --check NAME...: the rebuild check (rebuild-check.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "rebuild-check.h"

int
cmd_install_check(struct qtm_ctx *ctx, char **names)
{
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	char *differs = NULL;
	int rc = cmd_open_writer(ctx, &lock, &db);

	for (; rc == 0 && *names != NULL; names++) {
		qtm_info(ctx, _("Training %s here to check the installed artifact"), *names);
		if ((rc = qtm_rebuild_check(ctx, db, *names, &differs)) == 0)
			qtm_info(ctx, _("%s: the artifact trained here is identical to the installed one"), *names);
		free(differs);
		differs = NULL;
	}
	cmd_close(lock, db);
	return rc;
}
