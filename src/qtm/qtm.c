/* qtm.c - the qtm program: parses its command line by the table (verbs.c), applies the global
 * options and runs the verb's command. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl-sym.h"

#include "cmd.h"
#include "ctx.h"
#include "hive-handoff.h"
#include "i18n.h"
#include "number.h"
#include "xalloc.h"

static const struct qtm_cmd_entry *const commands[] = {
	&cmd_install_entry, &cmd_reinstall_entry, &cmd_remove_entry, &cmd_autoremove_entry,
	&cmd_upgrade_entry, &cmd_full_upgrade_entry, &cmd_update_entry, &cmd_list_entry, &cmd_search_entry, &cmd_info_entry,
	&cmd_depends_entry, &cmd_rdepends_entry, &cmd_why_entry, &cmd_status_entry,
	&cmd_check_deps_entry, &cmd_run_entry, &cmd_mark_entry, &cmd_hold_entry, &cmd_unhold_entry,
	&cmd_history_entry, &cmd_verify_entry, &cmd_clean_entry, &cmd_source_entry, &cmd_key_entry,
	&cmd_policy_entry, &cmd_hive_entry,
	NULL,
};

/* The command's entry for a verb of the table. */
static const struct qtm_cmd_entry *
find_command(const struct cli_verb *verb)
{
	for (size_t i = 0; commands[i] != NULL; i++)
		if (commands[i]->verb == verb)
			return commands[i];
	return NULL;
}

/* The global options, wherever they stood; CLI_USAGE after a bad --wait value. */
static int
apply_globals(struct qtm_ctx *ctx, const struct cli_args *a)
{
	for (size_t i = 0; i < a->nglobals; i++) {
		const char *arg = a->globals[i].arg;

		switch (a->globals[i].opt->id) {
		case 'y': ctx->assume_yes = true; break;
		case 'q': ctx->verbosity = -1; break;
		case 'v': ctx->verbosity++; break;
		case 'j': ctx->json = true; break;
		case 'C': ctx->color = false; break;
		case 'w':
			ctx->wait_s = -1;   /* no value: without limit */
			if (arg != NULL && qtm_parse_int(arg, 0, INT_MAX, &ctx->wait_s) < 0) {
				fprintf(stderr, _("qtm: --wait=%s: expected a whole number of seconds from 0 to %d\n"),
				    arg, INT_MAX);
				return CLI_USAGE;
			}
			break;
		}
	}
	return 0;
}

/* "qtm install gis-lidar", for the history. */
static char *
join_args(int argc, char **argv)
{
	char *s = xstrdup("qtm");

	for (int i = 1; i < argc; i++) {
		char *t = xasprintf("%s %s", s, argv[i]);

		free(s);
		s = t;
	}
	return s;
}

int
main(int argc, char **argv)
{
	const struct qtm_cmd_entry *cmd;
	struct qtm_ctx *ctx;
	struct cli_args a;
	int rc;

	cli_i18n_init();
	switch (cli_parse(&qtm_prog, argc, argv, &a)) {
	case CLI_DONE: return CLI_EXIT_OK;
	case CLI_BAD: return CLI_EXIT_USAGE;
	case CLI_RUN: break;
	}
	cmd = find_command(a.verb);
	/* libcurl is loaded by the first download (curl-sym.h), so that commands that fetch nothing
	 * do not map it; qtm_curl_cleanup() below does nothing when it never was. */
	ctx = qtm_ctx_new(cli_global(&a, 'r'), cli_global(&a, 'c'));
	ctx->command = join_args(argc, argv);
	ctx->trainer = &qtm_hive_trainer;   /* trainings go to a configured hive */
	rc = apply_globals(ctx, &a);
	if (rc == 0)
		rc = qtm_ctx_load_config(ctx);
	if (rc == 0)
		rc = cmd->exec(ctx, &a);
	if (rc < 0)
		fprintf(stderr, _("qtm: error: %s\n"), qtm_strerror(ctx));
	cli_args_free(&a);
	qtm_ctx_free(ctx);
	qtm_curl_cleanup();
	return cli_exit_status(rc);
}
