/* hive-sources.c - the hive's repository sources in its own qtm layout (STATE/qtm), kept as
 * hive.conf says, and the plans of the jobs submitted by name. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctx.h"
#include "hive-conf.h"
#include "hive-job.h"
#include "hive-sources.h"
#include "i18n.h"
#include "manifest.h"
#include "paths.h"
#include "sign.h"
#include "source.h"
#include "trust.h"
#include "update.h"
#include "xalloc.h"

/* Sources are fetched again when a plan comes more than this long after the last fetch. */
#define UPDATE_EVERY_S 60.0

struct qtm_hive_sources {
	struct qtm_ctx *qctx;    /* the hive's qtm layout (owned) */
	size_t n;                /* sources configured */
	double updated_at;       /* 0: never fetched since they were set up */
};

/* Carries the private context's error over to ctx. */
static int
pass_error(struct qtm_ctx *ctx, const struct qtm_ctx *qctx, int rc)
{
	return rc < 0 ? qtm_error(ctx, rc, "%s", qctx->errmsg) : rc;
}

int
qtm_hive_sources_check(struct qtm_ctx *ctx, const struct qtm_hive_conf *conf)
{
	for (size_t i = 0; conf->source_names[i] != NULL; i++) {
		const char *name = conf->source_names[i], *url = conf->source_urls[i];
		struct qtm_key k;
		int rc;

		if (!qtm_name_valid(name) || strcmp(name, "bundled") == 0)
			return qtm_error(ctx, -EINVAL, _("hive.conf: source %s: invalid name (lowercase letters, digits and + - . _; \"bundled\" is reserved)"),
			    name);
		if (strncmp(url, "file://", 7) != 0 && strncmp(url, "http://", 7) != 0 &&
		    strncmp(url, "https://", 8) != 0 && url[0] != '/')
			return qtm_error(ctx, -EINVAL, _("hive.conf: source %s: unsupported URL \"%s\" (file://, http://, https:// or an absolute path)"),
			    name, url);
		if ((rc = qtm_key_load_public(ctx, conf->source_keys[i], &k)) < 0) {
			qtm_error_prefix(ctx, _("hive.conf: source %s: its key"), name);
			return rc;
		}
		qtm_key_free(&k);
	}
	return 0;
}

static bool
configured(const struct qtm_hive_conf *conf, const char *name, const char *url)
{
	for (size_t i = 0; conf->source_names[i] != NULL; i++)
		if (strcmp(conf->source_names[i], name) == 0)
			return url == NULL || strcmp(conf->source_urls[i], url) == 0;
	return false;
}

/* A source kept at the same URL keeps its cache and the highest release it saw; its keys are
 * replaced by the one hive.conf names. */
static int
sync_sources(struct qtm_ctx *q, const struct qtm_hive_conf *conf)
{
	struct qtm_source *have = NULL;
	size_t n = 0;
	int rc = qtm_sources_list(q, &have, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!have[i].bundled && !configured(conf, have[i].name, have[i].url))
			rc = qtm_source_remove(q, have[i].name);
	for (size_t i = 0; rc == 0 && conf->source_names[i] != NULL; i++) {
		const char *name = conf->source_names[i];
		char *keys = xasprintf("%s/trusted.d/%s", q->conf_dir, name), id[QTM_KEYID_LEN];
		bool kept = false;

		for (size_t j = 0; j < n; j++)
			kept = kept || (!have[j].bundled && strcmp(have[j].name, name) == 0 &&
			    configured(conf, name, have[j].url));
		if (!kept)
			rc = qtm_source_add(q, name, conf->source_urls[i], NULL);
		if (rc == 0)
			rc = qtm_rm_rf(q, keys);
		if (rc == 0)
			rc = qtm_trust_key_add(q, name, conf->source_keys[i], id);
		free(keys);
	}
	qtm_sources_free(have, n);
	return rc;
}

int
qtm_hive_sources_apply(struct qtm_ctx *ctx, struct qtm_hive_sources *s, const struct qtm_hive_conf *conf)
{
	int rc = sync_sources(s->qctx, conf);

	s->n = strv_len(conf->source_names);
	s->updated_at = 0;
	return pass_error(ctx, s->qctx, rc);
}

int
qtm_hive_sources_open(struct qtm_ctx *ctx, const struct qtm_hive_conf *conf, struct qtm_hive_sources **out)
{
	struct qtm_hive_sources *s = xcalloc(1, sizeof *s);
	char *root = xasprintf("%s/qtm", conf->state_dir);
	int rc;

	s->qctx = qtm_ctx_new(root, NULL);
	s->qctx->verbosity = QTM_QUIET;
	s->qctx->is_tty = false;
	s->qctx->color = false;
	free(root);
	if ((rc = qtm_mkdir_p(ctx, s->qctx->conf_dir, 0755)) == 0)
		rc = qtm_hive_sources_apply(ctx, s, conf);
	if (rc < 0) {
		qtm_hive_sources_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* The solver could not plan module at version: when the module itself plans, that version is
 * what the sources lack (-ENOENT), said with the solver's reason and the newest version. */
static int
version_missing(struct qtm_ctx *ctx, struct qtm_hive_sources *s, const char *module, const char *version)
{
	char why[sizeof s->qctx->errmsg];
	cJSON *bodies = NULL;
	const cJSON *last;
	int rc;

	snprintf(why, sizeof why, "%s", s->qctx->errmsg);
	if (qtm_hive_job_plan(s->qctx, module, NULL, NULL, &bodies) < 0)
		return qtm_error(ctx, -ENOEXEC, "%s", why);
	last = cJSON_GetArrayItem(bodies, cJSON_GetArraySize(bodies) - 1);
	rc = qtm_error(ctx, -ENOENT, _("no source of the hive carries %s %s that can be planned (the newest it carries is %s): %s"),
	    module, version, cJSON_GetStringValue(cJSON_GetObjectItem(last, "version")), why);
	cJSON_Delete(bodies);
	return rc;
}

int
qtm_hive_sources_plan(struct qtm_ctx *ctx, struct qtm_hive_sources *s, const char *module,
    const char *version, const cJSON *params, const char *priority, cJSON **out)
{
	double now = qtm_wall_s();
	char *spec;
	int rc;

	*out = NULL;
	if (s->n == 0)
		return qtm_error(ctx, -ENOTSUP, _("the hive has no source to find %s in: add \"source = NAME URL KEYFILE\" to hive.conf and reload"),
		    module);
	if (!qtm_name_valid(module))
		return qtm_error(ctx, -EINVAL, _("\"%s\" is not a module name"), module);
	if (s->updated_at == 0 || now - s->updated_at > UPDATE_EVERY_S) {
		struct qtm_update_result *res = NULL;
		size_t n = 0;

		/* A source that cannot be reached now is planned from what was fetched before. */
		if (qtm_update_all(s->qctx, &res, &n) < 0)
			qtm_warn(ctx, _("updating the hive's sources: %s"), s->qctx->errmsg);
		else
			s->updated_at = now;
		qtm_update_results_free(res, n);
	}
	spec = version != NULL ? xasprintf("%s=%s", module, version) : xstrdup(module);
	rc = qtm_hive_job_plan(s->qctx, spec, params, priority, out);
	free(spec);
	if (rc == -ENOEXEC && version != NULL)
		return version_missing(ctx, s, module, version);
	return pass_error(ctx, s->qctx, rc);
}

void
qtm_hive_sources_free(struct qtm_hive_sources *s)
{
	if (s == NULL)
		return;
	qtm_ctx_free(s->qctx);
	free(s);
}
