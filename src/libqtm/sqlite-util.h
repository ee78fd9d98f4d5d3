/* sqlite-util.h - the SQLite helpers shared by qtm's database (db*.c, history.c) and the hive's
 * (hive-db*.c, hive-slurm-db.c); each database wraps them with its own error message. */
#ifndef QTM_SQLITE_UTIL_H
#define QTM_SQLITE_UTIL_H

#include <sqlite3.h>

/* The column as a string owned by the caller (free), or NULL for an SQL NULL. */
char *qtm_sql_col_dup(sqlite3_stmt *st, int col);
/* Binds a copy of s, or SQL NULL when s is NULL. */
void qtm_sql_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds v, or SQL NULL when v < 0 (an unknown duration or time). */
void qtm_sql_bind_opt_double(sqlite3_stmt *st, int i, double v);
/* Steps a statement once and finalizes it; returns the step's result code. */
int qtm_sql_step_finalize(sqlite3_stmt *st);

#endif
