/* train.c - running one training under the training contract. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "artifact-check.h"
#include "ctx.h"
#include "curve.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "paths.h"
#include "params.h"
#include "progress.h"
#include "sandbox.h"
#include "train.h"
#include "train-helper.h"
#include "train-ranks.h"
#include "xalloc.h"


struct line_state {
	struct qtm_ctx *ctx;
	FILE *log;
	struct qtm_progress *progress;
	cJSON *metrics;
	struct qtm_curve curve;   /* the loss series, for `qtm info` */
	const char *module;
	unsigned long lineno;
	unsigned malformed;   /* malformed @qtm lines seen (the first few are warned about) */
	char last_err[512];
	int world;            /* ranks */
	char (*rank_err)[512];  /* world > 1: each rank's last stderr line */
};

/* A trainer bug worth telling its author about, but no reason to fail a good training. */
static void
malformed(struct line_state *st, const char *kind, const char *line)
{
	if (st->malformed++ < 3)
		qtm_warn(st->ctx, _("%s: line %lu of the trainer's output is a malformed @qtm %s line, ignored: %.120s"),
		    st->module, st->lineno, kind, line);
}

static void
on_progress(struct line_state *st, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *step = cJSON_GetObjectItem(j, "step"), *steps = cJSON_GetObjectItem(j, "steps");
	const cJSON *loss = cJSON_GetObjectItem(j, "loss");
	char extra[64] = "";

	if (cJSON_IsNumber(step) && step->valuedouble >= 0 && (steps == NULL || cJSON_IsNumber(steps))) {
		if (cJSON_IsNumber(steps) && steps->valuedouble >= 0)
			qtm_progress_set_total(st->progress, (uint64_t)steps->valuedouble);
		if (cJSON_IsNumber(loss)) {
			snprintf(extra, sizeof extra, "loss %.4g", loss->valuedouble);
			qtm_curve_add(&st->curve, step->valuedouble, loss->valuedouble);
		}
		qtm_progress_update_extra(st->progress, (uint64_t)step->valuedouble, extra);
	} else {
		malformed(st, "progress", text);
	}
	cJSON_Delete(j);
}

static void
on_metric(struct line_state *st, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *name = cJSON_GetObjectItem(j, "name"), *value = cJSON_GetObjectItem(j, "value");

	if (cJSON_IsString(name) && name->valuestring[0] != '\0' && (cJSON_IsNumber(value) || cJSON_IsString(value))) {
		cJSON_DeleteItemFromObjectCaseSensitive(st->metrics, name->valuestring);
		cJSON_AddItemToObject(st->metrics, name->valuestring, cJSON_Duplicate(value, 1));
	} else {
		malformed(st, "metric", text);
	}
	cJSON_Delete(j);
}

static void
on_line(void *arg, enum qtm_sandbox_stream stream, const char *line)
{
	struct line_state *st = arg;

	st->lineno++;
	fprintf(st->log, "%s%s\n", stream == QTM_SANDBOX_STDERR ? "! " : "", line);
	if (stream == QTM_SANDBOX_STDERR) {
		snprintf(st->last_err, sizeof st->last_err, "%s", line);
		qtm_verbose(st->ctx, "  %s", line);
	} else if (strncmp(line, "@qtm progress ", 14) == 0) {
		on_progress(st, line + 14);
	} else if (strncmp(line, "@qtm metric ", 12) == 0) {
		on_metric(st, line + 12);
	} else {
		qtm_verbose(st->ctx, "  %s", line);
	}
}

/* A line of rank r (world > 1): rank 0's is read as today's; every line goes to the log with
 * "rank R: " after the stream mark. */
static void
on_rank_line(void *arg, int rank, enum qtm_sandbox_stream stream, const char *line)
{
	struct line_state *st = arg;

	if (rank >= 0 && rank < st->world && stream == QTM_SANDBOX_STDERR)
		snprintf(st->rank_err[rank], sizeof st->rank_err[rank], "%s", line);
	if (rank == 0 && stream == QTM_SANDBOX_STDOUT && strncmp(line, "@qtm ", 5) == 0) {
		on_line(arg, stream, line);
		return;
	}
	st->lineno++;
	fprintf(st->log, "%srank %d: %s\n", stream == QTM_SANDBOX_STDERR ? "! " : "", rank, line);
	if (rank == 0 || stream == QTM_SANDBOX_STDERR)
		qtm_verbose(st->ctx, "  rank %d: %s", rank, line);
}

