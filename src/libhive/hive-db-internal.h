/* hive-db-internal.h - private to hive-db*.c: the handle, its cached statements and the helpers
 * that report errors on it or build JSON replies (the plain ones are in sqlite-util.h).  Cached
 * statements are owned by the handle (finalised by qtm_hive_db_close). */
#ifndef QTM_HIVE_DB_INTERNAL_H
#define QTM_HIVE_DB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "sqlite-util.h"

struct qtm_ctx;

enum hdb_stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_JOB_BY_ID, S_JOB_BY_BUILD, S_JOBS_ALL, S_JOBS_STATE, S_JOB_INSERT, S_DEP_INSERT, S_JOB_SPEC,
	S_JOB_STATE, S_JOB_SET_STATE, S_JOB_RESUBMIT, S_JOB_CANCEL_REQ, S_RUNNER_JOB,
	S_ATTEMPTS, S_ATTEMPT_INSERT, S_ATTEMPT_END,
	S_CANDIDATES, S_CANDIDATE_ONE, S_CLAIM, S_RUNNERS_LIVE, S_RUNNER_BUSY, S_RUNNER_IDLE,
	S_HEARTBEAT, S_LOSS_GET, S_LOSS_SET, S_LEASE_GET, S_JOB_DONE, S_JOB_RETRY,
	S_EXPIRED, S_RUNNERS_UNSEEN, S_COUNTS, S_CLAIMABLE,
	S_CLEAN_JOBS, S_DEL_JOB, S_DEL_ATTEMPTS, S_DEL_DEPS, S_CLEAN_ARTIFACTS, S_DEL_ARTIFACT,
	S_ARTIFACT_GET, S_ARTIFACT_ADD,
	S_RUNNER_GET, S_RUNNER_INSERT, S_RUNNER_AUTH, S_RUNNER_SEEN, S_RUNNERS,
	S_RUNNER_LOST, S_RUNNER_DELETE, S_RUNNER_COUNTS, S_RUNNERS_OF,
	S_N
};

struct qtm_hive_db {
	sqlite3 *sql;
	char *path;
	sqlite3_stmt *st[S_N];
};

/* The statement, reset and unbound, ready for binding. */
sqlite3_stmt *hdb_stmt(struct qtm_hive_db *db, enum hdb_stmt s);
int hdb_sql_error(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *what);
/* Steps a statement that returns no row; 0 or the error. */
int hdb_done(struct qtm_ctx *ctx, struct qtm_hive_db *db, sqlite3_stmt *st, const char *what);
int hdb_begin(struct qtm_ctx *ctx, struct qtm_hive_db *db);
/* Commits when rc == 0, else rolls back; returns rc (or the commit's error). */
int hdb_end(struct qtm_ctx *ctx, struct qtm_hive_db *db, int rc);
/* The statement sql prepared for one use, owned by the caller (hdb_run or sqlite3_finalize), or
 * NULL with ctx's error set, naming what (the table it is for). */
sqlite3_stmt *hdb_prepare(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *what, const char *sql);
/* Steps such a statement, which returns no row, and finalizes it; 0 or the error. */
int hdb_run(struct qtm_ctx *ctx, struct qtm_hive_db *db, sqlite3_stmt *st, const char *what);
/* A column holding JSON text that cJSON printed, as a raw item to be printed as it is (NULL
 * column: JSON null).  For replies only: its content cannot be read as a tree. */
cJSON *hdb_json_raw(sqlite3_stmt *st, int col);
/* A column as a number, or JSON null. */
cJSON *hdb_json_num(sqlite3_stmt *st, int col);
/* A column as a JSON string, or JSON null. */
cJSON *hdb_json_str(sqlite3_stmt *st, int col);

/* Ends the current attempt of job id with outcome and error, then returns the job to pending
 * (after a back-off), or fails it (permanent, or max attempts reached), or cancels it when
 * cancel was requested; frees its runner.  Inside the caller's transaction. */
int hdb_end_attempt(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *outcome,
    const char *error, bool permanent, double now);

/* Column list of a job row as hdb_job_json() reads it. */
#define HDB_JOB_COLS "id, module, version, build_id, priority, state, estimate_s, resources, depends_on, " \
	"hosts, attempts, max_attempts, runner, progress, eta_s, loss, submitted_at, started_at, " \
	"finished_at, not_before, error, artifact_sha256, artifact_size, metrics, cancel_requested, attempt_seq"
cJSON *hdb_job_json(sqlite3_stmt *st);

#endif
