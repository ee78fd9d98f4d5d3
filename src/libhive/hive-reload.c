/* hive-reload.c - a reload of hive.conf while the daemon serves (SIGHUP, POST /reload): the new
 * file is read and checked in full before anything of it is applied, so a refused reload leaves
 * the running configuration as it was. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ctx.h"
#include "hive-conf.h"
#include "hive-executor.h"
#include "hive-server.h"
#include "hive-server-internal.h"
#include "hive-slurm.h"
#include "hive-sources.h"
#include "i18n.h"

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What only a restart can change. */
static int
check_fixed(struct qtm_ctx *ctx, const struct qtm_hive_conf *cur, const struct qtm_hive_conf *next)
{
	if (strcmp(cur->executor, next->executor) != 0)
		return qtm_error(ctx, -EINVAL, _("the executor cannot change from %s to %s at a reload: its runners "
		    "would be left behind (restart the hive: hive-control restart)"), cur->executor, next->executor);
	if (strcmp(cur->listen_addr, next->listen_addr) != 0 || (cur->port != next->port && cur->cli.listen == NULL))
		return qtm_error(ctx, -EINVAL, _("the listen address cannot change at a reload: runners and clients "
		    "know the hive at %s:%u (restart the hive)"), cur->listen_addr, cur->port);
	if (!same_str(cur->token_file, next->token_file))
		return qtm_error(ctx, -EINVAL, _("the operator token file cannot change at a reload (restart the hive)"));
	return 0;
}

int
qtm_hive_server_reload(struct qtm_hive_server *srv)
{
	struct qtm_hive_conf next;
	struct qtm_ctx *ctx = srv->ctx;
	int rc = qtm_hive_conf_read(ctx, srv->conf->state_dir, &srv->conf->cli, &next);

	if (rc == 0 && (rc = check_fixed(ctx, srv->conf, &next)) == 0 && (rc = qtm_hive_sources_check(ctx, &next)) == 0) {
		struct qtm_hive_executor_conf ec = { .runner_cpus = next.runner_cpus,
			.runner_memory_mb = next.runner_memory_mb, .min_runners = next.min_runners,
			.max_runners = next.max_runners, .scale_cooldown_s = next.scale_cooldown_s };

		struct qtm_hive_slurm_conf sc = { .partition = next.slurm_partition, .runner_root = next.slurm_runner_root,
			.output_dir = next.slurm_output_dir, .extra = next.slurm_extra, .max_jobs = next.slurm_max_jobs,
			.max_attempts = next.max_attempts };

		/* The port a listen of ":0" got stays the one served. */
		next.port = srv->conf->port;
		if (srv->slurm != NULL && (rc = qtm_hive_slurm_settings(ctx, srv->slurm, &sc)) < 0) {
			qtm_hive_conf_clear(&next);
			return rc;
		}
		rc = qtm_hive_sources_apply(ctx, srv->sources, &next);
		qtm_hive_executor_limits(srv->ex, &ec);
		qtm_hive_conf_clear(srv->conf);
		*srv->conf = next;
		return rc;
	}
	if (rc < 0) {
		if (next.state_dir != NULL)
			qtm_hive_conf_clear(&next);
		qtm_error_prefix(ctx, _("reload refused (the running configuration stays)"));
	}
	return rc;
}

/* POST /reload: 200 {"reloaded": true}, or 400 with the reason. */
enum MHD_Result
hive_reload_route(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	cJSON *j;
	int rc;

	if (!hive_operator_ok(srv, c))
		return hive_unauthorized(c, "POST /reload");
	if ((rc = qtm_hive_server_reload(srv)) < 0)
		return qtm_hive_reply_error(c, MHD_HTTP_BAD_REQUEST, qtm_strerror(srv->ctx));
	qtm_info(srv->ctx, _("hive.conf reloaded"));
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "reloaded", true);
	return qtm_hive_reply_json(c, MHD_HTTP_OK, j);
}
