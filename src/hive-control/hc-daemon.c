/* hc-daemon.c - hive-control init, start, stop, restart: the daemon on this machine. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"
#include "hc.h"
#include "hive-client.h"
#include "hive-conf.h"
#include "hive-local.h"
#include "i18n.h"
#include "xalloc.h"

int
hc_init(struct hc *h, const struct cli_args *a)
{
	char *dir = qtm_hive_state_dir(h->ctx);
	bool created = false;
	int rc;

	if (a->argc > 1)
		return free(dir), hc_usage_error(h, a);
	if ((rc = qtm_hive_local_init(h->ctx, dir, &created)) == 0) {
		if (h->ctx->json) {
			cJSON *o = cJSON_CreateObject();
			char *op = xasprintf("%s/operator.token", dir), *rt = xasprintf("%s/runner.token", dir);

			cJSON_AddStringToObject(o, "state_dir", dir);
			cJSON_AddStringToObject(o, "operator_token", op);
			cJSON_AddStringToObject(o, "runner_token", rt);
			cJSON_AddBoolToObject(o, "created", created);
			hc_print_json(o);
			free(op);
			free(rt);
		} else {
			printf(created ? _("Initialised the hive in %s\n") : _("The hive in %s is already initialised\n"), dir);
		}
	}
	free(dir);
	return rc;
}

static void
print_started(struct hc *h, const char *url, pid_t pid, bool already)
{
	if (h->ctx->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "url", url);
		cJSON_AddNumberToObject(o, "pid", (double)pid);
		cJSON_AddBoolToObject(o, "already_running", already);
		hc_print_json(o);
	} else if (already) {
		printf(_("qtm-hived is already running (pid %ld) at %s\n"), (long)pid, url);
	} else {
		printf(_("qtm-hived is running (pid %ld) at %s\n"), (long)pid, url);
	}
}

static int
start_opts(struct hc *h, const struct cli_args *a, struct qtm_hive_start_opts *o)
{
	for (size_t i = 0; i < a->noptions; i++) {
		if (a->options[i].opt->id == 'l')
			o->listen = a->options[i].arg;
		else
			o->executor = a->options[i].arg;
	}
	return a->argc > 1 ? hc_usage_error(h, a) : 0;
}

static int
start(struct hc *h, const struct qtm_hive_start_opts *o)
{
	char *dir = qtm_hive_state_dir(h->ctx), *url = NULL;
	bool already = false;
	pid_t pid = 0;
	int rc = qtm_hive_local_start(h->ctx, dir, o, &url, &pid, &already);

	if (rc == 0)
		print_started(h, url, pid, already);
	free(url);
	free(dir);
	return rc;
}

int
hc_start(struct hc *h, const struct cli_args *a)
{
	struct qtm_hive_start_opts o = { 0 };
	int rc = start_opts(h, a, &o);

	return rc != 0 ? rc : start(h, &o);
}

/* A drain waits for the running jobs up to drain_timeout_s, then for the requeue. */
static int
stop(struct hc *h, bool quiet, bool now)
{
	char *dir = qtm_hive_state_dir(h->ctx);
	struct qtm_hive_conf_cli cli = { 0 };
	struct qtm_hive_conf conf;
	int wait_s = 30, rc;
	pid_t was = 0;

	if (!now && qtm_hive_conf_read(h->ctx, dir, &cli, &conf) == 0) {
		wait_s += conf.drain_timeout_s;
		qtm_hive_conf_clear(&conf);
	}
	rc = qtm_hive_local_stop(h->ctx, dir, wait_s, now, &was);

	free(dir);
	if (rc < 0 || quiet)
		return rc;
	if (h->ctx->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddBoolToObject(o, "was_running", was > 0);
		if (was > 0)
			cJSON_AddNumberToObject(o, "pid", (double)was);
		hc_print_json(o);
	} else if (was > 0) {
		printf(_("Stopped qtm-hived (pid %ld)\n"), (long)was);
	} else {
		printf(_("qtm-hived is not running\n"));
	}
	return 0;
}

int
hc_stop(struct hc *h, const struct cli_args *a)
{
	if (a->argc > 1)
		return hc_usage_error(h, a);
	return stop(h, false, a->noptions > 0);   /* --now, its only option */
}

int
hc_restart(struct hc *h, const struct cli_args *a)
{
	struct qtm_hive_start_opts o = { 0 };
	char *dir = qtm_hive_state_dir(h->ctx), *listen = NULL;
	int rc = start_opts(h, a, &o);

	/* Where it listens now, read before it stops (it removes its url file). */
	if (rc == 0 && o.listen == NULL && qtm_hive_local_pid(dir) > 0)
		o.listen = listen = qtm_hive_local_listen(dir);
	if (rc == 0)
		rc = stop(h, true, false);
	if (rc == 0)
		rc = start(h, &o);
	free(listen);
	free(dir);
	return rc;
}
