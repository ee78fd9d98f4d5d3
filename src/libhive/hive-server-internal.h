/* hive-server-internal.h - shared by hive-server.c and the route handlers (hive-api-*.c).
 * The request state is owned by MHD's connection (freed in the completion callback); strings
 * in it are owned by it. */
#ifndef QTM_HIVE_SERVER_INTERNAL_H
#define QTM_HIVE_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "hash.h"
#include "hive-http.h"
#include "sign.h"

struct qtm_ctx;
struct qtm_hive_conf;
struct qtm_hive_db;
struct qtm_hive_executor;
struct qtm_hive_flusher;
struct qtm_hive_slurm;
struct qtm_hive_sources;

struct qtm_hive_server {
	struct qtm_ctx *ctx;
	struct qtm_hive_conf *conf;        /* the daemon's; a reload replaces its contents */
	struct qtm_hive_db *db;
	struct MHD_Daemon *mhd;
	struct qtm_hive_executor *ex;
	struct qtm_hive_slurm *slurm;      /* executor "slurm" only (hive-slurm.h), else NULL */
	struct qtm_hive_sources *sources;  /* what a submit by name is planned from (hive-sources.h) */
	struct qtm_hive_flusher *flusher;  /* syncs the artifacts once a second (hive-durable.h) */
	struct qtm_http_guard *guard;      /* deadlines of the connections (http-guard.h) */
	char *url, *url_file, *artifacts_dir, *logs_dir;
	char *operator_token, *runner_token;
	struct qtm_key key;                /* signs the attestations (hive-attest.h) */
	double started;
	bool stopped_cleanly;        /* leave STATE/clean when freed (hive-durable.h) */
	bool draining;               /* stopping: no job is handed out any more */
};

struct hive_upload {             /* PUT /v1/artifact/{build_id} */
	int fd;                      /* -1: discarding (already held, or refused) */
	char *tmp;                   /* the temporary file, removed unless stored */
	struct qtm_sha256 hash;
	bool hashing;
	uint64_t size;
	char build_id[QTM_SHA256_HEX], want[QTM_SHA256_HEX];
	char *runner;                /* the uploading runner (owned), NULL: the operator */
	int64_t job;                 /* the runner's job and attempt, whose lease it named */
	int attempt;
	bool held, too_large, io_error;
};

struct hive_req {
	struct qtm_hive_body body;
	struct hive_upload *up;      /* only for artifact uploads */
	bool replied;                /* a reply was queued before the body was read */
};

/* Path segments of a request URL: "/v1/job/12/log" -> {"v1","job","12","log"}. */
#define HIVE_MAX_SEGS 6
struct hive_path {
	char buf[512];
	const char *seg[HIVE_MAX_SEGS];
	int n;
};

/* Splits url (without its query) into p's segments; p->buf holds them. */
void hive_path_split(const char *url, struct hive_path *p);
double hive_now(void);
bool hive_operator_ok(struct qtm_hive_server *srv, struct MHD_Connection *c);
/* The runner the bearer secret belongs to (owned by the caller), or NULL. */
char *hive_runner_auth(struct qtm_hive_server *srv, struct MHD_Connection *c);
enum MHD_Result hive_unauthorized(struct MHD_Connection *c, const char *what);
/* A job id segment: > 0, or 0 when malformed. */
int64_t hive_job_id(const char *seg);

/* Route handlers: return MHD_NO only when the connection must be dropped; "handled" false
 * when the path is not theirs. */
enum MHD_Result hive_api_ops(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method,
    const struct hive_path *p, struct hive_req *rq, bool *handled);
enum MHD_Result hive_api_runner(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *method,
    const struct hive_path *p, struct hive_req *rq, bool *handled);
/* POST /reload (hive-reload.c). */
enum MHD_Result hive_reload_route(struct qtm_hive_server *srv, struct MHD_Connection *c);
/* POST /jobs/submit (hive-api-submit.c). */
enum MHD_Result hive_submit(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq);
/* Artifact upload: the first call (checks, opens the temporary file), the bytes, the end. */
enum MHD_Result hive_upload_begin(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id,
    struct hive_req *rq);
void hive_upload_data(struct hive_upload *up, const char *data, size_t len, uint64_t max);
enum MHD_Result hive_upload_end(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq);
void hive_upload_free(struct hive_upload *up);
/* Stores len bytes, already checked against their sha256, as build_id's artifact file (its row
 * is the caller's): a temporary file renamed into place, synced by the flusher. */
int hive_artifact_write(struct qtm_hive_server *srv, const char *build_id, const void *data, size_t len);
/* GET/HEAD /v1/artifact/{build_id}. */
enum MHD_Result hive_artifact_get(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id);
/* GET /v1/artifact/{build_id}/attestation. */
enum MHD_Result hive_attestation_get(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id);
/* The signed attestation (owned by the caller) of an artifact accepted from runner (NULL: the
 * operator) for job and attempt. */
int hive_attest(struct qtm_hive_server *srv, const char *build_id, const char *sha256, uint64_t size,
    const char *runner, int64_t job, int attempt, char **doc);
/* The executor's housekeeping and the lease sweep (hive-api-ops.c). */
void hive_tick(struct qtm_hive_server *srv);

#endif
