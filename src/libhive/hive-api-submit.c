/* hive-api-submit.c - POST /jobs/submit: a fully specified job (as qtm hands a training over)
 * or a module named, planned with the models it needs from the hive's own sources. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "hive-conf.h"
#include "hive-db.h"
#include "hive-server-internal.h"
#include "hive-sources.h"
#include "i18n.h"
#include "xalloc.h"

#define WHAT "POST /jobs/submit"

/* The by-name form's fields, checked for their types (the names were checked by the parser). */
static int
by_name_fields(struct qtm_ctx *ctx, const cJSON *body, const char **module, const char **version,
    const char **priority, const cJSON **params)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "module"), *v = cJSON_GetObjectItemCaseSensitive(body, "version");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "priority");

	*params = cJSON_GetObjectItemCaseSensitive(body, "params");
	if (!cJSON_IsString(m) || *m->valuestring == '\0')
		return qtm_error(ctx, -EINVAL, _("POST /jobs/submit: \"module\" (a module name) is required"));
	if (v != NULL && (!cJSON_IsString(v) || *v->valuestring == '\0'))
		return qtm_error(ctx, -EINVAL, _("POST /jobs/submit: \"version\" must be a version string"));
	if (p != NULL && (!cJSON_IsString(p) || (strcmp(p->valuestring, "high") != 0 &&
	    strcmp(p->valuestring, "medium") != 0 && strcmp(p->valuestring, "low") != 0))) {
		char *text = cJSON_PrintUnformatted(p);
		int rc = qtm_error(ctx, -EINVAL, _("POST /jobs/submit: priority must be \"high\", \"medium\" or \"low\", not %s"),
		    text != NULL ? text : "?");

		free(text);
		return rc;
	}
	if (*params != NULL && !cJSON_IsObject(*params))
		return qtm_error(ctx, -EINVAL, _("POST /jobs/submit: \"params\" must be an object of the module's parameters"));
	*module = m->valuestring;
	*version = v != NULL ? v->valuestring : NULL;
	*priority = p != NULL ? p->valuestring : NULL;
	return 0;
}

/* Every planned job, requirements first; {"jobs": [...]} with each job as GET /jobs/{id}. */
static int
submit_plan(struct qtm_hive_server *srv, const cJSON *bodies, cJSON *jobs, bool *any_created)
{
	const cJSON *b;
	int rc = 0;

	cJSON_ArrayForEach(b, bodies) {
		cJSON *job = NULL;
		bool created = false;

		if ((rc = qtm_hive_db_submit(srv->ctx, srv->db, b, hive_now(), srv->conf->max_attempts, &job, &created)) < 0)
			break;
		if (!created)
			cJSON_AddBoolToObject(job, "deduplicated", true);
		*any_created = *any_created || created;
		cJSON_AddItemToArray(jobs, job);
	}
	return rc;
}

static enum MHD_Result
submit_by_name(struct qtm_hive_server *srv, struct MHD_Connection *c, const cJSON *body)
{
	const char *module = NULL, *version = NULL, *priority = NULL;
	const cJSON *params = NULL;
	cJSON *bodies = NULL, *j;
	bool created = false;
	int rc = by_name_fields(srv->ctx, body, &module, &version, &priority, &params);

	if (rc == 0)
		rc = qtm_hive_sources_plan(srv->ctx, srv->sources, module, version,
		    cJSON_GetArraySize(params) > 0 ? params : NULL, priority, &bodies);
	if (rc < 0) {
		/* What no source offers, in that version or at all, is not found; a plan the
		 * solver cannot make is unprocessable. */
		unsigned status = rc == -ENOEXEC ? MHD_HTTP_UNPROCESSABLE_CONTENT : rc == -ERANGE ?
		    MHD_HTTP_BAD_REQUEST : qtm_hive_http_status(rc);

		return qtm_hive_reply_error(c, status, qtm_strerror(srv->ctx));
	}
	j = cJSON_CreateObject();
	rc = submit_plan(srv, bodies, cJSON_AddArrayToObject(j, "jobs"), &created);
	cJSON_Delete(bodies);
	if (rc < 0) {
		cJSON_Delete(j);
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	}
	return qtm_hive_reply_json(c, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, j);
}

enum MHD_Result
hive_submit(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq)
{
	static const char *const fields[] = { "module", "version", "build_id", "priority", "estimate_s",
		"resources", "depends_on", "hosts", "max_attempts", "spec", "params", NULL };
	static const char *const full_only[] = { "build_id", "estimate_s", "resources", "depends_on", "hosts",
		"max_attempts", "spec", NULL };
	cJSON *body, *job = NULL;
	bool created = false, full = false;
	int rc;

	if (!hive_operator_ok(srv, c))
		return hive_unauthorized(c, WHAT);
	if ((rc = qtm_hive_parse_json(srv->ctx, &rq->body, fields, WHAT, &body)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	for (size_t i = 0; full_only[i] != NULL; i++)
		full = full || cJSON_HasObjectItem(body, full_only[i]);
	if (!full) {
		enum MHD_Result r = submit_by_name(srv, c, body);

		cJSON_Delete(body);
		return r;
	}
	/* The fully specified form (qtm's hand-off) carries its parameters in its spec. */
	if (cJSON_HasObjectItem(body, "params"))
		rc = qtm_error(srv->ctx, -EINVAL, _("POST /jobs/submit: \"params\" goes with a module named alone; a job with "
		    "its build id carries its parameters in its spec"));
	else
		rc = qtm_hive_db_submit(srv->ctx, srv->db, body, hive_now(), srv->conf->max_attempts, &job, &created);
	cJSON_Delete(body);
	if (rc == 0 && !created)
		cJSON_AddBoolToObject(job, "deduplicated", true);
	if (rc < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	return qtm_hive_reply_json(c, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, job);
}
