/* lock.h - one writer at a time: an open-file-description lock on state_dir/lock.
 * The kernel drops the lock when its holder dies, so a dead process never blocks anyone;
 * readers never take it (SQLite's WAL keeps their view consistent).
 *
 * A struct qtm_lock is owned by the caller and released with qtm_lock_release(). */
#ifndef QTM_LOCK_H
#define QTM_LOCK_H

struct qtm_ctx;
struct qtm_lock;

/* Waits according to ctx->wait_s (0: fail at once naming the holder; -1: forever). */
int qtm_lock_acquire(struct qtm_ctx *ctx, struct qtm_lock **out);
/* The same lock on another file (created if need be): qtm-repo's publishers lock DIR/.qtm-repo.lock. */
int qtm_lock_acquire_file(struct qtm_ctx *ctx, const char *path, struct qtm_lock **out);
void qtm_lock_release(struct qtm_lock *lock);

#endif
