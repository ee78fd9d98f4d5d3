/* predict.h - `qtm run NAME -- ARGS`: inference with an installed model.  The module's predict
 * command runs in the sandbox with the artifact read-only at QTM_MODEL (/qtm/model), its inputs
 * under QTM_DATA as in training, the module source read-only at /qtm/src, and the caller's
 * working directory read-write at /qtm/work (the command's cwd, so relative paths in ARGS work).
 * Its output goes to qtm's stdout and stderr.
 *
 * Arguments are the caller's. */
#ifndef QTM_PREDICT_H
#define QTM_PREDICT_H

struct qtm_ctx;
struct qtm_db;

/* Returns 0 with *exit_code set to the command's exit status (128 + signal when killed), or a
 * negative code when it could not be run. */
int qtm_run_predict(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, char *const *args,
    int *exit_code);

#endif
