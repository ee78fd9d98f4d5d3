/* hive-db.c - the hive's SQLite queue: schema, cached statements, artifacts and runners.
 * Jobs are in hive-db-jobs.c and the claim in hive-db-claim.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ctx.h"
#include "hive-db.h"
#include "hive-db-internal.h"
#include "hive-wal.h"
#include "i18n.h"
#include "xalloc.h"

const char *const qtm_hive_state_names[QTM_HIVE_N_STATES] = {
	"pending", "running", "completed", "failed", "cancelled",
};

/* States are stored as numbers (enum qtm_hive_state), priorities too (0 high .. 2 low). */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS jobs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, module TEXT NOT NULL, version TEXT NOT NULL,"
	" build_id TEXT NOT NULL UNIQUE, priority INTEGER NOT NULL, state INTEGER NOT NULL,"
	" estimate_s REAL NOT NULL DEFAULT 0, resources TEXT, cpus INTEGER NOT NULL DEFAULT 0,"
	" memory_mb INTEGER NOT NULL DEFAULT 0, gpu INTEGER NOT NULL DEFAULT 0,"
	" min_vram_gib REAL NOT NULL DEFAULT 0, depends_on TEXT, hosts TEXT,"
	" attempts INTEGER NOT NULL DEFAULT 0, attempt_seq INTEGER NOT NULL DEFAULT 0,"
	" max_attempts INTEGER NOT NULL, runner TEXT, lease TEXT, lease_expires REAL,"
	" progress REAL, eta_s REAL, loss TEXT, submitted_at REAL NOT NULL, pending_since REAL,"
	" started_at REAL, finished_at REAL, not_before REAL, error TEXT, artifact_sha256 TEXT,"
	" artifact_size INTEGER, metrics TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0, spec TEXT);"
	/* Partial indexes: a job is in jobs_pending while pending and in jobs_running while running,
	 * so a submit, a claim and a completion each change one entry or two, not a whole
	 * (state, ...) index twice (fewer pages written per job); jobs_ended holds the rare failed
	 * and cancelled jobs, for the counts.  jobs_claim and jobs_lease were their forerunners. */
	"DROP INDEX IF EXISTS jobs_claim;"
	"DROP INDEX IF EXISTS jobs_lease;"
	"CREATE INDEX IF NOT EXISTS jobs_pending ON jobs(priority, estimate_s DESC, id) WHERE state = 0;"
	"CREATE INDEX IF NOT EXISTS jobs_running ON jobs(lease_expires) WHERE state = 1;"
	"CREATE INDEX IF NOT EXISTS jobs_ended ON jobs(state) WHERE state >= 3;"
	"CREATE TABLE IF NOT EXISTS job_deps (job_id INTEGER NOT NULL, build_id TEXT NOT NULL,"
	" PRIMARY KEY (job_id, build_id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS job_deps_build ON job_deps(build_id);"
	"CREATE TABLE IF NOT EXISTS attempts (job_id INTEGER NOT NULL, attempt INTEGER NOT NULL,"
	" runner TEXT, started_at REAL, finished_at REAL, outcome TEXT, error TEXT,"
	" PRIMARY KEY (job_id, attempt)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS runners (id TEXT PRIMARY KEY, host TEXT, executor TEXT,"
	" state TEXT NOT NULL, cores INTEGER, memory_mb INTEGER, cuda INTEGER, gpus INTEGER,"
	" vram_mib INTEGER, job INTEGER, pid INTEGER, enrolled_at REAL, last_seen REAL,"
	" secret_hash TEXT UNIQUE);"
	"CREATE TABLE IF NOT EXISTS artifacts (build_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL,"
	" size INTEGER NOT NULL, stored_at REAL) WITHOUT ROWID;"
	/* The hive's signed statement of each artifact it accepted (hive-attest.h). */
	"CREATE TABLE IF NOT EXISTS attestations (build_id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;";

/* The artifacts table of a database made before it was WITHOUT ROWID (one b-tree to write per
 * artifact, not a table and its key's index). */
