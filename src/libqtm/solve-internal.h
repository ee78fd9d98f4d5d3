/* solve-internal.h - what the solver's files share (solve.c: installs, the libsolv run and its
 * problems; solve-upgrade.c: upgrades, kept-back packages and replacements; solve-remove.c:
 * removals).  For those files only.
 *
 * Queues are the caller's; strings returned are owned by the caller. */
#ifndef QTM_SOLVE_INTERNAL_H
#define QTM_SOLVE_INTERNAL_H

#include <stdbool.h>

#include "pool-internal.h"
#include "solve.h"

/* Appends to a growing message buffer owned by the caller. */
void qtm_msg_add(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum {
	QTM_SOLVE_UNINSTALL = 1 << 0,   /* installed packages in the way may be removed */
	QTM_SOLVE_QUIET = 1 << 1,       /* on failure, no error on the context: a trial */
	QTM_SOLVE_NO_REPLACES = 1 << 2, /* "replaces" apply only through explicit jobs (upgrades) */
};

/* Adds the locks every job list carries (the runtime, held packages), keeps pinned-out versions
 * out, solves and turns the transaction into plan (appended to; removals after installs);
 * specs (may be NULL) mark which installs were asked for by name.  On failure returns
 * -ENOEXEC with every problem in ctx's error, or with QTM_SOLVE_QUIET in *why (if not NULL). */
int qtm_solve_jobs(struct qtm_pool *p, Queue *job, char *const *specs, unsigned flags,
    struct qtm_plan *plan, char **why);
/* once(p, args, plan), and with a pool opened with only the newest versions (QTM_POOL_NEWEST)
 * once again with every version when the newest ones cannot serve (an older version asked for,
 * pinned or required), or when a name planned is carried by several sources one of which holds
 * older versions back: with one source the newest version that fits is the choice, with several
 * an older one of another source may win. */
int qtm_solve_with_older(struct qtm_pool *p, char *const *args, struct qtm_plan *plan,
    int (*once)(struct qtm_pool *, char *const *, struct qtm_plan *));
/* The installed package of that name held, or 0. */
Id qtm_solve_held_of(struct qtm_pool *p, const char *name);
void qtm_plan_push(struct qtm_pool *p, struct qtm_plan *plan, enum qtm_step_action action, Id id, bool manual);
void qtm_plan_note(struct qtm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
