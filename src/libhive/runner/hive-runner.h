/* hive-runner.h - a hive runner (doc/hive-protocol.md, "Runner API"): detects what this machine
 * offers, enrolls, claims jobs (backing off from 50 ms to 1 s while there are none), runs each
 * in a forked worker that calls qtm_hive_job_execute(), and meanwhile heartbeats (progress,
 * ETA and loss read from the "@qtm progress" lines of the training log) and streams the log.
 * A cancel kills the worker's process group and reports the failure; a stale lease (409)
 * abandons the job; on success the artifact is uploaded and the job completed.
 *
 * What the runner reports at enrollment is hive-capability.h's.
 *
 * Ownership: options and the client are the caller's; the client's token is replaced by the
 * runner's secret after enrollment.  *results (qtm_hive_runner_run) is owned by the caller. */
#ifndef QTM_HIVE_RUNNER_H
#define QTM_HIVE_RUNNER_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_hive_client;

struct qtm_hive_runner_opts {
	const char *name;          /* asked for at enrollment (NULL: the host name) */
	const char *executor;      /* "local", "fleet" (NULL) or "slurm" */
	const char *enroll_token;  /* the hive's runner enrollment token */
	bool once;                 /* handle one job, then return */
	long long job_id;          /* > 0: claim only this job (implies once) */
	int wait_s;                /* with once: how long to wait for a job (-1: forever) */
	/* An identity from an earlier enrollment (qtm-runner enroll), or NULL: enroll at start. */
	const char *runner_id, *secret;
	int heartbeat_s, lease_ttl_s;   /* that enrollment's (0: 5 and 30) */
};

/* Runs until qtm_hive_runner_stop() (or, with once, after one job).  *results (may be NULL) is a
 * JSON array of the jobs handled: {"id","module","version","build_id","outcome","error",
 * "wall_s","sha256","via"}, via "claim" or "complete" (without once, a completion also claims
 * the next job: "claim": true of POST /v1/job/{id}/complete), outcome "completed" | "failed" |
 * "cancelled" | "abandoned" | "interrupted".  Returns 0 when stopped, or (once) when its job completed; -EAGAIN when there
 * was nothing to claim within wait_s; -ECANCELED when the job was cancelled or abandoned;
 * -EHOSTUNREACH when the hive could not be reached; another negative code when the job
 * failed (its error on ctx). */
int qtm_hive_runner_run(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct qtm_hive_runner_opts *o,
    cJSON **results);

/* Async-signal-safe: asks a running qtm_hive_runner_run() to finish nothing new: the current
 * job is failed (not permanently: another runner may take it) and the run returns. */
void qtm_hive_runner_stop(void);

#endif
