/* db.c - the SQLite database of installed packages and trainings. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "archive.h"
#include "ctx.h"
#include "db.h"
#include "db-internal.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"


int
qtm_db_exec(struct qtm_ctx *ctx, struct qtm_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
		qtm_error(ctx, -EIO, _("database %s: %s"), db->path, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* A damaged database is never used nor silently replaced: the message says how to recover. */
static int
corrupt(struct qtm_ctx *ctx, struct qtm_db *db, const char *why)
{
	char *bak = xasprintf("%s.bak", db->path);
	struct stat st;
	int rc;

	if (stat(bak, &st) == 0)
		rc = qtm_error(ctx, -EIO, _("database %s is damaged (%s). Nothing was changed. Restore the copy "
		    "saved after the last successful transaction: cp %s %s (then run qtm verify)"),
		    db->path, why, bak, db->path);
	else
		rc = qtm_error(ctx, -EIO, _("database %s is damaged (%s). Nothing was changed. Move it aside "
		    "(mv %s %s.broken) and reinstall what you need; the store is left as it is"),
		    db->path, why, db->path, db->path);
	free(bak);
	return rc;
}

static int
check_intact(struct qtm_ctx *ctx, struct qtm_db *db, bool writable)
{
	sqlite3_stmt *st = NULL;
	const char *sql = writable ? "PRAGMA quick_check" : "SELECT count(*) FROM sqlite_master";
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
	char why[256];

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	snprintf(why, sizeof why, "%s", sqlite3_errmsg(db->sql));
	if (rc == SQLITE_ROW && writable && strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(why, sizeof why, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = SQLITE_CORRUPT;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	/* Only damage is called damage: a full disk or an I/O error is reported as what it is. */
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return corrupt(ctx, db, why);
	return qtm_db_sql_error(ctx, db, _("cannot read it"));
}

int
qtm_db_backup(struct qtm_ctx *ctx, struct qtm_db *db)
{
	char *tmp = xasprintf("%s.bak.tmp", db->path), *bak = xasprintf("%s.bak", db->path);
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc = 0;

	unlink(tmp);
	if (sqlite3_open(tmp, &dst) != SQLITE_OK || (b = sqlite3_backup_init(dst, "main", db->sql, "main")) == NULL) {
		rc = qtm_error(ctx, -EIO, _("cannot back up the database to %s: %s"), bak, sqlite3_errmsg(dst));
	} else {
		sqlite3_backup_step(b, -1);
		if (sqlite3_backup_finish(b) != SQLITE_OK)
			rc = qtm_error(ctx, -EIO, _("cannot back up the database to %s: %s"), bak, sqlite3_errmsg(dst));
	}
	sqlite3_close(dst);
	if (rc == 0 && rename(tmp, bak) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	free(bak);
	return rc;
}

/* An empty file where a database with a backup was, or a SQLite file of someone else's, would
 * otherwise be taken for an empty installation: the history would be lost without a word. */
static int
check_ours(struct qtm_ctx *ctx, struct qtm_db *db)
{
	char *bak = xasprintf("%s.bak", db->path);
	struct stat st;
	sqlite3_stmt *q = NULL;
	bool empty_with_backup = stat(db->path, &st) == 0 && st.st_size == 0 && access(bak, F_OK) == 0;
	int tables = 0, ours = 0;

	free(bak);
	if (empty_with_backup)
		return corrupt(ctx, db, _("the file is empty"));
	if (sqlite3_prepare_v2(db->sql, "SELECT count(*), coalesce(sum(name = 'packages'), 0) FROM sqlite_master "
	    "WHERE type = 'table'", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		tables = sqlite3_column_int(q, 0);
		ours = sqlite3_column_int(q, 1);
	}
	sqlite3_finalize(q);
	if (tables > 0 && ours == 0)
		return corrupt(ctx, db, _("it is not a qtm database: it has no packages table"));
	return 0;
}

int
qtm_db_open(struct qtm_ctx *ctx, bool writable, struct qtm_db **out)
{
	struct qtm_db *db = xcalloc(1, sizeof *db);
	struct stat st;
	int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	bool writer = writable;   /* the caller's intent: only writers pay for a full check */
	int rc;

	db->path = qtm_state_path(ctx, "qtm.db");
	if (writable && (rc = qtm_mkdir_p(ctx, ctx->state_dir, 0755)) < 0)
		goto fail;
	/* A reader that may write brings an older database's schema up to date first (additive:
	 * new tables and columns); one that may not reads it as it is. */
	if (!writable && access(db->path, W_OK) == 0)
		writable = true, flags = SQLITE_OPEN_READWRITE;
	if (!writable && stat(db->path, &st) < 0) {
		free(db->path);
		db->path = xstrdup(":memory:");
		flags = SQLITE_OPEN_READWRITE;
		writable = true;   /* build the empty schema in memory */
	}
	if (sqlite3_open_v2(db->path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = qtm_db_sql_error(ctx, db, _("cannot open"));
		goto fail;
	}
	sqlite3_busy_timeout(db->sql, 10000);
	if ((rc = check_intact(ctx, db, writer)) < 0 ||
	    (strcmp(db->path, ":memory:") != 0 && (rc = check_ours(ctx, db)) < 0) || (rc = qtm_db_exec(ctx, db, "PRAGMA foreign_keys = ON;")) < 0)
		goto fail;
	if (writable && ((rc = qtm_db_exec(ctx, db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")) < 0 ||
	    (rc = qtm_db_schema_apply(ctx, db)) < 0))
		goto fail;
	*out = db;
	return 0;
fail:
	qtm_db_close(db);
	return rc;
}

void
qtm_db_close(struct qtm_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

int
qtm_db_begin(struct qtm_ctx *ctx, struct qtm_db *db)
{
	return qtm_db_exec(ctx, db, "BEGIN IMMEDIATE;");
}

int
qtm_db_commit(struct qtm_ctx *ctx, struct qtm_db *db)
{
	return qtm_db_exec(ctx, db, "COMMIT;");
}

void
qtm_db_rollback(struct qtm_db *db)
{
	sqlite3_exec(db->sql, "ROLLBACK;", NULL, NULL, NULL);
}

int
qtm_db_prepare(struct qtm_ctx *ctx, struct qtm_db *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
		return qtm_db_sql_error(ctx, db, _("cannot prepare a query"));
	return 0;
}

/* Requirements of every package in v, with one statement prepared once (and an index on
 * package_id): listing 10,000 packages stays linear. */
static int
load_requires(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed *v, size_t n)
{
	sqlite3_stmt *st;
	int rc = 0;

	if ((rc = qtm_db_prepare(ctx, db, "SELECT requirement FROM requires WHERE package_id = ? ORDER BY rowid", &st)) < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t len = 0, cap = 4;

		v[i].requires = xcalloc(cap, sizeof *v[i].requires);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v[i].id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (len + 2 > cap)
				v[i].requires = xreallocarray(v[i].requires, cap *= 2, sizeof *v[i].requires);
			v[i].requires[len++] = xstrdup((const char *)sqlite3_column_text(st, 0));
			v[i].requires[len] = NULL;
		}
		rc = rc == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, _("cannot read requirements"));
	}
	sqlite3_finalize(st);
	return rc;
}

#define PACKAGE_COLUMNS "id, name, version, kind, build_id, reason, source, store_path, manifest, metrics, installed_at, params, held, origin, is_default"

static void
row_to_installed(sqlite3_stmt *st, struct qtm_installed *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->name = qtm_sql_col_dup(st, 1);
	p->version = qtm_sql_col_dup(st, 2);
	p->kind = qtm_sql_col_dup(st, 3);
	p->build_id = qtm_sql_col_dup(st, 4);
	p->reason = qtm_sql_col_dup(st, 5);
	p->source = qtm_sql_col_dup(st, 6);
	p->store_path = qtm_sql_col_dup(st, 7);
	p->manifest = qtm_sql_col_dup(st, 8);
	p->metrics = qtm_sql_col_dup(st, 9);
	p->installed_at = sqlite3_column_int64(st, 10);
	p->params = qtm_sql_col_dup(st, 11);
	p->held = sqlite3_column_int(st, 12) != 0;
	p->origin = qtm_sql_col_dup(st, 13);
	p->is_default = sqlite3_column_int(st, 14) != 0;
}

static int
select_packages(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    struct qtm_installed **out, size_t *n)
{
	/* For one name: its default version first (qtm_db_get takes the first). */
	const char *sql = name != NULL
	    ? "SELECT " PACKAGE_COLUMNS " FROM packages WHERE name = ? ORDER BY is_default DESC, installed_at DESC, id DESC"
	    : "SELECT " PACKAGE_COLUMNS " FROM packages ORDER BY name, version";
	struct qtm_installed *v = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, sql, &st)) < 0)
		return rc;
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 16, sizeof *v);
		memset(&v[count], 0, sizeof *v);
		row_to_installed(st, &v[count++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		qtm_installed_free_all(v, count);
		return qtm_db_sql_error(ctx, db, _("cannot list packages"));
	}
	if ((rc = load_requires(ctx, db, v, count)) < 0) {
		qtm_installed_free_all(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

/* Runs a read in one transaction (unless the caller is in one already): one snapshot, and
 * SQLite takes its locks once instead of once per statement. */
static bool
read_begin(struct qtm_db *db)
{
	return sqlite3_get_autocommit(db->sql) && sqlite3_exec(db->sql, "BEGIN;", NULL, NULL, NULL) == SQLITE_OK;
}

static void
read_end(struct qtm_db *db, bool began)
{
	if (began)
		sqlite3_exec(db->sql, "COMMIT;", NULL, NULL, NULL);
}

int
qtm_db_list(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed **out, size_t *n)
{
	bool began = read_begin(db);
	int rc = select_packages(ctx, db, NULL, out, n);

	read_end(db, began);
	return rc;
}

#define LISTED_SQL(SUMMARY) "SELECT name, version, kind, reason, source, " SUMMARY \
	" FROM packages ORDER BY name, version"

int
qtm_db_each_listed(struct qtm_ctx *ctx, struct qtm_db *db,
    int (*fn)(const struct qtm_listed *row, void *arg), void *arg)
{
	struct qtm_listed row;
	sqlite3_stmt *st;
	int rc, stop = 0;

	/* Only columns of the packages_list index, which then is all that is read (a row that an
	 * older qtm wrote into a newer database lacks its summary: shown empty).  A database an
	 * older qtm made, opened read-only, has no summary column yet: parse the manifests. */
	if (sqlite3_prepare_v2(db->sql, LISTED_SQL("coalesce(summary, '')"), -1, &st, NULL) != SQLITE_OK &&
	    (rc = qtm_db_prepare(ctx, db, LISTED_SQL(QTM_DB_SUMMARY_OF("manifest")), &st)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.name = (const char *)sqlite3_column_text(st, 0);
		row.version = (const char *)sqlite3_column_text(st, 1);
		row.kind = (const char *)sqlite3_column_text(st, 2);
		row.reason = (const char *)sqlite3_column_text(st, 3);
		row.source = (const char *)sqlite3_column_text(st, 4);
		row.summary = (const char *)sqlite3_column_text(st, 5);
		if ((stop = fn(&row, arg)) != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		stop = qtm_db_sql_error(ctx, db, _("cannot list packages"));
	sqlite3_finalize(st);
	return stop;
}

int
qtm_db_get(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, struct qtm_installed **out)
{
	struct qtm_installed *v;
	size_t n;
	int rc = select_packages(ctx, db, name, &v, &n);

	if (rc < 0)
		return rc;
	if (n == 0) {
		free(v);
		return -ENOENT;
	}
	for (size_t i = 1; i < n; i++)   /* only the default version is returned */
		qtm_installed_clear(&v[i]);
	*out = v;
	return 0;
}

int
qtm_db_get_version(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version,
    struct qtm_installed **out)
{
	struct qtm_installed *v;
	size_t n, found = SIZE_MAX;
	int rc = select_packages(ctx, db, name, &v, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (found == SIZE_MAX && strcmp(v[i].version, version) == 0)
			found = i;
		else
			qtm_installed_clear(&v[i]);
	}
	if (found == SIZE_MAX) {
		free(v);
		return -ENOENT;
	}
	if (found != 0)
		v[0] = v[found];
	*out = v;
	return 0;
}

int
qtm_db_files(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, struct qtm_filelist *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = qtm_db_prepare(ctx, db, "SELECT path, sha256, size, mode FROM files WHERE package_id = ? ORDER BY path", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, package_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct qtm_file_entry *f;

		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		f = &out->v[out->n++];
		f->path = qtm_sql_col_dup(st, 0);
		snprintf(f->sha256, sizeof f->sha256, "%s", (const char *)sqlite3_column_text(st, 1));
		f->size = (uint64_t)sqlite3_column_int64(st, 2);
		f->mode = (unsigned)sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		qtm_filelist_free(out);
		return qtm_db_sql_error(ctx, db, _("cannot list files"));
	}
	return 0;
}

int
qtm_db_step_done(struct qtm_ctx *ctx, struct qtm_db *db, sqlite3_stmt *st, const char *what)
{
	return qtm_sql_step_finalize(st) == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, what);
}

static int
put_children(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed *pkg,
    const struct qtm_filelist *files)
{
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; rc == 0 && files != NULL && i < files->n; i++) {
		if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO files (package_id, path, sha256, size, mode) VALUES (?,?,?,?,?)", &st)) < 0)
			return rc;
		sqlite3_bind_int64(st, 1, pkg->id);
		sqlite3_bind_text(st, 2, files->v[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, files->v[i].sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)files->v[i].size);
		sqlite3_bind_int(st, 5, (int)files->v[i].mode);
		rc = qtm_db_step_done(ctx, db, st, _("cannot record a file"));
	}
	for (size_t i = 0; rc == 0 && pkg->requires != NULL && pkg->requires[i] != NULL; i++) {
		if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO requires (package_id, requirement) VALUES (?,?)", &st)) < 0)
			return rc;
		sqlite3_bind_int64(st, 1, pkg->id);
		sqlite3_bind_text(st, 2, pkg->requires[i], -1, SQLITE_STATIC);
		rc = qtm_db_step_done(ctx, db, st, _("cannot record a requirement"));
	}
	return rc;
}

int
qtm_db_put(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed *pkg,
    const struct qtm_filelist *files, bool keep)
{
	struct qtm_installed *other = NULL;
	sqlite3_stmt *st;
	int rc;

	/* Side by side (keep): only the same version is replaced, and the new one becomes the
	 * default only when it is the first; otherwise it replaces every version of the name. */
	if ((rc = keep ? qtm_db_delete_version(ctx, db, pkg->name, pkg->version) : qtm_db_delete(ctx, db, pkg->name)) < 0)
		return rc;
	pkg->is_default = !keep || qtm_db_get(ctx, db, pkg->name, &other) == -ENOENT;
	qtm_installed_free(other);
	if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO packages (name, version, kind, build_id, reason, source,"
	    " store_path, manifest, metrics, installed_at, params, held, origin, is_default, summary)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, " QTM_DB_SUMMARY_OF("?8") ")", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, pkg->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pkg->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pkg->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pkg->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pkg->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pkg->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, pkg->store_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, pkg->manifest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, pkg->metrics, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, pkg->installed_at ? pkg->installed_at : (int64_t)time(NULL));
	sqlite3_bind_text(st, 11, pkg->params, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, pkg->held ? 1 : 0);
	sqlite3_bind_text(st, 13, pkg->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, pkg->is_default ? 1 : 0);
	if ((rc = qtm_db_step_done(ctx, db, st, _("cannot record a package"))) < 0)
		return rc;
	pkg->id = sqlite3_last_insert_rowid(db->sql);
	return put_children(ctx, db, pkg, files);
}

int
qtm_db_delete(struct qtm_ctx *ctx, struct qtm_db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "DELETE FROM packages WHERE name = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot delete a package"));
}

/* After a version is removed, the newest that remains becomes the default if none is. */
static int
ensure_default(struct qtm_ctx *ctx, struct qtm_db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE packages SET is_default = 1 WHERE id = (SELECT id FROM packages"
	    " WHERE name = ?1 ORDER BY installed_at DESC, id DESC LIMIT 1) AND NOT EXISTS (SELECT 1 FROM packages"
	    " WHERE name = ?1 AND is_default = 1)", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot choose a default version"));
}

int
qtm_db_delete_version(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "DELETE FROM packages WHERE name = ? AND version = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	if ((rc = qtm_db_step_done(ctx, db, st, _("cannot delete a package"))) < 0)
		return rc;
	return ensure_default(ctx, db, name);
}

int
qtm_db_set_default(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE packages SET is_default = (version = ?) WHERE name = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot change the default version"));
}

int
qtm_db_set_reason(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *reason)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE packages SET reason = ? WHERE name = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot change the install reason"));
}

static int
pending_change(struct qtm_ctx *ctx, struct qtm_db *db, const char *sql, const char *path)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, sql, &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot record a store path"));
}

int
qtm_db_pending_add(struct qtm_ctx *ctx, struct qtm_db *db, const char *path)
{
	return pending_change(ctx, db, "INSERT OR IGNORE INTO store_pending (path) VALUES (?)", path);
}

int
qtm_db_pending_remove(struct qtm_ctx *ctx, struct qtm_db *db, const char *path)
{
	return pending_change(ctx, db, "DELETE FROM store_pending WHERE path = ?", path);
}

int
qtm_db_pending_list(struct qtm_ctx *ctx, struct qtm_db *db, char ***paths)
{
	sqlite3_stmt *st;
	int rc;

	*paths = xcalloc(1, sizeof **paths);
	if ((rc = qtm_db_prepare(ctx, db, "SELECT path FROM store_pending ORDER BY path", &st)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*paths = strv_push(*paths, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, _("cannot read the store paths"));
}

int
qtm_db_set_held(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, bool held)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE packages SET held = ? WHERE name = ?", &st)) < 0)
		return rc;
	sqlite3_bind_int(st, 1, held ? 1 : 0);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot change the hold"));
}

int
qtm_db_training_start(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    const char *version, const char *build_id, const char *log_path, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO trainings (name, version, build_id, state, pid, started_at,"
	    " log_path) VALUES (?,?,?,'running',?,?,?)", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, build_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)getpid());
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 6, log_path, -1, SQLITE_STATIC);
	if ((rc = qtm_db_step_done(ctx, db, st, _("cannot record a training"))) < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(db->sql);
	return 0;
}

int
qtm_db_training_finish(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, const char *state,
    const char *message, const char *limits, double wall_s)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE trainings SET state = ?, message = ?, limits = ?, wall_s = ?,"
	    " finished_at = ? WHERE id = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, limits, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, wall_s);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 6, id);
	return qtm_db_step_done(ctx, db, st, _("cannot record a training"));
}

int
qtm_db_trainings(struct qtm_ctx *ctx, struct qtm_db *db, int limit, struct qtm_training **out,
    size_t *n)
{
	struct qtm_training *v = NULL;
	size_t count = 0;
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "SELECT id, name, version, build_id, state, log_path, message, limits,"
	    " pid, started_at, finished_at, wall_s FROM trainings ORDER BY id DESC LIMIT ?", &st)) < 0)
		return rc;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct qtm_training *t;

		v = xreallocarray(v, count + 1, sizeof *v);
		t = &v[count++];
		t->id = sqlite3_column_int64(st, 0);
		t->name = qtm_sql_col_dup(st, 1);
		t->version = qtm_sql_col_dup(st, 2);
		t->build_id = qtm_sql_col_dup(st, 3);
		t->state = qtm_sql_col_dup(st, 4);
		t->log_path = qtm_sql_col_dup(st, 5);
		t->message = qtm_sql_col_dup(st, 6);
		t->limits = qtm_sql_col_dup(st, 7);
		t->pid = sqlite3_column_int64(st, 8);
		t->started_at = sqlite3_column_int64(st, 9);
		t->finished_at = sqlite3_column_int64(st, 10);
		t->wall_s = sqlite3_column_double(st, 11);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		qtm_training_free_all(v, count);
		return qtm_db_sql_error(ctx, db, _("cannot list trainings"));
	}
	*out = v;
	*n = count;
	return 0;
}

void
qtm_installed_free(struct qtm_installed *p)
{
	qtm_installed_free_all(p, p != NULL ? 1 : 0);
}

void
qtm_installed_free_all(struct qtm_installed *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		qtm_installed_clear(&v[i]);
	free(v);
}

void
qtm_installed_clear(struct qtm_installed *p)
{
	free(p->name);
	free(p->version);
	free(p->kind);
	free(p->build_id);
	free(p->reason);
	free(p->source);
	free(p->store_path);
	free(p->manifest);
	free(p->metrics);
	free(p->params);
	free(p->origin);
	strv_free(p->requires);
	memset(p, 0, sizeof *p);
}

void
qtm_training_free_all(struct qtm_training *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].version);
		free(v[i].build_id);
		free(v[i].state);
		free(v[i].log_path);
		free(v[i].message);
		free(v[i].limits);
	}
	free(v);
}
