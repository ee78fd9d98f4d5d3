/* hive-db-claim.c - leases: the claim (scheduler's pick, then one atomic UPDATE), heartbeats,
 * results accepted only under the current lease, the expiry sweep, counts and cleaning. */
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
#include "random-token.h"
#include "xalloc.h"

#define PAGE 64            /* candidates read per step of a claim */
#define MAX_RUNNERS 4096
#define LOSS_POINTS_MAX 1000   /* a loss curve is for a chart: the newest points suffice */

struct cands {
	struct qtm_hive_sched_job jobs[PAGE];
	char **vecs[2 * PAGE];
	size_t n, n_vecs;
};

static char **
host_list(struct cands *c, const cJSON *hosts, const char *which)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(hosts, which), *e;
	char **v;

	if (cJSON_GetArraySize(a) == 0)
		return NULL;
	v = xcalloc(1, sizeof *v);
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			v = strv_push(v, e->valuestring);
	c->vecs[c->n_vecs++] = v;
	return v;
}

static void
cands_clear(struct cands *c)
{
	for (size_t i = 0; i < c->n_vecs; i++)
		strv_free(c->vecs[i]);
	c->n = c->n_vecs = 0;
}

/* The candidate rows of a bound S_CANDIDATES or S_CANDIDATE_ONE. */
static int
read_rows(struct qtm_ctx *ctx, struct qtm_hive_db *db, sqlite3_stmt *st, struct cands *c)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct qtm_hive_sched_job *j = &c->jobs[c->n++];
		const char *h = (const char *)sqlite3_column_text(st, 7);

		*j = (struct qtm_hive_sched_job){ .id = sqlite3_column_int64(st, 0), .priority = sqlite3_column_int(st, 1),
			.estimate_s = sqlite3_column_double(st, 2), .cpus = sqlite3_column_int(st, 3),
			.memory_mb = (long)sqlite3_column_int64(st, 4), .gpu = sqlite3_column_int(st, 5),
			.min_vram_gib = sqlite3_column_double(st, 6), .pending_since = sqlite3_column_double(st, 8) };
		/* Only jobs with host lists pay for parsing them. */
		if (h != NULL && strstr(h, "[\"") != NULL) {
			cJSON *hosts = cJSON_Parse(h);

			j->allow = host_list(c, hosts, "allow");
			j->deny = host_list(c, hosts, "deny");
			cJSON_Delete(hosts);
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hdb_sql_error(ctx, db, "claim");
}

/* One page of pending, due candidates whose dependencies are held, best first. */
static int
read_page(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, int offset, struct cands *c)
{
	sqlite3_stmt *st = hdb_stmt(db, S_CANDIDATES);

	sqlite3_bind_double(st, 1, now);
	sqlite3_bind_int(st, 2, PAGE);
	sqlite3_bind_int(st, 3, offset);
	return read_rows(ctx, db, st, c);
}

/* The runners that are not lost, with what their jobs still need; *claimant is the index of
 * runner_id (-EACCES when it is not among them). */
static int
read_runners(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id, double now,
    struct qtm_hive_sched_runner **out, char ***hosts, size_t *n, int *claimant)
{
	sqlite3_stmt *st = hdb_stmt(db, S_RUNNERS_LIVE);
	size_t cap = 16;
	int rc;

	*out = xcalloc(cap, sizeof **out);
	*hosts = xcalloc(1, sizeof **hosts);
	*n = 0;
	*claimant = -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < MAX_RUNNERS) {
		struct qtm_hive_sched_runner *r;
		double left = sqlite3_column_double(st, 6) - (now - sqlite3_column_double(st, 7));

		if (*n == cap)
			*out = xreallocarray(*out, cap *= 2, sizeof **out);
		r = &(*out)[*n];
		if (strcmp((const char *)sqlite3_column_text(st, 0), runner_id) == 0)
			*claimant = (int)*n;
		*hosts = strv_push(*hosts, sqlite3_column_text(st, 1) != NULL ? (const char *)sqlite3_column_text(st, 1) : "");
		*r = (struct qtm_hive_sched_runner){ .cores = sqlite3_column_int(st, 2),
			.memory_mb = (long)sqlite3_column_int64(st, 3), .cuda = sqlite3_column_int(st, 4) != 0,
			.vram_mib = (long)sqlite3_column_int64(st, 5),
			.busy_remaining_s = sqlite3_column_type(st, 6) != SQLITE_NULL && left > 0 ? left : 0 };
		(*n)++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < *n; i++)
		(*out)[i].host = (*hosts)[i];
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return hdb_sql_error(ctx, db, "claim");
	if (*claimant < 0)
		return qtm_error(ctx, -EACCES, _("runner %s is not enrolled (or was removed): enroll again"), runner_id);
	return 0;
}

