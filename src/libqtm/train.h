/* train.h - the training contract: a model's train command run in the sandbox with its source
 * (private copy), its inputs (read-only, one directory per required package under QTM_DATA),
 * QTM_OUTPUT, QTM_PARAMS, QTM_SEED and QTM_THREADS; "@qtm progress" and "@qtm metric" lines
 * parsed from stdout, everything kept in the log.
 *
 * The job's fields are the caller's and only read; the result's fields are owned by the
 * result: qtm_train_result_clear(). */
#ifndef QTM_TRAIN_H
#define QTM_TRAIN_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_manifest;
struct qtm_sandbox_bind;

struct qtm_train_input {
	const char *name;    /* directory name under QTM_DATA */
	const char *dir;     /* host directory, bound read-only */
};

struct qtm_train_job {
	const struct qtm_manifest *m;
	const char *source_archive;          /* verified module source tar.zst */
	const struct qtm_train_input *inputs;
	size_t n_inputs;
	const cJSON *params;                 /* merged params */
	const char *work_dir;                /* created afresh: src/, out/, params.json */
	const char *log_path;
};

struct qtm_train_result {
	char *out_dir;       /* work_dir/out, holding every declared output */
	cJSON *metrics;      /* { name: value } from "@qtm metric" lines */
	cJSON *curve;        /* [[step, loss], ...] from "@qtm progress" lines (curve.h), or NULL */
	char *limits;        /* how limits were applied, e.g. "cgroup v1 (cpu.cfs_quota_us=...)" */
	double wall_s;
};

/* The paths of the contract inside the sandbox. */
#define QTM_SANDBOX_SRC "/qtm/src"
#define QTM_SANDBOX_OUT "/qtm/output"
#define QTM_SANDBOX_DATA "/qtm/data"
#define QTM_SANDBOX_PARAMS "/qtm/params.json"
#define QTM_SANDBOX_MODEL "/qtm/model"
#define QTM_SANDBOX_WORK "/qtm/work"

/* The contract's environment (PATH, one BLAS thread, QTM_DATA, QTM_OUTPUT, QTM_PARAMS,
 * QTM_SEED, QTM_THREADS...): a NULL-terminated vector owned by the caller (strv_free). */
char **qtm_contract_env(const struct qtm_manifest *m, const cJSON *params);
/* A module command as argv: "python3" becomes ctx->python; with src_dir, arguments naming a
 * file of the module source become absolute paths under QTM_SANDBOX_SRC (for commands run
 * from another directory).  Owned by the caller (strv_free). */
char **qtm_contract_argv(struct qtm_ctx *ctx, char *const *command, const char *src_dir);
/* Binds for the inputs under QTM_SANDBOX_DATA, appended to *binds (n updated); the targets
 * are added to *strings, which owns them (strv_free). */
void qtm_contract_input_binds(const struct qtm_train_input *inputs, size_t n_inputs,
    struct qtm_sandbox_bind **binds, size_t *n, char ***strings);

/* Runs the training.  A failure (setup, non-zero exit, signal, time limit, missing output)
 * returns a negative code with a message naming the cause and the log. */
int qtm_train(struct qtm_ctx *ctx, const struct qtm_train_job *job, struct qtm_train_result *res);
void qtm_train_result_clear(struct qtm_train_result *res);

#endif
