/* repo-serve.c - serving a repository directory over HTTP with libmicrohttpd. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ctx.h"
#include "http-guard.h"
#include "i18n.h"
#include "repo-serve.h"
#include "xalloc.h"

/* One thread of ours runs the daemon (external epoll mode), so that the guard's sweep runs on
 * the same thread as the connections it watches. */
struct qtm_server {
	struct MHD_Daemon *daemon;
	struct qtm_http_guard *guard;
	pthread_t thread;
	atomic_bool stopping;
	int dir_fd;
	bool verbose;
};

static const char *
content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".json", "application/json" }, { ".sig", "application/json" },
		{ ".gz", "application/gzip" }, { ".zst", "application/zstd" },
		{ ".txt", "text/plain; charset=utf-8" }, { ".html", "text/html; charset=utf-8" },
		{ ".pub", "application/x-pem-file" }, { ".png", "image/png" },
	};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i].ext);

		if (n >= e && strcmp(path + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* A request path is served only when it is plainly inside the directory. */
static bool
path_ok(const char *url)
{
	return url[0] == '/' && url[1] != '\0' && strstr(url, "..") == NULL && strstr(url, "//") == NULL &&
	    strchr(url, '%') == NULL && strchr(url, '\\') == NULL;
}

static enum MHD_Result
reply_status(struct MHD_Connection *conn, unsigned int status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Parses "bytes=START-" or "bytes=START-END"; false when it is not a single satisfiable range. */
static bool
parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
	char *p;

	if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return false;
	*start = strtoull(h + 6, &p, 10);
	if (*p != '-' || p == h + 6)
		return false;
	*end = p[1] != '\0' ? strtoull(p + 1, NULL, 10) : size - 1;
	if (*end >= size)
		*end = size - 1;
	return *start < size && *start <= *end;
}

static enum MHD_Result
serve_file(struct qtm_server *srv, struct MHD_Connection *conn, const char *url)
{
	int fd = openat(srv->dir_fd, url + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	const char *range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	uint64_t start = 0, end = 0;
	struct MHD_Response *r;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	struct stat st;
	char buf[96];

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return reply_status(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	if (range != NULL && !parse_range(range, (uint64_t)st.st_size, &start, &end)) {
		close(fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		snprintf(buf, sizeof buf, "bytes */%" PRIu64, (uint64_t)st.st_size);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
		ret = MHD_queue_response(conn, MHD_HTTP_RANGE_NOT_SATISFIABLE, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (range == NULL)
		end = st.st_size > 0 ? (uint64_t)st.st_size - 1 : 0;
	r = MHD_create_response_from_fd_at_offset64(st.st_size > 0 ? end - start + 1 : 0, fd, start);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(url));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	if (range != NULL) {
		snprintf(buf, sizeof buf, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, start, end, (uint64_t)st.st_size);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
		status = MHD_HTTP_PARTIAL_CONTENT;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *arg, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct qtm_server *srv = arg;
	const char *why;

	if (*state == NULL) {
		/* The first call: the headers are in.  The reply comes with the last one, once any
		 * body (not wanted, dropped) is read. */
		*state = srv;
		if (!qtm_http_framing_ok(conn, &why)) {
			char *text = xasprintf(_("ambiguous request framing: %s\n"), _(why));
			enum MHD_Result r = qtm_http_reply_bad_framing(conn, "text/plain; charset=utf-8", text);

			free(text);
			return r;
		}
		qtm_http_guard_body(conn, 0);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	qtm_http_guard_replied(conn);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_status(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (srv->verbose)
		fprintf(stderr, "%s %s\n", method, url);
	if (!path_ok(url))
		return reply_status(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	return serve_file(srv, conn, url);
}

static void
on_completed(void *arg, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode code)
{
	qtm_http_guard_done(conn);
	*state = NULL;
}

static void *
serve_loop(void *arg)
{
	struct qtm_server *srv = arg;

	while (!atomic_load(&srv->stopping)) {
		MHD_run_wait(srv->daemon, 100);
		qtm_http_guard_sweep(srv->guard);
	}
	return NULL;
}

static void
serve_free(struct qtm_server *srv)
{
	if (srv->daemon != NULL)
		MHD_stop_daemon(srv->daemon);
	qtm_http_guard_free(srv->guard);
	close(srv->dir_fd);
	free(srv);
}

int
qtm_serve_start(struct qtm_ctx *ctx, const char *dir, const char *addr, uint16_t port,
    const struct qtm_http_limits *limits, struct qtm_server **out, uint16_t *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct qtm_server *srv;
	const union MHD_DaemonInfo *info;
	int e;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return qtm_error(ctx, -EINVAL, _("%s is not an IPv4 address"), addr);
	srv = xcalloc(1, sizeof *srv);
	srv->verbose = ctx->verbosity >= QTM_VERBOSE;
	if ((srv->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		e = errno;
		free(srv);
		return qtm_error(ctx, -e, _("cannot open %s: %s"), dir, strerror(e));
	}
	srv->guard = qtm_http_guard_new(limits);
	srv->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO, port, NULL, NULL,
	    on_request, srv, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_CONNECTION_LIMIT, 4000u,
	    MHD_OPTION_NOTIFY_CONNECTION, qtm_http_guard_notify, srv->guard,
	    MHD_OPTION_EXTERNAL_LOGGER, qtm_http_guard_log, srv->guard, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, srv, MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->max_per_ip, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		serve_free(srv);
		return qtm_error(ctx, -EADDRINUSE, _("cannot listen on %s:%u (in use, or not allowed)"), addr, port);
	}
	if ((e = pthread_create(&srv->thread, NULL, serve_loop, srv)) != 0) {
		serve_free(srv);
		return qtm_error(ctx, -e, _("cannot start the server thread: %s"), strerror(e));
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info != NULL ? info->port : port;
	*out = srv;
	return 0;
}

void
qtm_serve_stop(struct qtm_server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&srv->stopping, true);
	pthread_join(srv->thread, NULL);
	serve_free(srv);
}
