/* store.h - the store: state_dir/store/NAME/VERSION-TAG directories (TAG: the first 12 digits
 * of a model's build id or of a dataset's file hashes), filled in a staging directory and
 * renamed into place, so that a package directory is either complete or absent, and a rebuild
 * never overwrites the directory a committed database row points to.  The database commit comes
 * after the rename; recovery removes what no database row claims.
 *
 * Returned strings are owned by the caller. */
#ifndef QTM_STORE_H
#define QTM_STORE_H

struct qtm_ctx;
struct qtm_db;

/* tag may be NULL (then the directory is NAME/VERSION). */
char *qtm_store_dir(const struct qtm_ctx *ctx, const char *name, const char *version, const char *tag);
/* A fresh, empty staging directory under the store (same file system as the target). */
int qtm_store_staging(struct qtm_ctx *ctx, const char *name, char **out);
/* Records target as pending, then renames staging to target (from qtm_store_dir); an existing target is exchanged atomically
 * (renameat2 RENAME_EXCHANGE) and its old contents removed.  The staging directory is gone
 * afterwards, on success or failure. */
int qtm_store_commit(struct qtm_ctx *ctx, struct qtm_db *db, const char *staging, const char *target);
/* Removes a package directory (after its database row is gone and the path was recorded as
 * pending in the same SQL transaction), its NAME directory when empty, and the pending record. */
int qtm_store_remove(struct qtm_ctx *ctx, struct qtm_db *db, const char *path);
/* Removes leftovers of an interrupted run: staging and trash directories, and package
 * directories no database row claims.  Reports what it removed with -v. */
int qtm_store_recover(struct qtm_ctx *ctx, struct qtm_db *db);

#endif