static const char migrate_artifacts[] =
	"BEGIN IMMEDIATE;"
	"CREATE TABLE artifacts_new (build_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL,"
	" size INTEGER NOT NULL, stored_at REAL) WITHOUT ROWID;"
	"INSERT INTO artifacts_new SELECT build_id, sha256, size, stored_at FROM artifacts;"
	"DROP TABLE artifacts;"
	"ALTER TABLE artifacts_new RENAME TO artifacts;"
	"COMMIT;";

static const char *const sql_text[S_N] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT claim",
	[S_RELEASE] = "RELEASE claim",
	[S_ROLLBACK_TO] = "ROLLBACK TO claim",
	[S_JOB_BY_ID] = "SELECT " HDB_JOB_COLS " FROM jobs WHERE id = ?1",
	[S_JOB_BY_BUILD] = "SELECT " HDB_JOB_COLS " FROM jobs WHERE build_id = ?1",
	[S_JOBS_ALL] = "SELECT " HDB_JOB_COLS " FROM jobs ORDER BY id DESC LIMIT ?1",
	/* A runner's jobs: those it runs and those it ran an attempt of. */
	[S_JOBS_STATE] = "SELECT " HDB_JOB_COLS " FROM jobs WHERE (?1 < 0 OR state = ?1) AND (?3 IS NULL OR"
	    " module = ?3) AND (?4 IS NULL OR runner = ?4 OR id IN (SELECT job_id FROM attempts WHERE runner = ?4))"
	    " ORDER BY id DESC LIMIT ?2",
	[S_JOB_INSERT] = "INSERT INTO jobs (module, version, build_id, priority, state, estimate_s, resources,"
	    " cpus, memory_mb, gpu, min_vram_gib, depends_on, hosts, max_attempts, submitted_at, pending_since,"
	    " finished_at, artifact_sha256, artifact_size, spec) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16, ?17, ?18, ?19)",
	[S_DEP_INSERT] = "INSERT OR IGNORE INTO job_deps (job_id, build_id) VALUES (?1, ?2)",
	[S_JOB_SPEC] = "SELECT spec FROM jobs WHERE id = ?1",
	[S_JOB_STATE] = "SELECT state, attempt_seq, cancel_requested, runner, build_id, attempts, max_attempts"
	    " FROM jobs WHERE id = ?1",
	[S_JOB_SET_STATE] = "UPDATE jobs SET state = ?2, finished_at = ?3 WHERE id = ?1",
	[S_JOB_RESUBMIT] = "UPDATE jobs SET state = 0, attempts = 0, error = NULL, not_before = NULL,"
	    " finished_at = NULL, cancel_requested = 0, pending_since = ?2, progress = NULL, eta_s = NULL,"
	    " runner = NULL, lease = NULL, artifact_sha256 = NULL, artifact_size = NULL, metrics = NULL"
	    " WHERE id = ?1",
	[S_JOB_CANCEL_REQ] = "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1",
	[S_RUNNER_JOB] = "SELECT id FROM jobs WHERE state = 1 AND runner = ?1",
	[S_ATTEMPTS] = "SELECT attempt, runner, started_at, finished_at, outcome, error FROM attempts"
	    " WHERE job_id = ?1 ORDER BY attempt",
	[S_ATTEMPT_INSERT] = "INSERT OR REPLACE INTO attempts (job_id, attempt, runner, started_at)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[S_ATTEMPT_END] = "UPDATE attempts SET finished_at = ?3, outcome = ?4, error = ?5"
	    " WHERE job_id = ?1 AND attempt = ?2",
	[S_CANDIDATES] = "SELECT id, priority, estimate_s, cpus, memory_mb, gpu, min_vram_gib, hosts,"
	    " pending_since FROM jobs j WHERE state = 0 AND (not_before IS NULL OR not_before <= ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM job_deps d WHERE d.job_id = j.id AND NOT EXISTS"
	    " (SELECT 1 FROM artifacts a WHERE a.build_id = d.build_id))"
	    " ORDER BY priority, estimate_s DESC, id LIMIT ?2 OFFSET ?3",
	/* The same test for one named job (qtm-runner --job ID). */
	[S_CANDIDATE_ONE] = "SELECT id, priority, estimate_s, cpus, memory_mb, gpu, min_vram_gib, hosts,"
	    " pending_since FROM jobs j WHERE id = ?2 AND state = 0 AND (not_before IS NULL OR not_before <= ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM job_deps d WHERE d.job_id = j.id AND NOT EXISTS"
	    " (SELECT 1 FROM artifacts a WHERE a.build_id = d.build_id))",
	[S_CLAIM] = "UPDATE jobs SET state = 1, runner = ?2, lease = ?3, lease_expires = ?4,"
	    " attempts = attempts + 1, attempt_seq = attempt_seq + 1, started_at = ?5, progress = NULL,"
	    " eta_s = NULL, error = NULL, not_before = NULL WHERE id = ?1 AND state = 0",
	[S_RUNNERS_LIVE] = "SELECT r.id, r.host, r.cores, r.memory_mb, r.cuda, r.vram_mib, j.estimate_s,"
	    " j.started_at FROM runners r LEFT JOIN jobs j ON j.id = r.job AND j.state = 1"
	    " WHERE r.state <> 'lost'",
	[S_RUNNER_BUSY] = "UPDATE runners SET state = 'busy', job = ?2, last_seen = ?3 WHERE id = ?1",
	[S_RUNNER_IDLE] = "UPDATE runners SET state = CASE WHEN state = 'busy' THEN 'idle' ELSE state END,"
	    " job = NULL WHERE id = ?1 AND job = ?2",
	[S_HEARTBEAT] = "UPDATE jobs SET lease_expires = ?3, progress = coalesce(?4, progress),"
	    " eta_s = coalesce(?5, eta_s) WHERE id = ?1 AND lease = ?2 AND state = 1",
	[S_LOSS_GET] = "SELECT loss FROM jobs WHERE id = ?1",
	[S_LOSS_SET] = "UPDATE jobs SET loss = ?2 WHERE id = ?1",
	[S_LEASE_GET] = "SELECT state, lease, build_id, attempt_seq, cancel_requested, runner FROM jobs"
	    " WHERE id = ?1",
	[S_JOB_DONE] = "UPDATE jobs SET state = 2, finished_at = ?2, artifact_sha256 = ?3, artifact_size = ?4,"
	    " metrics = ?5, progress = 1, eta_s = 0, lease = NULL, cancel_requested = 0 WHERE id = ?1",
	[S_JOB_RETRY] = "UPDATE jobs SET state = ?2, not_before = ?3, finished_at = ?4, error = ?5,"
	    " lease = NULL, runner = CASE WHEN ?2 = 0 THEN NULL ELSE runner END, pending_since = ?6,"
	    " cancel_requested = CASE WHEN ?2 = 0 THEN cancel_requested ELSE 0 END WHERE id = ?1",
	[S_EXPIRED] = "SELECT id, runner FROM jobs WHERE state = 1 AND lease_expires < ?1",
	[S_RUNNERS_UNSEEN] = "SELECT id FROM runners WHERE state IN ('idle', 'busy') AND last_seen < ?1",
	/* Through the partial indexes; completed ones are the rest. */
	[S_COUNTS] = "SELECT (SELECT count(*) FROM jobs WHERE state = 0), (SELECT count(*) FROM jobs WHERE state = 1),"
	    " (SELECT count(*) FROM jobs WHERE state >= 3 AND state = 3),"
	    " (SELECT count(*) FROM jobs WHERE state >= 3 AND state = 4), (SELECT count(*) FROM jobs)",
	[S_CLAIMABLE] = "SELECT count(*) FROM jobs WHERE state = 0 AND (not_before IS NULL OR not_before <= ?1)",
	[S_CLEAN_JOBS] = "SELECT id FROM jobs WHERE state >= 2 AND finished_at < ?1",
	[S_DEL_JOB] = "DELETE FROM jobs WHERE id = ?1",
	[S_DEL_ATTEMPTS] = "DELETE FROM attempts WHERE job_id = ?1",
	[S_DEL_DEPS] = "DELETE FROM job_deps WHERE job_id = ?1",
	[S_CLEAN_ARTIFACTS] = "SELECT build_id FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM jobs j"
	    " WHERE j.build_id = a.build_id) AND NOT EXISTS (SELECT 1 FROM job_deps d WHERE d.build_id = a.build_id)",
	[S_DEL_ARTIFACT] = "DELETE FROM artifacts WHERE build_id = ?1",
	[S_ARTIFACT_GET] = "SELECT sha256, size FROM artifacts WHERE build_id = ?1",
	[S_ARTIFACT_ADD] = "INSERT OR IGNORE INTO artifacts (build_id, sha256, size, stored_at) VALUES (?1, ?2, ?3, ?4)",
	[S_RUNNER_GET] = "SELECT state, executor FROM runners WHERE id = ?1",
	[S_RUNNER_INSERT] = "INSERT INTO runners (id, host, executor, state, cores, memory_mb, cuda, gpus,"
	    " vram_mib, enrolled_at, last_seen, secret_hash) VALUES (?1, ?2, ?3, 'idle', ?4, ?5, ?6, ?7, ?8,"
	    " ?9, ?9, ?10)",
	[S_RUNNER_AUTH] = "SELECT id FROM runners WHERE secret_hash = ?1",
	/* At most one write a second per runner: most calls change nothing. */
	[S_RUNNER_SEEN] = "UPDATE runners SET last_seen = ?2, state = CASE WHEN state = 'lost' THEN"
	    " (CASE WHEN job IS NULL THEN 'idle' ELSE 'busy' END) ELSE state END"
	    " WHERE id = ?1 AND (state = 'lost' OR last_seen IS NULL OR last_seen < ?2 - 1)",
	[S_RUNNERS] = "SELECT id, host, executor, state, cores, memory_mb, cuda, gpus, vram_mib, job, pid,"
	    " enrolled_at, last_seen FROM runners ORDER BY enrolled_at, id",
	[S_RUNNER_LOST] = "UPDATE runners SET state = 'lost', job = NULL WHERE id = ?1",
	[S_RUNNER_DELETE] = "DELETE FROM runners WHERE id = ?1",
	[S_RUNNER_COUNTS] = "SELECT coalesce(sum(state = 'busy'), 0), coalesce(sum(state <> 'lost'), 0) FROM runners",
	[S_RUNNERS_OF] = "SELECT id FROM runners WHERE executor = ?1 AND state <> 'lost'",
};

