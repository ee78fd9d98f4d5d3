/* cmd-depends.c - qtm depends NAME (what it requires, and what satisfies each requirement) and
 * qtm rdepends [--installed] NAME (what requires it). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "cmd.h"
#include "ctx.h"
#include "db.h"
#include "deps-internal.h"
#include "i18n.h"
#include "pool-internal.h"

static int cmd_depends_exec(struct qtm_ctx *, int, char **);

const struct qtm_cmd_entry cmd_depends_entry = {
	"depends", NULL, N_("NAME"), N_("show what a package requires and what satisfies it"), cmd_depends_exec,
};
const struct qtm_cmd_entry cmd_rdepends_entry = {
	"rdepends", NULL, N_("[--installed] NAME"), N_("show what requires a package"), cmd_depends_exec,
};

/* The installed version of name if there is one, else the newest available. */
static Id
pick(struct qtm_pool *p, const char *name)
{
	Queue q;
	Id id = 0;

	queue_init(&q);
	qtm_pool_by_name(p, name, &q);
	for (int i = 0; i < q.count && id == 0; i++)
		if (qtm_pool_is_installed(p, q.elements[i]))
			id = q.elements[i];
	if (id == 0 && q.count > 0)
		id = q.elements[0];
	queue_free(&q);
	return id;
}

/* An available package that is also installed in the same version shows once, as installed. */
static bool
shadowed(struct qtm_pool *p, Id id)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	bool hit = false;
	Queue q;

	if (s->repo == p->system)
		return false;
	queue_init(&q);
	qtm_pool_by_name(p, pool_id2str(p->pool, s->name), &q);
	for (int i = 0; i < q.count && !hit; i++)
		hit = qtm_pool_is_installed(p, q.elements[i]) && pool_id2solvable(p->pool, q.elements[i])->evr == s->evr;
	queue_free(&q);
	return hit;
}

static cJSON *
solvable_json(struct qtm_pool *p, Id id)
{
	Solvable *s = pool_id2solvable(p->pool, id);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", pool_id2str(p->pool, s->name));
	cJSON_AddStringToObject(o, "version", pool_id2str(p->pool, s->evr));
	cJSON_AddBoolToObject(o, "installed", s->repo == p->system);
	return o;
}

static void
depends(struct qtm_ctx *ctx, struct qtm_pool *p, Id id, cJSON *out)
{
	Pool *pool = p->pool;
	Solvable *s = pool_id2solvable(pool, id);
	Id *reqp, req, prov, pp;

	for (reqp = s->requires ? s->repo->idarraydata + s->requires : NULL; reqp != NULL && (req = *reqp) != 0; reqp++) {
		cJSON *o = cJSON_CreateObject(), *by = cJSON_AddArrayToObject(o, "satisfied_by");

		cJSON_AddStringToObject(o, "requires", pool_dep2str(pool, req));
		if (!ctx->json)
			printf("%s\n", pool_dep2str(pool, req));
		FOR_PROVIDES(prov, pp, req) {
			Solvable *ps = pool_id2solvable(pool, prov);

			if (shadowed(p, prov))
				continue;
			cJSON_AddItemToArray(by, solvable_json(p, prov));
			if (!ctx->json)
				printf("    %s %s%s\n", pool_id2str(pool, ps->name), pool_id2str(pool, ps->evr),
				    ps->repo == p->system ? _(" [installed]") : "");
		}
		if (!ctx->json && cJSON_GetArraySize(by) == 0)
			printf("    %s\n", _("(nothing provides it)"));
		cJSON_AddItemToArray(out, o);
	}
}

static int
cmd_depends_exec(struct qtm_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "installed", no_argument, NULL, 'i' }, { NULL, 0, NULL, 0 } };
	bool reverse = strcmp(argv[0], "rdepends") == 0, installed_only = false;
	struct qtm_pool *p = NULL;
	struct qtm_db *db = NULL;
	cJSON *out;
	Queue q;
	Id id;
	int c, rc;

	while ((c = getopt_long(argc, argv, "i", opts, NULL)) != -1) {
		if (c != 'i' || !reverse)
			return cmd_usage(reverse ? &cmd_rdepends_entry : &cmd_depends_entry, _("unknown option"));
		installed_only = true;
	}
	if (optind != argc - 1)
		return cmd_usage(reverse ? &cmd_rdepends_entry : &cmd_depends_entry, _("name one package"));
	if ((rc = cmd_open_reader(ctx, &db)) == 0)
		rc = qtm_pool_open(ctx, db, QTM_POOL_SOURCES | QTM_POOL_INSTALLED |
		    (reverse ? 0 : QTM_POOL_RUNTIME), &p);
	if (rc == 0 && (id = pick(p, argv[optind])) == 0)
		rc = qtm_error(ctx, -ENOENT, _("unknown package \"%s\" (see: qtm list)"), argv[optind]);
	if (rc == 0) {
		out = cJSON_CreateArray();
		if (!reverse) {
			depends(ctx, p, id, out);
		} else {
			queue_init(&q);
			qtm_deps_rdepends(p, id, installed_only, &q);
			for (int i = 0; i < q.count; i++) {
				Solvable *s = pool_id2solvable(p->pool, q.elements[i]);

				if (shadowed(p, q.elements[i]))
					continue;
				cJSON_AddItemToArray(out, solvable_json(p, q.elements[i]));
				if (!ctx->json)
					printf("%s %s%s\n", pool_id2str(p->pool, s->name), pool_id2str(p->pool, s->evr),
					    s->repo == p->system ? _(" [installed]") : "");
			}
			queue_free(&q);
		}
		if (ctx->json)
			cmd_print_json(out);
		else
			cJSON_Delete(out);
	}
	qtm_pool_free(p);
	qtm_db_close(db);
	return rc;
}
