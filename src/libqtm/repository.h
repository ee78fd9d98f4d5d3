/* repository.h - the repository format of qtm-repository(5): release.json, index.json.gz,
 * pool/ (module sources) and datasets/ (dataset files); building one from module folders.
 *
 * release.json itself is release.h. */
#ifndef QTM_REPOSITORY_H
#define QTM_REPOSITORY_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "manifest.h"
#include "release.h"

struct qtm_ctx;

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
