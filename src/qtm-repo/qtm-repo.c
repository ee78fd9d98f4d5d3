/* qtm-repo.c - the repository tool: build, keygen, sign. */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "http-guard.h"
#include "i18n.h"
#include "number.h"
#include "repository.h"
#include "serve.h"
#include "sign.h"
#include "xalloc.h"

static void
usage(FILE *f)
{
	fprintf(f, _("usage: qtm-repo build [--name NAME] [--release N] [--valid-days DAYS] [--key FILE]... -o DIR SRC...\n"
	    "       qtm-repo keygen PREFIX          (writes PREFIX.key and PREFIX.pub)\n"
	    "       qtm-repo sign --key FILE... DIR (signs DIR/release.json)\n"
	    "       qtm-repo serve [--listen ADDR:PORT] [--port-file FILE] [-v] DIR\n"
	    "       qtm-repo add-artifact [--key FILE]... DIR NAME VERSION ARTIFACT [METRICS]\n"
	    "         (ARTIFACT: a qtm artifact cache file BUILD_ID.tar.zst)\n"
	    "  SRC is a module folder (holding module.json) or a folder of them.\n"
	    "See qtm-repo(1).\n"));
	fprintf(f, _("  -q, --quiet (before the verb): no progress or notes, only errors.\n"));
	fprintf(f, _("  serve also takes --header-timeout S, --body-timeout S and --max-per-ip N.\n"));
}

static int
build(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "release", required_argument, NULL, 'r' },
		{ "valid-days", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct qtm_repo_build_opts bo = { 0 };
	char **keys = xcalloc(1, sizeof *keys);
	const char *out = NULL;
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, "o:n:r:d:k:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': bo.name = optarg; break;
		case 'r': rc = qtm_number_ll(ctx, "--release", optarg, 0, QTM_JSON_MAX_EXACT, &bo.version); break;
		case 'd': rc = qtm_number_int(ctx, "--valid-days", optarg, 1, 36500, &bo.valid_days); break;
		case 'k': keys = strv_push(keys, optarg); break;
		default: rc = 2;
		}
	}
	if (rc == 0 && (out == NULL || optind >= argc))
		rc = 2;
	if (rc == 2)
		usage(stderr);
	if (rc == 0 && (rc = qtm_repo_build(ctx, argv + optind, out, &bo)) == 0 && keys[0] != NULL)
		rc = qtm_repo_sign(ctx, out, keys);
	strv_free(keys);
	return rc;
}

static int
keygen(struct qtm_ctx *ctx, int argc, char **argv)
{
	char id[QTM_KEYID_LEN];
	int rc;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if ((rc = qtm_key_generate(ctx, argv[1], id)) == 0)
		printf(_("key %s: %s.key (private: keep it off any repository) and %s.pub\n"), id, argv[1], argv[1]);
	return rc;
}

static int
sign(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "key", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 } };
	char **keys = xcalloc(1, sizeof *keys);
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		if (c != 'k')
			rc = 2;
		else
			keys = strv_push(keys, optarg);
	}
	if (rc == 0 && (keys[0] == NULL || optind != argc - 1))
		rc = 2;
	if (rc == 2)
		usage(stderr);
	else
		rc = qtm_repo_sign(ctx, argv[optind], keys);
	strv_free(keys);
	return rc;
}