static int
pick_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id,
    const struct qtm_hive_sched_policy *pol, int64_t *id)
{
	struct qtm_hive_sched_runner *runners;
	struct cands *c = xcalloc(1, sizeof *c);
	char **hosts;
	size_t n;
	int me, rc;

	*id = 0;
	rc = read_runners(ctx, db, runner_id, pol->now, &runners, &hosts, &n, &me);
	for (int offset = 0; rc == 0 && *id == 0; offset += PAGE) {
		int k;

		cands_clear(c);
		if ((rc = read_page(ctx, db, pol->now, offset, c)) < 0 || c->n == 0)
			break;
		if ((k = qtm_hive_sched_pick(pol, runners, n, (size_t)me, c->jobs, c->n)) >= 0)
			*id = c->jobs[k].id;
		if (c->n < PAGE)
			break;
	}
	cands_clear(c);
	free(c);
	free(runners);
	strv_free(hosts);
	return rc;
}

/* The claim of one named job: *id is want when it may run on this runner now, else 0;
 * -EBUSY when it is not pending at all. */
static int
pick_named(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id,
    const struct qtm_hive_sched_policy *pol, int64_t want, int64_t *id)
{
	struct qtm_hive_sched_runner *runners = NULL;
	struct cands *c;
	sqlite3_stmt *st;
	char **hosts = NULL;
	size_t n = 0;
	int me, rc, state, seq;
	bool any_gpu = false;

	*id = 0;
	if ((rc = qtm_hive_db_job_state(ctx, db, want, &state, &seq)) < 0)
		return rc;
	if (state != QTM_HIVE_PENDING)
		return qtm_error(ctx, -EBUSY, _("job %lld is %s, not pending: it cannot be claimed"), (long long)want,
		    state >= 0 && state < QTM_HIVE_N_STATES ? qtm_hive_state_names[state] : "?");
	if ((rc = read_runners(ctx, db, runner_id, pol->now, &runners, &hosts, &n, &me)) == 0) {
		c = xcalloc(1, sizeof *c);
		st = hdb_stmt(db, S_CANDIDATE_ONE);
		sqlite3_bind_double(st, 1, pol->now);
		sqlite3_bind_int64(st, 2, want);
		for (size_t i = 0; i < n; i++)
			any_gpu = any_gpu || runners[i].cuda;
		if ((rc = read_rows(ctx, db, st, c)) == 0 && c->n == 1 &&
		    qtm_hive_sched_fits(pol, &runners[me], &c->jobs[0], any_gpu))
			*id = want;
		cands_clear(c);
		free(c);
	}
	free(runners);
	strv_free(hosts);
	return rc;
}

static int
take(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id, int64_t id, const char *lease,
    double now, int ttl)
{
	sqlite3_stmt *st = hdb_stmt(db, S_CLAIM);
	int rc, seq, state;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, runner_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lease, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, now + ttl);
	sqlite3_bind_double(st, 5, now);
	if ((rc = hdb_done(ctx, db, st, "claim")) < 0)
		return rc;
	if (sqlite3_changes(db->sql) != 1)
		return qtm_error(ctx, -EBUSY, _("job %lld was taken by another runner"), (long long)id);
	if ((rc = qtm_hive_db_job_state(ctx, db, id, &state, &seq)) < 0)
		return rc;
	st = hdb_stmt(db, S_ATTEMPT_INSERT);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_text(st, 3, runner_id, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, now);
	if ((rc = hdb_done(ctx, db, st, "claim")) < 0)
		return rc;
	st = hdb_stmt(db, S_RUNNER_BUSY);
	sqlite3_bind_text(st, 1, runner_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_double(st, 3, now);
	return hdb_done(ctx, db, st, "claim");
}

