/* transaction.c - installing and removing packages step by step. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "archive.h"
#include "artifact-check.h"
#include "buildid.h"
#include "ctx.h"
#include "dataset.h"
#include "db.h"
#include "fetch.h"
#include "history.h"
#include "i18n.h"
#include "model.h"
#include "model-requires.h"
#include "number.h"
#include "params.h"
#include "paths.h"
#include "pool-internal.h"
#include "runtime.h"
#include "solve.h"
#include "source.h"
#include "store.h"
#include "train.h"
#include "train-jobs.h"
#include "trainer.h"
#include "transaction.h"
#include "xalloc.h"

/* A model's training submitted to the hive ahead of its turn (see submit_later()). */
struct ahead_job {
	bool tried;              /* submitted, or found to need no training */
	long long job;           /* the hive's job, 0 when none */
	char build_id[QTM_SHA256_HEX];
};

struct run {
	struct qtm_ctx *ctx;
	struct qtm_pool *pool;
	struct qtm_db *db;
	const struct qtm_transaction_opts *opts;
	struct qtm_source *sources;
	size_t n_sources;
	struct qtm_runtime *runtime;
	int64_t history_id;
	const struct qtm_plan *plan;
	bool ahead;              /* later models' trainings may be submitted to a hive early */
	struct ahead_job *ahead_jobs;   /* by plan step */
};

static const struct qtm_source *
source_of(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n_sources; i++)
		if (strcmp(r->sources[i].name, name) == 0)
			return &r->sources[i];
	return NULL;
}

/* What an install step does to what is installed, for the history. */
static const char *
install_action(const struct qtm_installed *old, const struct qtm_step *st, struct qtm_pool *pool)
{
	int cmp;

	if (old == NULL)
		return "install";
	cmp = pool_evrcmp_str(pool->pool, st->version, old->version, EVRCMP_COMPARE);
	return cmp > 0 ? "upgrade" : cmp < 0 ? "downgrade" : "reinstall";
}

/* The store directories a new row for name replaces: every installed version's, or with keep
 * only version's (side by side), other than the new path. */
static char **
replaced_paths(struct run *r, const char *name, const char *version, const char *path)
{
	struct qtm_installed *v;
	char **gone = xcalloc(1, sizeof *gone);
	size_t n;

	if (qtm_db_list(r->ctx, r->db, &v, &n) < 0)
		return gone;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 && (version == NULL || strcmp(v[i].version, version) == 0) &&
		    strcmp(v[i].store_path, path) != 0)
			gone = strv_push(gone, v[i].store_path);
	qtm_installed_free_all(v, n);
	return gone;
}

/* Commits the package row, its files and its history item in one SQLite transaction, then
 * drops the directory of whatever it replaced. */
