/* verify.h - re-hashing installed files against the database.
 *
 * The problems array is owned by the caller: qtm_verify_free(). */
#ifndef QTM_VERIFY_H
#define QTM_VERIFY_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_db;
struct qtm_installed;

struct qtm_verify_problem {
	char *package;
	char *path;      /* relative to the package directory; NULL for the directory itself */
	char *problem;   /* "missing", "modified", "size", "mode", "unexpected file", "missing directory" */
};

/* Checks every installed package, or only `name` when not NULL.  *checked counts files. */
int qtm_verify(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    struct qtm_verify_problem **out, size_t *n, size_t *checked);
void qtm_verify_free(struct qtm_verify_problem *v, size_t n);

/* Recomputes the installed name's headline metric from the predictions and targets in its
 * store directory (qtm verify --metrics).  *report (owned by the caller, set also when they
 * disagree) says package, headline, formula, recorded, computed, n, agrees.  Returns 0 when
 * they agree, -EBADMSG with the error set when not, another negative code otherwise. */
int qtm_verify_metrics(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, cJSON **report);

/* The evaluation qtm info shows (metrics-schema.h) of an installed package, or NULL when its
 * module declares no metrics or its metrics.json cannot be read; owned by the caller. */
cJSON *qtm_installed_evaluation(struct qtm_ctx *ctx, const struct qtm_installed *pkg);

#endif
