/* history.c - recording and reading the transaction history. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "db-internal.h"
#include "db.h"
#include "history.h"
#include "i18n.h"
#include "xalloc.h"

int
qtm_history_begin(struct qtm_ctx *ctx, struct qtm_db *db, const char *command, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO transactions (started_at, command, pid, state)"
	    " VALUES (?, ?, ?, 'running')", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 2, command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)getpid());
	if ((rc = qtm_db_step_done(ctx, db, st, _("cannot record a transaction"))) < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(db->sql);
	return 0;
}

int
qtm_history_add(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, const struct qtm_history_item *it)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "INSERT INTO transaction_items (transaction_id, seq, action,"
	    " name, kind, old_version, new_version, old_build_id, new_build_id, reason, replaces) VALUES"
	    " (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transaction_items WHERE transaction_id = ?),"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, it->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, it->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, it->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, it->old_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, it->new_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, it->old_build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, it->new_build_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, it->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, it->replaces, -1, SQLITE_STATIC);
	return qtm_db_step_done(ctx, db, st, _("cannot record a transaction item"));
}

int
qtm_history_finish(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, const char *state,
    const char *message)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "UPDATE transactions SET state = ?, message = ?, finished_at = ?"
	    " WHERE id = ?", &st)) < 0)
		return rc;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 4, id);
	return qtm_db_step_done(ctx, db, st, _("cannot record a transaction"));
}

int
qtm_history_recover(struct qtm_ctx *ctx, struct qtm_db *db)
{
	struct qtm_history_tx *v;
	size_t n;
	int rc = qtm_history_list(ctx, db, &v, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strcmp(v[i].state, "running") == 0 && v[i].pid != (int64_t)getpid() &&
		    (v[i].pid <= 0 || (kill((pid_t)v[i].pid, 0) < 0 && errno == ESRCH)))
			rc = qtm_history_finish(ctx, db, v[i].id, "interrupted",
			    _("the process was killed; finished steps were kept"));
	if (rc == 0)
		qtm_history_free(v, n);
	return rc;
}

static void
row_to_item(sqlite3_stmt *st, struct qtm_history_item *it)
{
	it->seq = sqlite3_column_int(st, 0);
	it->action = qtm_sql_col_dup(st, 1);
	it->name = qtm_sql_col_dup(st, 2);
	it->kind = qtm_sql_col_dup(st, 3);
	it->old_version = qtm_sql_col_dup(st, 4);
	it->new_version = qtm_sql_col_dup(st, 5);
	it->old_build_id = qtm_sql_col_dup(st, 6);
	it->new_build_id = qtm_sql_col_dup(st, 7);
	it->reason = qtm_sql_col_dup(st, 8);
	it->replaces = qtm_sql_col_dup(st, 9);
}

static int
load_items(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_history_tx *tx)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "SELECT seq, action, name, kind, old_version, new_version,"
	    " old_build_id, new_build_id, reason, replaces FROM transaction_items WHERE transaction_id = ?"
	    " ORDER BY seq", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, tx->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tx->items = xreallocarray(tx->items, tx->n_items + 1, sizeof *tx->items);
		row_to_item(st, &tx->items[tx->n_items++]);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, _("cannot read the history"));
}

static int
select_tx(struct qtm_ctx *ctx, struct qtm_db *db, int64_t only, struct qtm_history_tx **out, size_t *n)
{
	struct qtm_history_tx *v = NULL;
	size_t count = 0;
	sqlite3_stmt *st;
	int rc;

	if ((rc = qtm_db_prepare(ctx, db, "SELECT id, started_at, finished_at, command, state, message, pid"
	    " FROM transactions WHERE ? = 0 OR id = ? ORDER BY id DESC", &st)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, only);
	sqlite3_bind_int64(st, 2, only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct qtm_history_tx *tx;

		v = xreallocarray(v, count + 1, sizeof *v);
		tx = memset(&v[count++], 0, sizeof *v);
		tx->id = sqlite3_column_int64(st, 0);
		tx->started_at = sqlite3_column_int64(st, 1);
		tx->finished_at = sqlite3_column_int64(st, 2);
		tx->command = qtm_sql_col_dup(st, 3);
		tx->state = qtm_sql_col_dup(st, 4);
		tx->message = qtm_sql_col_dup(st, 5);
		tx->pid = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? 0 : qtm_db_sql_error(ctx, db, _("cannot read the history"));
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = load_items(ctx, db, &v[i]);
	if (rc < 0) {
		qtm_history_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

int
qtm_history_list(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_history_tx **out, size_t *n)
{
	return select_tx(ctx, db, 0, out, n);
}

int
qtm_history_get(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, struct qtm_history_tx **out)
{
	size_t n;
	int rc;

	if (id <= 0)
		return qtm_error(ctx, -ENOENT, _("no transaction %lld (see: qtm history)"), (long long)id);
	if ((rc = select_tx(ctx, db, id, out, &n)) < 0)
		return rc;
	if (n == 0) {
		free(*out);
		return qtm_error(ctx, -ENOENT, _("no transaction %lld (see: qtm history)"), (long long)id);
	}
	return 0;
}

void
qtm_history_free(struct qtm_history_tx *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_items; j++) {
			struct qtm_history_item *it = &v[i].items[j];

			free(it->action);
			free(it->name);
			free(it->kind);
			free(it->old_version);
			free(it->new_version);
			free(it->old_build_id);
			free(it->new_build_id);
			free(it->reason);
			free(it->replaces);
		}
		free(v[i].items);
		free(v[i].command);
		free(v[i].state);
		free(v[i].message);
	}
	free(v);
}

/* The state a package had before the transactions being reverted: folded from the newest
 * item to the oldest, so the oldest "before" wins. */
