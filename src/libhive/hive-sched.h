/* hive-sched.h - the hive's scheduling decision for one claim (doc/hive-protocol.md,
 * "Scheduling"): which candidate job a runner gets.  Pure: no I/O, no clock, no allocation
 * visible to the caller, so that tests/unit/test-hive-sched.c can drive it with declarative
 * cases (the .sched files in tests/hive).
 *
 * Every pointer in these structures is the caller's; the functions only read them. */
#ifndef QTM_HIVE_SCHED_H
#define QTM_HIVE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qtm_hive_prio { QTM_HIVE_HIGH = 0, QTM_HIVE_MEDIUM = 1, QTM_HIVE_LOW = 2 };
enum qtm_hive_gpu { QTM_HIVE_GPU_NONE = 0, QTM_HIVE_GPU_PREFER = 1, QTM_HIVE_GPU_REQUIRE = 2 };

/* Above this many candidates in the top priority class the exact makespan plan is skipped
 * and the longest estimate goes first. */
#define QTM_HIVE_SCHED_EXACT_MAX 12

struct qtm_hive_sched_runner {
	const char *host;
	int cores;
	long memory_mb;
	bool cuda;
	long vram_mib;
	double busy_remaining_s;     /* estimated seconds until its current job ends; 0 when idle */
};

struct qtm_hive_sched_job {
	int64_t id;                  /* smaller is older */
	int priority;                /* enum qtm_hive_prio */
	double estimate_s;
	int cpus;
	long memory_mb;
	int gpu;                     /* enum qtm_hive_gpu */
	double min_vram_gib;
	char *const *allow;          /* host globs, NULL-terminated; NULL or empty: any host */
	char *const *deny;
	double pending_since;        /* start of the gpu "prefer" grace period */
};

struct qtm_hive_sched_policy {
	double now;
	double gpu_grace_s;
	char *const *allow_hosts;    /* the hive's own lists (hive.conf) */
	char *const *deny_hosts;
};

/* True when job j may run on runner r; any_gpu_runner says whether a runner with CUDA is
 * enrolled (a "prefer" job waits for one only while one exists). */
bool qtm_hive_sched_fits(const struct qtm_hive_sched_policy *p, const struct qtm_hive_sched_runner *r,
    const struct qtm_hive_sched_job *j, bool any_gpu_runner);

/* The index in jobs[] of the job runners[claimant] should take, or -1 when none fits.
 * runners[] are the enrolled runners that are not lost (the claimant among them). */
int qtm_hive_sched_pick(const struct qtm_hive_sched_policy *p, const struct qtm_hive_sched_runner *runners,
    size_t n_runners, size_t claimant, const struct qtm_hive_sched_job *jobs, size_t n_jobs);

/* The smallest makespan of estimates est[0..n) over runners that start at load[0..r): exposed
 * for the tests.  n <= QTM_HIVE_SCHED_EXACT_MAX. */
double qtm_hive_sched_makespan(const double *est, size_t n, const double *load, size_t r);

#endif
