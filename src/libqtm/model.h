/* model.h - producing a model's artifact: its inputs (installed requirements), its build id,
 * and then either the artifact already cached under that build id or a fresh training whose
 * declared outputs are packed into cache_dir/artifacts/BUILD_ID.tar.zst.
 *
 * Arguments are the caller's; the struct qtm_model_artifact is owned by the caller and
 * cleared with qtm_model_artifact_clear(). */
#ifndef QTM_MODEL_H
#define QTM_MODEL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "hash.h"
#include "model-requires.h"
#include "train.h"

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_runtime;

/* A model's inputs: one directory per required package (its store directory), their hashes for
 * the build id, and the probed versions of the runtime it requires.  Owned by the struct:
 * qtm_model_inputs_clear(). */
struct qtm_model_inputs {
	struct qtm_train_input *v;   /* names and dirs point into names/dirs below */
	size_t n;
	cJSON *hashes;       /* { package: build id | { file: sha256 } } */
	cJSON *runtime;      /* { capability: version } */
	char **dirs, **names;
	char **packages;     /* the installed package behind each name (it may provide the name) */
};


int qtm_model_inputs_gather(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_runtime *rt, struct qtm_model_inputs *in);
void qtm_model_inputs_clear(struct qtm_model_inputs *in);

/* Where trainings run when a hive is configured (qtm_hive_resolve) and healthy. */
enum qtm_hive_mode {
	QTM_HIVE_AUTO = 0,   /* the hive; an unreachable one falls back to local with a warning */
	QTM_HIVE_LOCAL,      /* always here (--local) */
	QTM_HIVE_ONLY,       /* the hive or fail (--hive-only) */
};

struct qtm_model_artifact {
	char build_id[QTM_SHA256_HEX];
	char *path;          /* the artifact tar.zst */
	cJSON *metrics;      /* reported metrics, or an empty object */
	cJSON *params;       /* the params it was trained with (declared + overrides) */
	const char *origin;  /* static: "trained", "cache" (local artifact cache) or "repository"
	                      * (a pre-trained artifact the signed index pins under this build id)
	                      * or "hive" */
	char *trained_by;    /* hive trainings: "hive:RUNNER (job ID at URL)" (owned), else NULL */
	cJSON *curve;        /* the training's loss curve [[step, loss], ...] (curve.h), kept as
	                      * cache_dir/artifacts/BUILD_ID.curve.json, or NULL when not known */
	long long hive_job;  /* submit_ahead: the hive job it made, else 0 */
};

struct qtm_model_build_opts {
	const char *base_url;        /* the source repository's base URL (source and artifacts) */
	char *const *mirrors;        /* its mirrors (NULL-terminated, may be NULL) */
	const cJSON *overrides;      /* validated --param values, or NULL */
	const struct qtm_runtime *rt;
	bool fetch_only;             /* only fetch the module source */
	bool train;                  /* train even when the repository has an artifact */
	const char *hive_url;        /* --hive, or NULL: QTM_HIVE / qtm.conf */
	int hive_mode;               /* enum qtm_hive_mode */
	/* Only submit the training to the hive and return (qtm_hive_submit_ahead): 0 when
	 * submitted, 1 when there is nothing to train (the artifact is cached, or pre-trained and
	 * not train), -EHOSTUNREACH when no hive is usable; out gets the build id, params and
	 * path only. */
	bool submit_ahead;
	/* The job submit_ahead made for this model, and the build id it was for: when the build id
	 * is still that, the hive hand-off follows that job instead of submitting again. */
	long long hive_job;
	const char *hive_job_build_id;
	/* Parallel installs (train-jobs.h): with defer, a training that would run here is not run:
	 * qtm_model_build returns 1 and *defer gets what a worker needs to run it
	 * (qtm_model_training_run); out then has the build id, params and path only.
	 * trained_build_id: a worker has just trained this build into the cache, so finding it
	 * there is recorded as "trained", not "cache". */
	struct qtm_model_training **defer;
	const char *trained_build_id;
};

/* A training prepared here and run elsewhere (a forked worker).  Owned by whoever got it from
 * qtm_model_build; freed with qtm_model_training_free().  m is the caller's and must outlive it. */
struct qtm_model_training {
	const struct qtm_manifest *m;
	char build_id[QTM_SHA256_HEX];
	char *source;        /* the verified module source */
	struct qtm_model_inputs in;
	cJSON *params;
	char *artifact, *metrics_path, *curve_path, *work, *log;
	long long training_row;   /* its row in the trainings table (qtm_model_training_begin) */
};

/* Fetches m's source archive into the cache (verified; a verified copy is reused) from
 * o->base_url or o->mirrors; *path is owned by the caller. */
int qtm_model_fetch_source(struct qtm_ctx *ctx, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, char **path);

int qtm_model_build(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *opts, struct qtm_model_artifact *out);
void qtm_model_artifact_clear(struct qtm_model_artifact *a);
/* Trains m here (never the cache, a repository or the hive) and packs its artifact into dest
 * (the caller's path): qtm install --check (rebuild-check.h).  out as qtm_model_build's. */
int qtm_model_retrain(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const char *dest, struct qtm_model_artifact *out);
/* The database's "running" row of t (before its worker starts), and its outcome afterwards. */
int qtm_model_training_begin(struct qtm_ctx *ctx, struct qtm_db *db, struct qtm_model_training *t);
void qtm_model_training_end(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_model_training *t,
    bool ok, const char *error, const char *limits, double wall_s);
/* Runs t (no database): trains, packs t->artifact and writes its metrics and curve beside it
 * in the artifact cache.  *limits (owned by the caller) and *wall_s as qtm_train's. */
int qtm_model_training_run(struct qtm_ctx *ctx, const struct qtm_model_training *t, char **limits,
    double *wall_s);
void qtm_model_training_free(struct qtm_model_training *t);
/* Removes a refused artifact and its metrics from the cache, so that no later install reuses it. */
void qtm_model_artifact_discard(struct qtm_ctx *ctx, const struct qtm_model_artifact *a);

#endif
