/* solve.h - turning requests into an ordered plan with libsolv, and libsolv's problems into
 * plain words with a way out.
 *
 * A struct qtm_plan owns its steps, its kept-back list, its notes and their strings:
 * qtm_plan_free(). */
#ifndef QTM_SOLVE_H
#define QTM_SOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

enum qtm_step_action { QTM_STEP_INSTALL, QTM_STEP_REMOVE };

struct qtm_step {
	enum qtm_step_action action;
	qtm_pkg_id id;          /* package in the pool */
	char *name, *version, *kind, *source;
	bool manual;            /* asked for by name (install reason) */
	char *downgrade_from;   /* the newer installed version this install replaces, or NULL */
	char *replaces;         /* install: the installed package of another name whose place it
	                         * takes (a manifest's "replaces"), or NULL */
};

/* An installed package an upgrade leaves where it is although a newer version is available. */
struct qtm_kept {
	char *name, *version;   /* the installed one */
	char *to_name, *to_version;   /* what it is kept from: a newer version, or its replacement */
	char *why;              /* in words, e.g. "it would remove b 1.0" (translated) */
};

struct qtm_plan {
	struct qtm_step *steps;
	size_t n;
	struct qtm_kept *kept;  /* upgrades: what is kept back */
	size_t n_kept;
	char **notes;           /* NULL, or NULL-terminated: choices made for the user, e.g. the
	                         * provider picked for a virtual name (translated) */
	char **requested;       /* install: the specs, a virtual name's provider in its place
	                         * (NULL-terminated), or NULL */
};

/* specs are "NAME", "NAME=VERSION", "NAME>=VERSION"...: each must name a known package, or a
 * name that packages provide (a virtual name: its one provider is taken, with a note; several
 * fail, listing them, unless pins or source priorities leave one).  The plan lists installs in
 * dependency order (requirements first); packages already installed in the wanted version do
 * not appear.  Installed packages in the way (a conflict) are removed, after the installs; held
 * ones never.  On failure ctx's error explains every problem. */
int qtm_solve_install(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan);
/* Upgrade of the named installed packages (NULL or empty: all) to the newest versions the
 * sources offer, with what the new versions require; held packages stay.  An installed package
 * whose name no source carries any more is replaced by a package that "replaces" it.  What
 * cannot move without removing another package is kept back (plan->kept says why). */
int qtm_solve_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan);
/* The same, but what is in the way of an upgrade is removed (apt's full-upgrade). */
int qtm_solve_full_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan);
/* Removal of installed packages by name; refuses while an installed package not named requires
 * one.  With auto_remove, also the packages installed as dependencies that only the removed
 * ones needed (held ones stay, with a note). */
int qtm_solve_remove(struct qtm_pool *p, char *const *names, bool auto_remove, struct qtm_plan *plan);
/* Appends an install step for package id (e.g. a rebuild with other params). */
void qtm_plan_add_install(struct qtm_pool *p, struct qtm_plan *plan, qtm_pkg_id id, bool manual);
/* Whether the plan removes a package; package id. */
bool qtm_plan_removes(const struct qtm_plan *plan);
bool qtm_plan_removes_id(const struct qtm_plan *plan, qtm_pkg_id id);
void qtm_plan_free(struct qtm_plan *plan);

#endif
