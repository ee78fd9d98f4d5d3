/* qtm-runner.c - a hive runner: its options parsed by the table below, then hive-runner.h's
 * loop does the work. */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl-sym.h"

#include "cli.h"
#include "cli-out.h"
#include "ctx.h"
#include "hive-client.h"
#include "hive-runner.h"
#include "i18n.h"
#include "number.h"
#include "xalloc.h"

#define END { NULL, 0, CLI_NO_ARG, NULL, NULL, 0 }

static const struct cli_option options[] = {
	{ "hive", 0, CLI_REQUIRED, "URL", N_("the hive to work for"), 'H' },
	{ "token-file", 0, CLI_REQUIRED, "FILE", N_("the enrollment token, read from FILE"), 'T' },
	{ "token", 0, CLI_REQUIRED, "TOKEN", N_("the enrollment token"), 't' },
	{ "name", 0, CLI_REQUIRED, "NAME", N_("the runner's name (default: the host's)"), 'n' },
	{ "root", 0, CLI_REQUIRED, "DIR", N_("work on the installation under DIR"), 'r' },
	{ "executor", 0, CLI_REQUIRED, "local|fleet|slurm", N_("the executor it reports"), 'e' },
	{ "once", 0, CLI_NO_ARG, NULL, N_("claim and run one job, then exit"), '1' },
	{ "job", 0, CLI_REQUIRED, "ID", N_("claim this job only"), 'J' },
	{ "wait", 0, CLI_REQUIRED, "SECONDS", N_("how long to wait for a job or the hive (-1: forever)"), 'w' },
	{ "quiet", 'q', CLI_NO_ARG, NULL, N_("print only errors"), 'q' },
	{ "verbose", 'v', CLI_NO_ARG, NULL, N_("print more (twice: more still)"), 'v' },
	{ "json", 'j', CLI_NO_ARG, NULL, N_("print the jobs it ran as JSON"), 'j' },
	END,
};
static const struct cli_prog runner_prog = {
	"qtm-runner", "--hive URL (--token-file FILE | --token TOKEN) [OPTIONS]", options, NULL,
	N_("\nSee qtm-runner(1).\n"),
};

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

/* The options of a parsed command line; CLI_USAGE after a message. */
static int
apply(const struct cli_args *a, struct opts *o)
{
	long long job;

	o->r.wait_s = 0;
	for (size_t i = 0; i < a->nglobals; i++) {
		const char *arg = a->globals[i].arg;

		switch (a->globals[i].opt->id) {
		case 'H': o->hive = arg; break;
		case 't': o->token = arg; break;
		case 'T': o->token_file = arg; break;
		case 'n': o->r.name = arg; break;
		case 'r': o->root = arg; break;
		case 'e': o->r.executor = arg; break;
		case '1': o->r.once = true; break;
		case 'J':
			if (qtm_parse_ll(arg, 1, LLONG_MAX, &job) < 0)
				return fprintf(stderr, _("qtm-runner: --job needs a job id, not \"%s\"\n"), arg), CLI_USAGE;
			o->r.job_id = job;
			break;
		case 'w':
			if (qtm_parse_int(arg, -1, INT_MAX, &o->r.wait_s) < 0)
				return fprintf(stderr, _("qtm-runner: --wait needs seconds (-1: forever), not \"%s\"\n"), arg), CLI_USAGE;
			break;
		case 'q': o->verbosity = -1; break;
		case 'v': o->verbosity++; break;
		case 'j': o->json = true; break;
		}
	}
	if (a->argc > 1 || o->hive == NULL || (o->token == NULL) == (o->token_file == NULL))
		return fprintf(stderr, _("qtm-runner: --hive URL and one of --token-file FILE or --token TOKEN are needed\n")),
		    CLI_USAGE;
	if (o->r.executor != NULL && strcmp(o->r.executor, "local") != 0 && strcmp(o->r.executor, "fleet") != 0 &&
	    strcmp(o->r.executor, "slurm") != 0)
		return fprintf(stderr, _("qtm-runner: unknown executor \"%s\" (local, fleet or slurm)\n"), o->r.executor),
		    CLI_USAGE;
	return 0;
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
	struct cli_args a;
	cJSON *results = NULL;
	int rc;

	cli_i18n_init();
	switch (cli_parse(&runner_prog, argc, argv, &a)) {
	case CLI_DONE: return CLI_EXIT_OK;
	case CLI_BAD: return CLI_EXIT_USAGE;
	case CLI_RUN: break;
	}
	rc = apply(&a, &o);
	cli_args_free(&a);
	if (rc != 0)
		return cli_exit_status(rc);
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

		cJSON_AddItemToObject(doc, "jobs", results);
		cJSON_AddBoolToObject(doc, "ok", rc == 0);
		if (rc < 0)
			cJSON_AddStringToObject(doc, "error", qtm_strerror(ctx));
		cli_print_json(doc);
	} else {
		cJSON_Delete(results);
	}
	qtm_ctx_free(ctx);
	qtm_curl_cleanup();
	return cli_exit_status(rc);
}
