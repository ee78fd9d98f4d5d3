/* fuzz-manifest.c - libFuzzer target: a module.json as a module author (or a hostile source)
 * writes it, parsed and validated as qtm-repo build and the index loader do. */
#include "config.h"

#include <cjson/cJSON.h>

#include "ctx.h"
#include "fuzz.h"
#include "json.h"
#include "manifest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qtm_ctx *ctx = fuzz_ctx();
	struct qtm_manifest *m = NULL;
	cJSON *obj = NULL;

	if (qtm_json_parse(ctx, (const char *)data, size, "module.json", &obj) == 0) {
		/* Both readings: a module directory's file, and an index entry. */
		if (qtm_manifest_from_json(ctx, obj, "module.json", false, &m) == 0)
			qtm_manifest_free(m);
		if (qtm_manifest_from_json(ctx, obj, "index", true, &m) == 0)
			qtm_manifest_free(m);
	}
	cJSON_Delete(obj);
	return 0;
}