/* The pick and the take, inside the caller's transaction: *id 0 when nothing fits. */
static int
claim_in(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id, int64_t job_id,
    const struct qtm_hive_sched_policy *pol, int lease_ttl_s, char lease[33], int64_t *id)
{
	int rc = job_id > 0 ? pick_named(ctx, db, runner_id, pol, job_id, id) : pick_job(ctx, db, runner_id, pol, id);

	if (rc == 0 && *id != 0) {
		if (qtm_random_hex(lease, 16) < 0)
			abort();   /* the kernel's generator does not fail once booted */
		rc = take(ctx, db, runner_id, *id, lease, pol->now, lease_ttl_s);
	}
	return rc;
}

/* The claim's answer, once committed. */
static int
claim_answer(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease, int lease_ttl_s,
    cJSON **out)
{
	sqlite3_stmt *st;
	cJSON *job;
	int rc;

	if ((rc = qtm_hive_db_job(ctx, db, id, false, &job)) < 0)
		return rc;
	/* The runner needs the spec; listings do not carry it. */
	st = hdb_stmt(db, S_JOB_SPEC);
	sqlite3_bind_int64(st, 1, id);
	cJSON_AddItemToObject(job, "spec", sqlite3_step(st) == SQLITE_ROW ? hdb_json_raw(st, 0) : cJSON_CreateNull());
	sqlite3_reset(st);
	*out = cJSON_CreateObject();
	cJSON_AddItemToObject(*out, "job", job);
	cJSON_AddStringToObject(*out, "lease", lease);
	cJSON_AddNumberToObject(*out, "lease_ttl_s", lease_ttl_s);
	return 0;
}

int
qtm_hive_db_claim(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *runner_id, int64_t job_id,
    const struct qtm_hive_sched_policy *pol, int lease_ttl_s, cJSON **out)
{
	char lease[33];
	int64_t id = 0;
	int rc;

	*out = NULL;
	if ((rc = hdb_begin(ctx, db)) < 0)
		return rc;
	rc = claim_in(ctx, db, runner_id, job_id, pol, lease_ttl_s, lease, &id);
	if ((rc = hdb_end(ctx, db, rc)) < 0 || id == 0)
		return rc;
	return claim_answer(ctx, db, id, lease, lease_ttl_s, out);
}

/* Reads the job's state and lease: -ENOENT, -ESTALE when lease is not its current one, or
 * -EPERM when it is but was given to another runner than runner (NULL: any). */
