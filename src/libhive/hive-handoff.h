/* hive-handoff.h - qtm install handing a training to the hive: when a hive is configured
 * (--hive, QTM_HIVE, qtm.conf) and healthy, the job is submitted (the hive first receives any
 * model input it lacks from the local artifact cache), followed with progress as if it ran
 * here, and its artifact downloaded and verified.
 *
 * Arguments are the caller's and only read, except out: its path (set by the caller) receives
 * the artifact, and trained_by and curve (the job's loss reports) are set (owned by out). */
#ifndef QTM_HIVE_HANDOFF_H
#define QTM_HIVE_HANDOFF_H

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_model_build_opts;
struct qtm_model_inputs;
struct qtm_model_artifact;

/* Returns 0 when the hive trained it (artifact at out->path, metrics at metrics_path), 1 when
 * the training is to run here (no hive configured, --local, or an unreachable hive outside
 * --hive-only: with a warning), or a negative code (-EHOSTUNREACH for an unreachable hive
 * under --hive-only, -ECHILD for a failed job, -ECANCELED for a cancelled one). */
int qtm_hive_handoff(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out, const char *metrics_path);

/* Submits the training and returns without waiting for it (transaction.c submits later
 * models' trainings this way, so that the hive runs them side by side; each model's own turn
 * then follows out->hive_job, set here, when its build id is still out->build_id).  Warns of
 * nothing: a failure is the turn's to report.  Returns 0 when submitted, -EHOSTUNREACH when no
 * hive is usable
 * (none configured, --local, unreachable), or another negative code; the error is on ctx. */
int qtm_hive_submit_ahead(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out);

#endif