int
hdb_sql_error(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *what)
{
	return qtm_error(ctx, -EIO, _("hive database %s: %s: %s"), db->path, what, sqlite3_errmsg(db->sql));
}

sqlite3_stmt *
hdb_stmt(struct qtm_hive_db *db, enum hdb_stmt s)
{
	sqlite3_reset(db->st[s]);
	sqlite3_clear_bindings(db->st[s]);
	return db->st[s];
}

int
hdb_done(struct qtm_ctx *ctx, struct qtm_hive_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : hdb_sql_error(ctx, db, what);
}

int
hdb_begin(struct qtm_ctx *ctx, struct qtm_hive_db *db)
{
	return hdb_done(ctx, db, hdb_stmt(db, S_BEGIN), "begin");
}

int
hdb_end(struct qtm_ctx *ctx, struct qtm_hive_db *db, int rc)
{
	if (rc == 0)
		return hdb_done(ctx, db, hdb_stmt(db, S_COMMIT), "commit");
	sqlite3_step(hdb_stmt(db, S_ROLLBACK));
	sqlite3_reset(db->st[S_ROLLBACK]);
	return rc;
}

sqlite3_stmt *
hdb_prepare(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *what, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		hdb_sql_error(ctx, db, what);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int
hdb_run(struct qtm_ctx *ctx, struct qtm_hive_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = qtm_sql_step_finalize(st);

	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : hdb_sql_error(ctx, db, what);
}

cJSON *
hdb_json_raw(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	/* Only cJSON's own output is stored in these columns (insert_job, finish): sent as it is,
	 * not parsed and printed again.  Anything else is null. */
	return s != NULL && *s != '\0' ? cJSON_CreateRaw(s) : cJSON_CreateNull();
}

cJSON *
hdb_json_num(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateNumber(sqlite3_column_double(st, col));
}

cJSON *
hdb_json_str(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static bool
artifacts_without_rowid(struct qtm_hive_db *db)
{
	sqlite3_stmt *st;
	bool yes = false;

	if (sqlite3_prepare_v2(db->sql, "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = 'artifacts'",
	    -1, &st, NULL) != SQLITE_OK)
		return false;
	yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return yes;
}

int
qtm_hive_db_open(struct qtm_ctx *ctx, const char *path, struct qtm_hive_db **out)
{
	struct qtm_hive_db *db = xcalloc(1, sizeof *db);
	char *msg = NULL;
	int rc = 0;

	db->path = xstrdup(path);
	/* No allocation statistics: they take a global mutex on every malloc of SQLite's (refused,
	 * harmlessly, once the library was initialised). */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    qtm_hive_wal_vfs()) != SQLITE_OK) {
		rc = hdb_sql_error(ctx, db, _("cannot open"));
		goto fail;
	}
	sqlite3_busy_timeout(db->sql, 5000);
	/* WAL with synchronous=NORMAL: a commit costs no fsync, a crash loses at most the last
	 * commits but never corrupts; runners simply redo what was lost.  The daemon is the only
	 * user of its database: the exclusive lock spares the shared-memory locks (several fcntl
	 * calls) of every transaction, and keeps a second daemon off the same state. */
	if (sqlite3_exec(db->sql, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    " PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;",
	    NULL, NULL, &msg) != SQLITE_OK || sqlite3_exec(db->sql, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    (!artifacts_without_rowid(db) && sqlite3_exec(db->sql, migrate_artifacts, NULL, NULL, &msg) != SQLITE_OK)) {
		rc = qtm_error(ctx, -EIO, _("hive database %s: cannot set it up: %s"), path, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	for (int i = 0; i < S_N; i++)
		if (sqlite3_prepare_v3(db->sql, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i], NULL) != SQLITE_OK) {
			rc = hdb_sql_error(ctx, db, sql_text[i]);
			goto fail;
		}
	*out = db;
	return 0;
fail:
	qtm_hive_db_close(db);
	return rc;
}

void
qtm_hive_db_close(struct qtm_hive_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

/* ---- artifacts ---- */

int
qtm_hive_db_artifact(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id,
    char sha256[QTM_SHA256_HEX], uint64_t *size)
{
	sqlite3_stmt *st = hdb_stmt(db, S_ARTIFACT_GET);
	int rc;

	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(sha256, QTM_SHA256_HEX, "%s", (const char *)sqlite3_column_text(st, 0));
		if (size != NULL)
			*size = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return hdb_sql_error(ctx, db, "artifact");
	return qtm_error(ctx, -ENOENT, _("the hive holds no artifact of build %s"), build_id);
}

int
qtm_hive_db_artifact_add(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id,
    const char *sha256, uint64_t size, double now, const char *attestation, bool in_txn)
{
	sqlite3_stmt *st = hdb_stmt(db, S_ARTIFACT_ADD);
	int rc = in_txn ? 0 : hdb_begin(ctx, db);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)size);
	sqlite3_bind_double(st, 4, now);
	rc = hdb_done(ctx, db, st, "artifact");
	if (rc == 0 && attestation != NULL)
		rc = qtm_hive_db_attestation_put(ctx, db, build_id, attestation);
	return in_txn ? rc : hdb_end(ctx, db, rc);
}

/* ---- runners ---- */

static bool
runner_exists(struct qtm_hive_db *db, const char *id, bool *lost)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_GET);
	bool found;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	*lost = found && strcmp((const char *)sqlite3_column_text(st, 0), "lost") == 0;
	sqlite3_reset(st);
	return found;
}

