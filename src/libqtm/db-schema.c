/* db-schema.c - the database schema and the migrations that bring an older qtm's database up
 * to it (additive columns; the one table rebuild that let a name be installed in several
 * versions side by side). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ctx.h"
#include "db-internal.h"
#include "db.h"
#include "i18n.h"

/* The whole schema of a new database; added_columns below brings older ones up to it. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS packages ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
	"  kind TEXT NOT NULL, build_id TEXT, reason TEXT NOT NULL CHECK (reason IN ('manual','auto')),"
	"  source TEXT, store_path TEXT NOT NULL, manifest TEXT NOT NULL, metrics TEXT, params TEXT,"
	"  installed_at INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0, origin TEXT,"
	"  is_default INTEGER NOT NULL DEFAULT 1, summary TEXT, curve TEXT, UNIQUE (name, version));"
	"CREATE TABLE IF NOT EXISTS files ("
	"  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mode INTEGER NOT NULL,"
	"  PRIMARY KEY (package_id, path));"
	"CREATE TABLE IF NOT EXISTS requires ("
	"  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
	"  requirement TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS trainings ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, build_id TEXT NOT NULL,"
	"  state TEXT NOT NULL, pid INTEGER, started_at INTEGER NOT NULL, finished_at INTEGER,"
	"  log_path TEXT, message TEXT, limits TEXT, wall_s REAL);"
	"CREATE TABLE IF NOT EXISTS store_pending (path TEXT PRIMARY KEY);"
	"CREATE INDEX IF NOT EXISTS requires_package ON requires (package_id);"
	"CREATE TABLE IF NOT EXISTS transactions ("
	"  id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER,"
	"  command TEXT NOT NULL, pid INTEGER, state TEXT NOT NULL, message TEXT);"
	"CREATE TABLE IF NOT EXISTS transaction_items ("
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id), seq INTEGER NOT NULL,"
	"  action TEXT NOT NULL, name TEXT NOT NULL, kind TEXT, old_version TEXT, new_version TEXT,"
	"  old_build_id TEXT, new_build_id TEXT, reason TEXT, replaces TEXT,"
	"  PRIMARY KEY (transaction_id, seq));";

int
qtm_db_sql_error(struct qtm_ctx *ctx, struct qtm_db *db, const char *what)
{
	int sys = sqlite3_system_errno(db->sql);

	/* SQLite says "disk I/O error" for a full disk too: name the system's cause as well. */
	if (sys != 0)
		return qtm_error(ctx, -sys, _("database %s: %s: %s (%s)"), db->path, what, sqlite3_errmsg(db->sql),
		    strerror(sys));
	return qtm_error(ctx, -EIO, _("database %s: %s: %s"), db->path, what, sqlite3_errmsg(db->sql));
}

/* Columns added after the first release of the schema: databases made by an older qtm get them
 * on the next writable open (additive changes only, so older rows stay valid), filled by `fill`
 * when the default does not do. */
static const struct {
	const char *table, *column, *decl, *fill;
} added_columns[] = {
	{ "packages", "params", "TEXT", NULL },
	{ "packages", "held", "INTEGER NOT NULL DEFAULT 0", NULL },
	{ "packages", "origin", "TEXT", NULL },
	{ "packages", "is_default", "INTEGER NOT NULL DEFAULT 1", NULL },
	/* the manifest's summary, copied out so that `qtm list` need not parse every manifest */
	{ "packages", "summary", "TEXT", "UPDATE packages SET summary = " QTM_DB_SUMMARY_OF("manifest") },
	/* a model's training curve, JSON [[step, loss], ...] (db-curve.c) */
	{ "packages", "curve", "TEXT", NULL },
	/* an install that took the place of another name (a manifest's "replaces") */
	{ "transaction_items", "replaces", "TEXT", NULL },
};

static bool
has_column(struct qtm_db *db, const char *table, const char *column)
{
	char *sql = sqlite3_mprintf("PRAGMA table_info(%q)", table);
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK) {
		while (!found && sqlite3_step(st) == SQLITE_ROW)
			found = strcmp((const char *)sqlite3_column_text(st, 1), column) == 0;
		sqlite3_finalize(st);
	}
	sqlite3_free(sql);
	return found;
}

static bool
columns_missing(struct qtm_db *db)
{
	for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++)
		if (!has_column(db, added_columns[i].table, added_columns[i].column))
			return true;
	return false;
}