/* Source, output and params in place; returns the params path. */
static int
prepare(struct qtm_ctx *ctx, const struct qtm_train_job *job, char **src, char **out, char **params)
{
	int rc;

	*src = xasprintf("%s/src", job->work_dir);
	*out = xasprintf("%s/out", job->work_dir);
	*params = xasprintf("%s/params.json", job->work_dir);
	if ((rc = qtm_rm_rf(ctx, job->work_dir)) < 0 || (rc = qtm_mkdir_p(ctx, *src, 0755)) < 0 ||
	    (rc = qtm_mkdir_p(ctx, *out, 0755)) < 0)
		return rc;
	if ((rc = qtm_archive_unpack(ctx, job->source_archive, *src, 0, NULL)) < 0)
		return qtm_error_prefix(ctx, _("module source of %s"), job->m->name);
	return qtm_json_save(ctx, *params, job->params, true);
}

char **
qtm_contract_env(const struct qtm_manifest *m, const cJSON *params)
{
	const cJSON *seed = cJSON_GetObjectItem(params, "seed");
	char **env = NULL;
	char *s;

	env = strv_push(env, "PATH=/usr/local/bin:/usr/bin:/bin");
	env = strv_push(env, "HOME=/tmp");
	env = strv_push(env, "LANG=C.UTF-8");
	env = strv_push(env, "PYTHONDONTWRITEBYTECODE=1");
	env = strv_push(env, "PYTHONUNBUFFERED=1");   /* progress lines arrive as they are written */
	env = strv_push(env, "PYTHONHASHSEED=0");
	/* One BLAS thread: results must not depend on thread scheduling (determinism). */
	env = strv_push(env, "OPENBLAS_NUM_THREADS=1");
	env = strv_push(env, "OMP_NUM_THREADS=1");
	env = strv_push(env, "MKL_NUM_THREADS=1");
	env = strv_push(env, "QTM_DATA=" QTM_SANDBOX_DATA);
	env = strv_push(env, "QTM_OUTPUT=" QTM_SANDBOX_OUT);
	env = strv_push(env, "QTM_PARAMS=" QTM_SANDBOX_PARAMS);
	env = strv_push(env, "PYTHONPATH=" QTM_SANDBOX_HELPER);
	s = xasprintf("QTM_SEED=%lld", cJSON_IsNumber(seed) ? (long long)seed->valuedouble : 42LL);
	env = strv_push(env, s);
	free(s);
	s = xasprintf("QTM_THREADS=%d", m->resources.cpus);
	env = strv_push(env, s);
	free(s);
	return env;
}

char **
qtm_contract_argv(struct qtm_ctx *ctx, char *const *command, const char *src_dir)
{
	char **argv = NULL;

	for (size_t i = 0; command[i] != NULL; i++) {
		char *host = src_dir != NULL && i > 0 && command[i][0] != '/' && command[i][0] != '-'
		    ? xasprintf("%s/%s", src_dir, command[i]) : NULL;

		if (i == 0 && strcmp(command[0], "python3") == 0) {
			argv = strv_push(argv, ctx->python);
		} else if (host != NULL && access(host, F_OK) == 0) {
			char *inside = xasprintf(QTM_SANDBOX_SRC "/%s", command[i]);

			argv = strv_push(argv, inside);
			free(inside);
		} else {
			argv = strv_push(argv, command[i]);
		}
		free(host);
	}
	return argv;
}

void
qtm_contract_input_binds(const struct qtm_train_input *inputs, size_t n_inputs,
    struct qtm_sandbox_bind **binds, size_t *n, char ***strings)
{
	*binds = xreallocarray(*binds, *n + n_inputs + 1, sizeof **binds);
	for (size_t i = 0; i < n_inputs; i++) {
		char *t = xasprintf(QTM_SANDBOX_DATA "/%s", inputs[i].name);

		*strings = strv_push(*strings, t);
		free(t);
	}
	/* Targets are taken after all pushes: strv_push may move the vector. */
	for (size_t i = 0; i < n_inputs; i++)
		(*binds)[(*n)++] = (struct qtm_sandbox_bind){ inputs[i].dir,
		    (*strings)[strv_len(*strings) - n_inputs + i], false };
}