/* The enrolled name, or NAME-2, NAME-3...; a lost runner's name is taken over (a local runner
 * restarted under the same name). */
static char *
unique_name(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *name)
{
	char *id = xstrdup(name);
	bool lost;

	for (int n = 2; runner_exists(db, id, &lost); n++) {
		if (lost) {
			qtm_hive_db_runner_gone(ctx, db, id, NULL, true, 0);
			break;
		}
		free(id);
		id = xasprintf("%s-%d", name, n);
	}
	return id;
}

static long long
cap_int(const cJSON *cap, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cap, field);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (long long)v->valuedouble : cJSON_IsTrue(v) ? 1 : 0;
}

/* The first numeric capability outside what one machine can have, or NULL: a cast of 1e30 to
 * long long is undefined, and a runner claiming a million cores would win every placement. */
static const char *
cap_out_of_range(const cJSON *cap, double *max)
{
	static const struct { const char *field; double max; } bounds[] = {
		{ "cores", 65536 }, { "memory_mb", 1 << 30 }, { "cuda", 1000 }, { "gpus", 1024 },
		{ "vram_mib", 1 << 24 },
	};

	for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cap, bounds[i].field);

		*max = bounds[i].max;
		if (cJSON_IsNumber(v) && !(v->valuedouble >= 0 && v->valuedouble <= bounds[i].max))
			return bounds[i].field;
	}
	return NULL;
}