static int
lease_ok(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease, const char *runner, int *seq,
    bool *cancel, char build_id[QTM_SHA256_HEX])
{
	sqlite3_stmt *st = hdb_stmt(db, S_LEASE_GET);
	char *holder = NULL;
	int rc, ok = 0;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		const char *cur = (const char *)sqlite3_column_text(st, 1);

		ok = sqlite3_column_int(st, 0) == QTM_HIVE_RUNNING && cur != NULL && lease != NULL &&
		    strcmp(cur, lease) == 0;
		if (seq != NULL)
			*seq = sqlite3_column_int(st, 3);
		if (cancel != NULL)
			*cancel = sqlite3_column_int(st, 4) != 0;
		if (build_id != NULL)
			snprintf(build_id, QTM_SHA256_HEX, "%s", (const char *)sqlite3_column_text(st, 2));
		holder = qtm_sql_col_dup(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		rc = qtm_error(ctx, -ENOENT, _("no job %lld in the hive"), (long long)id);
	else if (!ok)
		rc = qtm_error(ctx, -ESTALE, _("job %lld: the lease is not the job's current one (it expired, "
		    "or the job was given to another runner): stop working on it"), (long long)id);
	else if (runner != NULL && (holder == NULL || strcmp(holder, runner) != 0))
		/* A lease is bound to the runner that claimed it: knowing it is not enough. */
		rc = qtm_error(ctx, -EPERM, _("job %lld: its lease was given to runner %s, not to %s"), (long long)id,
		    holder != NULL ? holder : "?", runner);
	else
		rc = 0;
	free(holder);
	return rc;
}

int
qtm_hive_db_check_lease(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, int *attempt_seq)
{
	return lease_ok(ctx, db, id, lease, runner, attempt_seq, NULL, NULL);
}

static int
append_loss(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const cJSON *loss, double now)
{
	sqlite3_stmt *st = hdb_stmt(db, S_LOSS_GET);
	cJSON *curve = NULL, *e;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		curve = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (!cJSON_IsArray(curve)) {
		cJSON_Delete(curve);
		curve = cJSON_CreateArray();
	}
	if (cJSON_IsNumber(loss)) {
		cJSON *pt = cJSON_CreateArray();

		cJSON_AddItemToArray(pt, cJSON_CreateNumber(now));
		cJSON_AddItemToArray(pt, cJSON_CreateNumber(loss->valuedouble));
		cJSON_AddItemToArray(curve, pt);
	} else {
		/* A runner may send its whole curve at every heartbeat: only the points after the
		 * last one stored are new. */
		const cJSON *last = cJSON_GetArrayItem(curve, cJSON_GetArraySize(curve) - 1);
		double after = cJSON_IsArray(last) ? cJSON_GetNumberValue(cJSON_GetArrayItem(last, 0)) : -1e300;

		cJSON_ArrayForEach(e, loss)
			if (cJSON_GetArraySize(e) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(e, 0)) &&
			    cJSON_IsNumber(cJSON_GetArrayItem(e, 1)) && cJSON_GetArrayItem(e, 0)->valuedouble > after) {
				cJSON_AddItemToArray(curve, cJSON_Duplicate(e, true));
				after = cJSON_GetArrayItem(e, 0)->valuedouble;
			}
	}
	while (cJSON_GetArraySize(curve) > LOSS_POINTS_MAX)
		cJSON_DeleteItemFromArray(curve, 0);
	st = hdb_stmt(db, S_LOSS_SET);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, cJSON_PrintUnformatted(curve), -1, free);
	cJSON_Delete(curve);
	return hdb_done(ctx, db, st, "heartbeat");
}

int
qtm_hive_db_heartbeat(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, double progress, double eta_s, const cJSON *loss, double now, int lease_ttl_s, bool *cancel)
{
	sqlite3_stmt *st;
	int rc;

	if (loss != NULL && !cJSON_IsNumber(loss) && !cJSON_IsArray(loss))
		return qtm_error(ctx, -EINVAL, _("heartbeat of job %lld: \"loss\" must be a number or a list of "
		    "[t, value] pairs"), (long long)id);
	if ((rc = lease_ok(ctx, db, id, lease, runner, NULL, cancel, NULL)) < 0)
		return rc;
	st = hdb_stmt(db, S_HEARTBEAT);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, lease, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, now + lease_ttl_s);
	qtm_sql_bind_opt_double(st, 4, progress);
	qtm_sql_bind_opt_double(st, 5, eta_s);
	if ((rc = hdb_done(ctx, db, st, "heartbeat")) == 0 && loss != NULL)
		rc = append_loss(ctx, db, id, loss, now);
	return rc;
}

static int
finish(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_result *r, double now)
{
	char build_id[QTM_SHA256_HEX], held[QTM_SHA256_HEX];
	sqlite3_stmt *st;
	int rc, seq;

	if ((rc = lease_ok(ctx, db, r->id, r->lease, r->runner, &seq, NULL, build_id)) < 0)
		return rc;
	if (r->add_artifact &&
	    (rc = qtm_hive_db_artifact_add(ctx, db, build_id, r->sha256, r->size, now, r->attestation, true)) < 0)
		return rc;
	if (qtm_hive_db_artifact(ctx, db, build_id, held, NULL) < 0)
		return qtm_error(ctx, -EBADMSG, _("job %lld: the hive holds no artifact of build %s: upload it "
		    "(PUT /v1/artifact/%s) before completing"), (long long)r->id, build_id, build_id);
	if (strcmp(held, r->sha256) != 0)
		return qtm_error(ctx, -EBADMSG, _("job %lld: the artifact held for build %s has sha256 %s, not %s"),
		    (long long)r->id, build_id, held, r->sha256);
	st = hdb_stmt(db, S_ATTEMPT_END);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_text(st, 4, "completed", -1, SQLITE_STATIC);
	if ((rc = hdb_done(ctx, db, st, "complete")) < 0)
		return rc;
	st = hdb_stmt(db, S_JOB_DONE);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_double(st, 2, now);
	sqlite3_bind_text(st, 3, r->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->size);
	if (r->metrics != NULL)
		sqlite3_bind_text(st, 5, cJSON_PrintUnformatted(r->metrics), -1, free);
	if ((rc = hdb_done(ctx, db, st, "complete")) < 0)
		return rc;
	/* The runner is free again (its claim named it in the job's runner column). */
	st = hdb_stmt(db, S_JOB_STATE);
	sqlite3_bind_int64(st, 1, r->id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 3) != SQLITE_NULL) {
		char *runner = qtm_sql_col_dup(st, 3);

		sqlite3_reset(st);
		st = hdb_stmt(db, S_RUNNER_IDLE);
		sqlite3_bind_text(st, 1, runner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, r->id);
		rc = hdb_done(ctx, db, st, "complete");
		free(runner);
	}
	sqlite3_reset(st);
	return rc;
}

