/* hive-conf.c - reading hive.conf into struct qtm_hive_conf. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctx.h"
#include "hive-conf.h"
#include "http-guard.h"
#include "i18n.h"
#include "number.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

void
qtm_hive_conf_defaults(struct qtm_hive_conf *c)
{
	*c = (struct qtm_hive_conf){ .listen_addr = xstrdup("127.0.0.1"), .port = 9000,
		.executor = xstrdup("local"), .min_runners = 1, .max_runners = 4, .runner_cpus = 2,
		.runner_memory_mb = 4096, .lease_ttl_s = 30, .max_attempts = 3, .scale_cooldown_s = 10,
		.gpu_grace_s = 30, .max_body_kib = 1024, .max_artifact_mib = 4096, .slurm_max_jobs = 4,
		.header_timeout_s = QTM_HTTP_HEADER_TIMEOUT_S, .body_timeout_s = QTM_HTTP_BODY_TIMEOUT_S,
		.upload_timeout_s = 3600, .max_connections_per_ip = QTM_HTTP_MAX_PER_IP, .drain_timeout_s = 300 };
	c->allow_hosts = xcalloc(1, sizeof *c->allow_hosts);
	c->deny_hosts = xcalloc(1, sizeof *c->deny_hosts);
	c->source_names = xcalloc(1, sizeof *c->source_names);
	c->source_urls = xcalloc(1, sizeof *c->source_urls);
	c->source_keys = xcalloc(1, sizeof *c->source_keys);
}

void
qtm_hive_conf_clear(struct qtm_hive_conf *c)
{
	free(c->listen_addr);
	free(c->state_dir);
	free(c->executor);
	free(c->token_file);
	free(c->slurm_partition);
	free(c->slurm_runner_root);
	free(c->slurm_extra);
	free(c->slurm_output_dir);
	strv_free(c->allow_hosts);
	strv_free(c->deny_hosts);
	strv_free(c->source_names);
	strv_free(c->source_urls);
	strv_free(c->source_keys);
	free(c->cli.listen);
	free(c->cli.executor);
	free(c->cli.token_file);
	memset(c, 0, sizeof *c);
}

static char **
split_hosts(const char *value)
{
	char **v = xcalloc(1, sizeof *v), *copy = xstrdup(value), *save = NULL;

	for (char *t = strtok_r(copy, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save))
		v = strv_push(v, t);
	free(copy);
	return v;
}

static const struct {
	const char *key;
	size_t off;
	long min, max;
	bool is_long;
} int_keys[] = {
	{ "min_runners", offsetof(struct qtm_hive_conf, min_runners), 0, 1024, false },
	{ "max_runners", offsetof(struct qtm_hive_conf, max_runners), 0, 1024, false },
	{ "runner_cpus", offsetof(struct qtm_hive_conf, runner_cpus), 1, 4096, false },
	{ "runner_memory_mb", offsetof(struct qtm_hive_conf, runner_memory_mb), 64, 1L << 30, true },
	{ "lease_ttl_s", offsetof(struct qtm_hive_conf, lease_ttl_s), 1, 86400, false },
	{ "max_attempts", offsetof(struct qtm_hive_conf, max_attempts), 1, 100, false },
	{ "scale_cooldown_s", offsetof(struct qtm_hive_conf, scale_cooldown_s), 0, 86400, false },
	{ "gpu_grace_s", offsetof(struct qtm_hive_conf, gpu_grace_s), 0, 86400, false },
	{ "max_body_kib", offsetof(struct qtm_hive_conf, max_body_kib), 1, 1L << 20, true },
	{ "max_artifact_mib", offsetof(struct qtm_hive_conf, max_artifact_mib), 1, 1L << 24, true },
	{ "slurm_max_jobs", offsetof(struct qtm_hive_conf, slurm_max_jobs), 0, 1024, false },
	{ "header_timeout_s", offsetof(struct qtm_hive_conf, header_timeout_s), 1, 3600, false },
	{ "body_timeout_s", offsetof(struct qtm_hive_conf, body_timeout_s), 1, 3600, false },
	{ "upload_timeout_s", offsetof(struct qtm_hive_conf, upload_timeout_s), 1, 7 * 86400, false },
	{ "max_connections_per_ip", offsetof(struct qtm_hive_conf, max_connections_per_ip), 1, 4000, false },
	{ "drain_timeout_s", offsetof(struct qtm_hive_conf, drain_timeout_s), 0, 7 * 86400, false },
};

/* The slurm executor's string settings (qtm-hived(8), SLURM EXECUTOR). */
static const struct {
	const char *key;
	size_t off;
} str_keys[] = {
	{ "slurm_partition", offsetof(struct qtm_hive_conf, slurm_partition) },
	{ "slurm_runner_root", offsetof(struct qtm_hive_conf, slurm_runner_root) },
	{ "slurm_extra", offsetof(struct qtm_hive_conf, slurm_extra) },
	{ "slurm_output_dir", offsetof(struct qtm_hive_conf, slurm_output_dir) },
};

/* "source = NAME URL KEYFILE": checked for its shape here, the key and URL when the sources
 * are set up (hive-sources.h). */