static int
record(struct run *r, const struct qtm_step *st, const struct qtm_manifest *m,
    const struct qtm_model_artifact *art, const struct qtm_filelist *files, const char *path)
{
	char *metrics_text = art != NULL ? cJSON_PrintUnformatted(art->metrics) : NULL;
	char *params_text = art != NULL ? cJSON_PrintUnformatted(art->params) : NULL;
	char *curve_text = art != NULL && art->curve != NULL ? cJSON_PrintUnformatted(art->curve) : NULL;
	struct qtm_installed pkg = {
		.name = st->name, .version = st->version, .kind = st->kind,
		.build_id = art != NULL ? (char *)art->build_id : NULL, .params = params_text,
		.origin = art == NULL ? NULL : art->trained_by != NULL ? art->trained_by : (char *)art->origin,
		.reason = st->manual ? "manual" : "auto", .source = st->source,
		.manifest = (char *)qtm_pool_manifest_json(r->pool, st->id), .metrics = metrics_text,
		.requires = m->requires, .store_path = (char *)path,
	};
	struct qtm_installed *old = NULL;
	struct qtm_history_item item = { 0 };
	int rc;
	bool keep = r->opts->keep && st->manual;
	int got = keep ? qtm_db_get_version(r->ctx, r->db, st->name, st->version, &old)
	    : qtm_db_get(r->ctx, r->db, st->name, &old);

	if (got == 0 && !st->manual)
		pkg.reason = old->reason;   /* a package pulled in again keeps a "manual" mark */
	item = (struct qtm_history_item){ .action = (char *)install_action(old, st, r->pool),
	    .name = st->name, .kind = st->kind, .new_version = st->version,
	    .old_version = old != NULL ? old->version : NULL, .new_build_id = pkg.build_id,
	    .old_build_id = old != NULL ? old->build_id : NULL, .reason = pkg.reason, .replaces = st->replaces };
	if ((rc = qtm_db_begin(r->ctx, r->db)) == 0) {
		char **gone = replaced_paths(r, st->name, keep ? st->version : NULL, path);

		for (size_t i = 0; rc == 0 && gone[i] != NULL; i++)
			rc = qtm_db_pending_add(r->ctx, r->db, gone[i]);
		if (rc == 0 && (rc = qtm_db_put(r->ctx, r->db, &pkg, files, keep)) == 0 &&
		    (curve_text == NULL || (rc = qtm_db_set_curve(r->ctx, r->db, pkg.id, curve_text)) == 0) &&
		    (rc = qtm_history_add(r->ctx, r->db, r->history_id, &item)) == 0 &&
		    (rc = qtm_db_pending_remove(r->ctx, r->db, path)) == 0)
			rc = qtm_db_commit(r->ctx, r->db);
		if (rc < 0)
			qtm_db_rollback(r->db);
		/* What this one replaces is garbage once the new row is committed. */
		for (size_t i = 0; rc == 0 && gone[i] != NULL; i++)
			rc = qtm_store_remove(r->ctx, r->db, gone[i]);
		strv_free(gone);
	}
	qtm_installed_free(old);
	cJSON_free(metrics_text);
	cJSON_free(params_text);
	cJSON_free(curve_text);
	return rc;
}

/* A dataset's store tag: a hash over its files' hashes. */
static void
dataset_tag(const struct qtm_manifest *m, char tag[QTM_SHA256_HEX])
{
	struct qtm_sha256 h;

	qtm_sha256_init(&h);
	for (size_t i = 0; i < m->n_files; i++) {
		qtm_sha256_update(&h, m->files[i].name, strlen(m->files[i].name) + 1);
		qtm_sha256_update(&h, m->files[i].sha256, 64);
	}
	qtm_sha256_final(&h, tag);
}

static int
install_dataset(struct run *r, const struct qtm_step *st, const struct qtm_manifest *m)
{
	const struct qtm_source *src = source_of(r, st->source);
	struct qtm_filelist files = { 0 };
	char *staging = NULL, *target, tag[QTM_SHA256_HEX];
	int rc;

	if (src == NULL)
		return qtm_error(r->ctx, -ENOENT, _("%s: its source %s is no longer configured"), m->name, st->source);
	rc = qtm_dataset_fetch(r->ctx, m, src->url, src->mirrors, NULL);
	if (rc < 0 || r->opts->download_only)
		return rc;
	if ((rc = qtm_store_staging(r->ctx, m->name, &staging)) < 0)
		return rc;
	files.v = xcalloc(m->n_files, sizeof *files.v);
	for (size_t i = 0; rc == 0 && i < m->n_files; i++) {
		char *from = xasprintf("%s/datasets/%s/%s/%s", r->ctx->cache_dir, m->name, m->version, m->files[i].name);
		char *to = xasprintf("%s/%s", staging, m->files[i].name);

		rc = qtm_link_or_copy(r->ctx, from, to);
		files.v[files.n++] = (struct qtm_file_entry){ .path = xstrdup(m->files[i].name),
		    .size = m->files[i].size, .mode = 0644 };
		memcpy(files.v[files.n - 1].sha256, m->files[i].sha256, QTM_SHA256_HEX);
		free(from);
		free(to);
	}
	/* The files are links to the downloads, which were not synced one by one: once, now. */
	if (rc == 0)
		rc = qtm_sync_tree(r->ctx, staging);
	dataset_tag(m, tag);
	target = qtm_store_dir(r->ctx, m->name, m->version, tag);
	if (rc == 0)
		rc = qtm_store_commit(r->ctx, r->db, staging, target);
	else
		qtm_rm_rf(r->ctx, staging);
	if (rc == 0)
		rc = record(r, st, m, NULL, &files, target);
	qtm_filelist_free(&files);
	free(staging);
	free(target);
	return rc;
}

