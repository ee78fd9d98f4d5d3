/* hive-slurm-db.c - the slurm executor's table in the hive database: which Slurm job runs
 * which hive job (so that a restarted daemon keeps tracking them), and the few reads and
 * writes of jobs it needs.  Statements are prepared per call: they run a few times a second. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ctx.h"
#include "hive-db.h"
#include "hive-db-internal.h"
#include "hive-slurm-internal.h"
#include "i18n.h"
#include "xalloc.h"

/* slurm_id NULL: sbatch has not answered yet; claimed: a runner claimed the hive job while
 * the Slurm job existed (a Slurm job ending unclaimed again and again fails the hive job). */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS slurm_jobs (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL,"
	" slurm_id INTEGER, attempt_seq INTEGER NOT NULL DEFAULT 0, state TEXT, node TEXT,"
	" submitted_at REAL, ended_at REAL, claimed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS slurm_jobs_job ON slurm_jobs(job_id);"
	"DELETE FROM slurm_jobs WHERE slurm_id IS NULL;";

int
hslurm_db_init(struct qtm_ctx *ctx, struct qtm_hive_db *db)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, schema, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = qtm_error(ctx, -EIO, _("hive database %s: cannot add the slurm_jobs table: %s"), db->path,
		    msg != NULL ? msg : "?");

		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int
hslurm_db_active(struct qtm_ctx *ctx, struct qtm_hive_db *db, struct hslurm_row **rows, size_t *n)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "SELECT id, job_id, coalesce(slurm_id, 0), attempt_seq, coalesce(state, '')"
	    " FROM slurm_jobs WHERE ended_at IS NULL ORDER BY id");
	size_t cap = 8;
	int rc;

	*rows = NULL;
	*n = 0;
	if (st == NULL)
		return -EIO;
	*rows = xcalloc(cap, sizeof **rows);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hslurm_row *r;

		if (*n == cap)
			*rows = xreallocarray(*rows, cap *= 2, sizeof **rows);
		r = &(*rows)[(*n)++];
		r->row = sqlite3_column_int64(st, 0);
		r->job_id = sqlite3_column_int64(st, 1);
		r->slurm_id = sqlite3_column_int64(st, 2);
		r->attempt_seq = sqlite3_column_int(st, 3);
		snprintf(r->state, sizeof r->state, "%s", (const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : hdb_sql_error(ctx, db, "slurm_jobs");
}

int
hslurm_db_candidates(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, int max,
    struct hslurm_cand *out, int *n)
{
	/* S_CANDIDATES of hive-db.c, less the jobs already in Slurm. */
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "SELECT id, cpus, memory_mb, gpu, priority, attempt_seq,"
	    " coalesce(json_extract(resources, '$.time_limit_s'), 0) FROM jobs j"
	    " WHERE state = 0 AND (not_before IS NULL OR not_before <= ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM job_deps d WHERE d.job_id = j.id AND NOT EXISTS"
	    " (SELECT 1 FROM artifacts a WHERE a.build_id = d.build_id))"
	    " AND NOT EXISTS (SELECT 1 FROM slurm_jobs s WHERE s.job_id = j.id AND s.ended_at IS NULL)"
	    " ORDER BY priority, estimate_s DESC, id LIMIT ?2");
	int rc;

	*n = 0;
	if (st == NULL)
		return -EIO;
	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct hslurm_cand *c = &out[(*n)++];

		c->id = sqlite3_column_int64(st, 0);
		c->cpus = sqlite3_column_int(st, 1);
		c->memory_mb = (long)sqlite3_column_int64(st, 2);
		c->gpu = sqlite3_column_int(st, 3);
		c->priority = sqlite3_column_int(st, 4);
		c->attempt_seq = sqlite3_column_int(st, 5);
		c->time_limit_s = sqlite3_column_double(st, 6);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : hdb_sql_error(ctx, db, "slurm_jobs");
}

int
hslurm_db_insert(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int attempt_seq, double now,
    int64_t *row)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "INSERT INTO slurm_jobs (job_id, attempt_seq, state, submitted_at)"
	    " VALUES (?1, ?2, 'SUBMITTING', ?3)");
	int rc;

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int(st, 2, attempt_seq);
	sqlite3_bind_double(st, 3, now);
	if ((rc = hdb_run(ctx, db, st, "slurm_jobs")) == 0)
		*row = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

int
hslurm_db_submitted(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, int64_t slurm_id)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "UPDATE slurm_jobs SET slurm_id = ?2, state = 'PENDING' WHERE id = ?1");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, slurm_id);
	return hdb_run(ctx, db, st, "slurm_jobs");
}

int
hslurm_db_update(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, const char *state, const char *node)
{
	/* A claim seen while the Slurm job lives marks it claimed. */
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "UPDATE slurm_jobs SET state = ?2, node = coalesce(nullif(?3, ''), node),"
	    " claimed = claimed OR (SELECT j.attempt_seq <> slurm_jobs.attempt_seq FROM jobs j"
	    " WHERE j.id = slurm_jobs.job_id) WHERE id = ?1");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	qtm_sql_bind_text(st, 3, node);
	return hdb_run(ctx, db, st, "slurm_jobs");
}

int
hslurm_db_end(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, const char *state, bool claimed,
    double now)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "UPDATE slurm_jobs SET state = ?2, ended_at = ?3,"
	    " claimed = claimed OR ?4 WHERE id = ?1");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_int(st, 4, claimed);
	return hdb_run(ctx, db, st, "slurm_jobs");
}

int
hslurm_db_delete(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "DELETE FROM slurm_jobs WHERE id = ?1");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, row);
	return hdb_run(ctx, db, st, "slurm_jobs");
}

int
hslurm_db_unclaimed(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int *n)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "SELECT count(*) FROM slurm_jobs WHERE job_id = ?1 AND ended_at IS NOT NULL"
	    " AND claimed = 0 AND submitted_at >= coalesce((SELECT pending_since FROM jobs WHERE id = ?1), 0)");

	*n = 0;
	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
hslurm_db_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int *state, int *seq, char **runner)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "SELECT state, attempt_seq, runner FROM jobs WHERE id = ?1");
	int rc;

	*runner = NULL;
	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*state = sqlite3_column_int(st, 0);
		*seq = sqlite3_column_int(st, 1);
		*runner = qtm_sql_col_dup(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? qtm_error(ctx, -ENOENT, _("no job %lld in the hive"), (long long)job_id) :
	    hdb_sql_error(ctx, db, "slurm_jobs");
}

int
hslurm_db_fail_pending(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, const char *error, double now)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "UPDATE jobs SET state = 3, error = ?2, finished_at = ?3, not_before = NULL"
	    " WHERE id = ?1 AND state = 0");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, now);
	return hdb_run(ctx, db, st, "slurm_jobs");
}

int
hslurm_db_note_attempt(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int attempt, const char *note)
{
	sqlite3_stmt *st = hdb_prepare(ctx, db, "slurm_jobs",
	    "UPDATE attempts SET error = CASE WHEN error IS NULL OR error = '' THEN ?3"
	    " ELSE error || ' (' || ?3 || ')' END WHERE job_id = ?1 AND attempt = ?2");

	if (st == NULL)
		return -EIO;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int(st, 2, attempt);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	return hdb_run(ctx, db, st, "slurm_jobs");
}
