/* cmd-check-deps.c - qtm check-deps: the runtime capabilities available modules need, which
 * are missing, and the Debian package that provides each.  Exit status 1 when one is missing. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "pool.h"
#include "query.h"
#include "runtime.h"
#include "xalloc.h"

static int cmd_check_deps_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_check_deps_entry = { &qtm_verb_check_deps, cmd_check_deps_exec };

static cJSON *
cap_entry(cJSON *caps, const char *cap, const struct qtm_runtime *rt)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(caps, cap);
	const char *v, *deb;

	if (o != NULL)
		return o;
	o = cJSON_AddObjectToObject(caps, cap);
	v = qtm_runtime_version(rt, cap);
	deb = qtm_runtime_debian_package(cap);
	cJSON_AddItemToObject(o, "version", v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "debian_package", deb != NULL ? cJSON_CreateString(deb) : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "satisfied", true);
	cJSON_AddArrayToObject(o, "needed_by");
	return o;
}

/* Records that module needs dep; marks it unsatisfied when the probed version does not fit. */
static void
note_need(struct qtm_pool *p, cJSON *caps, const struct qtm_runtime *rt, const char *module,
    const struct qtm_dep *dep)
{
	cJSON *o = cap_entry(caps, dep->name, rt);
	const char *have = qtm_runtime_version(rt, dep->name);
	bool ok = have != NULL;
	char *need = dep->op ? xasprintf("%s (%s %s)", module, qtm_dep_op_str(dep->op), dep->version) : xstrdup(module);
	if (ok)
		ok = qtm_pool_version_ok(p, have, dep);
	if (!ok)
		cJSON_ReplaceItemInObject(o, "satisfied", cJSON_CreateFalse());
	cJSON_AddItemToArray(cJSON_GetObjectItem(o, "needed_by"), cJSON_CreateString(need));
	free(need);
}

static void
print_text(const cJSON *caps)
{
	const cJSON *c, *by;

	cJSON_ArrayForEach(c, caps) {
		const cJSON *v = cJSON_GetObjectItem(c, "version"), *deb = cJSON_GetObjectItem(c, "debian_package");
		bool ok = cJSON_IsTrue(cJSON_GetObjectItem(c, "satisfied"));

		printf("%-28s %-10s %-8s", c->string, cJSON_IsString(v) ? v->valuestring : _("missing"),
		    ok ? _("ok") : _("MISSING"));
		if (!ok && cJSON_IsString(deb))
			printf(_(" apt-get install %s"), deb->valuestring);
		printf("\n    %s", _("needed by:"));
		cJSON_ArrayForEach(by, cJSON_GetObjectItem(c, "needed_by"))
			printf(" %s", by->valuestring);
		printf("\n");
	}
}

static int
cmd_check_deps_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	struct qtm_runtime *rt = NULL;
	struct qtm_pool *p = NULL;
	struct qtm_pkg *v;
	cJSON *caps, *c;
	int rc, missing = 0;
	size_t n;

	if (argc != 1)
		return cmd_usage(&cmd_check_deps_entry, _("takes no arguments"));
	if ((rc = qtm_pool_open(ctx, NULL, QTM_POOL_SOURCES, &p)) < 0 || (rc = qtm_runtime_probe(ctx, &rt)) < 0) {
		qtm_pool_free(p);
		return rc;
	}
	caps = cJSON_CreateObject();
	n = qtm_query_available(p, &v);
	for (size_t k = 0; k < n; k++) {
		struct qtm_manifest *m;

		if (qtm_pool_manifest(p, v[k].id, &m) < 0)
			continue;
		for (size_t i = 0; m->requires[i] != NULL; i++) {
			struct qtm_dep dep;

			if (qtm_dep_parse(ctx, m->requires[i], &dep) == 0 && strncmp(dep.name, "runtime(", 8) == 0)
				note_need(p, caps, rt, m->name, &dep);
			qtm_dep_clear(&dep);
		}
		qtm_manifest_free(m);
	}
	free(v);
	cJSON_ArrayForEach(c, caps)
		missing += !cJSON_IsTrue(cJSON_GetObjectItem(c, "satisfied"));
	if (ctx->json)
		cmd_print_json(caps);
	else {
		print_text(caps);
		cJSON_Delete(caps);
	}
	qtm_runtime_free(rt);
	qtm_pool_free(p);
	if (missing > 0)
		return qtm_error(ctx, -ENOPKG, ngettext("%d runtime capability is missing: install the Debian package named above",
		    "%d runtime capabilities are missing: install the Debian packages named above", (unsigned long)missing),
		    missing);
	return 0;
}