static struct qtm_model_build_opts
model_opts(struct run *r, const struct qtm_step *st, const struct qtm_manifest *m)
{
	const struct qtm_source *src = source_of(r, st->source);

	return (struct qtm_model_build_opts){
		.base_url = src != NULL ? src->url : NULL, .mirrors = src != NULL ? src->mirrors : NULL,
		.overrides = cJSON_GetObjectItemCaseSensitive(r->opts->params, m->name), .rt = r->runtime,
		.fetch_only = r->opts->download_only, .train = r->opts->train,
		.hive_url = r->opts->hive_url, .hive_mode = r->opts->hive_mode,
	};
}

/* trained: the build a worker has just trained (parallel installs), or NULL; defer: NULL, or
 * where a training to run here goes instead of running (then 1 is returned). */
static int
install_model(struct run *r, const struct qtm_step *st, const struct qtm_manifest *m, const char *trained,
    struct qtm_model_training **defer)
{
	struct qtm_model_build_opts bo = model_opts(r, st, m);
	const struct ahead_job *aj = &r->ahead_jobs[st - r->plan->steps];
	char *staging = NULL, *target;
	struct qtm_model_artifact art;
	struct qtm_filelist files = { 0 };
	int rc;

	if (bo.base_url == NULL)
		return qtm_error(r->ctx, -ENOENT, _("%s: its source %s is no longer configured"), m->name, st->source);
	if (aj->job != 0) {
		bo.hive_job = aj->job;
		bo.hive_job_build_id = aj->build_id;
	}
	bo.trained_build_id = trained;
	bo.defer = defer;
	rc = qtm_model_build(r->ctx, r->db, m, &bo, &art);
	if (rc != 0 || r->opts->download_only)
		goto out;
	if ((rc = qtm_store_staging(r->ctx, m->name, &staging)) < 0)
		goto out;
	target = qtm_store_dir(r->ctx, m->name, m->version, art.build_id);
	rc = qtm_archive_unpack(r->ctx, art.path, staging, 0, &files);
	if (rc == 0 && (rc = qtm_artifact_check(r->ctx, m, staging, &files)) < 0)
		qtm_model_artifact_discard(r->ctx, &art);   /* never reused from the cache */
	if (rc < 0)
		qtm_rm_rf(r->ctx, staging);
	else if ((rc = qtm_store_commit(r->ctx, r->db, staging, target)) == 0)
		rc = record(r, st, m, &art, &files, target);
	free(target);
out:
	qtm_filelist_free(&files);
	qtm_model_artifact_clear(&art);
	free(staging);
	return rc;
}

static int
remove_step(struct run *r, const struct qtm_step *st)
{
	struct qtm_installed *old = NULL;
	struct qtm_history_item item;
	int rc = qtm_db_get_version(r->ctx, r->db, st->name, st->version, &old);

	if (rc == -ENOENT)
		return 0;   /* already gone (an earlier, interrupted run got this far) */
	if (rc < 0)
		return rc;
	item = (struct qtm_history_item){ .action = "remove", .name = old->name, .kind = old->kind,
	    .old_version = old->version, .old_build_id = old->build_id, .reason = old->reason };
	if ((rc = qtm_db_begin(r->ctx, r->db)) == 0) {
		if ((rc = qtm_db_delete_version(r->ctx, r->db, st->name, st->version)) == 0 &&
		    (rc = qtm_history_add(r->ctx, r->db, r->history_id, &item)) == 0 &&
		    (rc = qtm_db_pending_add(r->ctx, r->db, old->store_path)) == 0)
			rc = qtm_db_commit(r->ctx, r->db);
		if (rc < 0)
			qtm_db_rollback(r->db);
	}
	/* The row is gone first, the path recorded as pending with it: an interruption now
	 * leaves a directory recovery knows to remove. */
	if (rc == 0)
		rc = qtm_store_remove(r->ctx, r->db, old->store_path);
	qtm_installed_free(old);
	return rc;
}

