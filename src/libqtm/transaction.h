/* transaction.h - carrying out a plan: each step installs (fetch, verify, train, pack, place,
 * record) or removes one package atomically, in the plan's order.  A failure stops the run and
 * leaves the steps already done in place, so that a rerun resumes where it stopped (a finished
 * training is found by its build id in the artifact cache and not redone).
 *
 * Everything passed in is the caller's. */
#ifndef QTM_TRANSACTION_H
#define QTM_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_db;
struct qtm_plan;
struct qtm_pool;

struct qtm_transaction_opts {
	bool download_only;
	bool train;              /* train locally even when a repository offers the artifact */
	bool keep;               /* requested versions go beside those installed (side by side) */
	const cJSON *params;     /* { package: { key: value } } overrides, or NULL */
	const char *hive_url;    /* --hive URL, or NULL (QTM_HIVE, qtm.conf) */
	int hive_mode;           /* enum qtm_hive_mode (model.h) */
};

/* Returns 0, or the first failure's code with ctx's error naming the package and the cause;
 * *done (may be NULL) tells how many steps completed. */
int qtm_transaction_run(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, const struct qtm_transaction_opts *opts, size_t *done);

#endif
