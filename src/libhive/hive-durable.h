/* hive-durable.h - how the hive's artifacts stay consistent with its queue without an fsync per
 * upload (which caps a single-threaded daemon at a few hundred uploads a second).
 *
 * An artifact is written to a temporary file (or an unnamed spare, below) and renamed (linked)
 * into place before its row is committed, so a daemon that is killed never records a file it
 * lacks.  The disk is synced once a second by
 * a background thread (syncfs), the same window in which the queue's WAL (synchronous=NORMAL)
 * may lose its last commits on a power loss.  A clean stop syncs and leaves STATE/clean; a start
 * without it re-hashes every recorded artifact, drops those that do not match their sha256 and
 * puts their completed jobs back in the queue.
 *
 * The flusher is owned by the server: qtm_hive_flusher_stop() syncs one last time and closes
 * the spare files nobody took (which makes them vanish). */
#ifndef QTM_HIVE_DURABLE_H
#define QTM_HIVE_DURABLE_H

#include <stdbool.h>

struct qtm_ctx;
struct qtm_hive_db;
struct qtm_hive_flusher;

/* The thread also keeps unnamed empty files (O_TMPFILE) ready in dir: creating a file can cost
 * far more than writing a small one (250 us against 17 us on an ext4 without a journal, next to
 * many files deleted in the last minutes), and made ahead it costs the event loop nothing.
 * Unnamed, a spare leaves nothing behind when the daemon is killed.  Where O_TMPFILE is not
 * supported there are no spares. */
struct qtm_hive_flusher *qtm_hive_flusher_start(const char *dir);
/* A spare empty file (mode 0600), open for writing: its fd (the caller's to close), or -1 when
 * none is ready (the caller makes its own). */
int qtm_hive_spare_take(struct qtm_hive_flusher *f);
/* Gives the written spare fd its name, path (replacing a file there); 0 or -errno. */
int qtm_hive_spare_place(int fd, const char *path);
/* Something was written under dir: the next second's sync covers it. */
void qtm_hive_flusher_dirty(struct qtm_hive_flusher *f);
void qtm_hive_flusher_stop(struct qtm_hive_flusher *f);

/* At start: true (and STATE/clean removed) when the last stop was clean. */
bool qtm_hive_clean_stop_take(const char *state_dir);
/* At a clean stop, after the last sync. */
void qtm_hive_clean_stop_mark(const char *state_dir);
/* After an unclean stop: checks every recorded artifact under dir; *dropped counts the bad ones. */
int qtm_hive_artifacts_verify(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *dir, int *dropped);

#endif
