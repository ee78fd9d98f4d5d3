/* hive-db-jobs.c - jobs in the hive's queue: submit, read, cancel, requeue, and the ends of
 * attempts (complete, fail, lease expiry) that decide between retry, failure and cancel. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ctx.h"
#include "hive-db.h"
#include "hive-db-internal.h"
#include "hive-sched.h"
#include "i18n.h"
#include "manifest.h"
#include "xalloc.h"

static const char *const prio_names[] = { "high", "medium", "low" };

cJSON *
hdb_job_json(sqlite3_stmt *st)
{
	cJSON *j = cJSON_CreateObject(), *art = cJSON_CreateNull();
	int prio = sqlite3_column_int(st, 4), state = sqlite3_column_int(st, 5);

	cJSON_AddNumberToObject(j, "id", (double)sqlite3_column_int64(st, 0));
	cJSON_AddItemToObject(j, "module", hdb_json_str(st, 1));
	cJSON_AddItemToObject(j, "version", hdb_json_str(st, 2));
	cJSON_AddItemToObject(j, "build_id", hdb_json_str(st, 3));
	cJSON_AddStringToObject(j, "priority", prio_names[prio >= 0 && prio <= 2 ? prio : 1]);
	cJSON_AddStringToObject(j, "state", qtm_hive_state_names[state >= 0 && state < QTM_HIVE_N_STATES ? state : 0]);
	cJSON_AddNumberToObject(j, "estimate_s", sqlite3_column_double(st, 6));
	cJSON_AddItemToObject(j, "resources", hdb_json_raw(st, 7));
	cJSON_AddItemToObject(j, "depends_on", hdb_json_raw(st, 8));
	cJSON_AddItemToObject(j, "hosts", hdb_json_raw(st, 9));
	cJSON_AddNumberToObject(j, "attempts", sqlite3_column_int(st, 10));
	cJSON_AddNumberToObject(j, "max_attempts", sqlite3_column_int(st, 11));
	cJSON_AddItemToObject(j, "runner", hdb_json_str(st, 12));
	cJSON_AddItemToObject(j, "progress", hdb_json_num(st, 13));
	cJSON_AddItemToObject(j, "eta_s", hdb_json_num(st, 14));
	/* The stored curve is cJSON's own output (hive-db-claim.c): sent as it is, not parsed and
	 * printed again, which was most of the cost of a dashboard's update. */
	cJSON_AddItemToObject(j, "loss", sqlite3_column_type(st, 15) == SQLITE_NULL ? cJSON_CreateArray() :
	    cJSON_CreateRaw((const char *)sqlite3_column_text(st, 15)));
	cJSON_AddItemToObject(j, "submitted_at", hdb_json_num(st, 16));
	cJSON_AddItemToObject(j, "started_at", hdb_json_num(st, 17));
	cJSON_AddItemToObject(j, "finished_at", hdb_json_num(st, 18));
	cJSON_AddItemToObject(j, "not_before", hdb_json_num(st, 19));
	cJSON_AddItemToObject(j, "error", hdb_json_str(st, 20));
	if (sqlite3_column_type(st, 21) != SQLITE_NULL) {
		cJSON_Delete(art);
		art = cJSON_CreateObject();
		cJSON_AddItemToObject(art, "sha256", hdb_json_str(st, 21));
		cJSON_AddNumberToObject(art, "size", (double)sqlite3_column_int64(st, 22));
	}
	cJSON_AddItemToObject(j, "artifact", art);
	cJSON_AddItemToObject(j, "metrics", hdb_json_raw(st, 23));
	cJSON_AddBoolToObject(j, "cancel_requested", sqlite3_column_int(st, 24) != 0);
	return j;
}

