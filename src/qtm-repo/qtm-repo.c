/* qtm-repo.c - the repository tool: its command table (build, add, remove, prune, verify,
 * keygen, sign, serve, add-artifact) and each verb. */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctx.h"
#include "http-guard.h"
#include "i18n.h"
#include "number.h"
#include "repo-publish.h"
#include "repository.h"
#include "repo-serve.h"
#include "sign.h"
#include "xalloc.h"

#define END { NULL, 0, CLI_NO_ARG, NULL, NULL, 0 }
#define KEY(help) { "key", 'k', CLI_REQUIRED, "FILE", help, 'k' }

static const struct cli_option global_options[] = {
	{ "quiet", 'q', CLI_NO_ARG, NULL, N_("no progress or notes, only errors"), 'q' },
	END,
};
static const struct cli_option build_options[] = {
	{ "output", 'o', CLI_REQUIRED, "DIR", N_("write the repository to DIR"), 'o' },
	{ "name", 'n', CLI_REQUIRED, "NAME", N_("the repository's name"), 'n' },
	{ "release", 'r', CLI_REQUIRED, "N", N_("the release number"), 'r' },
	{ "valid-days", 'd', CLI_REQUIRED, "DAYS", N_("how long the release is valid"), 'd' },
	KEY(N_("sign with the private key in FILE")),
	{ "format", 0, CLI_REQUIRED, "N", NULL, 'f' },
	END,
};
static const struct cli_option key_options[] = { KEY(N_("sign with the private key in FILE")), END };
#define WAIT { "wait", 'w', CLI_OPTIONAL, "SECONDS", N_("wait for another publisher's lock (without SECONDS: as long as it takes)"), 'w' }
static const struct cli_option publish_options[] = { KEY(N_("sign with the private key in FILE")), WAIT, END };
static const struct cli_option prune_options[] = {
	{ "keep", 0, CLI_REQUIRED, "N", N_("first withdraw all but the N highest versions of each name"), 'K' },
	KEY(N_("sign with the private key in FILE")), WAIT, END,
};
static const struct cli_option serve_options[] = {
	{ "listen", 'l', CLI_REQUIRED, "ADDR:PORT", N_("the address to listen on (default 127.0.0.1:8080)"), 'l' },
	{ "port-file", 'p', CLI_REQUIRED, "FILE", N_("write the bound port to FILE"), 'p' },
	{ "verbose", 'v', CLI_NO_ARG, NULL, N_("log every request"), 'v' },
	{ "header-timeout", 0, CLI_REQUIRED, "S", N_("seconds a client may take to send its headers"), 'H' },
	{ "body-timeout", 0, CLI_REQUIRED, "S", N_("seconds a client may take to send its body"), 'B' },
	{ "max-per-ip", 0, CLI_REQUIRED, "N", N_("connections allowed per client address"), 'M' },
	END,
};

static const struct cli_verb v_build = { "build", NULL, "[--name NAME] [--release N] [--valid-days DAYS] [--key FILE]... -o DIR SRC...",
	N_("build a repository from module folders"), build_options, 0 };
static const struct cli_verb v_keygen = { "keygen", NULL, "PREFIX", N_("make a signing key: PREFIX.key and PREFIX.pub"), NULL, 0 };
static const struct cli_verb v_sign = { "sign", NULL, "--key FILE... DIR", N_("sign DIR/release.json"), key_options, 0 };
static const struct cli_verb v_serve = { "serve", NULL, "[--listen ADDR:PORT] [--port-file FILE] [-v] DIR",
	N_("serve a repository over HTTP"), serve_options, 0 };
static const struct cli_verb v_add_artifact = { "add-artifact", NULL, "[--key FILE]... [--wait[=S]] DIR NAME VERSION ARTIFACT [METRICS]",
	N_("publish a trained artifact (a qtm artifact cache file BUILD_ID.tar.zst)"), publish_options, 0 };
static const struct cli_verb v_add = { "add", NULL, "[--key FILE]... [--wait[=S]] DIR SRC...",
	N_("add new versions to a repository"), publish_options, 0 };
static const struct cli_verb v_remove = { "remove", NULL, "[--key FILE]... [--wait[=S]] DIR NAME=VERSION...",
	N_("withdraw versions from a repository's index (their files stay until prune)"), publish_options, 0 };