/* The next claim inside the completion's transaction, under a savepoint: when it fails, only
 * its own changes are undone. */
static int
claim_next(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_next_claim *n, char lease[33],
    int64_t *id)
{
	int rc;

	if ((rc = hdb_done(ctx, db, hdb_stmt(db, S_SAVEPOINT), "claim")) < 0)
		return rc;
	if ((rc = claim_in(ctx, db, n->runner_id, 0, n->pol, n->lease_ttl_s, lease, id)) < 0) {
		*id = 0;
		hdb_done(ctx, db, hdb_stmt(db, S_ROLLBACK_TO), "claim");
	}
	hdb_done(ctx, db, hdb_stmt(db, S_RELEASE), "claim");
	return rc;
}

int
qtm_hive_db_complete(struct qtm_ctx *ctx, struct qtm_hive_db *db, const struct qtm_hive_result *r,
    double now, const struct qtm_hive_next_claim *next, cJSON **next_out)
{
	char lease[33];
	int64_t id = 0;
	int rc = hdb_begin(ctx, db), claim_rc = 0;

	if (next_out != NULL)
		*next_out = NULL;
	if (rc < 0)
		return rc;
	rc = finish(ctx, db, r, now);
	if (rc == 0 && next != NULL)
		claim_rc = claim_next(ctx, db, next, lease, &id);
	if ((rc = hdb_end(ctx, db, rc)) < 0)
		return rc;
	if (claim_rc < 0)
		return claim_rc;
	return id != 0 && next_out != NULL ? claim_answer(ctx, db, id, lease, next->lease_ttl_s, next_out) : 0;
}

int
qtm_hive_db_fail(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t id, const char *lease,
    const char *runner, const char *error, bool permanent, double now, cJSON **job)
{
	int rc = hdb_begin(ctx, db);

	if (rc < 0)
		return rc;
	if ((rc = lease_ok(ctx, db, id, lease, runner, NULL, NULL, NULL)) == 0)
		rc = hdb_end_attempt(ctx, db, id, "failed", error, permanent, now);
	if ((rc = hdb_end(ctx, db, rc)) < 0)
		return rc;
	return qtm_hive_db_job(ctx, db, id, false, job);
}

int
qtm_hive_db_sweep(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, double lost_after_s, int *requeued)
{
	sqlite3_stmt *st;
	int64_t ids[256];
	char **runners = xcalloc(1, sizeof *runners), **unseen = xcalloc(1, sizeof *unseen);
	size_t n = 0;
	int rc;

	*requeued = 0;
	st = hdb_stmt(db, S_EXPIRED);
	sqlite3_bind_double(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW && n < sizeof ids / sizeof ids[0]) {
		ids[n++] = sqlite3_column_int64(st, 0);
		runners = strv_push(runners, sqlite3_column_text(st, 1) != NULL ? (const char *)sqlite3_column_text(st, 1) : "");
	}
	sqlite3_reset(st);
	st = hdb_stmt(db, S_RUNNERS_UNSEEN);
	sqlite3_bind_double(st, 1, now - lost_after_s);
	while (sqlite3_step(st) == SQLITE_ROW)
		unseen = strv_push(unseen, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (n == 0 && unseen[0] == NULL) {
		strv_free(runners);
		strv_free(unseen);
		return 0;
	}
	rc = hdb_begin(ctx, db);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *why = xasprintf(_("the lease expired: runner %s stopped renewing it"), runners[i]);

		rc = hdb_end_attempt(ctx, db, ids[i], "lost", why, false, now);
		free(why);
	}
	for (size_t i = 0; unseen[i] != NULL && rc == 0; i++)
		rc = qtm_hive_db_runner_gone(ctx, db, unseen[i], _("the runner stopped heartbeating"), false, now);
	strv_free(runners);
	strv_free(unseen);
	*requeued = (int)n;
	return hdb_end(ctx, db, rc);
}