int
qtm_hive_db_enroll(struct qtm_ctx *ctx, struct qtm_hive_db *db, const cJSON *body,
    const char *secret_hash, double now, char **id)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "name"));
	const char *host = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "host"));
	const char *executor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "executor"));
	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(body, "capability");
	const char *bad;
	sqlite3_stmt *st;
	double max;
	int rc;

	if (name == NULL || name[0] == '\0' || strlen(name) > 64 || strpbrk(name, "/ \t\n?#%") != NULL)
		return qtm_error(ctx, -EINVAL, _("enroll: \"name\" must be a short string without blanks or slashes"));
	if (!cJSON_IsObject(cap))
		return qtm_error(ctx, -EINVAL, _("enroll of %s: \"capability\" must be an object"), name);
	if ((bad = cap_out_of_range(cap, &max)) != NULL)
		return qtm_error(ctx, -EINVAL, _("enroll of %s: capability.%s must be a number from 0 to %g"), name, bad,
		    max);
	if ((rc = hdb_begin(ctx, db)) < 0)
		return rc;
	*id = unique_name(ctx, db, name);
	st = hdb_stmt(db, S_RUNNER_INSERT);
	sqlite3_bind_text(st, 1, *id, -1, SQLITE_STATIC);
	qtm_sql_bind_text(st, 2, host != NULL ? host : "");
	qtm_sql_bind_text(st, 3, executor != NULL ? executor : "fleet");
	sqlite3_bind_int64(st, 4, cap_int(cap, "cores"));
	sqlite3_bind_int64(st, 5, cap_int(cap, "memory_mb"));
	sqlite3_bind_int64(st, 6, cap_int(cap, "cuda"));
	sqlite3_bind_int64(st, 7, cap_int(cap, "gpus"));
	sqlite3_bind_int64(st, 8, cap_int(cap, "vram_mib"));
	sqlite3_bind_double(st, 9, now);
	sqlite3_bind_text(st, 10, secret_hash, -1, SQLITE_STATIC);
	rc = hdb_end(ctx, db, hdb_done(ctx, db, st, "enroll"));
	if (rc < 0) {
		free(*id);
		*id = NULL;
	}
	return rc;
}

