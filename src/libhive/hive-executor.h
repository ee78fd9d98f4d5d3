/* hive-executor.h - where hive runners come from: "local" (qtm-hived starts qtm-runner
 * processes on this host, each confined to runner_cpus / runner_memory_mb through a cgroup),
 * "fleet" (runners on other hosts enroll themselves: nothing to start) and, later, "slurm".
 * Auto-scaling of local runners by queue depth between min and max, with a cooldown.
 *
 * The executor is owned by the daemon: qtm_hive_executor_free() stops every runner it
 * started.  Strings in the conf are the caller's and copied. */
#ifndef QTM_HIVE_EXECUTOR_H
#define QTM_HIVE_EXECUTOR_H

#include <stdbool.h>

struct qtm_ctx;
struct qtm_hive_executor;

struct qtm_hive_executor_conf {
	const char *kind;            /* "local", "fleet" (or "slurm") */
	const char *hive_url;        /* what runners connect to */
	const char *state_dir;       /* runners/NAME/ roots live under it */
	const char *runner_token_path;
	const char *runner_program;  /* path of qtm-runner */
	int runner_cpus;             /* default 2 */
	long runner_memory_mb;       /* default 4096 */
	int min_runners, max_runners;
	int scale_cooldown_s;        /* between automatic scale-downs (default 10) */
	bool autoscale;
	/* Optional: whether the runner named id is running a job, so that scaling down stops idle
	 * runners only.  NULL: the newest runners are stopped, at most running - busy of them.
	 * Called from the executor functions only, with arg. */
	bool (*runner_busy)(void *arg, const char *id);
	void *runner_busy_arg;
};

int qtm_hive_executor_new(struct qtm_ctx *ctx, const struct qtm_hive_executor_conf *conf,
    struct qtm_hive_executor **out);
/* Starts count more runners (local only; -ENOTSUP otherwise; -EBUSY when that would pass
 * max_runners); *ids (NULL-terminated, owned by the caller: strv_free) names them, e.g.
 * "local-3". */
int qtm_hive_executor_spawn(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int count, char ***ids);
/* Stops one runner it started: SIGTERM, SIGKILL 5 s later (done by tick); -ENOENT if unknown. */
int qtm_hive_executor_kill(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, const char *id);
/* Sets the target number of runners (manual scale; autoscaling then stays within it): runners
 * are started or idle ones stopped at once, and the target (0 to max_runners: -EINVAL beyond)
 * is the floor autoscaling keeps from then on, in place of min_runners, which is the floor
 * only until an operator scales.  busy is the number of runners running a job, used when
 * runner_busy is NULL.  *started (may be NULL; owned by the caller, NULL-terminated): the ids
 * of the runners started. */
int qtm_hive_executor_scale(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int target, int busy,
    char ***started);
/* The runners reaped since the last call that were stopped on purpose (scale-down, kill), not
 * lost: the queue forgets them (owned by the caller, NULL-terminated, or NULL). */
char **qtm_hive_executor_take_retired(struct qtm_hive_executor *ex);
int qtm_hive_executor_running(const struct qtm_hive_executor *ex);
int qtm_hive_executor_max(const struct qtm_hive_executor *ex);
/* The process id of the runner named id that this executor started and has not reaped yet
 * (GET /runners reports it), or 0. */
int qtm_hive_executor_pid(const struct qtm_hive_executor *ex, const char *id);
/* About once a second: reaps runners that exited and returns their ids in *gone (owned by
 * the caller, NULL-terminated, may be NULL) so that the queue marks them lost, and applies
 * auto-scaling given the claimable queue depth and the busy runners. */
void qtm_hive_executor_tick(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int claimable,
    int busy, char ***gone);
/* A reload: the scaling limits and the limits of runners started from now on (cpus, memory),
 * from conf (its other fields are ignored); a manual target is kept within the new bounds. */
void qtm_hive_executor_limits(struct qtm_hive_executor *ex, const struct qtm_hive_executor_conf *conf);
void qtm_hive_executor_free(struct qtm_hive_executor *ex);

#endif
