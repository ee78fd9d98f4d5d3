/* http-guard.h - the limits both HTTP servers (qtm-hived, qtm-repo serve) put on a client:
 * a total deadline for a request's headers and one for its body, a cap on connections per
 * client address, and a refusal of ambiguous framing.
 *
 * libmicrohttpd's own timeout is an idle timeout that every byte resets, so a client trickling
 * bytes could hold a connection for ever.  The guard learns of every connection through
 * MHD_OPTION_NOTIFY_CONNECTION, gives each a deadline (headers from the moment it opens or its
 * last request ended, body from the moment the headers are in, none while a response is sent),
 * and qtm_http_guard_sweep(), called from the thread that runs the daemon, shuts down the
 * socket of each connection past its deadline: libmicrohttpd then sees the end of the stream and
 * closes the connection itself.  Everything runs on the daemon's thread: no locks.
 *
 * The guard is owned by the server that made it (qtm_http_guard_free(), after the daemon is
 * stopped); the per-connection records are its own, freed when libmicrohttpd reports the
 * connection closed. */
#ifndef QTM_HTTP_GUARD_H
#define QTM_HTTP_GUARD_H

#include <stdarg.h>
#include <stdbool.h>

#include <microhttpd.h>

struct qtm_http_limits {
	unsigned int header_timeout_s;   /* total time for a request's headers */
	unsigned int body_timeout_s;     /* total time for its body, once the headers are in */
	unsigned int max_per_ip;         /* open connections per client address (the caller gives it
	                                  * to MHD_OPTION_PER_IP_CONNECTION_LIMIT) */
};

#define QTM_HTTP_HEADER_TIMEOUT_S 30
#define QTM_HTTP_BODY_TIMEOUT_S 60
#define QTM_HTTP_MAX_PER_IP 256

struct qtm_http_guard;

struct qtm_http_guard *qtm_http_guard_new(const struct qtm_http_limits *limits);
void qtm_http_guard_free(struct qtm_http_guard *g);

/* For MHD_OPTION_NOTIFY_CONNECTION, with the guard as its closure. */
void qtm_http_guard_notify(void *guard, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code);

/* The headers are in: the body must arrive within timeout_s (0: the guard's body_timeout_s). */
void qtm_http_guard_body(struct MHD_Connection *c, unsigned int timeout_s);
/* The request is read and answered: no deadline while the response is sent. */
void qtm_http_guard_replied(struct MHD_Connection *c);
/* The request is over (MHD_OPTION_NOTIFY_COMPLETED): the next one's headers are awaited. */
void qtm_http_guard_done(struct MHD_Connection *c);

/* For MHD_OPTION_EXTERNAL_LOGGER, with the guard as its closure: libmicrohttpd's messages on
 * standard error, at most 10 a minute, and with the first one after that the count of those left
 * out (each connection refused over a limit is one message: a flood of them would fill the
 * log). */
void qtm_http_guard_log(void *guard, const char *fmt, va_list ap);

/* Shuts down the connections past their deadline; does nothing if called again within 100 ms. */
void qtm_http_guard_sweep(struct qtm_http_guard *g);

/* Whether the request's framing is unambiguous: no Transfer-Encoding other than "chunked", not
 * both Transfer-Encoding and Content-Length, no two differing Content-Length values.  When it
 * is not, *why names the cause (a static string marked N_(): pass it through _()). */
bool qtm_http_framing_ok(struct MHD_Connection *c, const char **why);

/* Queues a 400 reply of text (copied) with "Connection: close": after ambiguous
 * framing the rest of the stream cannot be trusted to hold a next request. */
enum MHD_Result qtm_http_reply_bad_framing(struct MHD_Connection *c, const char *type, const char *text);

#endif
