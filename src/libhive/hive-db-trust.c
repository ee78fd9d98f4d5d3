/* hive-db-trust.c - who may store an artifact: the runner holding the current lease of a job
 * of that build id (doc/hive-protocol.md, "Trust"). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "hive-db.h"
#include "hive-db-internal.h"
#include "i18n.h"

int
qtm_hive_db_lease_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *lease, const char *runner,
    const char *build_id, int64_t *job, int *attempt_seq)
{
	sqlite3_stmt *st = NULL;
	char *holder = NULL, *bid = NULL;
	int rc;

	if (lease == NULL || *lease == '\0')
		return qtm_error(ctx, -EPERM, _("PUT /v1/artifact: a runner uploads only under the lease of its job "
		    "(?lease=LEASE)"));
	/* Running jobs are few (one per runner): the partial index jobs_running covers them. */
	if (sqlite3_prepare_v2(db->sql, "SELECT id, attempt_seq, runner, build_id FROM jobs WHERE state = 1 AND"
	    " lease = ?1", -1, &st, NULL) != SQLITE_OK)
		return hdb_sql_error(ctx, db, "lease");
	sqlite3_bind_text(st, 1, lease, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*job = sqlite3_column_int64(st, 0);
		*attempt_seq = sqlite3_column_int(st, 1);
		holder = qtm_sql_col_dup(st, 2);
		bid = qtm_sql_col_dup(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = hdb_sql_error(ctx, db, "lease");
	else if (rc != SQLITE_ROW)
		rc = qtm_error(ctx, -EPERM, _("PUT /v1/artifact/%s: the lease is no running job's current one"), build_id);
	else if (holder == NULL || strcmp(holder, runner) != 0)
		rc = qtm_error(ctx, -EPERM, _("PUT /v1/artifact/%s: the lease of job %lld was given to runner %s, not "
		    "to %s"), build_id, (long long)*job, holder != NULL ? holder : "?", runner);
	else if (bid == NULL || strcmp(bid, build_id) != 0)
		rc = qtm_error(ctx, -EPERM, _("PUT /v1/artifact/%s: the lease is job %lld's, whose build id is %s"),
		    build_id, (long long)*job, bid != NULL ? bid : "?");
	else
		rc = 0;
	free(holder);
	free(bid);
	return rc;
}

int
qtm_hive_db_attestation_put(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id, const char *doc)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO attestations (build_id, doc) VALUES (?1, ?2)", -1, &st,
	    NULL) != SQLITE_OK)
		return hdb_sql_error(ctx, db, "attestation");
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return hdb_sql_error(ctx, db, "attestation");
	}
	sqlite3_finalize(st);
	return 0;
}

int
qtm_hive_db_attestation_get(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *build_id, char **doc)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*doc = NULL;
	if (sqlite3_prepare_v2(db->sql, "SELECT doc FROM attestations WHERE build_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return hdb_sql_error(ctx, db, "attestation");
	sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*doc = qtm_sql_col_dup(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hdb_sql_error(ctx, db, "attestation");
	return rc == SQLITE_ROW ? 0 : qtm_error(ctx, -ENOENT, _("the hive holds no attestation of build %s (stored "
	    "before attestations, or lost: requeue its job)"), build_id);
}
