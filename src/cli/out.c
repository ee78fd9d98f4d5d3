/* out.c - --json documents and terminal attributes, alike in every front end. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli-out.h"
#include "ctx.h"
#include "text.h"

void
cli_print_json(cJSON *json)
{
	char *text = cJSON_Print(json), *safe = text != NULL ? qtm_json_text_safe(text) : NULL;

	if (safe != NULL)
		printf("%s\n", safe);
	free(safe);
	cJSON_free(text);
	cJSON_Delete(json);
}

/* Results go to stdout: attributes only when that is a terminal too. */
static bool
colored(const struct qtm_ctx *ctx)
{
	return ctx->color && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
}

const char *
cli_bold(const struct qtm_ctx *ctx)
{
	return colored(ctx) ? "\033[1m" : "";
}

const char *
cli_color(const struct qtm_ctx *ctx, const char *seq)
{
	return colored(ctx) ? seq : "";
}

const char *
cli_reset(const struct qtm_ctx *ctx)
{
	return colored(ctx) ? "\033[0m" : "";
}