static cJSON *
attempt_log(struct qtm_hive_db *db, int64_t id)
{
	sqlite3_stmt *st = hdb_stmt(db, S_ATTEMPTS);
	cJSON *list = cJSON_CreateArray();

	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddNumberToObject(a, "attempt", sqlite3_column_int(st, 0));
		cJSON_AddItemToObject(a, "runner", hdb_json_str(st, 1));
		cJSON_AddItemToObject(a, "started_at", hdb_json_num(st, 2));
		cJSON_AddItemToObject(a, "finished_at", hdb_json_num(st, 3));
		cJSON_AddItemToObject(a, "outcome", hdb_json_str(st, 4));
		cJSON_AddItemToObject(a, "error", hdb_json_str(st, 5));
		cJSON_AddItemToArray(list, a);
	}
	sqlite3_reset(st);
	return list;
}

static int
job_row(struct qtm_ctx *ctx, struct qtm_hive_db *db, enum hdb_stmt s, int64_t id, const char *build_id,
    cJSON **out)
{
	sqlite3_stmt *st = hdb_stmt(db, s);
	int rc;

	if (build_id != NULL)
		sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	*out = (rc = sqlite3_step(st)) == SQLITE_ROW ? hdb_job_json(st) : NULL;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return hdb_sql_error(ctx, db, "job");
	if (build_id != NULL)
		return -ENOENT;
	return qtm_error(ctx, -ENOENT, _("no job %lld in the hive"), (long long)id);
}

static cJSON *
job_spec(struct qtm_hive_db *db, int64_t id)
{
	sqlite3_stmt *st = hdb_stmt(db, S_JOB_SPEC);
	cJSON *spec;

	sqlite3_bind_int64(st, 1, id);
	spec = sqlite3_step(st) == SQLITE_ROW ? hdb_json_raw(st, 0) : cJSON_CreateNull();
	sqlite3_reset(st);
	return spec;
}

int
qtm_hive_db_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, bool full, cJSON **out)
{
	int rc = job_row(ctx, db, S_JOB_BY_ID, id, NULL, out);

	if (rc == 0 && full) {
		cJSON_AddItemToObject(*out, "attempt_log", attempt_log(db, id));
		cJSON_AddItemToObject(*out, "spec", job_spec(db, id));
	}
	return rc;
}

