/* pool.h - the package pool: one repo per source (loaded from its .solv cache when the cookie,
 * the index's sha256, matches; else from index.json.gz, rewriting the cache), plus @System
 * holding the installed packages and the probed runtime (package "qtm-runtime").
 *
 * A struct qtm_pool is opaque (its insides are pool-internal.h, for libqtm's own files) and
 * owned by the caller: qtm_pool_free().  Packages are referred to by number (qtm_pkg_id), never
 * by pointer.  Strings returned by qtm_pool_* lookups belong to the pool and live until it is
 * freed.  The questions front ends ask of a pool are in query.h. */
#ifndef QTM_POOL_H
#define QTM_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

struct qtm_ctx;
struct qtm_db;
struct qtm_pin;
struct qtm_runtime;

struct qtm_pool;

/* A package of a pool, by number (libsolv's solvable Id); 0 is none.  Valid while the pool lives. */
typedef int qtm_pkg_id;

enum {
	QTM_POOL_SOURCES = 1 << 0,   /* load the configured sources (updating never-fetched ones) and pins */
	QTM_POOL_INSTALLED = 1 << 1, /* load the installed packages from db */
	QTM_POOL_RUNTIME = 1 << 2,   /* probe the runtime and add its capabilities */
	QTM_POOL_NEWEST = 1 << 3,    /* of split (format 2) sources only the newest version of each
	                              * name, until qtm_pool_load_older() */
};

int qtm_pool_open(struct qtm_ctx *ctx, struct qtm_db *db, unsigned flags, struct qtm_pool **out);
void qtm_pool_free(struct qtm_pool *p);

/* For tests and tools that build a pool by hand: qtm_pool_open(ctx, NULL, 0, &p), then any
 * number of the calls below, then qtm_pool_finish().  packages is an index's package array
 * (entries as in index.json.gz); with installed they go to @System instead of a new repo.
 * caps maps "runtime(...)" to a version string, replacing the probe. */
int qtm_pool_add_json(struct qtm_pool *p, const char *repo_name, const cJSON *packages, bool installed);
void qtm_pool_set_runtime(struct qtm_pool *p, const cJSON *caps);
void qtm_pool_finish(struct qtm_pool *p);

/* Gives the source repo_name a priority (source.h: the highest offering a package wins). */
void qtm_pool_set_priority(struct qtm_pool *p, const char *repo_name, int priority);
/* Marks the installed packages named name as installed as dependencies (reason "auto"), as
 * the database says for the pools qtm_pool_open() loads: for pools built by hand. */
void qtm_pool_mark_auto(struct qtm_pool *p, const char *name);
/* The same for holds (qtm hold). */
void qtm_pool_mark_held(struct qtm_pool *p, const char *name);
/* Installs go beside the installed versions of the names asked for (install --keep). */
void qtm_pool_set_keep(struct qtm_pool *p, bool keep);
/* Hands pins (pin.h; owned by the pool from now on, may be NULL with n 0) to a pool. */
void qtm_pool_set_pins(struct qtm_pool *p, struct qtm_pin *pins, size_t n);
/* The pin of package name, or NULL; it belongs to the pool. */
const struct qtm_pin *qtm_pool_pin_of(struct qtm_pool *p, const char *name);
/* The pin that keeps package id from being installed, or NULL (not pinned, allowed, installed). */
const struct qtm_pin *qtm_pool_pinned_out(struct qtm_pool *p, qtm_pkg_id id);

/* Loads the older versions a QTM_POOL_NEWEST pool left out; returns 1 when there were some
 * (the pool is finished again), 0 when there was nothing left to load, or a negative code. */
int qtm_pool_load_older(struct qtm_pool *p);

/* Seconds spent loading the sources; *from_cache: whether every one came from its .solv cache. */
double qtm_pool_load_time(const struct qtm_pool *p, bool *from_cache);

/* The index entry (JSON text) of a package, or NULL. */
const char *qtm_pool_manifest_json(struct qtm_pool *p, qtm_pkg_id id);
/* Parses the entry of a package into a manifest owned by the caller. */
int qtm_pool_manifest(struct qtm_pool *p, qtm_pkg_id id, struct qtm_manifest **out);
/* "dataset" or "model", from the package's index entry (static strings). */
const char *qtm_pool_kind(struct qtm_pool *p, qtm_pkg_id id);
bool qtm_pool_is_installed(struct qtm_pool *p, qtm_pkg_id id);
/* Whether version `have` satisfies dep's constraint (Debian version order). */
bool qtm_pool_version_ok(struct qtm_pool *p, const char *have, const struct qtm_dep *dep);

#endif
