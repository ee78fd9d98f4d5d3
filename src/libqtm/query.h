/* query.h - the questions front ends ask of a pool, answered in plain structures: the versions
 * of a name, the newest version of every name, search, what a package requires and what
 * requires it, why an installed package is installed, what nothing needs any more, and which
 * version an install takes and why (policy).
 *
 * Lists come in pool order unless said otherwise.  Arrays returned (struct qtm_pkg *, struct
 * qtm_requirement *, a policy's candidates) belong to the caller: free() them, or the
 * qtm_*_free() / qtm_*_clear() named beside them.  The const char * strings inside and the pins
 * pointed to belong to the pool and live until qtm_pool_free(); char * strings are the caller's. */
#ifndef QTM_QUERY_H
#define QTM_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

struct qtm_db;
struct qtm_pin;

/* One version of a package in the pool. */
struct qtm_pkg {
	qtm_pkg_id id;
	const char *name, *version;
	const char *summary;     /* or NULL */
	const char *source;      /* the source offering it; "@System" when installed */
	int priority;            /* of that source */
	bool installed;
	bool held;               /* installed and on hold */
};

/* The package id (nonzero). */
void qtm_query_pkg(struct qtm_pool *p, qtm_pkg_id id, struct qtm_pkg *out);
/* Every version of name, available and installed, newest first; returns how many. */
size_t qtm_query_versions(struct qtm_pool *p, const char *name, struct qtm_pkg **out);
/* The installed version of name if there is one, else the newest available; 0 when neither. */
qtm_pkg_id qtm_query_pick(struct qtm_pool *p, const char *name);
/* The version a source offers of name, or 0. */
qtm_pkg_id qtm_query_offered(struct qtm_pool *p, const char *name, const char *version);
/* Every available (not installed) package, each version. */
size_t qtm_query_available(struct qtm_pool *p, struct qtm_pkg **out);
/* The newest available version of each name. */
size_t qtm_query_newest(struct qtm_pool *p, struct qtm_pkg **out);
/* The newest available versions whose name, summary or description contains every term of the
 * NULL-terminated terms (case-insensitive). */
size_t qtm_query_search(struct qtm_pool *p, char *const *terms, struct qtm_pkg **out);

/* One requirement of a package and what satisfies it.  An available version that is also
 * installed in the same version is listed once, as installed. */
struct qtm_requirement {
	char *dep;               /* "mid >= 1.0" */
	struct qtm_pkg *by;      /* n_by providers, in pool order */
	size_t n_by;
};

/* What package id requires, in its order. */
size_t qtm_query_depends(struct qtm_pool *p, qtm_pkg_id id, struct qtm_requirement **out);
void qtm_requirements_free(struct qtm_requirement *v, size_t n);
/* What requires package id (installed_only: installed packages only), listed as above. */
size_t qtm_query_rdepends(struct qtm_pool *p, qtm_pkg_id id, bool installed_only, struct qtm_pkg **out);

/* The pool needs the installed packages (QTM_POOL_INSTALLED) from db for these two. */
/* Why name is installed: the chain from a package installed on request down to it, as text
 * lines ("gis-buildings requires gis-lidar >= 1.0"); *chain is NULL when nothing installed on
 * request leads to it.  -ENOENT when name is not installed. */
int qtm_query_why(struct qtm_pool *p, struct qtm_db *db, const char *name, char **chain);
/* Installed packages that are neither installed on request nor needed by one, held or not. */
int qtm_query_unneeded(struct qtm_pool *p, struct qtm_db *db, struct qtm_pkg **out, size_t *n);

/* Which version of a package an install takes (its candidate), chosen as the solver chooses:
 * of the available versions its pin allows, the one from the source of highest priority, then
 * the newest.  Requirements are not looked at: an install falls back to an older version when
 * the candidate's cannot be met. */
struct qtm_candidate {
	struct qtm_pkg pkg;
	const struct qtm_pin *excluded_by;   /* the pin that keeps this version out, or NULL */
	bool chosen;                         /* the version an install takes */
};

struct qtm_policy {
	const struct qtm_pin *pin;           /* the package's pin, or NULL */
	struct qtm_candidate *v;             /* every version, newest first; of one version, the
	                                      * sources by priority, highest first, then the
	                                      * installed package (several: side by side) */
	size_t n;
	size_t n_installed;                  /* how many of v are installed */
	const struct qtm_pkg *chosen;        /* points into v, or NULL when no version is allowed */
};

/* Fills out for name; -ENOENT (ctx's error set) when the pool has no such package. */
int qtm_query_policy(struct qtm_pool *p, const char *name, struct qtm_policy *out);
void qtm_policy_clear(struct qtm_policy *pol);

#endif
