/* predict.c - running an installed model's predict command in the sandbox. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "ctx.h"
#include "db.h"
#include "fetch.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "model.h"
#include "paths.h"
#include "predict.h"
#include "sandbox.h"
#include "source.h"
#include "train.h"
#include "xalloc.h"

static void
pass_through(void *arg, enum qtm_sandbox_stream stream, const char *line)
{
	fprintf(stream == QTM_SANDBOX_STDERR ? stderr : stdout, "%s\n", line);
}

static int
load_manifest(struct qtm_ctx *ctx, const struct qtm_installed *pkg, struct qtm_manifest **m)
{
	cJSON *json;
	int rc = qtm_json_parse(ctx, pkg->manifest, strlen(pkg->manifest), pkg->name, &json);

	if (rc < 0)
		return rc;
	rc = qtm_manifest_from_json(ctx, json, pkg->name, false, m);
	cJSON_Delete(json);
	if (rc == 0 && (*m)->is_dataset)
		rc = qtm_error(ctx, -EINVAL, _("%s is a dataset: there is nothing to run"), pkg->name);
	else if (rc == 0 && ((*m)->predict_command == NULL || (*m)->predict_command[0] == NULL))
		rc = qtm_error(ctx, -EINVAL, _("%s declares no predict command"), pkg->name);
	else if (rc == 0 && !(*m)->has_source)
		rc = qtm_error(ctx, -EINVAL, _("%s: the installed record has no module source"), pkg->name);
	return rc;
}

/* The module source archive from the cache, fetched again from its source when missing. */
static int
source_archive(struct qtm_ctx *ctx, const struct qtm_installed *pkg, const struct qtm_manifest *m,
    char **path)
{
	const char *base = strrchr(m->source.path, '/');
	char hex[QTM_SHA256_HEX];
	struct qtm_source *srcs;
	size_t n;
	int rc;

	*path = xasprintf("%s/pool/%s", ctx->cache_dir, base != NULL ? base + 1 : m->source.path);
	if (qtm_sha256_file(ctx, *path, hex, NULL) == 0 && strcmp(hex, m->source.sha256) == 0)
		return 0;
	if ((rc = qtm_sources_list(ctx, &srcs, &n)) < 0)
		return rc;
	rc = qtm_error(ctx, -ENOENT, _("%s: its module source is not cached and its source %s is no longer configured"),
	    pkg->name, pkg->source != NULL ? pkg->source : "?");
	for (size_t i = 0; i < n; i++)
		if (pkg->source != NULL && strcmp(srcs[i].name, pkg->source) == 0) {
			char *url = qtm_url_join(srcs[i].url, m->source.path), *dir = qtm_cache_path(ctx, "pool");
			struct qtm_fetch_req req = { .url = url, .dest = *path, .sha256 = m->source.sha256,
			    .size = m->source.size, .label = pkg->name, .quiet = true };

			rc = qtm_mkdir_p(ctx, dir, 0755);
			if (rc == 0)
				rc = qtm_fetch(ctx, &req);
			free(url);
			free(dir);
		}
	qtm_sources_free(srcs, n);
	return rc;
}

