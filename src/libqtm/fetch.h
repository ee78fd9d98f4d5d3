/* fetch.h - downloads (http:// and https:// through libcurl, loaded on first use; file:// read
 * directly, file-url.h), several at once, verifying size and sha256 while the bytes stream in,
 * into dest.part, renamed to dest only when they match.
 *
 * Resume: with a sha256 given, a dest.part left by an interrupted download (a killed qtm, a cut
 * connection) is hashed and only the rest is requested (HTTP Range; file:// too).  A server that
 * ignores the range (200, not 206) or refuses it (416) gets the whole file again; a .part longer
 * than the expected size is discarded; resumed bytes that do not verify at the end are discarded
 * and the file is fetched once more from zero.  Without a sha256 (release.json) nothing is resumed.
 *
 * Retries: a transient error (connection refused, reset or cut short, a timeout, DNS failure,
 * HTTP 408, 429 or 5xx) is tried FETCH_ATTEMPTS times per URL, waiting 0.5 s, then 1 s, ...
 * (resuming from what arrived).
 *
 * Mirror failover: the next URL of req->mirrors is tried when the current one still fails after
 * its retries, answers HTTP 404 or another 4xx, fails for any other curl reason (e.g. a missing
 * file:// file), or delivers bytes that fail the size or sha256 check from zero.  A local error
 * (cannot create or write dest.part: a full disk) fails at once.
 *
 * All strings are the caller's and only read. */
#ifndef QTM_FETCH_H
#define QTM_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qtm_ctx;

struct qtm_fetch_req {
	const char *url;
	const char *const *mirrors;/* NULL-terminated alternatives to url, tried in order; may be NULL */
	const char *dest;          /* final path; bytes go to dest.part first; distinct per request */
	const char *sha256;        /* expected, or NULL (then no resume) */
	uint64_t size;             /* expected, or 0 when unknown */
	uint64_t max_size;         /* refuse anything bigger (0 = no limit) */
	bool size_declared;        /* size is known even when 0 (an empty file): nothing past it is taken */
	const char *label;         /* shown in progress and errors */
	bool quiet;                /* no progress display (small metadata files) */
	int result;                /* out: 0, the request's negative code, or -ECANCELED when it was
	                            * stopped (or never started) because another one failed */
};

/* Fetches n requests with at most parallel transfers at once (parallel <= 0: the configured
 * ctx->parallel_downloads).  Returns 0 when every file is in place, or the code of the first one
 * that failed for good, with its message (naming the file, the URL and the cause) on ctx.  At that
 * first failure every other transfer is stopped at once: files already in place stay, the others'
 * .part files stay too (resumable ones) so that the next attempt continues them. */
int qtm_fetch_many(struct qtm_ctx *ctx, struct qtm_fetch_req *reqs, size_t n, int parallel);

/* One request: qtm_fetch_many(ctx, copy of req, 1, 1). */
int qtm_fetch(struct qtm_ctx *ctx, const struct qtm_fetch_req *req);

/* Joins a repository base URL and a path from its index (absolute URLs are returned as they are).
 * The result is owned by the caller. */
char *qtm_url_join(const char *base, const char *path);
/* path joined to each of bases (NULL-terminated, may be NULL): a NULL-terminated vector owned by
 * the caller (strv_free), e.g. a file's URLs on a source's mirrors. */
char **qtm_url_join_all(char *const *bases, const char *path);

#endif
