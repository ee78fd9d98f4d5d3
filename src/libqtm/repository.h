/* repository.h - the repository format of qtm-repository(5): release.json, the index (format 1:
 * index.json.gz; format 2: index/SHA256.json.gz pieces), pool/ (module sources) and datasets/
 * (dataset files); building one from module folders.
 *
 * struct qtm_release is owned by the caller: qtm_release_clear() frees its strings and arrays. */
#ifndef QTM_REPOSITORY_H
#define QTM_REPOSITORY_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "manifest.h"

struct qtm_ctx;

#define QTM_RELEASE_MAX_BYTES (1 << 20)
#define QTM_INDEX_MAX_BYTES (1ULL << 32)
#define QTM_INDEX_MAX_BUCKETS 65536

/* One piece of a format 2 index: index/SHA256.json.gz, holding bucket's newest or older versions. */
struct qtm_release_piece {
	unsigned int bucket;
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
	/* format 2: the buckets (a power of two) and the pieces, each list sorted by bucket */
	unsigned int buckets;
	struct qtm_release_piece *newest, *older;
	size_t n_newest, n_older;
};

/* Parses release.json text, format 1 or 2; origin names it in errors. */
int qtm_release_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin,
    struct qtm_release *out);
void qtm_release_clear(struct qtm_release *r);

/* The package array of a parsed index (borrowed from index), checked to be an array. */
int qtm_index_packages(struct qtm_ctx *ctx, const cJSON *index, const char *origin,
    const cJSON **packages);

/* Packs the module folders of srcs (as qtm_repo_build reads them) into pack_dir's pool/ and
 * datasets/, appending each one's index entry to packages; two folders of one NAME=VERSION are
 * an error naming both. */
int qtm_repo_pack_sources(struct qtm_ctx *ctx, char *const *srcs, const char *pack_dir, cJSON *packages);

struct qtm_lock;
/* Takes dir/.qtm-repo.lock, the lock of its publishers (ctx->wait_s as qtm_lock_acquire()). */
int qtm_repo_lock(struct qtm_ctx *ctx, const char *dir, struct qtm_lock **out);
/* Signs dir/release.json with each private key file (keeping other keys' signatures already in
 * release.json.sig, replacing an older one by the same key). */
int qtm_repo_sign(struct qtm_ctx *ctx, const char *dir, char *const *key_files);

#endif