static int
run_step(struct run *r, const struct qtm_step *st)
{
	struct qtm_manifest *m;
	int rc;

	if (st->action == QTM_STEP_REMOVE)
		return r->opts->download_only ? 0 : remove_step(r, st);
	if ((rc = qtm_pool_manifest(r->pool, st->id, &m)) < 0)
		return rc;
	rc = m->is_dataset ? install_dataset(r, st, m) : install_model(r, st, m, NULL, NULL);
	qtm_manifest_free(m);
	return rc;
}

/* ---- trainings submitted to a hive ahead of their turn ------------------------------------
 *
 * With a hive, a model's turn submits its training and follows it to the end, so that models
 * would train one after another however many runners the hive has.  So at each model's turn,
 * every later model whose inputs are all installed by then is submitted first (each once): the
 * hive runs them side by side, and their turns only follow those jobs (perhaps done by then)
 * and install the artifacts.  This is only speculation: each turn computes its own build id
 * and follows the job submitted ahead only when it was for that build id, so a job submitted
 * ahead with other inputs is wasted work, never a wrong install.  To keep that unlikely it is
 * done only for plans that install packages none of which is installed in any version; and
 * datasets are then installed first, so that every model needing only datasets goes at the
 * first model's turn. */

static bool
model_install(const struct qtm_step *st)
{
	return st->action == QTM_STEP_INSTALL && strcmp(st->kind, "dataset") != 0;
}

static bool
ahead_possible(struct run *r)
{
	const struct qtm_plan *plan = r->plan;
	size_t models = 0;
	int rc;

	if (r->opts->download_only || r->opts->hive_mode == QTM_HIVE_LOCAL)
		return false;
	for (size_t i = 0; i < plan->n; i++) {
		struct qtm_installed *old = NULL;

		if (plan->steps[i].action != QTM_STEP_INSTALL)
			return false;
		rc = qtm_db_get(r->ctx, r->db, plan->steps[i].name, &old);
		qtm_installed_free(old);
		if (rc != -ENOENT)
			return false;
		models += model_install(&plan->steps[i]);
	}
	if (models < 2)
		return false;
	return qtm_trainer_of(r->ctx)->configured(r->ctx, r->opts->hive_url) == 0;
}

/* The order the steps run in: the plan's, or with submissions ahead datasets first. */
static size_t *
run_order(const struct qtm_plan *plan, bool datasets_first)
{
	size_t *order = xcalloc(plan->n + 1, sizeof *order), n = 0;

	for (int pass = datasets_first ? 0 : 1; pass < 2; pass++)
		for (size_t i = 0; i < plan->n; i++)
			if (!datasets_first || model_install(&plan->steps[i]) == (pass == 1))
				order[n++] = i;
	return order;
}

