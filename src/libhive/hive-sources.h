/* hive-sources.h - the hive's own repository sources (hive.conf "source = NAME URL KEYFILE"),
 * against which POST /jobs/submit resolves a module named without its build id.  They live in
 * a qtm layout of the hive's, under STATE/qtm: each source trusts exactly the key hive.conf
 * names for it, and its releases are fetched and verified as qtm update does (signature,
 * expiry, no rollback), so a client's own sources play no part.
 *
 * The set is owned by the daemon (qtm_hive_sources_free); the conf is only read. */
#ifndef QTM_HIVE_SOURCES_H
#define QTM_HIVE_SOURCES_H

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_hive_conf;
struct qtm_hive_sources;

/* Whether conf's sources can be set up: valid names and URLs, readable public keys. */
int qtm_hive_sources_check(struct qtm_ctx *ctx, const struct qtm_hive_conf *conf);
/* Sets up conf's sources under conf->state_dir/qtm (after a check). */
int qtm_hive_sources_open(struct qtm_ctx *ctx, const struct qtm_hive_conf *conf, struct qtm_hive_sources **out);
/* Replaces the sources by conf's (a reload, after a check); the next plan fetches them again. */
int qtm_hive_sources_apply(struct qtm_ctx *ctx, struct qtm_hive_sources *s, const struct qtm_hive_conf *conf);
/* The submit bodies (qtm_hive_job_plan) for module at version (NULL: the newest) and every
 * model it needs, from the hive's sources fetched at most a minute ago.  params: the module's
 * parameters (an object, or NULL); priority: for every job, or NULL.  Errors: -ENOENT unknown
 * module or version, -EINVAL bad params, -ENOTSUP no source configured, others as qtm's. */
int qtm_hive_sources_plan(struct qtm_ctx *ctx, struct qtm_hive_sources *s, const char *module,
    const char *version, const cJSON *params, const char *priority, cJSON **out);
void qtm_hive_sources_free(struct qtm_hive_sources *s);

#endif