static const struct cli_verb v_prune = { "prune", NULL, "[--keep N] [--key FILE]... [--wait[=S]] DIR",
	N_("delete the files no current index refers to"), prune_options, 0 };
static const struct cli_verb v_verify = { "verify", NULL, "DIR",
	N_("hash every file the current release refers to"), NULL, 0 };
static const struct cli_verb *const verbs[] = { &v_build, &v_add, &v_remove, &v_prune, &v_verify, &v_keygen, &v_sign,
	&v_serve, &v_add_artifact, NULL };
static const struct cli_prog repo_prog = { "qtm-repo", N_("[-q] COMMAND [ARGS]"), global_options, verbs,
	N_("\n  SRC is a module folder (holding module.json) or a folder of them.\nSee qtm-repo(1).\n") };

/* The keys of --key options (owned by the caller: strv_free()). */
static char **
keys_of(const struct cli_args *a)
{
	char **keys = xcalloc(1, sizeof *keys);

	for (size_t i = 0; i < a->noptions; i++)
		if (a->options[i].opt->id == 'k')
			keys = strv_push(keys, a->options[i].arg);
	return keys;
}

static int
build(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_repo_build_opts bo = { 0 };
	const char *out = NULL;
	char **keys = keys_of(a);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->noptions; i++) {
		const char *arg = a->options[i].arg;

		switch (a->options[i].opt->id) {
		case 'o': out = arg; break;
		case 'n': bo.name = arg; break;
		case 'r': rc = qtm_number_ll(ctx, "--release", arg, 0, QTM_JSON_MAX_EXACT, &bo.version); break;
		case 'd': rc = qtm_number_int(ctx, "--valid-days", arg, 1, 36500, &bo.valid_days); break;
		case 'f': rc = qtm_number_int(ctx, "--format", arg, 1, 2, &bo.format); break;
		}
	}
	if (rc == 0 && out == NULL)
		rc = cli_usage(&repo_prog, a->verb, _("-o DIR is needed"));
	else if (rc == 0 && a->argc < 2)
		rc = cli_usage(&repo_prog, a->verb, _("name at least one module folder"));
	bo.keys = keys;
	if (rc == 0)
		rc = qtm_repo_build(ctx, a->argv + 1, out, &bo);
	strv_free(keys);
	return rc;
}

/* --wait[=SECONDS] into ctx->wait_s; CLI_USAGE after a bad value. */
static int
wait_arg(struct qtm_ctx *ctx, const struct cli_args *a)
{
	for (size_t i = 0; i < a->noptions; i++) {
		const char *arg = a->options[i].arg;

		if (a->options[i].opt->id != 'w')
			continue;
		ctx->wait_s = -1;   /* no value: without limit */
		if (arg != NULL && qtm_parse_int(arg, 0, INT_MAX, &ctx->wait_s) < 0)
			return cli_usage(&repo_prog, a->verb, _("--wait=SECONDS needs a whole number of seconds"));
	}
	return 0;
}

static int
add(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_repo_add_result res;
	char **keys;
	int rc;

	if (a->argc < 3)
		return cli_usage(&repo_prog, a->verb, _("name the repository DIR and at least one module folder"));
	if ((rc = wait_arg(ctx, a)) != 0)
		return rc;
	keys = keys_of(a);
	rc = qtm_repo_add(ctx, a->argv[1], a->argv + 2, keys, &res);
	for (size_t i = 0; rc == 0 && res.unchanged != NULL && res.unchanged[i] != NULL; i++)
		printf(_("%s is published already with the same content: nothing to do\n"), res.unchanged[i]);
	for (size_t i = 0; rc == 0 && res.added != NULL && res.added[i] != NULL; i++)
		printf(_("added %s\n"), res.added[i]);
	if (rc == 0 && res.release > 0)
		printf(_("release %lld written%s\n"), res.release, keys[0] != NULL ? "" : _(" (unsigned: sign it with qtm-repo sign)"));
	qtm_repo_add_result_clear(&res);
	strv_free(keys);
	return rc;
}

static int
remove_versions(struct qtm_ctx *ctx, const struct cli_args *a)
{
	long long release = 0;
	char **keys;
	int rc;

	if (a->argc < 3)
		return cli_usage(&repo_prog, a->verb, _("name the repository DIR and at least one NAME=VERSION"));
	if ((rc = wait_arg(ctx, a)) != 0)
		return rc;
	keys = keys_of(a);
	if ((rc = qtm_repo_remove(ctx, a->argv[1], a->argv + 2, keys, &release)) == 0) {
		for (int i = 2; i < a->argc; i++)
			printf(_("withdrew %s\n"), a->argv[i]);
		printf(_("release %lld written%s\n"), release, keys[0] != NULL ? "" : _(" (unsigned: sign it with qtm-repo sign)"));
	}
	strv_free(keys);
	return rc;
}

