/* buildid.h - the build id: sha256 over a canonical serialisation (sorted-key JSON) of every
 * input that can change a training's output, and nothing else: the source archive's sha256,
 * the whole train section (params with overrides applied), the declared outputs, the threads
 * (resources.cpus, QTM_THREADS) and whether a GPU is bound, the sha256 of every input (each
 * dataset file; a required model's own build id), the runtime versions the module requires
 * and the sandbox policy version.  Name, version, summary, description and the like are not
 * in it.  Same build id = same inputs.  qtm-module(5), BUILD ID, documents the document.
 *
 * cJSON values passed in are only read. */
#ifndef QTM_BUILDID_H
#define QTM_BUILDID_H

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_manifest;

/* inputs: object { "<package>": "<sha256 or build id>" or { "<file>": "<sha256>" } }.
 * runtime: object { "runtime(...)": "<version>" }. */
/* Bumped whenever the document changes shape, so that ids of another format never match. */
#define QTM_BUILD_ID_FORMAT 3

void qtm_build_id(const struct qtm_manifest *m, const cJSON *params, const cJSON *inputs,
    const cJSON *runtime, char out[QTM_SHA256_HEX]);
/* The canonical document qtm_build_id() hashes (same arguments), owned by the caller. */
char *qtm_build_id_document(const struct qtm_manifest *m, const cJSON *params, const cJSON *inputs,
    const cJSON *runtime);
/* Canonical JSON text (keys sorted at every level, no spaces), owned by the caller. */
char *qtm_json_canonical(const cJSON *json);

#endif
