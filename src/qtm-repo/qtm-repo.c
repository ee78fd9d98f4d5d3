/* qtm-repo.c - the repository tool: qtm-repo build SRC... -o DIR */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "repository.h"

static void
usage(FILE *f)
{
	fprintf(f, _("usage: qtm-repo build [--name NAME] [--release N] [--valid-days DAYS] -o DIR SRC...\n"
	    "  SRC is a module folder (holding module.json) or a folder of them.\n"
	    "See qtm-repo(1).\n"));
}

static int
build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "release", required_argument, NULL, 'r' },
		{ "valid-days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct qtm_repo_build_opts bo = { 0 };
	const char *out = NULL;
	struct qtm_ctx *ctx;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:n:r:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': bo.name = optarg; break;
		case 'r': bo.version = atoll(optarg); break;
		case 'd': bo.valid_days = atoi(optarg); break;
		default: usage(stderr); return 2;
		}
	}
	if (out == NULL || optind >= argc) {
		usage(stderr);
		return 2;
	}
	ctx = qtm_ctx_new(NULL, NULL);
	rc = qtm_repo_build(ctx, argv + optind, out, &bo);
	if (rc < 0)
		fprintf(stderr, _("qtm-repo: error: %s\n"), qtm_strerror(ctx));
	qtm_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		return build(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("qtm-repo %s\n", PACKAGE_VERSION);
		return 0;
	}
	usage(stderr);
	return 2;
}