/* A declared metrics.json must be a JSON object: what info and the model card report. */
static int
check_metrics_file(struct qtm_ctx *ctx, const struct qtm_train_job *job, const char *out)
{
	int rc = qtm_artifact_check_metrics(ctx, job->m, out);

	if (rc < 0) {
		qtm_error_prefix(ctx, _("training %s wrote a malformed metrics file (log: %s)"),
		    job->m->name, job->log_path);
		rc = -ECHILD;
	}
	return rc;
}

static int
check_outcome(struct qtm_ctx *ctx, const struct qtm_train_job *job, const struct qtm_sandbox_result *r,
    const struct line_state *st, const char *out)
{
	const char *name = job->m->name;
	const char *why = st->last_err[0] != '\0' ? st->last_err : _("no message");

	if (r->timed_out && st->world > 1)
		return qtm_error(ctx, -ETIMEDOUT, _("training %s exceeded its time limit of %d s and all %d ranks were killed (log: %s)"),
		    name, job->m->resources.time_limit_s, st->world, job->log_path);
	if (!r->timed_out && r->failed_rank >= 0 && r->failed_rank < st->world) {
		int k = r->failed_rank;
		const char *tail = st->rank_err[k][0] != '\0' ? st->rank_err[k] : _("no message");

		if (r->term_signal != 0)
			return qtm_error(ctx, -ECHILD, _("training %s: rank %d was killed by signal %d (%s), the other ranks were stopped: %s (log: %s)"),
			    name, k, r->term_signal, strsignal(r->term_signal), tail, job->log_path);
		return qtm_error(ctx, -ECHILD, _("training %s: rank %d failed with exit status %d, the other ranks were stopped: %s (log: %s)"),
		    name, k, r->exit_code, tail, job->log_path);
	}
	if (r->timed_out)
		return qtm_error(ctx, -ETIMEDOUT, _("training %s exceeded its time limit of %d s and was killed (log: %s)"),
		    name, job->m->resources.time_limit_s, job->log_path);
	if (r->term_signal != 0)
		return qtm_error(ctx, -ECHILD, _("training %s was killed by signal %d (%s) (log: %s)"),
		    name, r->term_signal, strsignal(r->term_signal), job->log_path);
	if (r->exit_code != 0)
		return qtm_error(ctx, -ECHILD, _("training %s failed with exit status %d: %s (log: %s)"),
		    name, r->exit_code, why, job->log_path);
	for (size_t i = 0; job->m->outputs[i] != NULL; i++) {
		char *path = xasprintf("%s/%s", out, job->m->outputs[i]);
		struct stat sb;
		int missing = lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode);

		free(path);
		if (missing)
			return qtm_error(ctx, -ECHILD, _("training %s finished but did not write its declared output %s (log: %s)"),
			    name, job->m->outputs[i], job->log_path);
	}
	return check_metrics_file(ctx, job, out);
}

static struct qtm_sandbox_bind *
make_binds(const struct qtm_train_job *job, const char *src, const char *out, const char *params,
    const char *ranks, size_t *n, char ***targets)
{
	struct qtm_sandbox_bind *b = xcalloc(5, sizeof *b);
	const char *helper = qtm_helper_dir();

	b[0] = (struct qtm_sandbox_bind){ src, QTM_SANDBOX_SRC, true };
	b[1] = (struct qtm_sandbox_bind){ out, QTM_SANDBOX_OUT, true };
	b[2] = (struct qtm_sandbox_bind){ params, QTM_SANDBOX_PARAMS, false };
	*n = 3;
	if (helper != NULL)
		b[(*n)++] = (struct qtm_sandbox_bind){ helper, QTM_SANDBOX_HELPER, false };
	if (ranks != NULL)
		b[(*n)++] = (struct qtm_sandbox_bind){ ranks, QTM_SANDBOX_RANKS, true };
	*targets = NULL;
	qtm_contract_input_binds(job->inputs, job->n_inputs, &b, n, targets);
	return b;
}

/* The scratch outputs of ranks 1 and up: work_dir/ranks/R, made afresh. */
static int
make_rank_dirs(struct qtm_ctx *ctx, const struct qtm_train_job *job, int world, char **dir)
{
	int rc = 0;

	*dir = NULL;
	if (world <= 1)
		return 0;
	*dir = xasprintf("%s/ranks", job->work_dir);
	for (int k = 1; rc == 0 && k < world; k++) {
		char *d = xasprintf("%s/%d", *dir, k);

		rc = qtm_mkdir_p(ctx, d, 0755);
		free(d);
	}
	return rc;
}