int
qtm_hive_db_jobs(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_job_filter *f, cJSON **out)
{
	bool all = f->state == NULL && f->module == NULL && f->runner == NULL;
	sqlite3_stmt *st = hdb_stmt(db, all ? S_JOBS_ALL : S_JOBS_STATE);
	cJSON *list;
	int s = 0, rc;

	while (f->state != NULL && s < QTM_HIVE_N_STATES && strcmp(qtm_hive_state_names[s], f->state) != 0)
		s++;
	if (s == QTM_HIVE_N_STATES)
		return qtm_error(ctx, -EINVAL, _("unknown job state \"%s\" (pending, running, completed, failed "
		    "or cancelled)"), f->state);
	if (!all) {
		sqlite3_bind_int(st, 1, f->state != NULL ? s : -1);
		sqlite3_bind_text(st, 3, f->module, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, f->runner, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, all ? 1 : 2, f->limit > 0 ? f->limit : -1);
	list = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(list, hdb_job_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(list);
		return hdb_sql_error(ctx, db, "jobs");
	}
	*out = cJSON_CreateObject();
	cJSON_AddItemToObject(*out, "jobs", list);
	return 0;
}

int
qtm_hive_db_build_id(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, char build_id[QTM_SHA256_HEX])
{
	sqlite3_stmt *st = hdb_stmt(db, S_JOB_STATE);
	bool found;

	sqlite3_bind_int64(st, 1, id);
	if ((found = sqlite3_step(st) == SQLITE_ROW))
		snprintf(build_id, QTM_SHA256_HEX, "%s", (const char *)sqlite3_column_text(st, 4));
	sqlite3_reset(st);
	return found ? 0 : qtm_error(ctx, -ENOENT, _("no job %lld in the hive"), (long long)id);
}

int
qtm_hive_db_job_state(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, int *state, int *attempt_seq)
{
	sqlite3_stmt *st = hdb_stmt(db, S_JOB_STATE);
	bool found;

	sqlite3_bind_int64(st, 1, id);
	if ((found = sqlite3_step(st) == SQLITE_ROW)) {
		*state = sqlite3_column_int(st, 0);
		*attempt_seq = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return found ? 0 : qtm_error(ctx, -ENOENT, _("no job %lld in the hive"), (long long)id);
}

/* ---- submit ---- */

struct submit {
	const char *module, *version, *build_id, *prio;
	double estimate;
	long long max_attempts, cpus, memory_mb, gpu;
	double vram;
	cJSON *resources, *depends, *hosts;   /* normalised copies (owned) */
	const cJSON *spec;
};

static bool
str_array(const cJSON *a, bool build_ids)
{
	const cJSON *e;

	if (!cJSON_IsArray(a))
		return false;
	cJSON_ArrayForEach(e, a)
		if (!cJSON_IsString(e) || (build_ids && !qtm_sha256_valid(e->valuestring)))
			return false;
	return true;
}

/* The bounds of a submitted job's resources: those of qtm-module(5), with 0 for "not set"
 * (cpus 0 is read as 1, time_limit_s 0 as no limit). */
static const struct resource_range {
	const char *name;
	double min, max;
} resource_ranges[] = {
	{ "cpus", 0, 1024 },
	{ "memory_mb", 0, 1 << 24 },
	{ "min_vram_gib", 0, 4096 },
	{ "time_limit_s", 0, 7 * 86400 },
};

static const struct resource_range *
resource_range(const char *name)
{
	for (size_t i = 0; i < sizeof resource_ranges / sizeof resource_ranges[0]; i++)
		if (strcmp(resource_ranges[i].name, name) == 0)
			return &resource_ranges[i];
	return NULL;
}

/* The first numeric resource of r that is not a number within its range, or NULL. */
static const cJSON *
number_out_of_range(const cJSON *r)
{
	for (size_t i = 0; i < sizeof resource_ranges / sizeof resource_ranges[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, resource_ranges[i].name);

		if (v != NULL && (!cJSON_IsNumber(v) || !(v->valuedouble >= resource_ranges[i].min) ||
		    !(v->valuedouble <= resource_ranges[i].max)))
			return v;
	}
	return NULL;
}

static int
check_resources(struct qtm_ctx *ctx, struct submit *s, const cJSON *r)
{
	static const char *const gpus[] = { "none", "prefer", "require" };
	const cJSON *v;

	s->resources = r != NULL ? cJSON_Duplicate(r, true) : cJSON_CreateObject();
	if (r != NULL && !cJSON_IsObject(r))
		return qtm_error(ctx, -EINVAL, _("job %s: \"resources\" must be an object"), s->module);
	if ((v = number_out_of_range(r)) != NULL)
		return qtm_error(ctx, -EINVAL, _("job %s: resources.%s must be a number from %g to %g"), s->module,
		    v->string, resource_range(v->string)->min, resource_range(v->string)->max);
	v = cJSON_GetObjectItemCaseSensitive(r, "cpus");
	s->cpus = v != NULL ? (long long)v->valuedouble : 1;
	v = cJSON_GetObjectItemCaseSensitive(r, "memory_mb");
	s->memory_mb = v != NULL ? (long long)v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(r, "min_vram_gib");
	s->vram = v != NULL ? v->valuedouble : 0;
	s->gpu = -1;
	v = cJSON_GetObjectItemCaseSensitive(r, "gpu");
	for (int i = 0; i < 3; i++)
		if (v == NULL ? i == 0 : cJSON_IsString(v) && strcmp(v->valuestring, gpus[i]) == 0)
			s->gpu = i;
	if (s->gpu < 0)
		return qtm_error(ctx, -EINVAL, _("job %s: resources.gpu must be \"none\", \"prefer\" or \"require\""),
		    s->module);
	return 0;
}

static int
check_hosts(struct qtm_ctx *ctx, struct submit *s, const cJSON *h)
{
	const cJSON *allow = cJSON_GetObjectItemCaseSensitive(h, "allow");
	const cJSON *deny = cJSON_GetObjectItemCaseSensitive(h, "deny");

	if (h != NULL && (!cJSON_IsObject(h) || (allow != NULL && !str_array(allow, false)) ||
	    (deny != NULL && !str_array(deny, false))))
		return qtm_error(ctx, -EINVAL, _("job %s: \"hosts\" must be {\"allow\": [...], \"deny\": [...]} "
		    "with host names or globs"), s->module);
	s->hosts = cJSON_CreateObject();
	cJSON_AddItemToObject(s->hosts, "allow", allow != NULL ? cJSON_Duplicate(allow, true) : cJSON_CreateArray());
	cJSON_AddItemToObject(s->hosts, "deny", deny != NULL ? cJSON_Duplicate(deny, true) : cJSON_CreateArray());
	return 0;
}

static int
check_submit(struct qtm_ctx *ctx, const cJSON *b, int default_max, struct submit *s)
{
	const cJSON *v;

	s->module = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "module"));
	s->version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "version"));
	s->build_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "build_id"));
	if (s->module == NULL || s->module[0] == '\0' || s->version == NULL || s->version[0] == '\0')
		return qtm_error(ctx, -EINVAL, _("submit: \"module\" and \"version\" must be non-empty strings"));
	if (!qtm_name_valid(s->module))
		return qtm_error(ctx, -EINVAL, _("submit: \"module\" is not a valid module name (lowercase letters, "
		    "digits, + - . _)"));
	if (s->build_id == NULL || !qtm_sha256_valid(s->build_id))
		return qtm_error(ctx, -EINVAL, _("job %s: \"build_id\" must be 64 lowercase hex digits"), s->module);
	v = cJSON_GetObjectItemCaseSensitive(b, "priority");
	s->prio = v == NULL ? "medium" : cJSON_GetStringValue(v);
	if (s->prio == NULL || (strcmp(s->prio, "high") != 0 && strcmp(s->prio, "medium") != 0 &&
	    strcmp(s->prio, "low") != 0))
		return qtm_error(ctx, -EINVAL, _("job %s: \"priority\" must be \"high\", \"medium\" or \"low\""), s->module);
	v = cJSON_GetObjectItemCaseSensitive(b, "estimate_s");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12))
		return qtm_error(ctx, -EINVAL, _("job %s: \"estimate_s\" must be a number >= 0"), s->module);
	s->estimate = v != NULL ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(b, "max_attempts");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 100))
		return qtm_error(ctx, -EINVAL, _("job %s: \"max_attempts\" must be a number from 1 to 100"), s->module);
	s->max_attempts = v != NULL ? (long long)v->valuedouble : default_max;
	v = cJSON_GetObjectItemCaseSensitive(b, "depends_on");
	if (v != NULL && !str_array(v, true))
		return qtm_error(ctx, -EINVAL, _("job %s: \"depends_on\" must be a list of build ids"), s->module);
	s->depends = v != NULL ? cJSON_Duplicate(v, true) : cJSON_CreateArray();
	s->spec = cJSON_GetObjectItemCaseSensitive(b, "spec");
	if (!cJSON_IsObject(s->spec))
		return qtm_error(ctx, -EINVAL, _("job %s: \"spec\" must be an object"), s->module);
	int rc = check_resources(ctx, s, cJSON_GetObjectItemCaseSensitive(b, "resources"));

	return rc < 0 ? rc : check_hosts(ctx, s, cJSON_GetObjectItemCaseSensitive(b, "hosts"));
}

