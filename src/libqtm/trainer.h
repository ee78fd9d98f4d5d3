/* trainer.h - where a model's training runs when neither the local artifact cache nor the
 * repository has its artifact.  libqtm declares the interface; a front end fills it in (qtm
 * sets the hive's, src/libhive/hive-handoff.h) through ctx->trainer.  Without one, the default
 * qtm_trainer_local trains every model here.
 *
 * Ownership: a session is the implementation's (open makes it, close frees it; close accepts
 * NULL).  Arguments are the caller's and only read, except out: its path (set by the caller)
 * receives the artifact, and trained_by and curve are set by fetch_artifact (owned by out);
 * *state from wait is the caller's (cJSON_Delete). */
#ifndef QTM_TRAINER_H
#define QTM_TRAINER_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_model_artifact;
struct qtm_model_build_opts;
struct qtm_model_inputs;

struct qtm_trainer {
	/* 0 when trainings would go elsewhere for url (--hive, or NULL for the configured one),
	 * -ENOENT when nothing is configured, or another negative code.  Connects to nothing. */
	int (*configured)(struct qtm_ctx *ctx, const char *url);
	/* Connects for o: 0 with *session set, 1 when the training is to run here (with a warning
	 * unless quiet), or a negative code.  quiet: a submission ahead of its turn, whose failures
	 * are the turn's to report: any connection failure is then -EHOSTUNREACH. */
	int (*open)(struct qtm_ctx *ctx, const struct qtm_model_build_opts *o, bool quiet, void **session);
	/* Submits m's training under out->build_id with out->params; *job is its id. */
	int (*submit)(void *session, struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
	    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
	    const struct qtm_model_artifact *out, long long *job);
	/* Follows job (with progress) until it ends; *state is its last state. */
	int (*wait)(void *session, struct qtm_ctx *ctx, const struct qtm_manifest *m, long long job, cJSON **state);
	/* The ended job's artifact (to out->path, verified) and metrics (to metrics_path), or the
	 * reason it did not complete (-ECHILD failed, -ECANCELED cancelled). */
	int (*fetch_artifact)(void *session, struct qtm_ctx *ctx, const struct qtm_manifest *m,
	    const cJSON *state, long long job, struct qtm_model_artifact *out, const char *metrics_path);
	void (*close)(void *session);
};

/* Trains here: nothing is configured, and every training is to run here. */
extern const struct qtm_trainer qtm_trainer_local;

/* ctx->trainer, or qtm_trainer_local when the front end set none. */
const struct qtm_trainer *qtm_trainer_of(const struct qtm_ctx *ctx);

#endif