static int
add_missing_columns(struct qtm_ctx *ctx, struct qtm_db *db)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof added_columns / sizeof added_columns[0]; i++) {
		char *sql;

		if (has_column(db, added_columns[i].table, added_columns[i].column))
			continue;
		sql = sqlite3_mprintf("ALTER TABLE %q ADD COLUMN %q %s", added_columns[i].table,
		    added_columns[i].column, added_columns[i].decl);
		rc = qtm_db_exec(ctx, db, sql);
		sqlite3_free(sql);
		if (rc == 0 && added_columns[i].fill != NULL)
			rc = qtm_db_exec(ctx, db, added_columns[i].fill);
	}
	return rc;
}

/* Two processes opening a fresh database at once both find a column missing: the columns are
 * checked again and added under the write lock, so the second finds them there (without the
 * lock it failed with "duplicate column name"). The unlocked look first keeps an up-to-date
 * database's open free of a write lock. */
static int
migrate(struct qtm_ctx *ctx, struct qtm_db *db)
{
	bool own = sqlite3_get_autocommit(db->sql) != 0;
	int rc;

	if (!columns_missing(db))
		return 0;
	if (own && (rc = qtm_db_exec(ctx, db, "BEGIN IMMEDIATE;")) < 0)
		return rc;
	rc = add_missing_columns(ctx, db);
	if (own && rc == 0)
		rc = qtm_db_exec(ctx, db, "COMMIT;");
	if (own && rc < 0)
		sqlite3_exec(db->sql, "ROLLBACK;", NULL, NULL, NULL);
	return rc;
}

static bool
packages_name_unique(struct qtm_db *db)
{
	sqlite3_stmt *st;
	bool old = false;

	if (sqlite3_prepare_v2(db->sql, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'packages'",
	    -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW)
		old = strstr((const char *)sqlite3_column_text(st, 0), "name TEXT NOT NULL UNIQUE") != NULL;
	sqlite3_finalize(st);
	return old;
}

/* Databases from before side-by-side versions had "name UNIQUE": rebuild the table with
 * UNIQUE (name, version), keeping every row and id (files and requirements point at them).
 * Checked again under the write lock, as migrate() does, for two processes opening it at once. */
static int
rebuild_unique_name(struct qtm_ctx *ctx, struct qtm_db *db)
{
	int rc;

	if (!packages_name_unique(db))
		return 0;
	if ((rc = qtm_db_exec(ctx, db, "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE;")) < 0)
		goto out;
	if (packages_name_unique(db))
		rc = qtm_db_exec(ctx, db, "CREATE TABLE packages_v2 ("
		    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
		    "  kind TEXT NOT NULL, build_id TEXT, reason TEXT NOT NULL CHECK (reason IN ('manual','auto')),"
		    "  source TEXT, store_path TEXT NOT NULL, manifest TEXT NOT NULL, metrics TEXT, params TEXT,"
		    "  installed_at INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0, origin TEXT,"
		    "  is_default INTEGER NOT NULL DEFAULT 1, summary TEXT, UNIQUE (name, version));"
		    "INSERT INTO packages_v2 SELECT id, name, version, kind, build_id, reason, source, store_path,"
		    "  manifest, metrics, params, installed_at, held, origin, is_default, summary FROM packages;"
		    "DROP TABLE packages; ALTER TABLE packages_v2 RENAME TO packages;");
	if (rc == 0)
		rc = qtm_db_exec(ctx, db, "COMMIT;");
	if (rc < 0)
		sqlite3_exec(db->sql, "ROLLBACK;", NULL, NULL, NULL);
out:
	sqlite3_exec(db->sql, "PRAGMA foreign_keys = ON;", NULL, NULL, NULL);
	/* The rebuilt table has only the columns named above: those added since come back (empty). */
	if (rc == 0)
		rc = migrate(ctx, db);
	return rc;
}

/* Sets user_version to 1 only when it is not: setting it writes the header page, and every
 * reader that may write opens the database through here (a write per `qtm list`, a WAL commit
 * with its fsyncs and a checkpoint at close). */
static int
set_user_version(struct qtm_ctx *ctx, struct qtm_db *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return version == 1 ? 0 : qtm_db_exec(ctx, db, "PRAGMA user_version = 1;");
}

int
qtm_db_schema_apply(struct qtm_ctx *ctx, struct qtm_db *db)
{
	int rc = qtm_db_exec(ctx, db, schema);

	if (rc == 0)
		rc = set_user_version(ctx, db);
	if (rc == 0)
		rc = migrate(ctx, db);
	if (rc == 0)
		rc = rebuild_unique_name(ctx, db);
	/* Covers what `qtm list --installed` shows, in its order: the listing reads this small index
	 * alone, not the table with every manifest (made here, once the summary column exists). */
	if (rc == 0)
		rc = qtm_db_exec(ctx, db, "CREATE INDEX IF NOT EXISTS packages_list"
		    " ON packages (name, version, kind, reason, source, summary);");
	return rc;
}