static void
bind_json(sqlite3_stmt *st, int i, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);

	sqlite3_bind_text(st, i, text, -1, free);
}

static int
insert_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct submit *s, double now, bool held,
    const char *sha, uint64_t size, int64_t *id)
{
	sqlite3_stmt *st = hdb_stmt(db, S_JOB_INSERT);
	const cJSON *dep;
	int rc, p = strcmp(s->prio, "high") == 0 ? 0 : strcmp(s->prio, "low") == 0 ? 2 : 1;

	sqlite3_bind_text(st, 1, s->module, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, p);
	sqlite3_bind_int(st, 5, held ? QTM_HIVE_COMPLETED : QTM_HIVE_PENDING);
	sqlite3_bind_double(st, 6, s->estimate);
	bind_json(st, 7, s->resources);
	sqlite3_bind_int64(st, 8, s->cpus);
	sqlite3_bind_int64(st, 9, s->memory_mb);
	sqlite3_bind_int64(st, 10, s->gpu);
	sqlite3_bind_double(st, 11, s->vram);
	bind_json(st, 12, s->depends);
	bind_json(st, 13, s->hosts);
	sqlite3_bind_int64(st, 14, s->max_attempts);
	sqlite3_bind_double(st, 15, now);
	qtm_sql_bind_opt_double(st, 16, held ? now : -1);
	qtm_sql_bind_text(st, 17, held ? sha : NULL);
	if (held)
		sqlite3_bind_int64(st, 18, (sqlite3_int64)size);
	bind_json(st, 19, s->spec);
	if ((rc = hdb_done(ctx, db, st, "submit")) < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(db->sql);
	cJSON_ArrayForEach(dep, s->depends) {
		st = hdb_stmt(db, S_DEP_INSERT);
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, dep->valuestring, -1, SQLITE_STATIC);
		if ((rc = hdb_done(ctx, db, st, "submit")) < 0)
			return rc;
	}
	return 0;
}

