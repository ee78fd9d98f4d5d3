/* qtm.c - the qtm command line: global options, the command table, exit statuses. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
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
	&cmd_upgrade_entry, &cmd_update_entry, &cmd_list_entry, &cmd_search_entry, &cmd_info_entry,
	&cmd_depends_entry, &cmd_rdepends_entry, &cmd_why_entry, &cmd_status_entry,
	&cmd_check_deps_entry, &cmd_run_entry, &cmd_mark_entry, &cmd_hold_entry, &cmd_unhold_entry,
	&cmd_history_entry, &cmd_verify_entry, &cmd_clean_entry, &cmd_source_entry, &cmd_key_entry,
	&cmd_policy_entry, &cmd_hive_entry,
	NULL,
};

enum { OPT_NO_COLOR = 256, OPT_WAIT, OPT_CONFIG, OPT_VERSION };

static const struct option global_options[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "yes", no_argument, NULL, 'y' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "wait", optional_argument, NULL, OPT_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct globals {
	const char *root, *config;
	bool yes, json, no_color;
	int verbosity, wait_s;
};

static void
usage(FILE *f)
{
	fprintf(f, _("usage: qtm [--root DIR] [--config FILE] [-y] [-q|-v] [--json] [--no-color] [--wait[=SECONDS]] COMMAND [ARGS]\n\ncommands:\n"));
	for (size_t i = 0; commands[i] != NULL; i++)
		fprintf(f, "  %-11s %-28s %s\n", commands[i]->name, commands[i]->usage, _(commands[i]->summary));
	fprintf(f, _("\nSee qtm(1) for details.\n"));
}

/* Returns the index of the command word in argv, or -1 after printing why. */
static int
parse_globals(int argc, char **argv, struct globals *g)
{
	int c;

	g->wait_s = 0;
	while ((c = getopt_long(argc, argv, "+r:yqvjh", global_options, NULL)) != -1) {
		switch (c) {
		case 'r': g->root = optarg; break;
		case OPT_CONFIG: g->config = optarg; break;
		case 'y': g->yes = true; break;
		case 'q': g->verbosity = -1; break;
		case 'v': g->verbosity++; break;
		case 'j': g->json = true; break;
		case OPT_NO_COLOR: g->no_color = true; break;
		case OPT_WAIT:
			g->wait_s = -1;   /* no value: without limit */
			if (optarg != NULL && qtm_parse_int(optarg, 0, INT_MAX, &g->wait_s) < 0) {
				fprintf(stderr, _("qtm: --wait=%s: expected a whole number of seconds from 0 to %d\n"),
				    optarg, INT_MAX);
				usage(stderr);
				return -1;
			}
			break;
		case 'h': usage(stdout); exit(0);
		case OPT_VERSION: printf("qtm %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return -1;
	}
	return optind;
}

static const struct qtm_cmd_entry *
find_command(const char *name)
{
	for (size_t i = 0; commands[i] != NULL; i++)
		if (strcmp(commands[i]->name, name) == 0 ||
		    (commands[i]->alias != NULL && strcmp(commands[i]->alias, name) == 0))
			return commands[i];
	return NULL;
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

/* Exit statuses, documented in qtm(1). */
static int
exit_status(int rc)
{
	if (rc > QTM_CMD_EXIT(0) && rc <= QTM_CMD_EXIT(255))
		return rc - QTM_CMD_EXIT(0);
	switch (rc) {
	case 0: return 0;
	case QTM_CMD_USAGE: return 2;
	case -EBUSY: return 3;
	case -ENOENT: case -ENOEXEC: return 4;
	case -EHOSTUNREACH: return 5;
	case -EBADMSG: case -EFBIG: return 6;
	case -ECHILD: case -ETIMEDOUT: return 7;
	case -ECANCELED: return 8;
	case -EKEYREJECTED: return 9;
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	struct globals g = { 0 };
	const struct qtm_cmd_entry *cmd;
	struct qtm_ctx *ctx;
	int idx, rc;

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
	if ((idx = parse_globals(argc, argv, &g)) < 0)
		return 2;
	if ((cmd = find_command(argv[idx])) == NULL) {
		fprintf(stderr, _("qtm: unknown command \"%s\"\n"), argv[idx]);
		usage(stderr);
		return 2;
	}
	/* libcurl is loaded by the first download (curl-sym.h), so that commands that fetch nothing
	 * do not map it; qtm_curl_cleanup() below does nothing when it never was. */
	ctx = qtm_ctx_new(g.root, g.config);
	ctx->assume_yes = g.yes;
	ctx->json = g.json;
	ctx->verbosity = g.verbosity;
	ctx->wait_s = g.wait_s;
	ctx->command = join_args(argc, argv);
	ctx->trainer = &qtm_hive_trainer;   /* trainings go to a configured hive */
	if (g.no_color)
		ctx->color = false;
	rc = qtm_ctx_load_config(ctx);
	if (rc == 0) {
		optind = 0;   /* commands parse their own options from argv[idx] on */
		rc = cmd->exec(ctx, argc - idx, argv + idx);
	}
	if (rc < 0)
		fprintf(stderr, _("qtm: error: %s\n"), qtm_strerror(ctx));
	qtm_ctx_free(ctx);
	qtm_curl_cleanup();
	return exit_status(rc);
}