int
qtm_hive_db_runner_auth(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *secret_hash,
    double now, char **id)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_AUTH);

	sqlite3_bind_text(st, 1, secret_hash, -1, SQLITE_STATIC);
	*id = sqlite3_step(st) == SQLITE_ROW ? qtm_sql_col_dup(st, 0) : NULL;
	sqlite3_reset(st);
	if (*id == NULL)
		return qtm_error(ctx, -EACCES, _("the token is no enrolled runner's secret"));
	st = hdb_stmt(db, S_RUNNER_SEEN);
	sqlite3_bind_text(st, 1, *id, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, now);
	return hdb_done(ctx, db, st, "runner");
}

static cJSON *
runner_json(sqlite3_stmt *st)
{
	cJSON *r = cJSON_CreateObject(), *cap = cJSON_CreateObject();

	cJSON_AddItemToObject(r, "id", hdb_json_str(st, 0));
	cJSON_AddItemToObject(r, "host", hdb_json_str(st, 1));
	cJSON_AddItemToObject(r, "executor", hdb_json_str(st, 2));
	cJSON_AddItemToObject(r, "state", hdb_json_str(st, 3));
	cJSON_AddNumberToObject(cap, "cores", sqlite3_column_int(st, 4));
	cJSON_AddNumberToObject(cap, "memory_mb", (double)sqlite3_column_int64(st, 5));
	cJSON_AddBoolToObject(cap, "cuda", sqlite3_column_int(st, 6) != 0);
	cJSON_AddNumberToObject(cap, "gpus", sqlite3_column_int(st, 7));
	cJSON_AddNumberToObject(cap, "vram_mib", (double)sqlite3_column_int64(st, 8));
	cJSON_AddItemToObject(r, "capability", cap);
	cJSON_AddItemToObject(r, "job", hdb_json_num(st, 9));
	cJSON_AddItemToObject(r, "pid", hdb_json_num(st, 10));
	cJSON_AddItemToObject(r, "enrolled_at", hdb_json_num(st, 11));
	cJSON_AddItemToObject(r, "last_seen", hdb_json_num(st, 12));
	return r;
}

