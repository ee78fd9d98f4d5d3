/* repo-serve.h - a static file server for repositories (qtm-repo serve): GET and HEAD, single
 * Range requests (206/416), content types by extension, nothing outside the directory, a total
 * deadline for each request's headers, a cap on connections per client address, 400 for
 * ambiguous framing.
 * libmicrohttpd does the HTTP.
 *
 * The returned server is owned by the caller: qtm_serve_stop(). */
#ifndef QTM_REPO_SERVE_H
#define QTM_REPO_SERVE_H

#include <stdint.h>

struct qtm_ctx;
struct qtm_http_limits;
struct qtm_server;

/* Starts serving dir on addr:port (port 0: any free port; the chosen one is in *bound), in a
 * thread of its own, with the deadlines and per-address cap of limits (http-guard.h; copied). */
int qtm_serve_start(struct qtm_ctx *ctx, const char *dir, const char *addr, uint16_t port,
    const struct qtm_http_limits *limits, struct qtm_server **out, uint16_t *bound);
void qtm_serve_stop(struct qtm_server *srv);

#endif
