/* hive-job.h - a training job as the hive carries it (doc/hive-protocol.md, "The job spec"):
 * built by the client from the same inputs a local training would use, and executed by a
 * runner (runner/hive-job-exec.h), which verifies every byte it fetches and recomputes the build
 * id before training.
 *
 * Ownership: arguments are the caller's and only read; every cJSON and string returned
 * through an out parameter belongs to the caller (cJSON_Delete / free). */
#ifndef QTM_HIVE_JOB_H
#define QTM_HIVE_JOB_H

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_model_build_opts;
struct qtm_model_inputs;

/* The body of POST /jobs/submit for manifest m about to be trained with params and inputs
 * (gathered from db) under build_id: module, version, build_id, priority (the manifest's),
 * estimate_s, resources, depends_on (the build ids of model inputs) and spec. */
int qtm_hive_job_submit_body(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const cJSON *params, const struct qtm_model_inputs *in,
    const char *build_id, cJSON **out);

/* The submit bodies (a JSON array, requirements first) for module spec ("NAME" or
 * "NAME=VERSION") and every model it needs, resolved from the configured sources as if nothing
 * were installed, with build ids computed from the index.  overrides: validated --param values
 * for the named module (or NULL); priority: for every job, or NULL for each module's own. */
int qtm_hive_job_plan(struct qtm_ctx *ctx, const char *spec, const cJSON *overrides, const char *priority,
    cJSON **out);

#endif