int
qtm_hive_db_counts(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, int counts[QTM_HIVE_N_STATES],
    int *claimable)
{
	sqlite3_stmt *st = hdb_stmt(db, S_COUNTS);

	memset(counts, 0, QTM_HIVE_N_STATES * sizeof *counts);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return hdb_sql_error(ctx, db, "counts");
	}
	counts[QTM_HIVE_PENDING] = sqlite3_column_int(st, 0);
	counts[QTM_HIVE_RUNNING] = sqlite3_column_int(st, 1);
	counts[QTM_HIVE_FAILED] = sqlite3_column_int(st, 2);
	counts[QTM_HIVE_CANCELLED] = sqlite3_column_int(st, 3);
	counts[QTM_HIVE_COMPLETED] = sqlite3_column_int(st, 4) - counts[QTM_HIVE_PENDING] - counts[QTM_HIVE_RUNNING] -
	    counts[QTM_HIVE_FAILED] - counts[QTM_HIVE_CANCELLED];
	sqlite3_reset(st);
	st = hdb_stmt(db, S_CLAIMABLE);
	sqlite3_bind_double(st, 1, now);
	*claimable = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

static char **
column_list(struct qtm_hive_db *db, enum hdb_stmt s, double arg)
{
	sqlite3_stmt *st = hdb_stmt(db, s);
	char **v = xcalloc(1, sizeof *v);

	if (s == S_CLEAN_JOBS)
		sqlite3_bind_double(st, 1, arg);
	while (sqlite3_step(st) == SQLITE_ROW)
		v = strv_push(v, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}

static int
delete_by(struct qtm_ctx *ctx, struct qtm_hive_db *db, enum hdb_stmt s, const char *key)
{
	sqlite3_stmt *st = hdb_stmt(db, s);

	if (s == S_DEL_ARTIFACT)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, strtoll(key, NULL, 10));
	return hdb_done(ctx, db, st, "clean");
}

int
qtm_hive_db_clean(struct qtm_ctx *ctx, struct qtm_hive_db *db, double before, char ***jobs, char ***artifacts)
{
	int rc = hdb_begin(ctx, db);

	*jobs = column_list(db, S_CLEAN_JOBS, before);
	for (size_t i = 0; rc == 0 && (*jobs)[i] != NULL; i++)
		if ((rc = delete_by(ctx, db, S_DEL_JOB, (*jobs)[i])) == 0 &&
		    (rc = delete_by(ctx, db, S_DEL_ATTEMPTS, (*jobs)[i])) == 0)
			rc = delete_by(ctx, db, S_DEL_DEPS, (*jobs)[i]);
	*artifacts = column_list(db, S_CLEAN_ARTIFACTS, 0);
	for (size_t i = 0; rc == 0 && (*artifacts)[i] != NULL; i++)
		rc = delete_by(ctx, db, S_DEL_ARTIFACT, (*artifacts)[i]);
	/* An attestation speaks for its artifact only: it goes with it (or with one lost in a crash). */
	if (rc == 0 && sqlite3_exec(db->sql, "DELETE FROM attestations WHERE build_id NOT IN (SELECT build_id FROM artifacts)",
	    NULL, NULL, NULL) != SQLITE_OK)
		rc = hdb_sql_error(ctx, db, "clean");
	if ((rc = hdb_end(ctx, db, rc)) < 0) {
		strv_free(*jobs);
		strv_free(*artifacts);
		*jobs = *artifacts = NULL;
	}
	return rc;
}
