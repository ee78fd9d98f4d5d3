/* db-curve.c - the training curve recorded with an installed model (packages.curve, JSON text
 * [[step, loss], ...]).  Kept out of the package rows that every listing reads: only
 * `qtm info` wants it. */
#include "config.h"

#include <sqlite3.h>

#include "ctx.h"
#include "db.h"
#include "db-internal.h"
#include "i18n.h"

int
qtm_db_set_curve(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, const char *json)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE packages SET curve = ?2 WHERE id = ?1", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, package_id);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot record a training curve"));
}

int
qtm_db_get_curve(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, char **json)
{
	sqlite3_stmt *st;
	int rc;

	*json = NULL;
	/* A database an older qtm made, opened read-only, has no curve column yet: no curve. */
	if (sqlite3_prepare_v2(db->sql, "SELECT curve FROM packages WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, package_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*json = qtm_sql_col_dup(st, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, _("cannot read a training curve"));
	sqlite3_finalize(st);
	return rc;
}
