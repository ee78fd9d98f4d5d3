/* cli-out.h - what the front ends print: --json documents and terminal attributes.
 *
 * Ownership: cli_print_json() takes json and deletes it; the sequences are static strings. */
#ifndef QTM_CLI_OUT_H
#define QTM_CLI_OUT_H

#include <cjson/cJSON.h>

struct qtm_ctx;

/* Prints json on stdout (pretty, control characters escaped) and deletes it. */
void cli_print_json(cJSON *json);
/* Bold, a colour sequence and reset, only when stdout is a terminal and colour is allowed
 * (neither --no-color nor NO_COLOR); "" otherwise. */
const char *cli_bold(const struct qtm_ctx *ctx);
const char *cli_color(const struct qtm_ctx *ctx, const char *seq);
const char *cli_reset(const struct qtm_ctx *ctx);

#endif