/* Before the turn of order[k]: later models whose inputs are installed go to the hive. */
static void
submit_later(struct run *r, const size_t *order, size_t k)
{
	for (size_t j = k + 1; r->ahead && j < r->plan->n; j++) {
		const struct qtm_step *st = &r->plan->steps[order[j]];
		struct ahead_job *aj = &r->ahead_jobs[order[j]];
		struct qtm_model_build_opts bo;
		struct qtm_model_artifact art;
		struct qtm_manifest *m;
		int rc;

		if (!model_install(st) || aj->tried || qtm_pool_manifest(r->pool, st->id, &m) < 0)
			continue;
		bo = model_opts(r, st, m);
		bo.submit_ahead = true;
		rc = qtm_model_build(r->ctx, r->db, m, &bo, &art);
		if (rc >= 0) {
			aj->tried = true;
			aj->job = art.hive_job;
			memcpy(aj->build_id, art.build_id, sizeof aj->build_id);
		} else if (rc == -EHOSTUNREACH)
			r->ahead = false;   /* no usable hive: each turn finds out for itself */
		else
			qtm_verbose(r->ctx, _("%s: not submitted ahead: %s"), st->name, qtm_strerror(r->ctx));
		qtm_model_artifact_clear(&art);
		qtm_manifest_free(m);
	}
}

/* ---- trainings side by side (-j N, jobs = auto) ------------------------------------------
 *
 * Without a hive, the models of a plan that do not depend on each other train at the same
 * time, each in a forked worker (train-jobs.h).  This process keeps the database: datasets are
 * installed first (fetched once, whoever needs them), then each model whose requirements in
 * the plan are installed gets its build id here; one that needs a training is queued for a
 * worker, and once that worker has packed the artifact into the cache it is installed from
 * there as a training of this install.  A failed training stops no other: what does not depend
 * on it still trains and is installed, and the transaction fails with the first failure. */

enum par_state { PAR_WAITING, PAR_QUEUED, PAR_RUNNING, PAR_DONE, PAR_FAILED };

struct par_model {
	const struct qtm_step *st;
	struct qtm_manifest *m;
	size_t *deps, n_deps;   /* indexes of the models it requires */
	enum par_state state;
	struct qtm_model_training *t;
};

struct par {
	struct run *r;
	struct par_model *v;
	size_t n;
	struct qtm_train_jobs *pool;
	int rc;                  /* the first failure */
	char msg[sizeof ((struct qtm_ctx *)0)->errmsg];
};

static bool
parallel_possible(struct run *r)
{
	size_t models = 0;

	if (r->opts->download_only || r->ahead || r->ctx->jobs == 1)
		return false;
	for (size_t i = 0; i < r->plan->n; i++)
		models += model_install(&r->plan->steps[i]);
	return models >= 2 && (r->opts->hive_mode == QTM_HIVE_LOCAL ||
	    qtm_trainer_of(r->ctx)->configured(r->ctx, r->opts->hive_url) != 0);
}

static int
collect_name(void *arg, const char *name)
{
	char ***names = arg;

	*names = strv_push(*names, name);
	return 0;
}

/* m is cap, or provides it ("cap", "cap >= 1"...). */
static bool
satisfies(const struct qtm_manifest *m, const char *cap)
{
	const cJSON *it;
	size_t len = strlen(cap);

	if (strcmp(m->name, cap) == 0)
		return true;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(m->json, "provides"))
		if (cJSON_IsString(it) && strncmp(it->valuestring, cap, len) == 0 &&
		    strchr(" <>=", it->valuestring[len]) != NULL)
			return true;
	return false;
}

static void
find_deps(struct par *p, struct par_model *pm)
{
	char **names = NULL;
	cJSON *runtime = cJSON_CreateObject();

	qtm_model_requires_walk(p->r->ctx, pm->m, p->r->runtime, runtime, collect_name, &names);
	pm->deps = xcalloc(p->n + 1, sizeof *pm->deps);
	for (size_t j = 0; j < p->n; j++)
		for (size_t k = 0; &p->v[j] != pm && names != NULL && names[k] != NULL; k++)
			if (satisfies(p->v[j].m, names[k])) {
				pm->deps[pm->n_deps++] = j;
				break;
			}
	strv_free(names);
	cJSON_Delete(runtime);
}

static void
par_fail(struct par *p, struct par_model *pm, int rc)
{
	pm->state = PAR_FAILED;
	qtm_error_prefix(p->r->ctx, _("installing %s"), pm->st->name);
	if (p->rc == 0) {
		p->rc = rc;
		snprintf(p->msg, sizeof p->msg, "%s", qtm_strerror(p->r->ctx));
	} else {
		qtm_train_jobs_quiet(p->pool);
		qtm_warn(p->r->ctx, "%s", qtm_strerror(p->r->ctx));
	}
}

