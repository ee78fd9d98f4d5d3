/* history.h - the transaction history: every qtm run that changes something is one
 * transaction, and each package it installed, upgraded, rebuilt or removed is one item, recorded
 * in the same SQLite transaction as the change itself (so the history never disagrees with
 * what is installed).
 *
 * Arrays and strings returned are owned by the caller: qtm_history_free(). */
#ifndef QTM_HISTORY_H
#define QTM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qtm_ctx;
struct qtm_db;

struct qtm_history_item {
	int seq;
	char *action;        /* install, upgrade, downgrade, reinstall, remove */
	char *name, *kind;
	char *old_version, *new_version;     /* NULL for an install / a remove */
	char *old_build_id, *new_build_id;
	char *reason;        /* install reason of the new state */
	char *replaces;      /* an install: the package of another name whose place it took, or NULL */
};

struct qtm_history_tx {
	int64_t id;
	int64_t started_at, finished_at;
	char *command;
	char *state;         /* running, done, failed, interrupted */
	char *message;       /* why it failed, or NULL */
	int64_t pid;
	struct qtm_history_item *items;
	size_t n_items;
};

int qtm_history_begin(struct qtm_ctx *ctx, struct qtm_db *db, const char *command, int64_t *id);
/* Records a done item; call inside the caller's SQL transaction (qtm_db_begin). */
int qtm_history_add(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id,
    const struct qtm_history_item *item);
int qtm_history_finish(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, const char *state,
    const char *message);
/* Marks transactions left "running" by a process that no longer exists as "interrupted". */
int qtm_history_recover(struct qtm_ctx *ctx, struct qtm_db *db);
/* All transactions, newest first, with their items. */
int qtm_history_list(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_history_tx **out, size_t *n);
/* One transaction: 0, or -ENOENT with ctx's error set. */
int qtm_history_get(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, struct qtm_history_tx **out);
void qtm_history_free(struct qtm_history_tx *v, size_t n);

/* What it takes to undo transaction id (rollback: every transaction after id, returning to the
 * state right after it): the packages to remove, and the "NAME=VERSION" specs to install with
 * the install reason each had.  All vectors NULL-terminated and owned by the caller (strv_free);
 * reasons[i] belongs to installs[i]. */
struct qtm_history_revert {
	char **removes;
	char **installs;
	char **reasons;
};
int qtm_history_revert(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, bool rollback,
    struct qtm_history_revert *out);
void qtm_history_revert_clear(struct qtm_history_revert *r);

#endif