static int
prune(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_repo_prune_result res;
	int keep = 0, rc = 0;
	char **keys;

	for (size_t i = 0; rc == 0 && i < a->noptions; i++)
		if (a->options[i].opt->id == 'K')
			rc = qtm_number_int(ctx, "--keep", a->options[i].arg, 1, INT_MAX, &keep);
	if (rc < 0)
		return rc;
	if (a->argc != 2)
		return cli_usage(&repo_prog, a->verb, _("name one repository DIR"));
	if ((rc = wait_arg(ctx, a)) != 0)
		return rc;
	keys = keys_of(a);
	if ((rc = qtm_repo_prune(ctx, a->argv[1], keep, keys, &res)) == 0) {
		for (size_t i = 0; res.withdrawn != NULL && res.withdrawn[i] != NULL; i++)
			printf(_("withdrew %s\n"), res.withdrawn[i]);
		if (res.release > 0)
			printf(_("release %lld written%s\n"), res.release, keys[0] != NULL ? "" : _(" (unsigned: sign it with qtm-repo sign)"));
		printf(_("deleted %zu files (%llu bytes) no current index refers to\n"), res.files, res.bytes);
	}
	qtm_repo_prune_result_clear(&res);
	strv_free(keys);
	return rc;
}

static int
verify(struct qtm_ctx *ctx, const struct cli_args *a)
{
	size_t checked = 0;
	int rc;

	if (a->argc != 2)
		return cli_usage(&repo_prog, a->verb, _("name one repository DIR"));
	if ((rc = qtm_repo_verify(ctx, a->argv[1], &checked)) == 0)
		printf(_("%s: all %zu files match the release\n"), a->argv[1], checked);
	return rc;
}

static int
keygen(struct qtm_ctx *ctx, const struct cli_args *a)
{
	char id[QTM_KEYID_LEN];
	int rc;

	if (a->argc != 2)
		return cli_usage(&repo_prog, a->verb, _("name one PREFIX"));
	if ((rc = qtm_key_generate(ctx, a->argv[1], id)) == 0)
		printf(_("key %s: %s.key (private: keep it off any repository) and %s.pub\n"), id, a->argv[1], a->argv[1]);
	return rc;
}

static int
sign(struct qtm_ctx *ctx, const struct cli_args *a)
{
	char **keys = keys_of(a);
	int rc;

	if (keys[0] == NULL)
		rc = cli_usage(&repo_prog, a->verb, _("--key FILE is needed"));
	else if (a->argc != 2)
		rc = cli_usage(&repo_prog, a->verb, _("name one repository DIR"));
	else
		rc = qtm_repo_sign(ctx, a->argv[1], keys);
	strv_free(keys);
	return rc;
}

static int
add_artifact(struct qtm_ctx *ctx, const struct cli_args *a)
{
	char **keys, *build_id, **argv = a->argv;
	const char *base, *dot;
	int argc = a->argc, first = 1, rc;

	if (argc - first != 4 && argc - first != 5)
		return cli_usage(&repo_prog, a->verb, _("expected DIR NAME VERSION ARTIFACT [METRICS]"));
	if ((rc = wait_arg(ctx, a)) != 0)
		return rc;
	keys = keys_of(a);
	/* The build id is the artifact's file name, as qtm's artifact cache names it. */
	base = strrchr(argv[first + 3], '/') != NULL ? strrchr(argv[first + 3], '/') + 1 : argv[first + 3];
	dot = strchr(base, '.');
	build_id = xstrndup(base, dot != NULL ? (size_t)(dot - base) : strlen(base));
	rc = qtm_repo_add_artifact(ctx, argv[first], argv[first + 1], argv[first + 2], build_id,
	    argv[first + 3], argc - first == 5 ? argv[first + 4] : NULL, keys);
	free(build_id);
	strv_free(keys);
	return rc;
}

static volatile sig_atomic_t stop_serving;

static void
on_signal(int sig)
{
	stop_serving = sig;
}

