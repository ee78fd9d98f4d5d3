/* release.h - release.json (qtm-repository(5)): format 1 names one index.json.gz, format 2 the
 * content-addressed pieces of an index split into buckets by name.
 *
 * struct qtm_release is owned by the caller: qtm_release_clear() frees its strings and arrays. */
#ifndef QTM_RELEASE_H
#define QTM_RELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

struct qtm_ctx;

#define QTM_RELEASE_MAX_BYTES (1 << 20)
#define QTM_INDEX_MAX_BYTES (1ULL << 32)
#define QTM_INDEX_MAX_BUCKETS 65536

/* One piece of a format 2 index: index/SHA256.json.gz, holding a bucket's newest versions or
 * its older ones. */
struct qtm_release_piece {
	uint32_t bucket;
	bool older;
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
};

struct qtm_release {
	int format;              /* 1 or 2 */
	char *name;
	long long version;
	char *expires;           /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
	/* format 1: the one index file */
	char *index_path;
	char index_sha256[QTM_SHA256_HEX];
	uint64_t index_size;
	/* format 2: buckets (a power of two) and the pieces, the n_newest newest ones first, each
	 * list sorted by bucket */
	uint32_t buckets;
	struct qtm_release_piece *pieces;
	size_t n_pieces, n_newest;
};

/* Parses release.json text; origin names it in errors. */
int qtm_release_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin,
    struct qtm_release *out);
void qtm_release_clear(struct qtm_release *r);

/* The bucket of a package name among buckets (a power of two): the first 4 bytes of
 * sha256(name), big-endian, modulo buckets. */
uint32_t qtm_release_bucket(const char *name, uint32_t buckets);
/* "index/SHA256.json.gz", the path of a piece relative to the repository base (caller frees). */
char *qtm_release_piece_path(const struct qtm_release_piece *piece);

#endif
