/* pool-internal.h - the insides of a struct qtm_pool, for libqtm's own files (the pool, the
 * solver, pins, the .solv cache, the dependency walk and the queries); front ends see only pool.h
 * and query.h.
 *
 * Queues passed in are the caller's (queue_init before, queue_free after). */
#ifndef QTM_POOL_INTERNAL_H
#define QTM_POOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "pool.h"
#include "release.h"

/* The older versions of one split source, loaded on demand (qtm_pool_load_older). */
struct qtm_pool_deferred {
	Repo *repo;                  /* the source's repo, the pool's */
	char *dir;                   /* its cache directory, owned */
	struct qtm_release rel;      /* its current release, owned */
};

_Static_assert(sizeof(Id) == sizeof(qtm_pkg_id), "qtm_pkg_id holds a libsolv Id");

struct qtm_pool {
	struct qtm_ctx *ctx;
	Pool *pool;
	Repo *system;        /* installed packages and qtm-runtime */
	Id runtime;          /* the qtm-runtime solvable, or 0 when not probed */
	Id key_manifest;     /* "qtm:manifest": the package's index entry, JSON text */
	Queue held;          /* installed packages on hold */
	Queue autos;         /* installed packages installed as dependencies (reason "auto") */
	struct qtm_pin *pins;/* pins.d (see pin.h), owned */
	size_t n_pins;
	bool keep;           /* installs go beside installed versions (install --keep) */
	double load_s;       /* time spent loading the source repos */
	bool from_cache;     /* every source came from its .solv cache */
	struct qtm_pool_deferred *deferred; /* older versions not loaded yet (QTM_POOL_NEWEST), owned */
	size_t n_deferred;
};

/* An empty pool (no repo yet), owned by the caller: qtm_pool_free(). */
struct qtm_pool *qtm_pool_new(struct qtm_ctx *ctx);
/* Validates and adds every package of index_path (an index.json.gz; errors call it origin) to repo. */
int qtm_pool_add_index(struct qtm_pool *p, Repo *repo, const char *index_path, const char *origin);
/* Validates and adds every entry of packages (an index's package array, the caller's) to repo. */
int qtm_pool_add_packages(struct qtm_pool *p, Repo *repo, const cJSON *packages, const char *origin);
/* Whether the older versions a QTM_POOL_NEWEST pool left out could change the choice of a
 * version of name: several sources carry it and one of them holds older versions of it back
 * (an older version of one source can beat another source's newest, by priority or version). */
bool qtm_pool_older_may_matter(struct qtm_pool *p, const char *name);
/* Frees p->deferred (what qtm_pool_load_older would have loaded). */
void qtm_pool_deferred_free(struct qtm_pool *p);
/* Adds the installed packages of db to @System, noting those on hold. */
int qtm_pool_add_installed(struct qtm_pool *p, struct qtm_db *db);
/* Probes the runtime and adds its capabilities to @System. */
int qtm_pool_probe_runtime(struct qtm_pool *p);

/* Makes the pinned-out solvables uninstallable for the solver (pool->considered) until
 * qtm_pool_pins_release(); does nothing without pins. */
void qtm_pool_pins_apply(struct qtm_pool *p);
/* Whether a pin keeps out a package the pool holds (works on an unfinished pool too). */
bool qtm_pool_pins_exclude_any(struct qtm_pool *p);
void qtm_pool_pins_release(struct qtm_pool *p);

/* Converts a parsed requirement into a libsolv dependency Id. */
Id qtm_pool_dep(struct qtm_pool *p, const struct qtm_dep *dep);
/* Whether q holds id. */
bool qtm_queue_has(const Queue *q, Id id);
/* All solvables whose name is exactly name (any repo), newest first. */
void qtm_pool_by_name(struct qtm_pool *p, const char *name, Queue *out);

#endif
