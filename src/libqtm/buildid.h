/* buildid.h - the build id: sha256 over a canonical serialisation (sorted-key JSON) of the
 * module name and version, its source archive's sha256, the train params, the sha256 of every
 * input (each dataset file; a required model's own build id) and the runtime versions the
 * module requires.  Same build id = same inputs.
 *
 * cJSON values passed in are only read. */
#ifndef QTM_BUILDID_H
#define QTM_BUILDID_H

#include <cjson/cJSON.h>

#include "hash.h"

struct qtm_manifest;

/* inputs: object { "<package>": "<sha256 or build id>" or { "<file>": "<sha256>" } }.
 * runtime: object { "runtime(...)": "<version>" }. */
void qtm_build_id(const struct qtm_manifest *m, const cJSON *params, const cJSON *inputs,
    const cJSON *runtime, char out[QTM_SHA256_HEX]);
/* Canonical JSON text (keys sorted at every level, no spaces), owned by the caller. */
char *qtm_json_canonical(const cJSON *json);

#endif
