/* store.h - the store: state_dir/store/NAME/VERSION directories, filled in a staging directory
 * and renamed into place, so that a package directory is either complete or absent.  The
 * database commit comes after the rename; recovery removes what no database row claims.
 *
 * Returned strings are owned by the caller. */
#ifndef QTM_STORE_H
#define QTM_STORE_H

struct qtm_ctx;
struct qtm_db;

char *qtm_store_dir(const struct qtm_ctx *ctx, const char *name, const char *version);
/* A fresh, empty staging directory under the store (same file system as the target). */
int qtm_store_staging(struct qtm_ctx *ctx, const char *name, char **out);
/* Renames staging to NAME/VERSION, moving any previous directory aside first; the old one (now
 * garbage) is removed.  On failure the staging directory is removed. */
int qtm_store_commit(struct qtm_ctx *ctx, const char *staging, const char *name, const char *version);
/* Removes a package directory (after its database row is gone). */
int qtm_store_remove(struct qtm_ctx *ctx, const char *name, const char *version);
/* Removes leftovers of an interrupted run: staging and trash directories, and package
 * directories no database row claims.  Reports what it removed with -v. */
int qtm_store_recover(struct qtm_ctx *ctx, struct qtm_db *db);

#endif
