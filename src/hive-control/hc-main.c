/* hc-main.c - hive-control's command table, global options and shared helpers. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "i18n.h"
#include "number.h"
#include "text.h"
#include "xalloc.h"

static const struct {
	const char *name, *args, *summary;
	hc_fn fn;
} commands[] = {
	{ "init", "", N_("create the hive's state directory, tokens and hive.conf"), hc_init },
	{ "start", "[--listen ADDR:PORT] [--executor E]", N_("start qtm-hived in the background"), hc_start },
	{ "stop", "", N_("stop qtm-hived"), hc_stop },
	{ "restart", "[--listen ADDR:PORT]", N_("stop and start qtm-hived"), hc_restart },
	{ "status", "", N_("orchestrator, system load, runners and queue"), hc_status },
	{ "runners", "", N_("list the runners"), hc_runners },
	{ "jobs", "[--state S] [--limit N]", N_("list the jobs, newest first"), hc_jobs },
	{ "logs", "ID [-f] [--attempt N]", N_("print (and follow) a job's training log"), hc_logs },
	{ "monitor", "[--interval S] [--count N] [--plain]", N_("watch runners, jobs and queue live (status lines when not on a terminal)"), hc_monitor },
	{ "scale", "N", N_("set the number of local runners"), hc_scale },
	{ "spawn", "N", N_("start N more local runners"), hc_spawn },
	{ "kill", "ID", N_("stop a runner (its job returns to the queue)"), hc_kill },
	{ "submit", "MODULE [PRIORITY] [--param K=V]...", N_("queue the training of a module and what it needs"), hc_submit },
	{ "cancel", "ID", N_("cancel a job"), hc_cancel },
	{ "requeue", "ID", N_("put a failed or cancelled job back in the queue"), hc_requeue },
	{ "clean", "[--older-than DAYS]", N_("remove old finished jobs, logs and unneeded artifacts"), hc_clean },
	{ "web", "", N_("print (and open) the dashboard's URL"), hc_web },
};

void
hc_usage(FILE *f, const char *prog)
{
	fprintf(f, _("usage: %s [--root DIR] [--config FILE] [--hive URL] [--token TOKEN|@FILE] [--json] [-q|-v] [--no-color] COMMAND [ARGS]\n\ncommands:\n"),
	    prog);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %-36s %s\n", commands[i].name, commands[i].args, _(commands[i].summary));
	fprintf(f, _("\nEvery command takes --json.  See qtm-hive(1).\n"));
}

enum { OPT_ROOT = 256, OPT_CONFIG, OPT_HIVE, OPT_TOKEN, OPT_NO_COLOR, OPT_VERSION };

int
hc_parse_globals(int argc, char **argv, struct hc_globals *g, const char *prog)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT }, { "config", required_argument, NULL, OPT_CONFIG },
		{ "hive", required_argument, NULL, OPT_HIVE }, { "token", required_argument, NULL, OPT_TOKEN },
		{ "json", no_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' }, { "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jqvh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_CONFIG: g->config = optarg; break;
		case OPT_HIVE: g->hive = optarg; break;
		case OPT_TOKEN: g->token = optarg; break;
		case 'j': g->json = true; break;
		case 'q': g->verbosity = -1; break;
		case 'v': g->verbosity++; break;
		case OPT_NO_COLOR: g->no_color = true; break;
		case 'h': hc_usage(stdout, prog); return -2;
		case OPT_VERSION: printf("%s %s\n", prog, PACKAGE_VERSION); return -2;
		default: hc_usage(stderr, prog); return -1;
		}
	}
	if (optind >= argc) {
		hc_usage(stderr, prog);
		return -1;
	}
	return optind;
}

int
hive_control_main(struct hc *h, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			optind = 0;   /* each command parses its own options from argv[0] on */
			return commands[i].fn(h, argc, argv);
		}
	fprintf(stderr, _("%s: unknown command \"%s\"\n"), h->prog, argv[0]);
	hc_usage(stderr, h->prog);
	return HC_USAGE;
}

/* As qtm(1)'s: 5 when the hive cannot be reached. */
int
hc_exit_status(int rc)
{
	switch (rc) {
	case 0: return 0;
	case HC_USAGE: return 2;
	case -EBUSY: return 3;
	case -ENOENT: return 4;
	case -EHOSTUNREACH: return 5;
	case -EBADMSG: return 6;
	case -ECHILD: case -ETIMEDOUT: return 7;
	default: return 1;
	}
}

int
hc_client(struct hc *h, struct qtm_hive_client **out)
{
	char *url, *token;
	int rc;

	if ((rc = qtm_hive_resolve(h->ctx, h->hive, h->token, QTM_HIVE_LOCAL_DEFAULT, &url, &token)) < 0)
		return rc;
	rc = qtm_hive_client_new(h->ctx, url, token, out);
	free(url);
	free(token);
	return rc;
}

int
hc_getopt(struct hc *h, int argc, char **argv, const char *shortopts, const struct option *extra)
{
	struct option opts[16];
	size_t n = 0;
	int c;

	for (; extra != NULL && extra[n].name != NULL && n < 14; n++)
		opts[n] = extra[n];
	opts[n++] = (struct option){ "json", no_argument, NULL, 1000 };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) == 1000)
		h->ctx->json = true;
	return c;
}

int
hc_usage_error(struct hc *h, const char *cmd, const char *args)
{
	fprintf(stderr, _("usage: %s %s %s\n"), h->prog, cmd, args);
	return HC_USAGE;
}

void
hc_print_json(cJSON *json)
{
	char *text = cJSON_Print(json), *safe = text != NULL ? qtm_json_text_safe(text) : NULL;

	if (safe != NULL)
		printf("%s\n", safe);
	free(safe);
	free(text);
	cJSON_Delete(json);
}

static bool
colored(const struct hc *h)
{
	return h->ctx->color && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
}

const char *
hc_bold(const struct hc *h)
{
	return colored(h) ? "\033[1m" : "";
}

const char *
hc_color(const struct hc *h, const char *seq)
{
	return colored(h) ? seq : "";
}

const char *
hc_reset(const struct hc *h)
{
	return colored(h) ? "\033[0m" : "";
}

long long
hc_number(struct hc *h, const char *cmd, const char *what, const char *text)
{
	long long n;

	if (qtm_parse_ll(text, 0, LLONG_MAX, &n) < 0) {
		fprintf(stderr, _("%s %s: %s must be a number, not \"%s\"\n"), h->prog, cmd, what, text);
		return -1;
	}
	return n;
}

double
hc_num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItem(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItem(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

const char *
hc_str(const cJSON *o, const char *field, const char *dflt)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, field));

	return s != NULL ? qtm_term_safe(s) : dflt;   /* a hive's strings may hold escape sequences */
}