/* A model whose requirements are in: installed from what is there, or queued for a worker. */
static void
par_prepare(struct par *p, struct par_model *pm)
{
	int rc;

	qtm_train_jobs_quiet(p->pool);
	qtm_info(p->r->ctx, _("Installing %s %s"), pm->st->name, pm->st->version);
	rc = install_model(p->r, pm->st, pm->m, NULL, &pm->t);
	if (rc == 1)
		pm->state = PAR_QUEUED;
	else if (rc == 0)
		pm->state = PAR_DONE;
	else
		par_fail(p, pm, rc);
}

static int
par_train(struct qtm_ctx *ctx, void *arg, char **limits, double *wall_s)
{
	return qtm_model_training_run(ctx, arg, limits, wall_s);
}

/* What a queued model's training takes of the machine: its declared cpus and memory for each
 * of its ranks (a data-parallel training runs world_size processes). */
static void
par_needs(const struct par_model *pm, int *cpus, long *memory_mb)
{
	int world = qtm_params_world_size(pm->m, pm->t != NULL ? pm->t->params : NULL);

	*cpus = pm->m->resources.cpus * world;
	*memory_mb = pm->m->resources.memory_mb * world;
}

/* Prepares what became ready and starts what fits; false when nothing changed. */
static bool
par_step(struct par *p)
{
	bool changed = false;

	for (size_t i = 0; i < p->n && !qtm_train_jobs_interrupted(p->pool); i++) {
		struct par_model *pm = &p->v[i];
		bool ready = pm->state == PAR_WAITING, lost = false;
		int cpus;
		long memory_mb;

		for (size_t k = 0; ready && k < pm->n_deps; k++) {
			ready = p->v[pm->deps[k]].state == PAR_DONE;
			lost = lost || p->v[pm->deps[k]].state == PAR_FAILED;
		}
		if (pm->state == PAR_WAITING && lost) {
			pm->state = PAR_FAILED;   /* its requirement failed: the first failure says why */
			changed = true;
		} else if (ready) {
			par_prepare(p, pm);
			changed = true;
		}
		par_needs(pm, &cpus, &memory_mb);
		if (pm->state == PAR_QUEUED && qtm_train_jobs_fits(p->pool, cpus, memory_mb)) {
			int rc = qtm_model_training_begin(p->r->ctx, p->r->db, pm->t);

			if (rc == 0)
				rc = qtm_train_jobs_start(p->pool, p->r->ctx, i, pm->st->name, cpus,
				    memory_mb, par_train, pm->t);
			if (rc < 0)
				par_fail(p, pm, rc);
			else
				pm->state = PAR_RUNNING;
			changed = true;
		}
	}
	return changed;
}

/* A worker ended: its artifact installed, or its failure kept. */
static void
par_finished(struct par *p, const struct qtm_train_job_done *d)
{
	struct par_model *pm = &p->v[d->id];
	struct qtm_ctx *ctx = p->r->ctx;
	int rc = d->rc;

	qtm_model_training_end(ctx, p->r->db, pm->t, rc == 0, qtm_strerror(ctx), d->limits, d->wall_s);
	qtm_train_jobs_quiet(p->pool);
	if (rc == 0) {
		qtm_info(ctx, _("Trained %s in %.1f s (limits: %s; log: %s)"), pm->m->name, d->wall_s,
		    d->limits != NULL ? d->limits : "", pm->t->log);
		rc = install_model(p->r, pm->st, pm->m, pm->t->build_id, NULL);
	}
	if (rc == 0)
		pm->state = PAR_DONE;
	else
		par_fail(p, pm, rc);
}

