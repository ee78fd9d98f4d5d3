/* hive-server.h - the hive daemon's core: the HTTP API of doc/hive-protocol.md over
 * libmicrohttpd, the queue (hive-db.h), the scheduler (hive-sched.h) and the executor
 * (hive-executor.h).  Everything runs in the caller's thread: qtm_hive_server_run() polls the
 * connections (epoll) and, once a second, expires leases and ticks the executor, so all
 * database access is single-threaded.
 *
 * The server is owned by the caller (qtm_hive_server_free); it keeps a pointer to conf and
 * ctx, which must outlive it. */
#ifndef QTM_HIVE_SERVER_H
#define QTM_HIVE_SERVER_H

#include <signal.h>

struct qtm_ctx;
struct qtm_hive_conf;
struct qtm_hive_server;

/* Opens STATE/hive.db, makes the tokens when missing, listens, writes STATE/url and starts
 * the executor. */
int qtm_hive_server_start(struct qtm_ctx *ctx, struct qtm_hive_conf *conf, struct qtm_hive_server **out);
/* "http://ADDR:PORT" (owned by the server). */
const char *qtm_hive_server_url(const struct qtm_hive_server *srv);
/* What the signal handlers ask of the loop.  stop: drain (claims refused, running jobs given
 * drain_timeout_s to finish, then their local runners stopped and the jobs requeued);
 * stop_now: the same without the wait; reload: qtm_hive_server_reload() (then reset). */
struct qtm_hive_signals {
	volatile sig_atomic_t stop, stop_now, reload;
};
/* Serves until asked to stop and, when draining, until no job runs or the drain times out. */
int qtm_hive_server_run(struct qtm_hive_server *srv, struct qtm_hive_signals *sig);
/* Re-reads STATE/hive.conf (with the command line's settings over it) and applies it: scaling
 * limits, allow and deny lists, sources, executor and request settings.  A file that does not
 * parse, or that changes the executor, the listen address or the token file, is refused with
 * the reason on ctx and the running configuration stays. */
int qtm_hive_server_reload(struct qtm_hive_server *srv);
/* Stops the executor's runners, closes connections and the database, removes STATE/url. */
void qtm_hive_server_free(struct qtm_hive_server *srv);

#endif
