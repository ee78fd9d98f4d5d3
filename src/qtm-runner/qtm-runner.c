/* qtm-runner.c - a hive runner: its options parsed by the table below, then hive-runner.h's
 * loop does the work. */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curl-sym.h"

#include "cli.h"
#include "cli-out.h"
#include "ctx.h"
#include "hive-client.h"
#include "hive-enroll.h"
#include "hive-runner.h"
#include "i18n.h"
#include "number.h"
#include "xalloc.h"

#define END { NULL, 0, CLI_NO_ARG, NULL, NULL, 0 }

static const struct cli_option options[] = {
	{ "hive", 0, CLI_REQUIRED, "URL", N_("the hive to work for"), 'H' },
	{ "config", 'c', CLI_REQUIRED, "FILE", N_("the configuration qtm-runner enroll wrote (default CONF/runner.conf)"), 'C' },
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
	"qtm-runner", N_("--hive URL (--token-file FILE | --token TOKEN) [OPTIONS] | --config FILE [OPTIONS]\n"
	    "       qtm-runner enroll URL --token-file FILE [--config FILE] [--name NAME]"), options, NULL,
	N_("\nSee qtm-runner(1).\n"),
};

struct opts {
	const char *hive, *token, *token_file, *root, *config, *enroll_url;
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
		case 'C': o->config = arg; break;
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
	if (a->argc > 1 && strcmp(a->argv[1], "enroll") == 0) {
		if (a->argc != 3 || o->token_file == NULL || o->hive != NULL || o->token != NULL)
			return fprintf(stderr, _("qtm-runner: enroll needs URL and --token-file FILE\n")), CLI_USAGE;
		o->enroll_url = a->argv[2];
	} else if (a->argc > 1) {
		return fprintf(stderr, _("qtm-runner: unknown command \"%s\" (enroll)\n"), a->argv[1]), CLI_USAGE;
	} else if (o->config == NULL && (o->hive == NULL || (o->token == NULL) == (o->token_file == NULL))) {
		return fprintf(stderr, _("qtm-runner: --hive URL and one of --token-file FILE or --token TOKEN are needed\n")),
		    CLI_USAGE;
	} else if (o->config != NULL && (o->hive != NULL || o->token != NULL || o->token_file != NULL)) {
		return fprintf(stderr, _("qtm-runner: --config names the hive and the token: no --hive, --token or --token-file\n")),
		    CLI_USAGE;
	}
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

/* With --config: the hive, token and identity from the file; the command line's name and
 * executor win. */
static int
run_configured(struct qtm_ctx *ctx, struct opts *o, cJSON **results)
{
	struct qtm_hive_runner_conf conf;
	struct qtm_hive_client *c = NULL;
	int rc;

	if ((rc = qtm_hive_runner_conf_load(ctx, o->config, &conf)) < 0)
		return rc;
	if ((rc = qtm_hive_client_new(ctx, conf.hive, NULL, &c)) == 0) {
		o->r.enroll_token = conf.token;
		o->r.name = o->r.name != NULL ? o->r.name : conf.name;
		o->r.executor = o->r.executor != NULL ? o->r.executor : conf.executor;
		o->r.runner_id = conf.runner_id;
		o->r.secret = conf.secret;
		o->r.heartbeat_s = conf.heartbeat_s;
		o->r.lease_ttl_s = conf.lease_ttl_s;
		rc = qtm_hive_runner_run(ctx, c, &o->r, results);
	}
	qtm_hive_client_free(c);
	qtm_hive_runner_conf_clear(&conf);
	return rc;
}

/* qtm-runner enroll URL --token-file FILE: prints the runner's id and where its configuration
 * went ({"runner_id","config"} with --json). */
static int
enroll(struct qtm_ctx *ctx, const struct opts *o)
{
	char *id = NULL;
	int rc;

	if ((rc = qtm_hive_runner_enroll(ctx, o->enroll_url, o->token_file, o->r.name, o->r.executor, o->config,
	    &id)) < 0)
		return rc;
	if (o->json) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "runner_id", id);
		cJSON_AddStringToObject(doc, "config", o->config);
		cli_print_json(doc);
	} else if (o->verbosity >= 0) {
		printf(_("enrolled with %s as %s; configuration written to %s\n"), o->enroll_url, id, o->config);
	}
	free(id);
	return 0;
}

/* The default configuration: CONF/runner.conf (enroll writes it; a run uses it when it exists
 * and no --hive is given).  *path is owned by the caller. */
static void
default_config(struct qtm_ctx *ctx, struct opts *o, char **path)
{
	if (o->config != NULL || (o->enroll_url == NULL && o->hive != NULL))
		return;
	*path = qtm_conf_path(ctx, "runner.conf");
	if (o->enroll_url != NULL || access(*path, F_OK) == 0)
		o->config = *path;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct qtm_ctx *ctx;
	struct cli_args a;
	cJSON *results = NULL;
	char *config = NULL;
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
	default_config(ctx, &o, &config);
	if ((rc = qtm_ctx_load_config(ctx)) == 0)
		rc = o.enroll_url != NULL ? enroll(ctx, &o) : o.config != NULL ? run_configured(ctx, &o, &results)
		    : run(ctx, &o, &results);
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
	free(config);
	qtm_ctx_free(ctx);
	qtm_curl_cleanup();
	return cli_exit_status(rc);
}
