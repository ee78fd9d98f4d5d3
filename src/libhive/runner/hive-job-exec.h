/* hive-job-exec.h - a runner executing a hive job's spec (hive-job.h): the runner side only,
 * never linked into the daemon.
 *
 * Ownership: arguments are the caller's and only read; the result's strings and cJSON belong to
 * the result (qtm_hive_exec_result_clear). */
#ifndef QTM_HIVE_JOB_EXEC_H
#define QTM_HIVE_JOB_EXEC_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_ctx;

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

#endif
