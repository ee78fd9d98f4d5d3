/* fuzz-metrics.c - libFuzzer target: the metrics.json a trainer writes into its output
 * directory, read as the training check (train.c) and the model record (model.c) read it. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "fuzz.h"
#include "json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qtm_ctx *ctx = fuzz_ctx();
	char *path = fuzz_write(fuzz_dir(), "metrics.json", data, size), *text;
	cJSON *json = NULL;

	/* What is kept is printed again for qtm info and the hive: the round trip must hold. */
	if (qtm_json_load(ctx, path, &json) == 0 && cJSON_IsObject(json) && (text = cJSON_PrintUnformatted(json)) != NULL) {
		cJSON *again = cJSON_Parse(text);

		if (again == NULL)
			abort();
		cJSON_Delete(again);
		cJSON_free(text);
	}
	cJSON_Delete(json);
	unlink(path);
	free(path);
	return 0;
}
