/* update.h - `qtm update`: fetch each source's release.json and index, verify the index against
 * the release (sha256 and size), validate it and write the .solv cache.
 *
 * The report array is owned by the caller (qtm_update_report_free). */
#ifndef QTM_UPDATE_H
#define QTM_UPDATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct qtm_ctx;
struct qtm_source;

struct qtm_update_result {
	char *source;
	long long version;    /* release version now cached (0 on failure) */
	bool changed;         /* a new index was fetched */
	unsigned pieces;      /* format 2: the pieces of the release, */
	unsigned pieces_fetched; /* how many of them this update fetched */
	uint64_t bytes_fetched;  /* and their size */
	char *error;          /* NULL on success */
};

/* Updates one source; result may be NULL. */
int qtm_update_source(struct qtm_ctx *ctx, const struct qtm_source *src,
    struct qtm_update_result *result);
/* Updates every configured source, going on after a failure; returns the first failure's code
 * (with its message set) after trying all of them. */
int qtm_update_all(struct qtm_ctx *ctx, struct qtm_update_result **results, size_t *n);
void qtm_update_results_free(struct qtm_update_result *v, size_t n);

#endif
