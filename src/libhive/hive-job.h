/* hive-job.h - a training job as the hive carries it (doc/hive-protocol.md, "The job spec"):
 * built by the client from the same inputs a local training would use, and executed by a
 * runner, which verifies every byte it fetches and recomputes the build id before training.
 *
 * Ownership: arguments are the caller's and only read; every cJSON and string returned
 * through an out parameter belongs to the caller (cJSON_Delete / free). */
#ifndef QTM_HIVE_JOB_H
#define QTM_HIVE_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"

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

/* Downloads the hive's artifact of build_id to dest (verified by the caller's callback). */
typedef int (*qtm_hive_fetch_artifact_fn)(void *arg, const char *build_id, const char *dest);

struct qtm_hive_exec {
	const cJSON *spec;           /* the job's spec */
	const char *build_id;        /* the job's build id: the recomputed one must equal it */
	const char *work_dir;        /* scratch, created; removed by the caller */
	const char *log_path;        /* the training log (the runner streams it to the hive) */
	qtm_hive_fetch_artifact_fn fetch_artifact;
	void *fetch_arg;
};

struct qtm_hive_exec_result {
	char *artifact;              /* the packed tar.zst (inside work_dir) */
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
	cJSON *metrics;              /* { name: value } */
	double wall_s;
	int permanent;               /* 1 when retrying elsewhere cannot help (build id differs, bad spec) */
};

/* Fetches the source and dataset files (sha256-verified, cached in ctx's cache), the model
 * inputs through fetch_artifact, checks the build id, trains in the sandbox and packs.  Runs
 * synchronously: a runner calls it in a child process it can kill (the sandbox dies with it). */
int qtm_hive_job_execute(struct qtm_ctx *ctx, const struct qtm_hive_exec *x, struct qtm_hive_exec_result *res);
void qtm_hive_exec_result_clear(struct qtm_hive_exec_result *res);

/* An artifact of at most QTM_HIVE_INLINE_MAX bytes may travel inside the completion
 * (POST /v1/job/{id}/complete, "artifact": standard base64 with padding) instead of its own
 * PUT: one request less per job.  encode returns the base64 text (the caller frees it); decode
 * returns the bytes in *out (the caller frees it, NUL-terminated for convenience) and their
 * length, -EINVAL when text is not base64 and -EFBIG when it holds more than max bytes (both
 * without touching ctx: the caller words the error). */
#define QTM_HIVE_INLINE_MAX (64u << 10)
char *qtm_hive_inline_encode(const void *data, size_t len);
int qtm_hive_inline_decode(const char *text, size_t max, unsigned char **out, size_t *len);

#endif
