/* deps-internal.h - questions about the dependency graph of a pool: what a package requires and what
 * satisfies it, what requires a package, why an installed package is installed, and which
 * automatically installed packages nothing manual needs any more.
 *
 * For libqtm's own files: front ends ask through query.h.  Queues are the caller's (queue_init
 * before, queue_free after); strings returned are owned by the caller. */
#ifndef QTM_DEPS_INTERNAL_H
#define QTM_DEPS_INTERNAL_H

#include <stdbool.h>

#include "pool-internal.h"

struct qtm_db;
struct qtm_pool;

/* Solvables (any repo, or only installed) with a requirement that id satisfies. */
void qtm_deps_rdepends(struct qtm_pool *p, Id id, bool installed_only, Queue *out);
/* The installed providers of dep. */
void qtm_deps_installed_providers(struct qtm_pool *p, Id dep, Queue *out);
/* Adds to set, breadth first, the installed providers of its members' requirements that admit
 * accepts (admit NULL: all); parent and via (each may be NULL) get, for each package added, the
 * member whose requirement reached it and that requirement. */
void qtm_deps_closure(struct qtm_pool *p, Queue *set, bool (*admit)(struct qtm_pool *p, Id id, const void *data),
    const void *data, Queue *parent, Queue *via);
/* The chain that explains why installed package id is installed, from a manually installed
 * package down to it, as text lines ("gis-buildings (manual) requires gis-lidar >= 1.0"); NULL
 * when nothing manual leads to it.  manual: installed Ids installed on request. */
char *qtm_deps_why(struct qtm_pool *p, Id id, const Queue *manual);
/* Installed packages that are neither manual nor needed, directly or not, by a manual one. */
void qtm_deps_unneeded(struct qtm_pool *p, const Queue *manual, Queue *out);
/* The Ids of installed packages whose install reason is "manual", from the database. */
int qtm_deps_manual(struct qtm_pool *p, struct qtm_db *db, Queue *out);

#endif
