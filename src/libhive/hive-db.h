/* hive-db.h - the hive's queue in SQLite (WAL, synchronous=NORMAL): jobs, their attempts,
 * runners, held artifacts and leases.  State survives a restart; a claim is one atomic UPDATE
 * and a result is accepted only with the job's current lease, so each job completes once.
 *
 * One connection, used by one thread (the daemon's event loop); statements are prepared once.
 * Error codes: -ENOENT unknown id, -ESTALE lease not current (409), -EPERM the lease is another
 * runner's (403; runner arguments NULL accept any holder), -EBUSY state does not
 * allow it (409), -EINVAL bad input (400), -EBADMSG artifact missing or differing (422),
 * -EIO the database; ctx's message names the object.
 *
 * Ownership: the handle is the caller's (qtm_hive_db_close); cJSON trees and strings returned
 * through out parameters are the caller's (cJSON_Delete / free / strv_free); arguments are
 * only read. */
#ifndef QTM_HIVE_DB_H
#define QTM_HIVE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_ctx;
struct qtm_hive_db;
struct qtm_hive_sched_policy;

enum qtm_hive_state { QTM_HIVE_PENDING, QTM_HIVE_RUNNING, QTM_HIVE_COMPLETED, QTM_HIVE_FAILED,
	QTM_HIVE_CANCELLED, QTM_HIVE_N_STATES };

extern const char *const qtm_hive_state_names[QTM_HIVE_N_STATES];

int qtm_hive_db_open(struct qtm_ctx *ctx, const char *path, struct qtm_hive_db **out);
void qtm_hive_db_close(struct qtm_hive_db *db);

/* ---- jobs (hive-db-jobs.c, hive-db-claim.c) ---- */

/* body: a validated POST /jobs/submit body.  *created false: the existing job of that build
 * id (a failed or cancelled one put back to pending).  A held artifact completes it at once. */
int qtm_hive_db_submit(struct qtm_ctx *ctx, struct qtm_hive_db *db, const cJSON *body, double now,
    int default_max_attempts, cJSON **job, bool *created);
/* full: with attempt_log and spec. */
int qtm_hive_db_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, bool full, cJSON **out);
/* Which jobs qtm_hive_db_jobs() lists: each field NULL (or limit <= 0) for any. */
struct qtm_hive_job_filter {
	const char *state, *module;
	const char *runner;          /* jobs it runs or ran an attempt of */
	int limit;
};
/* {"jobs": [...]}, newest first. */
int qtm_hive_db_jobs(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_job_filter *f, cJSON **out);
int qtm_hive_db_job_state(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, int *state, int *attempt_seq);
int qtm_hive_db_cancel(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, double now, cJSON **job);
/* artifact_held: whether the job's artifact file is still there (a completed job whose
 * artifact was lost may be requeued).  force: a running job's attempt ends (its lease with
 * it) and the job is pending again; without it a running job is -EBUSY. */
int qtm_hive_db_requeue(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, bool artifact_held, bool force,
    double now, cJSON **job);
int qtm_hive_db_build_id(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, char build_id[QTM_SHA256_HEX]);

/* The runner's claim: *out is {"job": Job + spec, "lease", "lease_ttl_s"}, or NULL when
 * nothing fits.  job_id > 0 claims only that job (qtm-runner --job ID): NULL when it is pending
 * but not due, waits for a dependency or does not fit the runner; -EBUSY when it is not
 * pending. */
int qtm_hive_db_claim(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id, int64_t job_id,
    const struct qtm_hive_sched_policy *pol, int lease_ttl_s, cJSON **out);
/* Renews the lease; progress/eta_s < 0 and loss NULL leave them as they are; loss is a number
 * or an array of [t, value] pairs.  *cancel: the operator asked to cancel. */
int qtm_hive_db_heartbeat(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, double progress, double eta_s, const cJSON *loss, double now, int lease_ttl_s, bool *cancel);
/* -ESTALE unless lease is the running job's current one, -EPERM unless runner holds it;
 * *attempt_seq names its log. */
int qtm_hive_db_check_lease(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, int *attempt_seq);
/* The running job whose current lease is lease, held by runner, for build_id: *job and
 * *attempt_seq; -EPERM naming the cause otherwise (no such lease, another runner's, another
 * build id's). */