/* A job of the same build id: failed or cancelled ones get another chance. */
static int
resubmit(struct qtm_ctx *ctx, struct qtm_hive_db *db, cJSON *job, double now)
{
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "state"));
	sqlite3_stmt *st;

	if (strcmp(state, "failed") != 0 && strcmp(state, "cancelled") != 0)
		return 0;
	st = hdb_stmt(db, S_JOB_RESUBMIT);
	sqlite3_bind_int64(st, 1, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id")));
	sqlite3_bind_double(st, 2, now);
	return hdb_done(ctx, db, st, "submit");
}

int
qtm_hive_db_submit(struct qtm_ctx *ctx, struct qtm_hive_db *db, const cJSON *body, double now,
    int default_max_attempts, cJSON **job, bool *created)
{
	struct submit s = { 0 };
	char sha[QTM_SHA256_HEX];
	uint64_t size = 0;
	int64_t id = 0;
	int rc;

	*job = NULL;
	if ((rc = check_submit(ctx, body, default_max_attempts, &s)) == 0 && (rc = hdb_begin(ctx, db)) == 0) {
		cJSON *old = NULL;

		if ((rc = job_row(ctx, db, S_JOB_BY_BUILD, 0, s.build_id, &old)) == 0) {
			id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(old, "id"));
			rc = resubmit(ctx, db, old, now);
			*created = false;
		} else if (rc == -ENOENT) {
			bool held = qtm_hive_db_artifact(ctx, db, s.build_id, sha, &size) == 0;

			rc = insert_job(ctx, db, &s, now, held, sha, size, &id);
			*created = true;
		}
		cJSON_Delete(old);
		if ((rc = hdb_end(ctx, db, rc)) == 0)
			rc = qtm_hive_db_job(ctx, db, id, false, job);
	}
	cJSON_Delete(s.resources);
	cJSON_Delete(s.depends);
	cJSON_Delete(s.hosts);
	return rc;
}

/* ---- operator changes ---- */

int
qtm_hive_db_cancel(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, double now, cJSON **job)
{
	int state, seq, rc;
	sqlite3_stmt *st;

	if ((rc = qtm_hive_db_job_state(ctx, db, id, &state, &seq)) < 0)
		return rc;
	if (state == QTM_HIVE_PENDING) {
		st = hdb_stmt(db, S_JOB_SET_STATE);
		sqlite3_bind_int(st, 2, QTM_HIVE_CANCELLED);
		sqlite3_bind_double(st, 3, now);
	} else if (state == QTM_HIVE_RUNNING) {
		/* The runner learns it at its next heartbeat and reports fail; then it ends cancelled. */
		st = hdb_stmt(db, S_JOB_CANCEL_REQ);
	} else {
		return qtm_error(ctx, -EBUSY, _("job %lld is already %s"), (long long)id, qtm_hive_state_names[state]);
	}
	sqlite3_bind_int64(st, 1, id);
	if ((rc = hdb_done(ctx, db, st, "cancel")) < 0)
		return rc;
	return qtm_hive_db_job(ctx, db, id, false, job);
}

