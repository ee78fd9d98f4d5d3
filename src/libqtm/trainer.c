/* trainer.c - the trainer the front end set (trainer.h), or the local default that keeps every
 * training here. */
#include "config.h"

#include <errno.h>

#include "ctx.h"
#include "trainer.h"

static int
local_configured(struct qtm_ctx *ctx, const char *url)
{
	(void)ctx;
	(void)url;
	return -ENOENT;
}

static int
local_open(struct qtm_ctx *ctx, const struct qtm_model_build_opts *o, bool quiet, void **session)
{
	(void)ctx;
	(void)o;
	(void)quiet;
	*session = NULL;
	return 1;
}

/* Only configured and open are called: open always says "here". */
const struct qtm_trainer qtm_trainer_local = {
	.configured = local_configured,
	.open = local_open,
};

const struct qtm_trainer *
qtm_trainer_of(const struct qtm_ctx *ctx)
{
	return ctx->trainer != NULL ? ctx->trainer : &qtm_trainer_local;
}
