/* solve.h - turning requests into an ordered plan with libsolv, and libsolv's problems into
 * plain words with a way out.
 *
 * A struct qtm_plan owns its steps and their strings: qtm_plan_free(). */
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
};

struct qtm_plan {
	struct qtm_step *steps;
	size_t n;
};

/* specs are "NAME", "NAME=VERSION", "NAME>=VERSION"...: each must name a known package.  The
 * plan lists installs in dependency order (requirements first); packages already installed in
 * the wanted version do not appear.  On failure ctx's error explains every problem. */
int qtm_solve_install(struct qtm_pool *p, char *const *specs, struct qtm_plan *plan);
/* Upgrade of the named installed packages (NULL or empty: all) to the newest versions the
 * sources offer, with what the new versions require; held packages stay. */
int qtm_solve_upgrade(struct qtm_pool *p, char *const *names, struct qtm_plan *plan);
/* Removal of installed packages by name; refuses while an installed package not named requires one. */
int qtm_solve_remove(struct qtm_pool *p, char *const *names, struct qtm_plan *plan);
/* Appends an install step for package id (e.g. a rebuild with other params). */
void qtm_plan_add_install(struct qtm_pool *p, struct qtm_plan *plan, qtm_pkg_id id, bool manual);
void qtm_plan_free(struct qtm_plan *plan);

#endif
