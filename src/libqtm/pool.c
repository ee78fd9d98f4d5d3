/* pool.c - the libsolv pool: packages from indexes, installed ones and the runtime as solvables,
 * and what is looked up about them.  Opening one from the configuration is pool-open.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/knownid.h>
#include <solv/repodata.h>
#include <solv/solvable.h>

#include "ctx.h"
#include "db.h"
#include "i18n.h"
#include "json.h"
#include "pin.h"
#include "pool-internal.h"
#include "repository.h"
#include "runtime.h"
#include "xalloc.h"

struct qtm_pool *
qtm_pool_new(struct qtm_ctx *ctx)
{
	struct qtm_pool *p = xcalloc(1, sizeof *p);

	p->ctx = ctx;
	p->pool = pool_create();
	pool_setdisttype(p->pool, DISTTYPE_DEB);
	pool_setarch(p->pool, "all");
	p->key_manifest = pool_str2id(p->pool, "qtm:manifest", 1);
	queue_init(&p->held);
	queue_init(&p->autos);
	return p;
}

void
qtm_pool_deferred_free(struct qtm_pool *p)
{
	for (size_t i = 0; i < p->n_deferred; i++) {
		free(p->deferred[i].dir);
		qtm_release_clear(&p->deferred[i].rel);
	}
	free(p->deferred);
	p->deferred = NULL;
	p->n_deferred = 0;
}

void
qtm_pool_free(struct qtm_pool *p)
{
	if (p == NULL)
		return;
	qtm_pool_deferred_free(p);
	queue_free(&p->held);
	queue_free(&p->autos);
	qtm_pool_pins_release(p);
	qtm_pins_free(p->pins, p->n_pins);
	pool_free(p->pool);
	free(p);
}

bool
qtm_pool_version_ok(struct qtm_pool *p, const char *have, const struct qtm_dep *dep)
{
	int cmp;

	if (dep->op == QTM_DEP_ANY)
		return true;
	cmp = pool_evrcmp_str(p->pool, have, dep->version, EVRCMP_COMPARE);
	switch (dep->op) {
	case QTM_DEP_LT: return cmp < 0;
	case QTM_DEP_LE: return cmp <= 0;
	case QTM_DEP_EQ: return cmp == 0;
	case QTM_DEP_GE: return cmp >= 0;
	case QTM_DEP_GT: return cmp > 0;
	default: return true;
	}
}

Id
qtm_pool_dep(struct qtm_pool *p, const struct qtm_dep *dep)
{
	static const int flags[] = {
		[QTM_DEP_LT] = REL_LT, [QTM_DEP_LE] = REL_LT | REL_EQ, [QTM_DEP_EQ] = REL_EQ,
		[QTM_DEP_GE] = REL_GT | REL_EQ, [QTM_DEP_GT] = REL_GT,
	};
	Id name = pool_str2id(p->pool, dep->name, 1);

	if (dep->op == QTM_DEP_ANY)
		return name;
	return pool_rel2id(p->pool, name, pool_str2id(p->pool, dep->version, 1), flags[dep->op], 1);
}

static Offset
add_deps(struct qtm_pool *p, Repo *repo, Offset where, char *const *deps, Id marker)
{
	struct qtm_dep dep;

	for (size_t i = 0; deps != NULL && deps[i] != NULL; i++) {
		/* Manifests were validated on load: a parse failure here cannot happen. */
		if (qtm_dep_parse(p->ctx, deps[i], &dep) < 0)
			continue;
		where = repo_addid_dep(repo, where, qtm_pool_dep(p, &dep), marker);
		qtm_dep_clear(&dep);
	}
	return where;
}

/* Adds one package; json_text is its index entry as stored for later lookups. */
static Id
add_package(struct qtm_pool *p, Repo *repo, Repodata *data, const struct qtm_manifest *m,
    const char *json_text)
{
	Id id = repo_add_solvable(repo);
	Solvable *s = pool_id2solvable(p->pool, id);

	s->name = pool_str2id(p->pool, m->name, 1);
	s->evr = pool_str2id(p->pool, m->version, 1);
	s->arch = ARCH_ALL;
	s->provides = repo_addid_dep(repo, s->provides, pool_rel2id(p->pool, s->name, s->evr, REL_EQ, 1), 0);
	s->provides = add_deps(p, repo, s->provides, m->provides, 0);
	s->requires = add_deps(p, repo, s->requires, m->requires, 0);
	s->conflicts = add_deps(p, repo, s->conflicts, m->conflicts, 0);
	/* The solver keeps a package and what it replaces from being installed together. */
	s->obsoletes = add_deps(p, repo, s->obsoletes, m->replaces, 0);
	repodata_set_str(data, id, SOLVABLE_SUMMARY, m->summary);
	repodata_set_str(data, id, p->key_manifest, json_text);
	return id;
}

