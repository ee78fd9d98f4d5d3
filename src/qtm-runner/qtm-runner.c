/* qtm-runner.c - a hive runner: parses options, then hive-runner.h's loop does the work. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl-sym.h"

#include "ctx.h"
#include "hive-client.h"
#include "hive-runner.h"
#include "i18n.h"
#include "number.h"
#include "xalloc.h"

/* Exit statuses, documented in qtm-runner(1). */
enum { EXIT_JOB_FAILED = 1, EXIT_USAGE = 2, EXIT_NOTHING = 3, EXIT_UNREACHABLE = 5 };

static void
usage(FILE *f)
{
	fprintf(f, _("usage: qtm-runner --hive URL (--token-file FILE | --token TOKEN) [--name NAME] [--root DIR]\n"
	    "                  [--executor local|fleet|slurm] [--once] [--job ID] [--wait SECONDS] [-q|-v] [--json]\n"
	    "See qtm-runner(1).\n"));
}

struct opts {
	const char *hive, *token, *token_file, *root;
	struct qtm_hive_runner_opts r;
	int verbosity;
	bool json;
};

static void
on_signal(int sig)
{
	(void)sig;
	qtm_hive_runner_stop();
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "hive", required_argument, NULL, 'H' }, { "token", required_argument, NULL, 't' },
		{ "token-file", required_argument, NULL, 'T' }, { "name", required_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' }, { "executor", required_argument, NULL, 'e' },
		{ "once", no_argument, NULL, '1' }, { "job", required_argument, NULL, 'J' },
		{ "wait", required_argument, NULL, 'w' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long long job;
	int c;

	o->r.wait_s = 0;
	while ((c = getopt_long(argc, argv, "qvjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': o->hive = optarg; break;
		case 't': o->token = optarg; break;
		case 'T': o->token_file = optarg; break;
		case 'n': o->r.name = optarg; break;
		case 'r': o->root = optarg; break;
		case 'e': o->r.executor = optarg; break;
		case '1': o->r.once = true; break;
		case 'J':
			if (qtm_parse_ll(optarg, 1, LLONG_MAX, &job) < 0)
				return fprintf(stderr, _("qtm-runner: --job needs a job id, not \"%s\"\n"), optarg), -1;
			o->r.job_id = job;
			break;
		case 'w':
			if (qtm_parse_int(optarg, -1, INT_MAX, &o->r.wait_s) < 0)
				return fprintf(stderr, _("qtm-runner: --wait needs seconds (-1: forever), not \"%s\"\n"), optarg), -1;
			break;
		case 'q': o->verbosity = -1; break;
		case 'v': o->verbosity++; break;
		case 'j': o->json = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("qtm-runner %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc || o->hive == NULL || (o->token == NULL) == (o->token_file == NULL)) {
		fprintf(stderr, _("qtm-runner: --hive URL and one of --token-file FILE or --token TOKEN are needed\n"));
		usage(stderr);
		return -1;
	}
	if (o->r.executor != NULL && strcmp(o->r.executor, "local") != 0 && strcmp(o->r.executor, "fleet") != 0 &&
	    strcmp(o->r.executor, "slurm") != 0)
		return fprintf(stderr, _("qtm-runner: unknown executor \"%s\" (local, fleet or slurm)\n"), o->r.executor), -1;
	return 0;
}

static int
exit_status(int rc)
{
	switch (rc) {
	case 0: return 0;
	case -EAGAIN: return EXIT_NOTHING;
	case -EHOSTUNREACH: return EXIT_UNREACHABLE;
	default: return EXIT_JOB_FAILED;
	}
}

static int
run(struct qtm_ctx *ctx, struct opts *o, cJSON **results)
{
	struct qtm_hive_client *c = NULL;
	char *url = NULL, *token = NULL, *tokarg = NULL;
	int rc;

	tokarg = o->token_file != NULL ? xasprintf("@%s", o->token_file) : xstrdup(o->token);
	if ((rc = qtm_hive_resolve(ctx, o->hive, tokarg, 0, &url, &token)) == 0 &&
	    (rc = qtm_hive_client_new(ctx, url, NULL, &c)) == 0) {
		o->r.enroll_token = token;
		rc = qtm_hive_runner_run(ctx, c, &o->r, results);
	}
	qtm_hive_client_free(c);
	free(url);
	free(token);
	free(tokarg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct qtm_ctx *ctx;
	cJSON *results = NULL;
	int rc;

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
	if (parse(argc, argv, &o) < 0)
		return EXIT_USAGE;
	/* No SA_RESTART: a pending sleep or wait ends at once and the loop sees the request. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctx = qtm_ctx_new(o.root, NULL);
	ctx->verbosity = o.verbosity;
	ctx->json = o.json;
	if ((rc = qtm_ctx_load_config(ctx)) == 0)
		rc = run(ctx, &o, &results);
	if (rc < 0)
		fprintf(stderr, _("qtm-runner: error: %s\n"), qtm_strerror(ctx));
	if (o.json && results != NULL) {
		cJSON *doc = cJSON_CreateObject();
		char *text;

		cJSON_AddItemToObject(doc, "jobs", results);
		cJSON_AddBoolToObject(doc, "ok", rc == 0);
		if (rc < 0)
			cJSON_AddStringToObject(doc, "error", qtm_strerror(ctx));
		text = cJSON_Print(doc);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(doc);
	} else {
		cJSON_Delete(results);
	}
	qtm_ctx_free(ctx);
	qtm_curl_cleanup();
	return exit_status(rc);
}