static int
run_sandboxed(struct qtm_ctx *ctx, const struct qtm_installed *pkg, const struct qtm_manifest *m,
    const char *src, const struct qtm_model_inputs *in, char *const *args, int *exit_code)
{
	char cwd[PATH_MAX], **argv = qtm_contract_argv(ctx, m->predict_command, src), **strings = NULL;
	cJSON *params = pkg->params != NULL ? cJSON_Parse(pkg->params) : NULL;
	char **env = qtm_contract_env(m, params != NULL ? params : m->params);
	char *params_path = xasprintf("%s/../params.json", src);
	struct qtm_sandbox_bind *binds = xcalloc(4, sizeof *binds);
	struct qtm_sandbox_result r = { 0 };
	size_t n = 4;
	int rc;

	/* The params it was trained with; the predict command has no output directory of its own
	 * (it writes where the user asked, under /qtm/work). */
	if (params == NULL)
		params = m->params != NULL ? cJSON_Duplicate(m->params, 1) : cJSON_CreateObject();
	if ((rc = qtm_json_save(ctx, params_path, params, true)) < 0) {
		cJSON_Delete(params);
		free(params_path);
		strv_free(argv);
		strv_free(env);
		free(binds);
		return rc;
	}
	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "QTM_OUTPUT=", 11) == 0) {
			free(env[i]);
			env[i] = xstrdup("QTM_OUTPUT=" QTM_SANDBOX_WORK);
		}
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, "/tmp");
	for (size_t i = 0; args[i] != NULL; i++)
		argv = strv_push(argv, args[i]);
	env = strv_push(env, "QTM_MODEL=" QTM_SANDBOX_MODEL);
	env = strv_push(env, "QTM_WORK=" QTM_SANDBOX_WORK);
	binds[0] = (struct qtm_sandbox_bind){ src, QTM_SANDBOX_SRC, false };
	binds[1] = (struct qtm_sandbox_bind){ pkg->store_path, QTM_SANDBOX_MODEL, false };
	binds[2] = (struct qtm_sandbox_bind){ cwd, QTM_SANDBOX_WORK, true };
	binds[3] = (struct qtm_sandbox_bind){ params_path, QTM_SANDBOX_PARAMS, false };
	qtm_contract_input_binds(in->v, in->n, &binds, &n, &strings);
	struct qtm_sandbox_spec spec = {
		.argv = argv, .envp = env, .cwd = QTM_SANDBOX_WORK, .binds = binds, .n_binds = n,
		.cpus = m->resources.cpus, .memory_mb = m->resources.memory_mb, .pids_max = 256,
		.time_limit_s = m->resources.time_limit_s, .gpu = strcmp(m->resources.gpu, "none") != 0,
		.on_line = pass_through,
	};
	rc = qtm_sandbox_run(ctx, &spec, &r);
	if (rc == 0 && r.timed_out)
		rc = qtm_error(ctx, -ETIMEDOUT, _("%s: the prediction exceeded the time limit of %d s"),
		    pkg->name, m->resources.time_limit_s);
	*exit_code = r.term_signal != 0 ? 128 + r.term_signal : r.exit_code;
	qtm_sandbox_result_free(&r);
	strv_free(argv);
	strv_free(env);
	strv_free(strings);
	free(binds);
	free(params_path);
	cJSON_Delete(params);
	return rc;
}

int
qtm_run_predict(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, char *const *args,
    int *exit_code)
{
	struct qtm_model_inputs in = { 0 };
	struct qtm_installed *pkg = NULL;
	struct qtm_manifest *m = NULL;
	char *archive = NULL, *work = NULL, *src = NULL;
	int rc = qtm_db_get(ctx, db, name, &pkg);

	if (rc == -ENOENT)
		return qtm_error(ctx, -ENOENT, _("%s is not installed (install it with: qtm install %s)"), name, name);
	if (rc == 0)
		rc = load_manifest(ctx, pkg, &m);
	if (rc == 0)
		rc = source_archive(ctx, pkg, m, &archive);
	if (rc == 0) {
		work = xasprintf("%s/run/%s-%ld", ctx->cache_dir, pkg->name, (long)getpid());
		src = xasprintf("%s/src", work);
		if ((rc = qtm_rm_rf(ctx, work)) == 0 && (rc = qtm_mkdir_p(ctx, src, 0755)) == 0)
			rc = qtm_archive_unpack(ctx, archive, src, 0, NULL);
	}
	if (rc == 0)
		rc = qtm_model_inputs_gather(ctx, db, m, NULL, &in);
	if (rc == 0)
		rc = run_sandboxed(ctx, pkg, m, src, &in, args, exit_code);
	if (work != NULL)
		qtm_rm_rf(ctx, work);
	qtm_model_inputs_clear(&in);
	qtm_manifest_free(m);
	qtm_installed_free(pkg);
	free(archive);
	free(work);
	free(src);
	return rc;
}
