/* repository.h - the repository format of qtm-repository(5): release.json, the index (format 1:
 * index.json.gz; format 2: index/SHA256.json.gz pieces), pool/ (module sources) and datasets/
 * (dataset files); building one from module folders.
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

/* Packs the module folders of srcs (as qtm_repo_build reads them) into pack_dir's pool/ and
 * datasets/, appending each one's index entry to packages; two folders of one NAME=VERSION are
 * an error naming both.  When folders is not NULL, each entry's module folder is pushed onto it
 * (a strv, in the order of packages, owned by the caller). */
int qtm_repo_pack_sources(struct qtm_ctx *ctx, char *const *srcs, const char *pack_dir, cJSON *packages,
    char ***folders);

struct qtm_lock;
/* Takes dir/.qtm-repo.lock, the lock of its publishers (ctx->wait_s as qtm_lock_acquire()). */
int qtm_repo_lock(struct qtm_ctx *ctx, const char *dir, struct qtm_lock **out);
/* Signs dir/release.json with each private key file (keeping other keys' signatures already in
 * release.json.sig, replacing an older one by the same key). */
int qtm_repo_sign(struct qtm_ctx *ctx, const char *dir, char *const *key_files);

#endif
