/* http-guard.c - total deadlines for headers and bodies, and unambiguous framing, for the
 * libmicrohttpd servers (see http-guard.h for the design). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "clock.h"
#include "http-guard.h"
#include "i18n.h"
#include "xalloc.h"

struct guarded {
	struct guarded *prev, *next;
	struct qtm_http_guard *guard;
	int fd;
	double deadline;        /* monotonic seconds; 0: none */
	bool shut;
};

struct qtm_http_guard {
	struct qtm_http_limits limits;
	struct guarded *head;
	double swept;           /* when the last sweep ran */
	double log_since;       /* the current minute of qtm_http_guard_log */
	unsigned long logged, left_out;
};

struct qtm_http_guard *
qtm_http_guard_new(const struct qtm_http_limits *limits)
{
	struct qtm_http_guard *g = xcalloc(1, sizeof *g);

	g->limits = *limits;
	return g;
}

void
qtm_http_guard_free(struct qtm_http_guard *g)
{
	/* The daemon, stopped first, reported every connection closed: the list is empty. */
	free(g);
}

static void
unlink_guarded(struct guarded *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		e->guard->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
}

void
qtm_http_guard_notify(void *guard, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct qtm_http_guard *g = guard;
	struct guarded *e = *socket_context;
	const union MHD_ConnectionInfo *fd;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (e != NULL) {
			unlink_guarded(e);
			free(e);
			*socket_context = NULL;
		}
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	e = xcalloc(1, sizeof *e);
	e->guard = g;
	e->fd = fd != NULL ? fd->connect_fd : -1;
	e->deadline = qtm_mono_s() + g->limits.header_timeout_s;
	e->next = g->head;
	if (g->head != NULL)
		g->head->prev = e;
	g->head = e;
	*socket_context = e;
}

static struct guarded *
guarded_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i != NULL ? i->socket_context : NULL;
}

void
qtm_http_guard_body(struct MHD_Connection *c, unsigned int timeout_s)
{
	struct guarded *e = guarded_of(c);

	if (e != NULL)
		e->deadline = qtm_mono_s() + (timeout_s > 0 ? timeout_s : e->guard->limits.body_timeout_s);
}

void
qtm_http_guard_replied(struct MHD_Connection *c)
{
	struct guarded *e = guarded_of(c);

	if (e != NULL)
		e->deadline = 0;
}

void
qtm_http_guard_done(struct MHD_Connection *c)
{
	struct guarded *e = guarded_of(c);

	if (e != NULL)
		e->deadline = qtm_mono_s() + e->guard->limits.header_timeout_s;
}

void
qtm_http_guard_sweep(struct qtm_http_guard *g)
{
	double now = qtm_mono_s();

	/* The loop may call in after every event: a sweep every 100 ms is enough. */
	if (now - g->swept < 0.1)
		return;
	g->swept = now;
	for (struct guarded *e = g->head; e != NULL; e = e->next)
		if (!e->shut && e->deadline > 0 && now >= e->deadline && e->fd >= 0) {
			/* Not close(): the descriptor stays libmicrohttpd's, which reads the end of the
			 * stream and closes it, so its number cannot be reused under it. */
			shutdown(e->fd, SHUT_RDWR);
			e->shut = true;
		}
}

#define LOG_PER_MINUTE 10

void
qtm_http_guard_log(void *guard, const char *fmt, va_list ap)
{
	struct qtm_http_guard *g = guard;
	double now = qtm_mono_s();

	if (now - g->log_since >= 60) {
		if (g->left_out > 0)
			fprintf(stderr, _("(%lu more messages of the HTTP server left out)\n"), g->left_out);
		g->log_since = now;
		g->logged = g->left_out = 0;
	}
	if (g->logged++ < LOG_PER_MINUTE)
		vfprintf(stderr, fmt, ap);
	else
		g->left_out++;
}

struct framing {
	const char *length;     /* the first Content-Length value */
	int encodings;          /* Transfer-Encoding headers */
	const char *why;
};

static enum MHD_Result
framing_header(void *arg, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = arg;

	(void)kind;
	if (value == NULL)
		value = "";
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (f->length != NULL && strcmp(f->length, value) != 0)
			f->why = N_("two different Content-Length headers");
		f->length = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		if (++f->encodings > 1 || strcasecmp(value, "chunked") != 0)
			f->why = N_("a Transfer-Encoding other than a single \"chunked\"");
	}
	return MHD_YES;
}

bool
qtm_http_framing_ok(struct MHD_Connection *c, const char **why)
{
	struct framing f = { 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
	if (f.why == NULL && f.length != NULL && f.encodings > 0)
		f.why = N_("both Content-Length and Transfer-Encoding");
	*why = f.why;
	return f.why == NULL;
}

enum MHD_Result
qtm_http_reply_bad_framing(struct MHD_Connection *c, const char *type, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, r);
	MHD_destroy_response(r);
	return ret;
}
