/* db.h - the local database (SQLite, WAL): installed packages, their files and requirements,
 * and the record of trainings.
 *
 * A struct qtm_db is opened with qtm_db_open() and closed with qtm_db_close().  Every
 * struct qtm_installed / qtm_training returned is owned by the caller: free one with
 * qtm_installed_free() / an array with qtm_installed_free_all(), and so on. */
#ifndef QTM_DB_H
#define QTM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qtm_ctx;
struct qtm_filelist;
struct qtm_db;

struct qtm_installed {
	int64_t id;
	char *name, *version, *kind;
	char *build_id;      /* models only, else NULL */
	char *reason;        /* "manual" or "auto" */
	char *source;        /* repository source it came from */
	char *store_path;    /* absolute directory holding its files */
	char *manifest;      /* the index entry, JSON text */
	char *metrics;       /* JSON object text, or NULL */
	char *params;        /* the train params used (models), JSON object text, or NULL */
	char *origin;        /* models: "trained", "cache" or "repository" (pre-trained); else NULL */
	int64_t installed_at;
	bool held;           /* kept at this version: not upgraded, not removed */
	bool is_default;     /* the version used when the name alone is given (several may be installed) */
	char **requires;     /* NULL-terminated */
};

struct qtm_training {
	int64_t id;
	char *name, *version, *build_id, *state, *log_path, *message, *limits;
	int64_t pid, started_at, finished_at;
	double wall_s;
};

/* Opens (creating when writable) state_dir/qtm.db.  A read-only open of a missing database gives
 * an empty one in memory, so queries on a fresh root answer "nothing installed". */
int qtm_db_open(struct qtm_ctx *ctx, bool writable, struct qtm_db **out);
void qtm_db_close(struct qtm_db *db);
/* Copies the database to qtm.db.bak (after a successful transaction): what a damaged database's
 * error message tells the user to restore. */
int qtm_db_backup(struct qtm_ctx *ctx, struct qtm_db *db);

int qtm_db_begin(struct qtm_ctx *ctx, struct qtm_db *db);
int qtm_db_commit(struct qtm_ctx *ctx, struct qtm_db *db);
void qtm_db_rollback(struct qtm_db *db);

/* All installed packages sorted by name. */
int qtm_db_list(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed **out, size_t *n);

/* One installed package as `qtm list` shows it.  The strings belong to the database and are only
 * valid during the callback; summary is "" when the manifest has none. */
struct qtm_listed {
	const char *name, *version, *kind, *reason, *source, *summary;
};
/* Calls fn for each installed package, sorted by name and version, from one consistent read that
 * leaves out manifests, files and requirements (what `qtm list --installed` needs, fast).
 * Returns 0, fn's first non-zero return (which stops the walk), or a negative code with the
 * error set on ctx. */
int qtm_db_each_listed(struct qtm_ctx *ctx, struct qtm_db *db,
    int (*fn)(const struct qtm_listed *row, void *arg), void *arg);
/* One package, its default version: 0 and *out set, or -ENOENT (without setting an error). */
int qtm_db_get(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, struct qtm_installed **out);
/* One installed version of a package: 0 and *out set, or -ENOENT (without setting an error). */
int qtm_db_get_version(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version,
    struct qtm_installed **out);
int qtm_db_files(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, struct qtm_filelist *out);
/* Inserts a package with its files and requirements, replacing every installed version of the
 * name, or with keep only the same version (side by side; the first version is the default);
 * sets pkg->id and pkg->is_default. */
int qtm_db_put(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_installed *pkg,
    const struct qtm_filelist *files, bool keep);
/* Deletes every version of a name / one version (then the newest remaining is the default). */
int qtm_db_delete(struct qtm_ctx *ctx, struct qtm_db *db, const char *name);
int qtm_db_delete_version(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version);
int qtm_db_set_default(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *version);
int qtm_db_set_reason(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, const char *reason);
int qtm_db_set_held(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, bool held);

/* Store directories in flux: a path is recorded before a directory is renamed into place and
 * when its row is deleted, and cleared once the row commits or the directory is gone, so that
 * every store directory is always claimed by a package row or by this list (recovery removes
 * the unclaimed ones).  Join the caller's SQL transaction when there is one. */
int qtm_db_pending_add(struct qtm_ctx *ctx, struct qtm_db *db, const char *path);
int qtm_db_pending_remove(struct qtm_ctx *ctx, struct qtm_db *db, const char *path);
int qtm_db_pending_list(struct qtm_ctx *ctx, struct qtm_db *db, char ***paths);

int qtm_db_training_start(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    const char *version, const char *build_id, const char *log_path, int64_t *id);
int qtm_db_training_finish(struct qtm_ctx *ctx, struct qtm_db *db, int64_t id, const char *state,
    const char *message, const char *limits, double wall_s);
/* The newest trainings first, at most limit. */
int qtm_db_trainings(struct qtm_ctx *ctx, struct qtm_db *db, int limit, struct qtm_training **out,
    size_t *n);

/* A model's training curve, JSON text [[step, loss], ...] (db-curve.c): set on the row just put;
 * read as *json owned by the caller, NULL when none was recorded. */
int qtm_db_set_curve(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, const char *json);
int qtm_db_get_curve(struct qtm_ctx *ctx, struct qtm_db *db, int64_t package_id, char **json);

void qtm_installed_free(struct qtm_installed *pkg);
void qtm_installed_clear(struct qtm_installed *pkg);   /* frees the strings, not pkg */
void qtm_installed_free_all(struct qtm_installed *v, size_t n);
void qtm_training_free_all(struct qtm_training *v, size_t n);

#endif