static int
run_parallel(struct run *r)
{
	struct par p = { .r = r };
	struct qtm_train_job_done d;
	size_t done = 0;

	p.v = xcalloc(r->plan->n + 1, sizeof *p.v);
	for (size_t i = 0; i < r->plan->n; i++)
		if (model_install(&r->plan->steps[i]) && qtm_pool_manifest(r->pool, r->plan->steps[i].id, &p.v[p.n].m) == 0)
			p.v[p.n++].st = &r->plan->steps[i];
	for (size_t i = 0; i < p.n; i++)
		find_deps(&p, &p.v[i]);
	p.pool = qtm_train_jobs_new(r->ctx, r->ctx->jobs);
	for (;;) {
		while (par_step(&p))
			;
		if (qtm_train_jobs_running(p.pool) == 0)
			break;
		if (qtm_train_jobs_wait(p.pool, r->ctx, &d) < 0) {
			p.rc = -EINTR;
			snprintf(p.msg, sizeof p.msg, "%s", qtm_strerror(r->ctx));
			break;
		}
		par_finished(&p, &d);
		free(d.limits);
	}
	if (p.rc == 0 && qtm_train_jobs_interrupted(p.pool)) {
		p.rc = -EINTR;
		snprintf(p.msg, sizeof p.msg, "%s", _("interrupted: every training stopped, nothing more installed"));
	}
	qtm_train_jobs_free(p.pool);
	for (size_t i = 0; i < p.n; i++) {
		done += p.v[i].state == PAR_DONE;
		qtm_model_training_free(p.v[i].t);
		qtm_manifest_free(p.v[i].m);
		free(p.v[i].deps);
	}
	free(p.v);
	if (p.rc < 0)
		return qtm_error(r->ctx, p.rc, "%s", p.msg);
	return 0;
}

int
qtm_transaction_run(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, const struct qtm_transaction_opts *opts, size_t *done)
{
	struct run r = { .ctx = ctx, .pool = pool, .db = db, .opts = opts, .plan = plan };
	int rc = qtm_sources_list(ctx, &r.sources, &r.n_sources);
	size_t i = 0, *order;
	bool parallel, parallel_done = false;

	if (rc == 0)
		rc = qtm_runtime_probe(ctx, &r.runtime);
	if (rc == 0 && !opts->download_only)
		rc = qtm_history_begin(ctx, db, ctx->command != NULL ? ctx->command : "qtm", &r.history_id);
	r.ahead = rc == 0 && ahead_possible(&r);
	r.ahead_jobs = xcalloc(plan->n + 1, sizeof *r.ahead_jobs);
	parallel = rc == 0 && parallel_possible(&r);
	order = run_order(plan, r.ahead || parallel);
	for (i = 0; rc == 0 && i < plan->n; i++) {
		const struct qtm_step *st = &plan->steps[order[i]];

		if (parallel && model_install(st)) {
			/* All the models at the first one's turn (they come after the datasets). */
			if (!parallel_done && (rc = run_parallel(&r)) == 0)
				parallel_done = true;
			continue;
		}

		qtm_info(ctx, st->action == QTM_STEP_REMOVE ? _("Removing %s %s") : _("Installing %s %s"),
		    st->name, st->version);
		if (model_install(st))
			submit_later(&r, order, i);
		if ((rc = run_step(&r, st)) < 0)
			qtm_error_prefix(ctx, st->action == QTM_STEP_REMOVE ? _("removing %s") : _("installing %s"),
			    st->name);
	}
	if (r.history_id != 0)
		qtm_history_finish(ctx, db, r.history_id, rc == 0 ? "done" : "failed", rc == 0 ? NULL : qtm_strerror(ctx));
	if (rc == 0 && r.history_id != 0 && qtm_db_backup(ctx, db) < 0)
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
	if (done != NULL)
		*done = rc < 0 && i > 0 ? i - 1 : i;
	free(order);
	free(r.ahead_jobs);
	qtm_sources_free(r.sources, r.n_sources);
	qtm_runtime_free(r.runtime);
	return rc;
}
