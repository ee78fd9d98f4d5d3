/* pool.h - the libsolv pool: one repo per source (loaded from its .solv cache when the cookie,
 * the index's sha256, matches; else from index.json.gz, rewriting the cache), plus @System
 * holding the installed packages and the probed runtime (solvable "qtm-runtime").
 *
 * A struct qtm_pool is owned by the caller: qtm_pool_free().  Solvables are referred to by Id,
 * never by pointer (pool growth moves them).  Strings returned by qtm_pool_* lookups belong to
 * the pool and live until it is freed. */
#ifndef QTM_POOL_H
#define QTM_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "manifest.h"

struct qtm_ctx;
struct qtm_db;
struct qtm_pin;
struct qtm_runtime;

struct qtm_pool {
	struct qtm_ctx *ctx;
	Pool *pool;
	Repo *system;        /* installed packages and qtm-runtime */
	Id runtime;          /* the qtm-runtime solvable, or 0 when not probed */
	Id key_manifest;     /* "qtm:manifest": the package's index entry, JSON text */
	Queue held;          /* installed packages on hold */
	struct qtm_pin *pins;/* pins.d (see pin.h), owned */
	size_t n_pins;
	bool keep;           /* installs go beside installed versions (install --keep) */
	double load_s;       /* time spent loading the source repos */
	bool from_cache;     /* every source came from its .solv cache */
};

enum {
	QTM_POOL_SOURCES = 1 << 0,   /* load the configured sources (updating never-fetched ones) and pins */
	QTM_POOL_INSTALLED = 1 << 1, /* load the installed packages from db */
	QTM_POOL_RUNTIME = 1 << 2,   /* probe the runtime and add its capabilities */
};

int qtm_pool_open(struct qtm_ctx *ctx, struct qtm_db *db, unsigned flags, struct qtm_pool **out);
void qtm_pool_free(struct qtm_pool *p);

/* Loads index_path (index.json.gz of source `name`, whose sha256 is `cookie`; errors call it
 * origin) and writes its .solv cache to solv_path.  Used by update; also validates every
 * package in the index. */
int qtm_pool_cache_index(struct qtm_ctx *ctx, const char *name, const char *index_path,
    const char *origin, const char *cookie, const char *solv_path);

/* For tests and tools that build a pool by hand: qtm_pool_open(ctx, NULL, 0, &p), then any
 * number of the calls below, then qtm_pool_finish().  packages is an index's package array
 * (entries as in index.json.gz); with installed they go to @System instead of a new repo.
 * caps maps "runtime(...)" to a version string, replacing the probe. */
int qtm_pool_add_json(struct qtm_pool *p, const char *repo_name, const cJSON *packages, bool installed);
void qtm_pool_set_runtime(struct qtm_pool *p, const cJSON *caps);
void qtm_pool_finish(struct qtm_pool *p);

/* The index entry (JSON text) of a solvable. */
const char *qtm_pool_manifest_json(struct qtm_pool *p, Id id);
/* Parses the entry of a solvable into a manifest owned by the caller. */
int qtm_pool_manifest(struct qtm_pool *p, Id id, struct qtm_manifest **out);
bool qtm_pool_is_installed(struct qtm_pool *p, Id id);
/* Whether version `have` satisfies dep's constraint (Debian version order). */
bool qtm_pool_version_ok(struct qtm_pool *p, const char *have, const struct qtm_dep *dep);
/* Converts a parsed requirement into a libsolv dependency Id. */
Id qtm_pool_dep(struct qtm_pool *p, const struct qtm_dep *dep);
/* Whether q holds id. */
bool qtm_queue_has(const Queue *q, Id id);
/* All solvables whose name is exactly name (any repo), newest first; queue owned by the caller. */
void qtm_pool_by_name(struct qtm_pool *p, const char *name, Queue *out);

#endif
