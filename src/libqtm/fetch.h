/* fetch.h - downloads through libcurl (file://, http://, https://), verifying size and sha256
 * while the bytes stream in, into a temporary name that is renamed into place only when they match.
 *
 * All strings are the caller's and only read. */
#ifndef QTM_FETCH_H
#define QTM_FETCH_H

#include <stdbool.h>
#include <stdint.h>

struct qtm_ctx;

struct qtm_fetch_req {
	const char *url;
	const char *dest;          /* final path; bytes go to dest.part first */
	const char *sha256;        /* expected, or NULL */
	uint64_t size;             /* expected, or 0 when unknown */
	uint64_t max_size;         /* refuse anything bigger (0 = no limit) */
	const char *label;         /* shown in progress and errors */
	bool quiet;                /* no progress display (small metadata files) */
};

int qtm_fetch(struct qtm_ctx *ctx, const struct qtm_fetch_req *req);

/* Joins a repository base URL and a path from its index (absolute URLs are returned as they are).
 * The result is owned by the caller. */
char *qtm_url_join(const char *base, const char *path);

#endif
