/* index-cache.h - the .solv cache of a source's index (index.json.gz): libsolv's own file
 * format, ending with the sha256 of the index it was made from (the cookie), so that a cache
 * is used only while that index is current.  Written by update and by a pool that finds it
 * stale; read by the pool. */
#ifndef QTM_INDEX_CACHE_H
#define QTM_INDEX_CACHE_H

#include <stdbool.h>

struct qtm_ctx;
struct s_Repo;

/* Loads index_path (index.json.gz of source `name`, whose sha256 is `cookie`; errors call it
 * origin) and writes its .solv cache to solv_path, replacing it whole.  Also validates every
 * package in the index. */
int qtm_index_cache_write(struct qtm_ctx *ctx, const char *name, const char *index_path,
    const char *origin, const char *cookie, const char *solv_path);
/* Writes repo (internalized) to solv_path with cookie (64 hex digits), replacing it whole. */
int qtm_index_cache_write_repo(struct qtm_ctx *ctx, struct s_Repo *repo, const char *cookie,
    const char *solv_path);
/* Whether the cache solv_path ends with cookie and this version's magic (without loading it). */
bool qtm_index_cache_current(const char *solv_path, const char *cookie);
/* Adds the packages of the cache solv_path to repo (the caller's) when its cookie matches;
 * returns 1, adding nothing, when it does not, is missing or does not load. */
int qtm_index_cache_load(struct s_Repo *repo, const char *solv_path, const char *cookie);

#endif
