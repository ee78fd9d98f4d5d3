/* cmd-mark.c - qtm mark auto|manual NAME..., qtm hold NAME..., qtm unhold NAME... */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "lock.h"

static int cmd_mark_exec(struct qtm_ctx *, const struct cli_args *);
static int cmd_hold_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_mark_entry = { &qtm_verb_mark, cmd_mark_exec };
const struct qtm_cmd_entry cmd_hold_entry = { &qtm_verb_hold, cmd_hold_exec };
const struct qtm_cmd_entry cmd_unhold_entry = { &qtm_verb_unhold, cmd_hold_exec };

/* Applies one change to each named installed package, all in one database transaction. */
static int
change_each(struct qtm_ctx *ctx, char **names, const char *reason, int held)
{
	struct qtm_lock *lock = NULL;
	struct qtm_db *db = NULL;
	int rc = cmd_open_writer(ctx, &lock, &db);

	if (rc == 0)
		rc = qtm_db_begin(ctx, db);
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++) {
		struct qtm_installed *pkg;

		if ((rc = qtm_db_get(ctx, db, names[i], &pkg)) == -ENOENT) {
			rc = qtm_error(ctx, -ENOENT, _("%s is not installed (see: qtm list --installed)"), names[i]);
			break;
		}
		qtm_installed_free(pkg);
		rc = reason != NULL ? qtm_db_set_reason(ctx, db, names[i], reason)
		    : qtm_db_set_held(ctx, db, names[i], held != 0);
	}
	if (rc == 0)
		rc = qtm_db_commit(ctx, db);
	else if (db != NULL)
		qtm_db_rollback(db);
	/* Said once the whole change is committed, not before. */
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++)
		qtm_info(ctx, reason != NULL ? _("%s marked %s") : held ? _("%s held%s") : _("%s released%s"),
		    names[i], reason != NULL ? reason : "");
	cmd_close(lock, db);
	return rc;
}

/* Of several versions installed side by side, the one used when only the name is given. */
static int
mark_default(struct qtm_ctx *ctx, const char *spec)
{
	struct qtm_lock *lock = NULL;
	struct qtm_installed *pkg = NULL;
	struct qtm_db *db = NULL;
	char *name = strndup(spec, strcspn(spec, "="));
	const char *version = strchr(spec, '=');
	int rc = version == NULL ? cmd_usage(&cmd_mark_entry, _("default takes NAME=VERSION")) : 0;

	if (rc == 0 && (rc = cmd_open_writer(ctx, &lock, &db)) == 0 &&
	    (rc = qtm_db_get_version(ctx, db, name, version + 1, &pkg)) == -ENOENT)
		rc = qtm_error(ctx, -ENOENT, _("%s %s is not installed (see: qtm info %s)"), name, version + 1, name);
	if (rc == 0 && (rc = qtm_db_set_default(ctx, db, name, version + 1)) == 0)
		qtm_info(ctx, _("%s %s is now the default version"), name, version + 1);
	qtm_installed_free(pkg);
	cmd_close(lock, db);
	free(name);
	return rc;
}

static int
cmd_mark_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;

	if (argc == 3 && strcmp(argv[1], "default") == 0)
		return mark_default(ctx, argv[2]);
	if (argc < 3 || (strcmp(argv[1], "auto") != 0 && strcmp(argv[1], "manual") != 0))
		return cmd_usage(&cmd_mark_entry, _("expected auto or manual, then package names"));
	return change_each(ctx, argv + 2, argv[1], 0);
}

static int
cmd_hold_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;
	bool hold = strcmp(argv[0], "hold") == 0;

	if (argc < 2)
		return cmd_usage(hold ? &cmd_hold_entry : &cmd_unhold_entry, _("name at least one package"));
	return change_each(ctx, argv + 1, NULL, hold);
}