static int
conf_source(struct qtm_ctx *ctx, struct qtm_hive_conf *c, const char *value, const char *origin, int line)
{
	char *copy = xstrdup(value), *save = NULL, *w[4] = { NULL };
	int n = 0, rc = 0;

	for (char *t = strtok_r(copy, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save))
		w[n < 4 ? n++ : 3] = t;
	if (n != 3)
		rc = qtm_error(ctx, -EINVAL, _("%s:%d: source must be NAME URL KEYFILE (the public key its releases are signed with)"),
		    origin, line);
	for (size_t i = 0; rc == 0 && c->source_names[i] != NULL; i++)
		if (strcmp(c->source_names[i], w[0]) == 0)
			rc = qtm_error(ctx, -EINVAL, _("%s:%d: source %s is named twice"), origin, line, w[0]);
	if (rc == 0) {
		char *key = w[2][0] == '/' || c->state_dir == NULL ? xstrdup(w[2]) : xasprintf("%s/%s", c->state_dir, w[2]);

		c->source_names = strv_push(c->source_names, w[0]);
		c->source_urls = strv_push(c->source_urls, w[1]);
		c->source_keys = strv_push(c->source_keys, key);
		free(key);
	}
	free(copy);
	return rc;
}

static int
conf_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin, int line)
{
	struct qtm_hive_conf *c = arg;

	if (strcmp(key, "source") == 0)
		return conf_source(ctx, c, value, origin, line);
	if (strcmp(key, "executor") == 0) {
		if (strcmp(value, "local") != 0 && strcmp(value, "fleet") != 0 && strcmp(value, "slurm") != 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: executor must be \"local\", \"fleet\" or \"slurm\""),
			    origin, line);
		free(c->executor);
		c->executor = xstrdup(value);
		return 0;
	}
	if (strcmp(key, "allow_hosts") == 0 || strcmp(key, "deny_hosts") == 0) {
		char ***v = key[0] == 'a' ? &c->allow_hosts : &c->deny_hosts;

		strv_free(*v);
		*v = split_hosts(value);
		return 0;
	}
	for (size_t i = 0; i < sizeof str_keys / sizeof str_keys[0]; i++) {
		char **field = (char **)((char *)c + str_keys[i].off);

		if (strcmp(key, str_keys[i].key) != 0)
			continue;
		if (strcmp(key, "slurm_extra") != 0 && (strpbrk(value, " \t") != NULL ||
		    (strcmp(key, "slurm_partition") != 0 && value[0] != '/')))
			return qtm_error(ctx, -EINVAL, _("%s:%d: %s must be %s without blanks"), origin, line, key,
			    strcmp(key, "slurm_partition") == 0 ? _("a partition name") : _("an absolute path"));
		free(*field);
		*field = xstrdup(value);
		return 0;
	}
	for (size_t i = 0; i < sizeof int_keys / sizeof int_keys[0]; i++) {
		long long n;

		if (strcmp(key, int_keys[i].key) != 0)
			continue;
		if (qtm_parse_ll(value, int_keys[i].min, int_keys[i].max, &n) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: %s must be an integer from %ld to %ld"), origin, line,
			    key, int_keys[i].min, int_keys[i].max);
		if (int_keys[i].is_long)
			*(long *)((char *)c + int_keys[i].off) = (long)n;
		else
			*(int *)((char *)c + int_keys[i].off) = (int)n;
		return 0;
	}
	return qtm_error(ctx, -EINVAL, _("%s:%d: unknown setting \"%s\" (see qtm-hived(8))"), origin, line, key);
}

int
qtm_hive_conf_load(struct qtm_ctx *ctx, struct qtm_hive_conf *c, const char *path)
{
	char *text;
	int rc;

	if (access(path, F_OK) < 0)
		return 0;
	if ((rc = qtm_read_text_file(ctx, path, &text)) < 0)
		return rc;
	rc = qtm_kv_parse(ctx, text, path, conf_kv, c);
	free(text);
	if (rc == 0 && c->max_runners < c->min_runners)
		rc = qtm_error(ctx, -EINVAL, _("%s: max_runners (%d) is below min_runners (%d)"), path,
		    c->max_runners, c->min_runners);
	return rc;
}

int
qtm_hive_conf_read(struct qtm_ctx *ctx, const char *state_dir, const struct qtm_hive_conf_cli *cli,
    struct qtm_hive_conf *c)
{
	char *path;
	int rc;

	qtm_hive_conf_defaults(c);
	c->state_dir = xstrdup(state_dir);
	c->cli.listen = cli->listen != NULL ? xstrdup(cli->listen) : NULL;
	c->cli.executor = cli->executor != NULL ? xstrdup(cli->executor) : NULL;
	c->cli.token_file = cli->token_file != NULL ? xstrdup(cli->token_file) : NULL;
	path = xasprintf("%s/hive.conf", state_dir);
	rc = qtm_hive_conf_load(ctx, c, path);
	free(path);
	if (rc == 0 && cli->listen != NULL)
		rc = qtm_hive_conf_listen(ctx, c, cli->listen);
	if (rc == 0 && cli->executor != NULL) {
		free(c->executor);
		c->executor = xstrdup(cli->executor);
	}
	if (rc == 0 && cli->token_file != NULL) {
		free(c->token_file);
		c->token_file = xstrdup(cli->token_file);
	}
	if (rc < 0)
		qtm_hive_conf_clear(c);
	return rc;
}

int
qtm_hive_conf_listen(struct qtm_ctx *ctx, struct qtm_hive_conf *c, const char *spec)
{
	const char *colon = strrchr(spec, ':'), *port = colon != NULL ? colon + 1 : spec;
	int n;

	if (qtm_parse_int(port, 0, 65535, &n) < 0)
		return qtm_error(ctx, -EINVAL, _("--listen %s: expected ADDR:PORT with a port from 0 to 65535"), spec);
	if (colon != NULL && colon > spec) {
		free(c->listen_addr);
		c->listen_addr = xstrndup(spec, (size_t)(colon - spec));
	}
	c->port = (uint16_t)n;
	return 0;
}