/* A whole number from 1 to max for option name, or -1 with the message printed. */
static long
count_arg(const char *name, const char *value, long max)
{
	long long n;

	if (*value < '0' || *value > '9' || qtm_parse_ll(value, 1, max, &n) < 0) {
		fprintf(stderr, _("qtm-repo serve: --%s must be a whole number from 1 to %ld, not \"%s\"\n"), name, max,
		    value);
		return -1;
	}
	return n;
}

/* Serves DIR until SIGINT or SIGTERM; --port-file receives the bound port (for scripts that ask
 * for port 0, any free port). */
static int
serve(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_http_limits lim = { .header_timeout_s = QTM_HTTP_HEADER_TIMEOUT_S,
		.body_timeout_s = QTM_HTTP_BODY_TIMEOUT_S, .max_per_ip = QTM_HTTP_MAX_PER_IP };
	char addr[64] = "127.0.0.1", *colon, **argv = a->argv;
	long n = 0;
	const char *port_file = NULL;
	struct qtm_server *srv;
	int port = 8080, first = 1;
	uint16_t bound;
	int rc;

	for (size_t i = 0; i < a->noptions; i++) {
		int c = a->options[i].opt->id;
		const char *arg = a->options[i].arg;

		if (c == 'l' && (colon = strrchr(arg, ':')) != NULL) {
			snprintf(addr, sizeof addr, "%.*s", (int)(colon - arg), arg);
			if (qtm_parse_int(colon + 1, 0, 65535, &port) < 0)
				port = -1;   /* the usage below */
		} else if (c == 'p') {
			port_file = arg;
		} else if (c == 'v') {
			ctx->verbosity = QTM_VERBOSE;
		} else if (c == 'H' && (n = count_arg("header-timeout", arg, 3600)) > 0) {
			lim.header_timeout_s = (unsigned int)n;
		} else if (c == 'B' && (n = count_arg("body-timeout", arg, 3600)) > 0) {
			lim.body_timeout_s = (unsigned int)n;
		} else if (c == 'M' && (n = count_arg("max-per-ip", arg, 4000)) > 0) {
			lim.max_per_ip = (unsigned int)n;
		} else if (c == 'l') {
			return cli_usage(&repo_prog, a->verb, _("--listen needs ADDR:PORT"));
		} else {
			return CLI_USAGE;   /* count_arg() said why */
		}
	}
	if (port < 0 || port > 65535)
		return cli_usage(&repo_prog, a->verb, _("--listen needs ADDR:PORT"));
	if (a->argc != 2)
		return cli_usage(&repo_prog, a->verb, _("name one repository DIR"));
	if ((rc = qtm_serve_start(ctx, argv[first], addr, (uint16_t)port, &lim, &srv, &bound)) < 0)
		return rc;
	if (port_file != NULL) {
		FILE *f = fopen(port_file, "we");

		if (f != NULL) {
			fprintf(f, "%u\n", bound);
			fclose(f);
		}
	}
	fprintf(stderr, _("serving %s on http://%s:%u/ (Ctrl-C stops)\n"), argv[first], addr, bound);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_serving)
		pause();
	qtm_serve_stop(srv);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const struct cli_verb *verb;
		int (*fn)(struct qtm_ctx *, const struct cli_args *);
	} fns[] = { { &v_build, build }, { &v_add, add }, { &v_remove, remove_versions }, { &v_prune, prune },
		{ &v_verify, verify }, { &v_keygen, keygen }, { &v_sign, sign }, { &v_serve, serve },
		{ &v_add_artifact, add_artifact } };
	struct qtm_ctx *ctx;
	struct cli_args a;
	int rc = CLI_USAGE;

	cli_i18n_init();
	switch (cli_parse(&repo_prog, argc, argv, &a)) {
	case CLI_DONE: return CLI_EXIT_OK;
	case CLI_BAD: return CLI_EXIT_USAGE;
	case CLI_RUN: break;
	}
	ctx = qtm_ctx_new(NULL, NULL);
	/* -q silences progress and notes, as qtm's does; errors still print. */
	if (a.nglobals > 0)
		ctx->verbosity = QTM_QUIET;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (fns[i].verb == a.verb)
			rc = fns[i].fn(ctx, &a);
	if (rc < 0)
		fprintf(stderr, _("qtm-repo: error: %s\n"), qtm_strerror(ctx));
	cli_args_free(&a);
	qtm_ctx_free(ctx);
	return cli_exit_status(rc);
}