static int
add_artifact(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "key", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 } };
	char **keys = xcalloc(1, sizeof *keys), *build_id;
	const char *base, *dot;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		if (c != 'k')
			rc = 2;
		else
			keys = strv_push(keys, optarg);
	}
	if (rc == 0 && argc - optind != 4 && argc - optind != 5)
		rc = 2;
	if (rc == 2) {
		usage(stderr);
		strv_free(keys);
		return 2;
	}
	/* The build id is the artifact's file name, as qtm's artifact cache names it. */
	base = strrchr(argv[optind + 3], '/') != NULL ? strrchr(argv[optind + 3], '/') + 1 : argv[optind + 3];
	dot = strchr(base, '.');
	build_id = xstrndup(base, dot != NULL ? (size_t)(dot - base) : strlen(base));
	rc = qtm_repo_add_artifact(ctx, argv[optind], argv[optind + 1], argv[optind + 2], build_id,
	    argv[optind + 3], argc - optind == 5 ? argv[optind + 4] : NULL);
	if (rc == 0 && keys[0] != NULL)
		rc = qtm_repo_sign(ctx, argv[optind], keys);
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
serve(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "body-timeout", required_argument, NULL, 'B' },
		{ "max-per-ip", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	struct qtm_http_limits lim = { .header_timeout_s = QTM_HTTP_HEADER_TIMEOUT_S,
		.body_timeout_s = QTM_HTTP_BODY_TIMEOUT_S, .max_per_ip = QTM_HTTP_MAX_PER_IP };
	char addr[64] = "127.0.0.1", *colon;
	long n = 0;
	const char *port_file = NULL;
	struct qtm_server *srv;
	int port = 8080;
	uint16_t bound;
	int c, rc;

	while ((c = getopt_long(argc, argv, "l:p:v", opts, NULL)) != -1) {
		if (c == 'l' && (colon = strrchr(optarg, ':')) != NULL) {
			snprintf(addr, sizeof addr, "%.*s", (int)(colon - optarg), optarg);
			if (qtm_parse_int(colon + 1, 0, 65535, &port) < 0)
				port = -1;   /* the usage below */
		} else if (c == 'p') {
			port_file = optarg;
		} else if (c == 'v') {
			ctx->verbosity = QTM_VERBOSE;
		} else if (c == 'H' && (n = count_arg("header-timeout", optarg, 3600)) > 0) {
			lim.header_timeout_s = (unsigned int)n;
		} else if (c == 'B' && (n = count_arg("body-timeout", optarg, 3600)) > 0) {
			lim.body_timeout_s = (unsigned int)n;
		} else if (c == 'M' && (n = count_arg("max-per-ip", optarg, 4000)) > 0) {
			lim.max_per_ip = (unsigned int)n;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || port < 0 || port > 65535) {
		usage(stderr);
		return 2;
	}
	if ((rc = qtm_serve_start(ctx, argv[optind], addr, (uint16_t)port, &lim, &srv, &bound)) < 0)
		return rc;
	if (port_file != NULL) {
		FILE *f = fopen(port_file, "we");

		if (f != NULL) {
			fprintf(f, "%u\n", bound);
			fclose(f);
		}
	}
	fprintf(stderr, _("serving %s on http://%s:%u/ (Ctrl-C stops)\n"), argv[optind], addr, bound);
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
		const char *name;
		int (*fn)(struct qtm_ctx *, int, char **);
	} verbs[] = { { "build", build }, { "keygen", keygen }, { "sign", sign }, { "serve", serve },
		{ "add-artifact", add_artifact } };
	struct qtm_ctx *ctx;
	bool known = false;
	int rc = 2;

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("qtm-repo %s\n", PACKAGE_VERSION);
		return 0;
	}
	ctx = qtm_ctx_new(NULL, NULL);
	/* -q before the verb silences progress and notes, as qtm's does; errors still print. */
	if (argc >= 2 && (strcmp(argv[1], "-q") == 0 || strcmp(argv[1], "--quiet") == 0)) {
		ctx->verbosity = QTM_QUIET;
		argc--;
		argv++;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0) {
			known = true;
			rc = verbs[i].fn(ctx, argc - 1, argv + 1);
		}
	if (!known)
		usage(stderr);
	if (rc < 0)
		fprintf(stderr, _("qtm-repo: error: %s\n"), qtm_strerror(ctx));
	qtm_ctx_free(ctx);
	return rc < 0 ? 1 : rc;
}