int qtm_hive_db_lease_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *lease, const char *runner,
    const char *build_id, int64_t *job, int *attempt_seq);
/* A runner's result for job id under lease: its artifact must be held with that sha256.
 * add_artifact: the bytes came with the completion and were just stored under the job's build
 * id: the artifact's row is added in the same transaction. */
struct qtm_hive_result {
	int64_t id;
	const char *lease, *sha256;
	const char *runner;          /* the caller, who must hold the lease */
	uint64_t size;
	const cJSON *metrics;        /* or NULL */
	bool add_artifact;
	const char *attestation;     /* with add_artifact: its signed attestation, stored with it */
};
/* The claim that rides on a completion ("claim": true): the runner's next job. */
struct qtm_hive_next_claim {
	const char *runner_id;
	const struct qtm_hive_sched_policy *pol;
	int lease_ttl_s;
};
/* Completes the job and, when next is not NULL, claims the runner's next job in the same
 * transaction (*next_out as qtm_hive_db_claim's *out).  When only that claim fails, the
 * completion stands and the claim's error is returned. */
int qtm_hive_db_complete(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_result *r,
    double now, const struct qtm_hive_next_claim *next, cJSON **next_out);
int qtm_hive_db_fail(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, const char *error, bool permanent, double now, cJSON **job);
/* Returns jobs whose lease expired to pending (or failed after max attempts, or cancelled)
 * and marks runners unseen for lost_after_s lost; *requeued counts the jobs. */
int qtm_hive_db_sweep(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, double lost_after_s,
    int *requeued);
/* counts[state] over all jobs; *claimable: pending ones whose time has come. */
int qtm_hive_db_counts(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, int counts[QTM_HIVE_N_STATES],
    int *claimable);
/* Removes finished jobs finished before `before` (their ids in *jobs, "ID" strings) and the
 * artifacts no remaining job needs (their build ids in *artifacts). */
int qtm_hive_db_clean(struct qtm_ctx *ctx, struct qtm_hive_db *db, double before, char ***jobs,
    char ***artifacts);

/* ---- artifacts ---- */

/* -ENOENT when not held. */
int qtm_hive_db_artifact(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id,
    char sha256[QTM_SHA256_HEX], uint64_t *size);
/* Records the artifact of build_id together with its signed attestation (NULL: none), in one
 * transaction, so that no crash leaves an artifact a client would refuse.  in_txn: the caller
 * holds a transaction already. */
int qtm_hive_db_artifact_add(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id,
    const char *sha256, uint64_t size, double now, const char *attestation, bool in_txn);

/* The signed attestation document of the artifact of build_id (hive-attest.h), replacing any
 * older one (hive-db-trust.c); *doc owned by the caller, -ENOENT when there is none. */
int qtm_hive_db_attestation_put(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id, const char *doc);
int qtm_hive_db_attestation_get(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id, char **doc);

/* ---- runners (hive-db.c) ---- */

/* body: {"name","host","executor","capability"}; *id is the name, made unique; secret_hash is
 * the sha256 of the runner's secret. */
int qtm_hive_db_enroll(struct qtm_ctx *ctx, struct qtm_hive_db *db, const cJSON *body,
    const char *secret_hash, double now, char **id);
/* The runner whose secret hashes to secret_hash (-EACCES if none); refreshes its last_seen. */
int qtm_hive_db_runner_auth(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *secret_hash,
    double now, char **id);
int qtm_hive_db_runners(struct qtm_ctx *ctx, struct qtm_hive_db *db, cJSON **out);
/* Marks the runner lost (or deletes it when forget) and returns its running job to pending. */
int qtm_hive_db_runner_gone(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *id, const char *why,
    bool forget, double now);
/* *executor: the kind it enrolled with (owned). */
int qtm_hive_db_runner_executor(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *id, char **executor);
int qtm_hive_db_runner_counts(struct qtm_ctx *ctx, struct qtm_hive_db *db, int *busy, int *total);
/* Whether the runner is running a job (false when unknown). */
bool qtm_hive_db_runner_busy(struct qtm_hive_db *db, const char *id);
/* Marks every runner of that executor kind that is not lost yet as lost, their jobs back to
 * pending: at start, the local runners of the previous run are gone, and their local-N names
 * must be free for the runners started now. */
int qtm_hive_db_runners_lost(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *executor, const char *why,
    double now);

#endif
