/* db-internal.h - private to the database files (db.c, history.c): the handle and small
 * statement helpers that report errors on it (the plain ones are in sqlite-util.h). */
#ifndef QTM_DB_INTERNAL_H
#define QTM_DB_INTERNAL_H

#include <sqlite3.h>

#include "sqlite-util.h"

struct qtm_ctx;

struct qtm_db {
	sqlite3 *sql;
	char *path;
};

/* Sets ctx's error from SQLite's message about `what`; returns the negative code. */
int qtm_db_sql_error(struct qtm_ctx *ctx, struct qtm_db *db, const char *what);
int qtm_db_prepare(struct qtm_ctx *ctx, struct qtm_db *db, const char *sql, sqlite3_stmt **st);
/* Steps a statement that returns no rows and finalizes it. */
int qtm_db_step_done(struct qtm_ctx *ctx, struct qtm_db *db, sqlite3_stmt *st, const char *what);
int qtm_db_exec(struct qtm_ctx *ctx, struct qtm_db *db, const char *sql);
/* SQL: the "summary" string of the JSON manifest M (a column or a parameter), or '' when it has
 * none or M is not valid JSON.  Fills packages.summary on insert and in the migration. */
#define QTM_DB_SUMMARY_OF(M) \
	"CASE WHEN json_valid(" M ") THEN CASE WHEN json_type(" M ", '$.summary') = 'text'" \
	" THEN json_extract(" M ", '$.summary') ELSE '' END ELSE '' END"
/* Creates the tables and brings an older database up to date (db-schema.c). */
int qtm_db_schema_apply(struct qtm_ctx *ctx, struct qtm_db *db);

#endif
