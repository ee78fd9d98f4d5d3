/* hc-main.c - hive-control's dispatch, global options and shared helpers. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "i18n.h"
#include "number.h"
#include "text.h"
#include "xalloc.h"

static const struct {
	const struct cli_verb *verb;
	hc_fn fn;
} commands[] = {
	{ &hc_verb_init, hc_init }, { &hc_verb_start, hc_start }, { &hc_verb_stop, hc_stop }, { &hc_verb_reload, hc_reload },
	{ &hc_verb_restart, hc_restart }, { &hc_verb_status, hc_status }, { &hc_verb_runners, hc_runners },
	{ &hc_verb_jobs, hc_jobs }, { &hc_verb_show, hc_show }, { &hc_verb_logs, hc_logs }, { &hc_verb_monitor, hc_monitor },
	{ &hc_verb_scale, hc_scale }, { &hc_verb_spawn, hc_spawn }, { &hc_verb_kill, hc_kill },
	{ &hc_verb_submit, hc_submit }, { &hc_verb_cancel, hc_cancel }, { &hc_verb_requeue, hc_requeue },
	{ &hc_verb_clean, hc_clean }, { &hc_verb_web, hc_web },
};

void
hc_apply_globals(struct hc *h, const struct cli_args *a)
{
	for (size_t i = 0; i < a->nglobals; i++) {
		const char *arg = a->globals[i].arg;

		switch (a->globals[i].opt->id) {
		case 'H': h->hive = arg; break;
		case 'T': h->token = arg; break;
		case 'j': h->ctx->json = true; break;
		case 'q': h->ctx->verbosity = -1; break;
		case 'v': h->ctx->verbosity++; break;
		case 'C': h->ctx->color = false; break;
		}
	}
}

int
hive_control_run(struct hc *h, const struct cli_args *a)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].verb == a->verb)
			return commands[i].fn(h, a);
	return HC_USAGE;   /* the parser knows no other verb */
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
hc_usage_error(struct hc *h, const struct cli_args *a)
{
	fprintf(stderr, _("usage: %s %s %s\n"), h->prog, a->verb->name, a->verb->synopsis);
	return HC_USAGE;
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