struct target {
	char *name, *version, *reason;   /* version NULL: it was not installed */
};

static struct target *
target_of(struct target **v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return &(*v)[i];
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	(*v)[*n].name = xstrdup(name);
	return &(*v)[(*n)++];
}

static void
fold(const struct qtm_history_tx *tx, struct target **v, size_t *n)
{
	for (size_t j = tx->n_items; j-- > 0;) {
		const struct qtm_history_item *it = &tx->items[j];
		struct target *t = target_of(v, n, it->name);
		const char *old_reason = strcmp(it->action, "remove") == 0 ? it->reason : NULL;

		free(t->version);
		free(t->reason);
		t->version = it->old_version != NULL ? xstrdup(it->old_version) : NULL;
		t->reason = xstrdup(old_reason != NULL ? old_reason : it->reason != NULL ? it->reason : "auto");
	}
}

static int
targets_to_revert(struct qtm_ctx *ctx, struct qtm_db *db, struct target *v, size_t n,
    struct qtm_history_revert *out)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct qtm_installed *pkg = NULL;
		int got = qtm_db_get(ctx, db, v[i].name, &pkg);

		if (got < 0 && got != -ENOENT) {
			rc = got;
		} else if (v[i].version == NULL && got == 0) {
			out->removes = strv_push(out->removes, v[i].name);
		} else if (v[i].version != NULL && (got != 0 || strcmp(pkg->version, v[i].version) != 0)) {
			char *spec = xasprintf("%s=%s", v[i].name, v[i].version);

			out->installs = strv_push(out->installs, spec);
			out->reasons = strv_push(out->reasons, v[i].reason);
			free(spec);
		}
		qtm_installed_free(got == 0 ? pkg : NULL);
	}
	return rc;
}

int
qtm_history_revert(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, bool rollback,
    struct qtm_history_revert *out)
{
	struct qtm_history_tx *all = NULL, *one = NULL;
	struct target *v = NULL;
	size_t n_all = 0, n = 0;
	int rc = qtm_history_get(ctx, db, id, &one);

	memset(out, 0, sizeof *out);
	out->removes = xcalloc(1, sizeof *out->removes);
	out->installs = xcalloc(1, sizeof *out->installs);
	out->reasons = xcalloc(1, sizeof *out->reasons);
	if (rc == 0 && rollback)
		rc = qtm_history_list(ctx, db, &all, &n_all);
	if (rc == 0 && !rollback)
		fold(one, &v, &n);
	for (size_t i = 0; rc == 0 && i < n_all && all[i].id > id; i++)   /* newest first */
		fold(&all[i], &v, &n);
	if (rc == 0)
		rc = targets_to_revert(ctx, db, v, n, out);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].version);
		free(v[i].reason);
	}
	free(v);
	qtm_history_free(one, one != NULL ? 1 : 0);
	qtm_history_free(all, n_all);
	return rc;
}

void
qtm_history_revert_clear(struct qtm_history_revert *r)
{
	strv_free(r->removes);
	strv_free(r->installs);
	strv_free(r->reasons);
	memset(r, 0, sizeof *r);
}