int
qtm_hive_db_requeue(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, bool artifact_held, bool force,
    double now, cJSON **job)
{
	int state, seq, rc;
	sqlite3_stmt *st;

	if ((rc = qtm_hive_db_job_state(ctx, db, id, &state, &seq)) < 0)
		return rc;
	if (state == QTM_HIVE_RUNNING && force) {
		/* The attempt ends and the lease goes with it: the runner's next heartbeat, log or
		 * result is refused (409) and it abandons the training, so it cannot complete twice. */
		if ((rc = hdb_begin(ctx, db)) < 0)
			return rc;
		rc = hdb_end_attempt(ctx, db, id, "requeued", _("requeued by the operator"), false, now);
		if (rc == 0) {
			st = hdb_stmt(db, S_JOB_RESUBMIT);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_double(st, 2, now);
			rc = hdb_done(ctx, db, st, "requeue");
		}
		if ((rc = hdb_end(ctx, db, rc)) < 0)
			return rc;
		return qtm_hive_db_job(ctx, db, id, false, job);
	}
	if (state == QTM_HIVE_RUNNING)
		return qtm_error(ctx, -EBUSY, _("job %lld is running: requeue --force ends its attempt and puts it back "
		    "in the queue"), (long long)id);
	if (state == QTM_HIVE_PENDING || (state == QTM_HIVE_COMPLETED && artifact_held))
		return qtm_error(ctx, -EBUSY, _("job %lld is %s%s: only failed or cancelled jobs, or completed ones "
		    "whose artifact was lost, can be requeued"), (long long)id, qtm_hive_state_names[state],
		    state == QTM_HIVE_COMPLETED ? _(" and its artifact is held") : "");
	st = hdb_stmt(db, S_JOB_RESUBMIT);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, now);
	if ((rc = hdb_done(ctx, db, st, "requeue")) < 0)
		return rc;
	return qtm_hive_db_job(ctx, db, id, false, job);
}

/* ---- the end of an attempt ---- */

int
hdb_end_attempt(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *outcome,
    const char *error, bool permanent, double now)
{
	sqlite3_stmt *st = hdb_stmt(db, S_JOB_STATE);
	int state, seq, cancel, attempts, max, next;
	char *runner;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	state = sqlite3_column_int(st, 0);
	seq = sqlite3_column_int(st, 1);
	cancel = sqlite3_column_int(st, 2);
	runner = qtm_sql_col_dup(st, 3);
	attempts = sqlite3_column_int(st, 5);
	max = sqlite3_column_int(st, 6);
	sqlite3_reset(st);
	if (state != QTM_HIVE_RUNNING) {
		free(runner);
		return 0;
	}
	next = cancel ? QTM_HIVE_CANCELLED : permanent || attempts >= max ? QTM_HIVE_FAILED : QTM_HIVE_PENDING;
	st = hdb_stmt(db, S_ATTEMPT_END);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_text(st, 4, cancel ? "cancelled" : outcome, -1, SQLITE_STATIC);
	qtm_sql_bind_text(st, 5, error);
	if ((rc = hdb_done(ctx, db, st, "attempt")) == 0) {
		st = hdb_stmt(db, S_JOB_RETRY);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, next);
		/* Retries back off: 2, 4, 8 ... seconds, at most a minute. */
		qtm_sql_bind_opt_double(st, 3,
		    next == QTM_HIVE_PENDING ? now + (attempts >= 6 ? 60 : (double)(1 << attempts)) : -1);
		qtm_sql_bind_opt_double(st, 4, next != QTM_HIVE_PENDING ? now : -1);
		qtm_sql_bind_text(st, 5, cancel ? _("cancelled by the operator") : error);
		sqlite3_bind_double(st, 6, now);
		rc = hdb_done(ctx, db, st, "attempt");
	}
	if (rc == 0 && runner != NULL) {
		st = hdb_stmt(db, S_RUNNER_IDLE);
		sqlite3_bind_text(st, 1, runner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		rc = hdb_done(ctx, db, st, "runner");
	}
	free(runner);
	return rc;
}
