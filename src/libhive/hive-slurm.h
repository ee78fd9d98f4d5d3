/* hive-slurm.h - the "slurm" executor of qtm-hived: each claimable hive job becomes one Slurm
 * batch job (sbatch) running `qtm-runner --once --job ID` for it; squeue brings the Slurm state
 * back, a Slurm job that ends while its hive job is still its runner's (NODE_FAIL, PREEMPTED,
 * scancel behind the hive's back...) requeues the hive job at once, sbatch refusing a job fails
 * it for good, and the Slurm job's output is appended to the job's attempt log.  The mapping
 * hive job -> Slurm job lives in the hive database (table slurm_jobs), so a restarted daemon
 * keeps tracking the jobs it left in Slurm.
 *
 * Slurm commands (sbatch, squeue, scancel, sinfo from PATH; SLURM_CONF from the environment)
 * run as child processes that the event loop never waits for: qtm_hive_slurm_poll() collects
 * what they printed.  Slurm absent or down is no error at start: the executor reports it
 * (qtm_hive_slurm_error) and probes again every 10 s, jobs staying pending meanwhile.
 *
 * Ownership: the executor is the daemon's (qtm_hive_slurm_free kills the commands still
 * running, never the Slurm jobs); strings in the conf are copied; the database handle is
 * borrowed and must outlive it. */
#ifndef QTM_HIVE_SLURM_H
#define QTM_HIVE_SLURM_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_hive_db;
struct qtm_hive_slurm;

struct qtm_hive_slurm_conf {
	const char *hive_url;        /* what the runners connect to */
	const char *state_dir;       /* STATE: logs/, slurm/ (batch scripts, outputs by default) */
	const char *runner_token_path;
	const char *runner_program;  /* absolute path of qtm-runner (the same on every node) */
	const char *partition;       /* NULL: the cluster's default */
	const char *runner_root;     /* node-local roots: ROOT/SLURM_JOB_ID (default /var/tmp/qtm-runner) */
	const char *output_dir;      /* where Slurm writes job output (NULL: STATE/slurm) */
	const char *extra;           /* more sbatch arguments, split at blanks (may be NULL) */
	int max_jobs;                /* hive jobs in Slurm at once (default 4) */
	int max_attempts;            /* Slurm jobs ending unclaimed before the hive job fails */
};

int qtm_hive_slurm_new(struct qtm_ctx *ctx, const struct qtm_hive_slurm_conf *conf, struct qtm_hive_db *db,
    struct qtm_hive_slurm **out);
/* Once a second: tracks the Slurm jobs (squeue), submits what fits, probes a Slurm in error. */
void qtm_hive_slurm_tick(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, double now);
/* Every turn of the event loop: takes the results of the Slurm commands that ended. */
void qtm_hive_slurm_poll(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl);
/* scancel of the Slurm jobs running hive job job_id (none: nothing). */
void qtm_hive_slurm_cancel(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int64_t job_id);
/* hive-control scale N: -EINVAL outside 0..1024. */
int qtm_hive_slurm_scale(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int max_jobs);
int qtm_hive_slurm_max(const struct qtm_hive_slurm *sl);
/* Hive jobs in Slurm now (submitted and not seen ended). */
int qtm_hive_slurm_active(const struct qtm_hive_slurm *sl);
/* Why Slurm cannot be used now, or NULL (owned by the executor). */
const char *qtm_hive_slurm_error(const struct qtm_hive_slurm *sl);
/* Adds "slurm_job" (the Slurm job id) to the runners of a GET /runners answer that a Slurm
 * job of this executor enrolled (named slurm-JOB-SLURMID). */
void qtm_hive_slurm_annotate(const struct qtm_hive_slurm *sl, cJSON *runners);
/* A reload: partition, runner root, output directory, extra arguments, max jobs and attempts
 * from conf (the URL, token, program and state directory stay), for the jobs submitted from
 * now on. */
int qtm_hive_slurm_settings(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, const struct qtm_hive_slurm_conf *conf);
void qtm_hive_slurm_free(struct qtm_hive_slurm *sl);

#endif
