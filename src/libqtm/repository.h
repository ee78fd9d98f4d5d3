/* repository.h - the repository format of qtm-repository(5): release.json, index.json.gz,
 * pool/ (module sources) and datasets/ (dataset files); building one from module folders.
 *
 * struct qtm_release is owned by the caller: qtm_release_clear() frees its strings. */
#ifndef QTM_REPOSITORY_H
#define QTM_REPOSITORY_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "manifest.h"

struct qtm_ctx;

#define QTM_RELEASE_MAX_BYTES (1 << 20)
#define QTM_INDEX_MAX_BYTES (1ULL << 32)

struct qtm_release {
	char *name;
	long long version;
	char *expires;           /* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
	char *index_path;
	char index_sha256[QTM_SHA256_HEX];
	uint64_t index_size;
};

/* Parses release.json text; origin names it in errors. */
int qtm_release_parse(struct qtm_ctx *ctx, const char *text, size_t len, const char *origin,
    struct qtm_release *out);
void qtm_release_clear(struct qtm_release *r);

/* The package array of a parsed index (borrowed from index), checked to be an array. */
int qtm_index_packages(struct qtm_ctx *ctx, const cJSON *index, const char *origin,
    const cJSON **packages);

struct qtm_repo_build_opts {
	const char *name;        /* repository name (default "local") */
	long long version;       /* release version; 0 = previous + 1 (or 1) */
	int valid_days;          /* expiry of the release (default 365) */
};

/* Builds a repository in out_dir from module folders: each of srcs is a folder holding a
 * module.json, or a folder of such folders. */
int qtm_repo_build(struct qtm_ctx *ctx, char *const *srcs, const char *out_dir,
    const struct qtm_repo_build_opts *opts);

/* Publishes a trained artifact (from a qtm artifact cache: BUILD_ID.tar.zst and, optionally,
 * BUILD_ID.metrics.json) for package name/version under its build id: copies it to
 * artifacts/, records it in the index and writes the next release (to be signed again). */
int qtm_repo_add_artifact(struct qtm_ctx *ctx, const char *dir, const char *name, const char *version,
    const char *build_id, const char *artifact, const char *metrics_path);
/* Signs dir/release.json with each private key file (keeping other keys' signatures already in
 * release.json.sig, replacing an older one by the same key). */
int qtm_repo_sign(struct qtm_ctx *ctx, const char *dir, char *const *key_files);

#endif
