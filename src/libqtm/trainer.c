/* trainer.c - a training handed to the trainer the front end set (trainer.h), and the local
 * default that keeps every training here. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "model.h"
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

int
qtm_trainer_handoff(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out, const char *metrics_path)
{
	const struct qtm_trainer *t = qtm_trainer_of(ctx);
	void *s = NULL;
	cJSON *state = NULL;
	long long id = 0;
	int rc = t->open(ctx, o, false, &s);

	if (rc != 0)
		return rc;
	/* Submitted ahead with these very inputs: that job is this training (submitting again would
	 * also give a failed one another try). */
	if (o->hive_job != 0 && o->hive_job_build_id != NULL && strcmp(o->hive_job_build_id, out->build_id) == 0)
		id = o->hive_job;
	else
		rc = t->submit(s, ctx, db, m, o, in, out, &id);
	if (rc == 0 && (rc = t->wait(s, ctx, m, id, &state)) == 0)
		rc = t->fetch_artifact(s, ctx, m, state, id, out, metrics_path);
	cJSON_Delete(state);
	t->close(s);
	return rc;
}

int
qtm_trainer_submit_ahead(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_manifest *m,
    const struct qtm_model_build_opts *o, const struct qtm_model_inputs *in,
    struct qtm_model_artifact *out)
{
	const struct qtm_trainer *t = qtm_trainer_of(ctx);
	void *s = NULL;
	long long id = 0;
	int rc = t->open(ctx, o, true, &s);

	if (rc == 1)
		return qtm_error(ctx, -EHOSTUNREACH, _("no hive to submit %s to"), m->name);
	if (rc < 0)
		return rc;
	if ((rc = t->submit(s, ctx, db, m, o, in, out, &id)) == 0)
		out->hive_job = id;
	t->close(s);
	return rc;
}
