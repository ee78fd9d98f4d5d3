/* artifact-check.c - an artifact must match its module's declared outputs exactly. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "artifact-check.h"
#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "metrics-schema.h"
#include "xalloc.h"

static bool
listed(const struct qtm_filelist *files, const char *path)
{
	for (size_t i = 0; i < files->n; i++)
		if (strcmp(files->v[i].path, path) == 0)
			return true;
	return false;
}

int
qtm_artifact_check_metrics(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *dir)
{
	char *path;
	cJSON *json = NULL;
	int rc;

	if (!qtm_manifest_declares_output(m, "metrics.json"))
		return 0;
	path = xasprintf("%s/metrics.json", dir);
	if ((rc = qtm_json_load(ctx, path, &json)) == 0 && !cJSON_IsObject(json))
		rc = qtm_error(ctx, -EBADMSG, _("%s: metrics.json is not a JSON object"), path);
	else if (rc < 0)
		rc = -EBADMSG;   /* the parser's message names the file and the fault */
	else
		rc = qtm_metrics_check(ctx, m, json, dir);
	cJSON_Delete(json);
	free(path);
	return rc;
}

int
qtm_artifact_check(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *dir,
    const struct qtm_filelist *files)
{
	for (size_t i = 0; i < files->n; i++)
		if (!qtm_manifest_declares_output(m, files->v[i].path))
			return qtm_error(ctx, -EBADMSG, _("the artifact of %s %s holds %s, which is not one of its declared outputs"),
			    m->name, m->version, files->v[i].path);
	for (size_t i = 0; m->outputs[i] != NULL; i++)
		if (!listed(files, m->outputs[i]))
			return qtm_error(ctx, -EBADMSG, _("the artifact of %s %s lacks its declared output %s"),
			    m->name, m->version, m->outputs[i]);
	return qtm_artifact_check_metrics(ctx, m, dir);
}
