/* qtm-hived.c - the hive daemon: parses options, reads STATE/hive.conf, writes hived.pid,
 * serves until SIGTERM or SIGINT.  All logic is in libqtm (hive-server.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "hive-conf.h"
#include "hive-server.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

static void
usage(FILE *f)
{
	fprintf(f, _("usage: qtm-hived [--listen ADDR:PORT] [--state DIR] [--executor local|fleet|slurm]\n"
	    "                 [--token-file FILE] [--foreground] [-v]\n"
	    "  Serves the hive's queue and API (default 127.0.0.1:9000, state in ./hive).\n"
	    "See qtm-hived(8).\n"));
}

struct opts {
	const char *listen, *state, *executor, *token_file;
};

/* Returns 0, 1 (done: --help/--version), or 2 (usage error). */
static int
parse(int argc, char **argv, struct opts *o, struct qtm_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' }, { "state", required_argument, NULL, 's' },
		{ "executor", required_argument, NULL, 'e' }, { "token-file", required_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "l:s:e:t:fvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 's': o->state = optarg; break;
		case 'e': o->executor = optarg; break;
		case 't': o->token_file = optarg; break;
		case 'f': break;   /* it always runs in the foreground; hive-control backgrounds it */
		case 'v': ctx->verbosity = QTM_VERBOSE; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("qtm-hived %s\n", PACKAGE_VERSION); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (o->executor != NULL && strcmp(o->executor, "local") != 0 &&
	    strcmp(o->executor, "fleet") != 0 && strcmp(o->executor, "slurm") != 0)) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int
configure(struct qtm_ctx *ctx, const struct opts *o, struct qtm_hive_conf *conf)
{
	char *path;
	int rc;

	qtm_hive_conf_defaults(conf);
	conf->state_dir = realpath(o->state != NULL ? o->state : "hive", NULL);
	if (conf->state_dir == NULL) {
		const char *dir = o->state != NULL ? o->state : "hive";

		if ((rc = qtm_mkdir_p(ctx, dir, 0700)) < 0)
			return rc;
		if ((conf->state_dir = realpath(dir, NULL)) == NULL)
			return qtm_error(ctx, -errno, _("state directory %s: %s"), dir, strerror(errno));
	}
	path = xasprintf("%s/hive.conf", conf->state_dir);
	rc = qtm_hive_conf_load(ctx, conf, path);
	free(path);
	if (rc == 0 && o->listen != NULL)
		rc = qtm_hive_conf_listen(ctx, conf, o->listen);
	if (o->executor != NULL) {
		free(conf->executor);
		conf->executor = xstrdup(o->executor);
	}
	if (o->token_file != NULL)
		conf->token_file = xstrdup(o->token_file);
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
	signal(SIGPIPE, SIG_IGN);
	if ((rc = qtm_hive_server_start(ctx, conf, &srv)) < 0)
		return rc;
	if ((rc = write_pid(ctx, conf->state_dir)) == 0) {
		fprintf(stderr, _("qtm-hived: serving %s (state %s, executor %s)\n"), qtm_hive_server_url(srv),
		    conf->state_dir, conf->executor);
		rc = qtm_hive_server_run(srv, &stop);
		fprintf(stderr, _("qtm-hived: stopping (signal %d)\n"), (int)stop);
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

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
	ctx = qtm_ctx_new(NULL, NULL);
	if ((rc = parse(argc, argv, &o, ctx)) != 0) {
		qtm_ctx_free(ctx);
		return rc == 1 ? 0 : 2;
	}
	if ((rc = configure(ctx, &o, &conf)) == 0)
		rc = serve(ctx, &conf);
	if (rc < 0)
		fprintf(stderr, _("qtm-hived: error: %s\n"), qtm_strerror(ctx));
	qtm_hive_conf_clear(&conf);
	qtm_ctx_free(ctx);
	return rc < 0 ? 1 : 0;
}
