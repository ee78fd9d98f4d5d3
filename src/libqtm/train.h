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
	char *limits;        /* how limits were applied, e.g. "cgroup v1 (cpu.cfs_quota_us=...)" */
	double wall_s;
};

/* Runs the training.  A failure (setup, non-zero exit, signal, time limit, missing output)
 * returns a negative code with a message naming the cause and the log. */
int qtm_train(struct qtm_ctx *ctx, const struct qtm_train_job *job, struct qtm_train_result *res);
void qtm_train_result_clear(struct qtm_train_result *res);

#endif
