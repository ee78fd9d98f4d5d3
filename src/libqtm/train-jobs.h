/* train-jobs.h - trainings side by side: each in a forked worker (which runs it in its own
 * sandbox and cgroup as a sequential install does), as many at once as the job limit allows.
 * The parent keeps the database and the terminal: a worker sends its progress lines and its
 * outcome over a pipe.  SIGINT or SIGTERM while trainings run kills every worker (their
 * sandboxes die with them) and wait() then returns -EINTR.
 *
 * The pool is owned by the caller (qtm_train_jobs_free); the arg of a started job stays the
 * caller's. */
#ifndef QTM_TRAIN_JOBS_H
#define QTM_TRAIN_JOBS_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_ctx;
struct qtm_train_jobs;

/* Runs in the worker: 0 or a negative code with ctx's error set; *limits (malloc'd, may stay
 * NULL) and *wall_s describe the training. */
typedef int (*qtm_train_job_fn)(struct qtm_ctx *ctx, void *arg, char **limits, double *wall_s);

struct qtm_train_job_done {
	size_t id;           /* as given to start */
	int rc;              /* 0, or the worker's failure (error in ctx) */
	char *limits;        /* owned by the caller, may be NULL */
	double wall_s;
};

/* jobs: QTM_JOBS_AUTO (as the machine's cores and available memory fit the declared
 * resources) or at most that many at once. */
struct qtm_train_jobs *qtm_train_jobs_new(struct qtm_ctx *ctx, int jobs);
/* Whether a training declaring cpus and memory_mb may start beside those running (always
 * when none runs). */
bool qtm_train_jobs_fits(const struct qtm_train_jobs *p, int cpus, long memory_mb);
size_t qtm_train_jobs_running(const struct qtm_train_jobs *p);
/* Forks a worker running fn(arg); label names it on the progress board. */
int qtm_train_jobs_start(struct qtm_train_jobs *p, struct qtm_ctx *ctx, size_t id, const char *label,
    int cpus, long memory_mb, qtm_train_job_fn fn, void *arg);
/* Waits for one worker to end: 0 with *done filled, or -EINTR (interrupted: every worker
 * killed and reaped). */
int qtm_train_jobs_wait(struct qtm_train_jobs *p, struct qtm_ctx *ctx, struct qtm_train_job_done *done);
/* Clears the progress lines before a message of the parent's. */
void qtm_train_jobs_quiet(struct qtm_train_jobs *p);
/* Kills and reaps whatever still runs, restores the signal handlers. */
void qtm_train_jobs_free(struct qtm_train_jobs *p);
/* Whether SIGINT or SIGTERM came while the pool was open. */
bool qtm_train_jobs_interrupted(const struct qtm_train_jobs *p);

#endif
