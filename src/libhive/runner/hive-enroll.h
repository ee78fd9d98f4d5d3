/* hive-enroll.h - a runner's enrollment with a hive (doc/hive-protocol.md, "Runner API":
 * POST /v1/runners/enroll) and the configuration file that `qtm-runner enroll` writes and
 * `qtm-runner --config` reads (qtm-runner(1), CONFIGURATION): "key = value" lines naming the
 * hive, the enrollment token and the identity the hive gave the runner.
 *
 * Ownership: every string in the structures is owned by them (the _clear functions free them);
 * the arguments are only read. */
#ifndef QTM_HIVE_ENROLL_H
#define QTM_HIVE_ENROLL_H

#include "hive-capability.h"

struct qtm_ctx;
struct qtm_hive_client;

/* What an enrollment returned. */
struct qtm_hive_enrollment {
	char *runner_id, *secret;
	int heartbeat_s, lease_ttl_s;     /* as the hive suggests (defaults 5 and 30) */
	struct qtm_hive_capability cap;   /* what was reported */
};

/* One enrollment with token (the hive's runner enrollment token); name NULL: the host name,
 * executor NULL: "fleet".  The client's token is left set to token.  -EHOSTUNREACH when the
 * hive cannot be reached, -EACCES when it refuses the token. */
int qtm_hive_enroll_call(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *name, const char *executor,
    const char *token, struct qtm_hive_enrollment *out);
void qtm_hive_enrollment_clear(struct qtm_hive_enrollment *e);

/* A runner configuration file. */
struct qtm_hive_runner_conf {
	char *hive;            /* the hive's URL */
	char *token;           /* the enrollment token (to enroll again if the hive forgets it) */
	char *name, *executor; /* NULL: unset */
	char *runner_id, *secret;
	int heartbeat_s, lease_ttl_s;
};

/* Reads path; every key must be known, "hive" and "token" must be set, and "runner_id" and
 * "secret" come together.  Errors name the file and line. */
int qtm_hive_runner_conf_load(struct qtm_ctx *ctx, const char *path, struct qtm_hive_runner_conf *conf);
void qtm_hive_runner_conf_clear(struct qtm_hive_runner_conf *conf);

/* qtm-runner enroll: reads the token from token_file, makes sure config_path can be written
 * (a temporary file beside it), enrolls with the hive at url and writes the configuration
 * (mode 0600: it holds the runner's secret) atomically.  On any failure nothing is written.
 * *runner_id (may be NULL) is the id the hive gave, owned by the caller. */
int qtm_hive_runner_enroll(struct qtm_ctx *ctx, const char *url, const char *token_file, const char *name,
    const char *executor, const char *config_path, char **runner_id);

#endif