/* Validates and adds every entry of an index's package array; origin names it in errors. */
static int
add_packages(struct qtm_pool *p, Repo *repo, const cJSON *packages, const char *origin, bool from_index)
{
	Repodata *data = repo_add_repodata(repo, 0);
	const cJSON *it;
	char where[512];
	int rc = 0, i = 0;

	cJSON_ArrayForEach(it, packages) {
		struct qtm_manifest *m;
		char *text;

		snprintf(where, sizeof where, "%s: packages[%d]", origin, i++);
		if ((rc = qtm_manifest_from_json(p->ctx, it, where, from_index, &m)) < 0)
			break;
		text = cJSON_PrintUnformatted(it);
		add_package(p, repo, data, m, text);
		cJSON_free(text);
		qtm_manifest_free(m);
	}
	repodata_internalize(data);
	return rc;
}

int
qtm_pool_add_index(struct qtm_pool *p, Repo *repo, const char *index_path, const char *origin)
{
	const cJSON *packages;
	cJSON *index;
	int rc;

	if ((rc = qtm_json_load_as(p->ctx, index_path, origin, &index)) < 0)
		return rc;
	if ((rc = qtm_index_packages(p->ctx, index, origin, &packages)) == 0)
		rc = add_packages(p, repo, packages, origin, true);
	cJSON_Delete(index);
	return rc;
}

int
qtm_pool_add_packages(struct qtm_pool *p, Repo *repo, const cJSON *packages, const char *origin)
{
	return add_packages(p, repo, packages, origin, true);
}

int
qtm_pool_add_json(struct qtm_pool *p, const char *repo_name, const cJSON *packages, bool installed)
{
	Repo *repo = installed ? p->system : repo_create(p->pool, repo_name);

	return add_packages(p, repo, packages, repo_name, !installed);
}

int
qtm_pool_add_installed(struct qtm_pool *p, struct qtm_db *db)
{
	Repodata *data = repo_add_repodata(p->system, 0);
	struct qtm_installed *v = NULL;
	size_t n = 0;
	int rc = qtm_db_list(p->ctx, db, &v, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct qtm_manifest *m;
		cJSON *json;
		Id id;

		if ((rc = qtm_json_parse(p->ctx, v[i].manifest, strlen(v[i].manifest), v[i].name, &json)) < 0)
			break;
		rc = qtm_manifest_from_json(p->ctx, json, v[i].name, false, &m);
		cJSON_Delete(json);
		if (rc < 0)
			break;
		id = add_package(p, p->system, data, m, v[i].manifest);
		if (v[i].held)
			queue_push(&p->held, id);
		if (strcmp(v[i].reason, "auto") == 0)
			queue_push(&p->autos, id);
		qtm_manifest_free(m);
	}
	repodata_internalize(data);
	qtm_installed_free_all(v, n);
	return rc < 0 ? qtm_error_prefix(p->ctx, _("installed database")) : 0;
}

/* The qtm-runtime solvable in @System, providing each capability at its version. */
static void
runtime_provide(struct qtm_pool *p, const char *cap, const char *version)
{
	Solvable *s;

	if (p->runtime == 0) {
		p->runtime = repo_add_solvable(p->system);
		s = pool_id2solvable(p->pool, p->runtime);
		s->name = pool_str2id(p->pool, "qtm-runtime", 1);
		s->evr = pool_str2id(p->pool, "1", 1);
		s->arch = ARCH_ALL;
		s->provides = repo_addid_dep(p->system, s->provides, pool_rel2id(p->pool, s->name, s->evr, REL_EQ, 1), 0);
	}
	s = pool_id2solvable(p->pool, p->runtime);
	s->provides = repo_addid_dep(p->system, s->provides, pool_rel2id(p->pool,
	    pool_str2id(p->pool, cap, 1), pool_str2id(p->pool, version, 1), REL_EQ, 1), 0);
}

void
qtm_pool_set_runtime(struct qtm_pool *p, const cJSON *caps)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, caps)
		if (cJSON_IsString(it))
			runtime_provide(p, it->string, it->valuestring);
}

