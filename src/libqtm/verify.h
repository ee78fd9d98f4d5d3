/* verify.h - re-hashing installed files against the database.
 *
 * The problems array is owned by the caller: qtm_verify_free(). */
#ifndef QTM_VERIFY_H
#define QTM_VERIFY_H

#include <stddef.h>

struct qtm_ctx;
struct qtm_db;

struct qtm_verify_problem {
	char *package;
	char *path;      /* relative to the package directory; NULL for the directory itself */
	char *problem;   /* "missing", "modified", "size", "mode", "unexpected file", "missing directory" */
};

/* Checks every installed package, or only `name` when not NULL.  *checked counts files. */
int qtm_verify(struct qtm_ctx *ctx, struct qtm_db *db, const char *name,
    struct qtm_verify_problem **out, size_t *n, size_t *checked);
void qtm_verify_free(struct qtm_verify_problem *v, size_t n);

#endif
