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

struct qtm_ctx;
struct qtm_db;
struct qtm_manifest;
struct qtm_runtime;

struct qtm_model_artifact {
	char build_id[QTM_SHA256_HEX];
	char *path;          /* the artifact tar.zst */
	cJSON *metrics;      /* reported metrics, or an empty object */
	bool reused;         /* found in the cache: no training ran */
};

/* source_url: the module source archive's URL.  With fetch_only, only the source is fetched. */
int qtm_model_build(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const char *source_url, const struct qtm_runtime *rt, bool fetch_only,
    struct qtm_model_artifact *out);
void qtm_model_artifact_clear(struct qtm_model_artifact *a);

#endif