void
qtm_pool_finish(struct qtm_pool *p)
{
	pool_addfileprovides(p->pool);
	pool_createwhatprovides(p->pool);
}

int
qtm_pool_probe_runtime(struct qtm_pool *p)
{
	struct qtm_runtime *rt;
	int rc = qtm_runtime_probe(p->ctx, &rt);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rt->n; i++)
		if (rt->caps[i].version != NULL)
			runtime_provide(p, rt->caps[i].cap, rt->caps[i].version);
	qtm_runtime_free(rt);
	return 0;
}

const char *
qtm_pool_manifest_json(struct qtm_pool *p, qtm_pkg_id id)
{
	return solvable_lookup_str(pool_id2solvable(p->pool, id), p->key_manifest);
}

int
qtm_pool_manifest(struct qtm_pool *p, qtm_pkg_id id, struct qtm_manifest **out)
{
	const char *text = qtm_pool_manifest_json(p, id);
	const char *name = pool_id2str(p->pool, pool_id2solvable(p->pool, id)->name);
	cJSON *json;
	int rc;

	if (text == NULL)
		return qtm_error(p->ctx, -ENOENT, _("%s: no metadata in the cache (run: qtm update)"), name);
	if ((rc = qtm_json_parse(p->ctx, text, strlen(text), name, &json)) < 0)
		return rc;
	rc = qtm_manifest_from_json(p->ctx, json, name, !qtm_pool_is_installed(p, id), out);
	cJSON_Delete(json);
	return rc;
}

/* Index entries are stored as cJSON prints them, without spaces. */
const char *
qtm_pool_kind(struct qtm_pool *p, qtm_pkg_id id)
{
	const char *json = qtm_pool_manifest_json(p, id);

	return json != NULL && strstr(json, "\"kind\":\"dataset\"") != NULL ? "dataset" : "model";
}

void
qtm_pool_set_priority(struct qtm_pool *p, const char *repo_name, int priority)
{
	Pool *pool = p->pool;   /* FOR_REPOS expects a variable named pool */
	Repo *repo;
	int i;

	FOR_REPOS(i, repo)
		if (strcmp(repo->name, repo_name) == 0)
			repo->priority = priority;
}

static void
mark(struct qtm_pool *p, const char *name, Queue *q)
{
	Pool *pool = p->pool;   /* FOR_REPO_SOLVABLES expects a variable named pool */
	Solvable *s;
	Id id;

	FOR_REPO_SOLVABLES(p->system, id, s)
		if (strcmp(pool_id2str(pool, s->name), name) == 0)
			queue_pushunique(q, id);
}

void
qtm_pool_mark_auto(struct qtm_pool *p, const char *name)
{
	mark(p, name, &p->autos);
}

void
qtm_pool_mark_held(struct qtm_pool *p, const char *name)
{
	mark(p, name, &p->held);
}

void
qtm_pool_set_keep(struct qtm_pool *p, bool keep)
{
	p->keep = keep;
}

double
qtm_pool_load_time(const struct qtm_pool *p, bool *from_cache)
{
	*from_cache = p->from_cache;
	return p->load_s;
}

bool
qtm_pool_is_installed(struct qtm_pool *p, qtm_pkg_id id)
{
	return pool_id2solvable(p->pool, id)->repo == p->system;
}

bool
qtm_queue_has(const Queue *q, Id id)
{
	for (int i = 0; i < q->count; i++)
		if (q->elements[i] == id)
			return true;
	return false;
}

void
qtm_pool_by_name(struct qtm_pool *p, const char *name, Queue *out)
{
	Pool *pool = p->pool;   /* FOR_PROVIDES expects a variable named pool */
	Id nameid = pool_str2id(pool, name, 0), pid, pp;

	queue_empty(out);
	if (nameid == 0)
		return;
	FOR_PROVIDES(pid, pp, nameid) {
		Solvable *s = pool_id2solvable(p->pool, pid);

		if (s->name == nameid)
			queue_push(out, pid);
	}
	/* Newest first. */
	for (int i = 0; i < out->count; i++)
		for (int j = i + 1; j < out->count; j++)
			if (pool_evrcmp(p->pool, pool_id2solvable(p->pool, out->elements[j])->evr,
			    pool_id2solvable(p->pool, out->elements[i])->evr, EVRCMP_COMPARE) > 0) {
				Id t = out->elements[i];

				out->elements[i] = out->elements[j];
				out->elements[j] = t;
			}
}
