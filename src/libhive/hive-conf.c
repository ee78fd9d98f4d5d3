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
		.upload_timeout_s = 3600, .max_connections_per_ip = QTM_HTTP_MAX_PER_IP };
	c->allow_hosts = xcalloc(1, sizeof *c->allow_hosts);
	c->deny_hosts = xcalloc(1, sizeof *c->deny_hosts);
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

static int
conf_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin, int line)
{
	struct qtm_hive_conf *c = arg;

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
