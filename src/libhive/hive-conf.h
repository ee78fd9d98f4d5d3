/* hive-conf.h - qtm-hived's settings: STATE/hive.conf ("key = value", see qtm-hived(8))
 * overridden by the command line.
 *
 * Every string in the structure is owned by it (qtm_hive_conf_clear frees them). */
#ifndef QTM_HIVE_CONF_H
#define QTM_HIVE_CONF_H

#include <stdint.h>

struct qtm_ctx;

/* What the command line set: kept so that a reload applies it over the file again. */
struct qtm_hive_conf_cli {
	char *listen, *executor, *token_file;   /* NULL: not given */
};

struct qtm_hive_conf {
	char *listen_addr;           /* IPv4 address (default 127.0.0.1) */
	uint16_t port;               /* default 9000; 0 = any free port */
	char *state_dir;
	char *executor;              /* "local" (default), "fleet" or "slurm" */
	char *token_file;            /* the operator token (default STATE/operator.token) */
	int min_runners, max_runners, runner_cpus;
	long runner_memory_mb;
	int lease_ttl_s, max_attempts, scale_cooldown_s, gpu_grace_s;
	char **allow_hosts, **deny_hosts;   /* NULL-terminated, never NULL */
	long max_body_kib, max_artifact_mib;
	/* The slurm executor (hive-slurm.h): NULL when unset. */
	char *slurm_partition, *slurm_runner_root, *slurm_extra, *slurm_output_dir;
	int slurm_max_jobs;          /* default 4 */
	/* Total deadlines for a request's headers, its body, an artifact upload's body; open
	 * connections per client address (http-guard.h). */
	int header_timeout_s, body_timeout_s, upload_timeout_s, max_connections_per_ip;
	/* How long a stop lets running jobs finish before their runners are stopped and the jobs
	 * requeued (qtm-hived(8), STOPPING). */
	int drain_timeout_s;
	/* The hive's own repository sources, "source = NAME URL KEYFILE" lines: three
	 * NULL-terminated vectors of the same length, never NULL; a relative KEYFILE is made
	 * absolute against the state directory. */
	char **source_names, **source_urls, **source_keys;
	struct qtm_hive_conf_cli cli;
};

void qtm_hive_conf_defaults(struct qtm_hive_conf *c);
/* Reads path when it exists (a missing file keeps the defaults); errors name file and line. */
int qtm_hive_conf_load(struct qtm_ctx *ctx, struct qtm_hive_conf *c, const char *path);
/* Reads STATE/hive.conf into c, set to the defaults first, keeping c's state_dir and cli, and
 * applies cli over the file; on failure c is cleared. */
int qtm_hive_conf_read(struct qtm_ctx *ctx, const char *state_dir, const struct qtm_hive_conf_cli *cli,
    struct qtm_hive_conf *c);
/* Parses "ADDR:PORT" (or ":PORT", or "PORT") into listen_addr and port. */
int qtm_hive_conf_listen(struct qtm_ctx *ctx, struct qtm_hive_conf *c, const char *spec);
void qtm_hive_conf_clear(struct qtm_hive_conf *c);

#endif
