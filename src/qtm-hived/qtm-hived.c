/* qtm-hived.c - the hive daemon: parses options, reads STATE/hive.conf, writes hived.pid,
 * serves until SIGTERM, SIGINT (both drain first) or SIGQUIT; SIGHUP reloads hive.conf.  Its
 * options are parsed by the table below; all logic is in libhive (hive-server.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctx.h"
#include "hive-conf.h"
#include "hive-server.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

/* SIGTERM and SIGINT drain, SIGQUIT stops at once, SIGHUP reloads hive.conf (qtm-hived(8)). */
static struct qtm_hive_signals sigs;
static volatile sig_atomic_t last_signal;

static void
on_signal(int sig)
{
	last_signal = sig;
	if (sig == SIGHUP)
		sigs.reload = 1;
	else if (sig == SIGQUIT)
		sigs.stop_now = 1;
	else
		sigs.stop = 1;
}

static const struct cli_option options[] = {
	{ "listen", 'l', CLI_REQUIRED, "ADDR:PORT", N_("the address to listen on (default 127.0.0.1:9000)"), 'l' },
	{ "state", 's', CLI_REQUIRED, "DIR", N_("the state directory (default ./hive)"), 's' },
	{ "executor", 'e', CLI_REQUIRED, "local|fleet|slurm", N_("how the hive runs its jobs"), 'e' },
	{ "token-file", 't', CLI_REQUIRED, "FILE", N_("the operator token, read from FILE"), 't' },
	{ "foreground", 'f', CLI_NO_ARG, NULL, N_("stay in the foreground (it always does)"), 'f' },
	{ "verbose", 'v', CLI_NO_ARG, NULL, N_("log every request"), 'v' },
	{ NULL, 0, CLI_NO_ARG, NULL, NULL, 0 },
};
static const struct cli_prog hived_prog = {
	"qtm-hived", "[--listen ADDR:PORT] [--state DIR] [--executor local|fleet|slurm] [--token-file FILE] [--foreground] [-v]",
	options, NULL, N_("\nServes the hive's queue and API.  See qtm-hived(8).\n"),
};

struct opts {
	const char *listen, *state, *executor, *token_file;
};

/* Returns 0, or CLI_USAGE after a message. */
static int
parse(int argc, char **argv, struct opts *o, struct qtm_ctx *ctx)
{
	struct cli_args a;
	int rc = 0;

	switch (cli_parse(&hived_prog, argc, argv, &a)) {
	case CLI_DONE: return CLI_EXIT(0);
	case CLI_BAD: return CLI_USAGE;
	case CLI_RUN: break;
	}
	for (size_t i = 0; i < a.nglobals; i++) {
		const char *arg = a.globals[i].arg;

		switch (a.globals[i].opt->id) {
		case 'l': o->listen = arg; break;
		case 's': o->state = arg; break;
		case 'e': o->executor = arg; break;
		case 't': o->token_file = arg; break;
		case 'f': break;   /* it always runs in the foreground; hive-control backgrounds it */
		case 'v': ctx->verbosity = QTM_VERBOSE; break;
		}
	}
	if (a.argc > 1)
		rc = cli_usage(&hived_prog, NULL, _("takes no arguments"));
	else if (o->executor != NULL && strcmp(o->executor, "local") != 0 && strcmp(o->executor, "fleet") != 0 &&
	    strcmp(o->executor, "slurm") != 0)
		rc = cli_usage(&hived_prog, NULL, _("unknown executor \"%s\" (local, fleet or slurm)"), o->executor);
	cli_args_free(&a);
	return rc;
}

static int
configure(struct qtm_ctx *ctx, const struct opts *o, struct qtm_hive_conf *conf)
{
	struct qtm_hive_conf_cli cli = { (char *)o->listen, (char *)o->executor, (char *)o->token_file };
	const char *dir = o->state != NULL ? o->state : "hive";
	char *state = realpath(dir, NULL);
	int rc;

	if (state == NULL) {
		if ((rc = qtm_mkdir_p(ctx, dir, 0700)) < 0)
			return rc;
		if ((state = realpath(dir, NULL)) == NULL)
			return qtm_error(ctx, -errno, _("state directory %s: %s"), dir, strerror(errno));
	}
	rc = qtm_hive_conf_read(ctx, state, &cli, conf);
	free(state);
	return rc;
}

static int
write_pid(struct qtm_ctx *ctx, const char *state_dir)
{
	char *path = xasprintf("%s/hived.pid", state_dir), *line = xasprintf("%ld\n", (long)getpid());
	int rc = qtm_write_file_atomic(ctx, path, line, strlen(line));

	free(path);
	free(line);
	return rc;
}

static int
serve(struct qtm_ctx *ctx, struct qtm_hive_conf *conf)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct qtm_hive_server *srv;
	char *pid;
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = qtm_hive_server_start(ctx, conf, &srv)) < 0)
		return rc;
	if ((rc = write_pid(ctx, conf->state_dir)) == 0) {
		fprintf(stderr, _("qtm-hived: serving %s (state %s, executor %s)\n"), qtm_hive_server_url(srv),
		    conf->state_dir, conf->executor);
		rc = qtm_hive_server_run(srv, &sigs);
		fprintf(stderr, _("qtm-hived: stopping (signal %d)\n"), (int)last_signal);
	}
	qtm_hive_server_free(srv);
	pid = xasprintf("%s/hived.pid", conf->state_dir);
	unlink(pid);
	free(pid);
	return rc;
}

int
main(int argc, char **argv)
{
	struct qtm_hive_conf conf = { 0 };
	struct opts o = { 0 };
	struct qtm_ctx *ctx;
	int rc;

	cli_i18n_init();
	ctx = qtm_ctx_new(NULL, NULL);
	if ((rc = parse(argc, argv, &o, ctx)) != 0) {
		qtm_ctx_free(ctx);
		return cli_exit_status(rc);
	}
	if ((rc = configure(ctx, &o, &conf)) == 0)
		rc = serve(ctx, &conf);
	if (rc < 0)
		fprintf(stderr, _("qtm-hived: error: %s\n"), qtm_strerror(ctx));
	qtm_hive_conf_clear(&conf);
	qtm_ctx_free(ctx);
	return cli_exit_status(rc);
}