int
qtm_hive_db_runners(struct qtm_ctx *ctx, struct qtm_hive_db *db, cJSON **out)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNERS);
	cJSON *list = cJSON_CreateArray();
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(list, runner_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(list);
		return hdb_sql_error(ctx, db, "runners");
	}
	*out = cJSON_CreateObject();
	cJSON_AddItemToObject(*out, "runners", list);
	return 0;
}

int
qtm_hive_db_runner_gone(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *id, const char *why,
    bool forget, double now)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_JOB);
	int64_t jobs[16];
	size_t n = 0;
	int rc = 0;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && n < sizeof jobs / sizeof jobs[0])
		jobs[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = hdb_end_attempt(ctx, db, jobs[i], "lost", why != NULL ? why : _("runner gone"), false, now);
	st = hdb_stmt(db, forget ? S_RUNNER_DELETE : S_RUNNER_LOST);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return rc < 0 ? rc : hdb_done(ctx, db, st, "runner");
}

int
qtm_hive_db_runner_executor(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *id, char **executor)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_GET);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	*executor = sqlite3_step(st) == SQLITE_ROW ? qtm_sql_col_dup(st, 1) : NULL;
	sqlite3_reset(st);
	if (*executor == NULL)
		return qtm_error(ctx, -ENOENT, _("no runner %s is enrolled"), id);
	return 0;
}

int
qtm_hive_db_runner_counts(struct qtm_ctx *ctx, struct qtm_hive_db *db, int *busy, int *total)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_COUNTS);

	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return hdb_sql_error(ctx, db, "runners");
	}
	*busy = sqlite3_column_int(st, 0);
	*total = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return 0;
}

bool
qtm_hive_db_runner_busy(struct qtm_hive_db *db, const char *id)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNER_GET);
	bool busy;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	busy = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "busy") == 0;
	sqlite3_reset(st);
	return busy;
}

int
qtm_hive_db_runners_lost(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *executor, const char *why,
    double now)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNERS_OF);
	char **ids = xcalloc(1, sizeof *ids);
	int rc;

	sqlite3_bind_text(st, 1, executor, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		ids = strv_push(ids, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	rc = ids[0] != NULL ? hdb_begin(ctx, db) : 0;
	for (size_t i = 0; ids[i] != NULL && rc == 0; i++)
		rc = qtm_hive_db_runner_gone(ctx, db, ids[i], why, false, now);
	if (ids[0] != NULL)
		rc = hdb_end(ctx, db, rc);
	strv_free(ids);
	return rc;
}