static int
run(struct qtm_ctx *ctx, const struct qtm_train_job *job, struct line_state *st,
    const char *src, const char *out, const char *params, struct qtm_sandbox_result *r)
{
	int world = st->world;
	char **argv = qtm_contract_argv(ctx, job->m->train_command, NULL);
	char **env = qtm_contract_env(job->m, job->params), **targets, *ranks = NULL;
	char ***envs = world > 1 ? qtm_train_rank_envs(env, world) : NULL;
	size_t n_binds;
	int rc = make_rank_dirs(ctx, job, world, &ranks);
	struct qtm_sandbox_bind *binds = make_binds(job, src, out, params, ranks, &n_binds, &targets);
	struct qtm_sandbox_spec spec = {
		.argv = argv, .envp = env, .cwd = QTM_SANDBOX_SRC, .binds = binds,
		.n_binds = n_binds, .cpus = job->m->resources.cpus * world,
		.memory_mb = job->m->resources.memory_mb * world, .pids_max = 256 * world,
		.time_limit_s = job->m->resources.time_limit_s,
		.gpu = strcmp(job->m->resources.gpu, "none") != 0,
		.on_line = on_line, .on_line_arg = st,
		.ranks = world, .rank_envp = (char *const *const *)envs,
		.on_rank_line = world > 1 ? on_rank_line : NULL, .loopback = world > 1,
	};

	if (rc == 0)
		rc = qtm_sandbox_run(ctx, &spec, r);
	/* The other ranks' outputs are scratch. */
	if (ranks != NULL)
		qtm_rm_rf(ctx, ranks);
	strv_free(argv);
	strv_free(env);
	strv_free(targets);
	qtm_train_rank_envs_free(envs);
	free(ranks);
	free(binds);
	return rc;
}

int
qtm_train(struct qtm_ctx *ctx, const struct qtm_train_job *job, struct qtm_train_result *res)
{
	struct line_state st = { .ctx = ctx, .module = job->m->name };
	struct qtm_sandbox_result r = { 0 };
	char *src = NULL, *out = NULL, *params = NULL, *label;
	int rc;

	memset(res, 0, sizeof *res);
	st.world = qtm_params_world_size(job->m, job->params);
	if ((rc = qtm_train_check_world(ctx, job->m, st.world)) < 0)
		return rc;
	if (st.world > 1)
		st.rank_err = xcalloc((size_t)st.world, sizeof *st.rank_err);
	if ((rc = prepare(ctx, job, &src, &out, &params)) < 0)
		goto done;
	if ((st.log = fopen(job->log_path, "we")) == NULL) {
		rc = qtm_error(ctx, -errno, _("cannot create the log %s: %s"), job->log_path, strerror(errno));
		goto done;
	}
	setvbuf(st.log, NULL, _IOLBF, 0);
	st.metrics = cJSON_CreateObject();
	label = xasprintf(_("training %s"), job->m->name);
	st.progress = qtm_progress_new(ctx, label, 0, true);
	free(label);
	rc = run(ctx, job, &st, src, out, params, &r);
	qtm_progress_done(st.progress, rc == 0 && r.exit_code == 0);
	fprintf(st.log, "# qtm: limits: %s%s%s; wall %.2f s; exit %d; signal %d%s\n", r.limits ? r.limits : "none",
	    r.limits_detail ? " " : "", r.limits_detail ? r.limits_detail : "", r.wall_s, r.exit_code,
	    r.term_signal, r.timed_out ? "; timed out" : "");
	fclose(st.log);
	if (rc == 0)
		rc = check_outcome(ctx, job, &r, &st, out);
	/* Recorded for failures too: how long it ran and under which limits. */
	res->limits = xasprintf("%s%s%s", r.limits, r.limits_detail ? " " : "",
	    r.limits_detail ? r.limits_detail : "");
	res->wall_s = r.wall_s;
	if (rc == 0) {
		res->out_dir = out;
		out = NULL;
		res->metrics = st.metrics;
		st.metrics = NULL;
		res->curve = qtm_curve_take(&st.curve);
	}
	qtm_sandbox_result_free(&r);
done:
	free(st.rank_err);
	cJSON_Delete(st.metrics);
	qtm_curve_clear(&st.curve);
	free(src);
	free(out);
	free(params);
	return rc;
}

void
qtm_train_result_clear(struct qtm_train_result *res)
{
	free(res->out_dir);
	cJSON_Delete(res->metrics);
	cJSON_Delete(res->curve);
	free(res->limits);
	memset(res, 0, sizeof *res);
}
