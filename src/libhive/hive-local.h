/* hive-local.h - the hive daemon on this machine, as hive-control runs it: its state directory
 * (tokens, hive.conf), starting qtm-hived in the background and waiting until it answers,
 * stopping it, and finding the sibling programs (qtm-hived, qtm-runner).
 *
 * Ownership: arguments are the caller's and only read; strings returned through out
 * parameters or as results are owned by the caller (free). */
#ifndef QTM_HIVE_LOCAL_H
#define QTM_HIVE_LOCAL_H

#include <stdbool.h>
#include <sys/types.h>

struct qtm_ctx;

/* Creates state_dir (0700) with operator.token and runner.token (0600, 32 random bytes as hex)
 * and a default hive.conf, keeping whatever already exists.  *created (may be NULL) says
 * whether anything was made. */
int qtm_hive_local_init(struct qtm_ctx *ctx, const char *state_dir, bool *created);

/* The path of a sibling program: next to the running executable, then the build tree's
 * src/NAME/NAME beside it (src/hive-control/../NAME/NAME), then $PATH.  NULL (with the error
 * set) when none is found. */
char *qtm_hive_find_program(struct qtm_ctx *ctx, const char *name);

/* The daemon's pid from state_dir/hived.pid when that process is alive and is qtm-hived,
 * else 0. */
pid_t qtm_hive_local_pid(const char *state_dir);

/* The running daemon's ADDR:PORT from state_dir/url ("http://127.0.0.1:9000" ->
 * "127.0.0.1:9000"), or NULL: a restart keeps its address (the daemon removes the file when
 * it stops). */
char *qtm_hive_local_listen(const char *state_dir);

struct qtm_hive_start_opts {
	const char *listen;          /* ADDR:PORT, or NULL: the running daemon's, else 127.0.0.1:9000 */
	const char *executor;        /* or NULL: hive.conf's */
	int timeout_s;               /* for /health to answer (default 10) */
};

/* Runs qtm-hived --state state_dir --listen ADDR:PORT in the background (its output in
 * state_dir/hived.log) and waits until GET /health answers; *url (owned by the caller) is
 * where it listens, *pid its process.  Already running: its URL and pid, and *already = true.
 * When it does not answer in time the error quotes the end of hived.log. */
int qtm_hive_local_start(struct qtm_ctx *ctx, const char *state_dir, const struct qtm_hive_start_opts *o,
    char **url, pid_t *pid, bool *already);

/* SIGTERM to the daemon (a drain; now: SIGQUIT, at once) and waits (up to timeout_s) until it
 * is gone; *was (may be NULL) is its pid, or 0 when it was not running (not an error). */
int qtm_hive_local_stop(struct qtm_ctx *ctx, const char *state_dir, int timeout_s, bool now, pid_t *was);

#endif
