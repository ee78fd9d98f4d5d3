/* hive-slurm.c - the slurm executor: hive jobs become Slurm batch jobs running
 * `qtm-runner --once --job ID`; their Slurm state comes back into the hive (see hive-slurm.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "hive-db.h"
#include "hive-slurm.h"
#include "hive-slurm-internal.h"
#include "i18n.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

#define PROBE_EVERY_S 10.0
#define PROBE_TIMEOUT_S 90.0     /* sinfo facing a missing slurm.conf retries for 60 s */
#define CMD_TIMEOUT_S 60.0
#define TIME_MARGIN_MIN 5        /* fetching inputs and uploading the artifact, beyond training */
#define OUTPUT_MAX (256 * 1024)  /* of a Slurm job's output appended to the attempt log */

struct qtm_hive_slurm {
	struct qtm_hive_db *db;      /* borrowed */
	char *hive_url, *token_path, *program, *partition, *runner_root, *out_dir, *script_dir, *logs_dir;
	char **extra;
	int max_jobs, max_attempts;
	char *error;                 /* why Slurm cannot be used now, or NULL */
	bool ready;                  /* sinfo answered since the last error */
	double probe_at;
	int active;                  /* hive jobs in Slurm at the last count */
	struct hslurm_cmd *cmds;     /* commands running */
};

static char *
quote(const char *s)
{
	size_t n = 3;
	char *q, *p;

	for (const char *c = s; *c != '\0'; c++)
		n += *c == '\'' ? 4 : 1;
	p = q = xmalloc(n);
	*p++ = '\'';
	for (const char *c = s; *c != '\0'; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

static char **
split_blanks(const char *s)
{
	char **v = xcalloc(1, sizeof *v), *copy = xstrdup(s != NULL ? s : ""), *save = NULL;

	for (char *t = strtok_r(copy, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save))
		v = strv_push(v, t);
	free(copy);
	return v;
}

static void
add_cmd(struct qtm_hive_slurm *sl, struct hslurm_cmd *c)
{
	c->next = sl->cmds;
	sl->cmds = c;
}

static bool
running(const struct qtm_hive_slurm *sl, enum hslurm_kind kind)
{
	for (const struct hslurm_cmd *c = sl->cmds; c != NULL; c = c->next)
		if (c->kind == kind)
			return true;
	return false;
}

/* ---- Slurm's health ------------------------------------------------------------------------ */

static void
set_error(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, char *msg, double retry_at)
{
	if (sl->error == NULL || strcmp(sl->error, msg) != 0)
		qtm_warn(ctx, "%s", msg);
	free(sl->error);
	sl->error = msg;
	sl->ready = false;
	sl->probe_at = retry_at;
}

static void
start_probe(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, double now)
{
	char *argv[] = { "sinfo", "-h", "-o", "%P", NULL };
	struct hslurm_cmd *c = hslurm_cmd_start(ctx, argv, PROBE_TIMEOUT_S, now);

	if (c == NULL) {
		set_error(ctx, sl, xasprintf("%s", qtm_strerror(ctx)), now + PROBE_EVERY_S);
		return;
	}
	c->kind = HS_PROBE;
	add_cmd(sl, c);
}

static void
probe_done(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, struct hslurm_cmd *c, double now)
{
	char *m;

	if (c->status == 0) {
		if (sl->error != NULL)
			qtm_info(ctx, _("slurm executor: Slurm answers again; submitting jobs"));
		free(sl->error);
		sl->error = NULL;
		sl->ready = true;
		return;
	}
	if (c->status == 127)
		m = xasprintf(_("slurm executor: sinfo: not found in PATH (is Slurm installed?)"));
	else {
		char *why = hslurm_cmd_message(c, "sinfo");

		m = xasprintf(_("slurm executor: sinfo: %s (is slurmctld running? SLURM_CONF=%s)"), why,
		    getenv("SLURM_CONF") != NULL ? getenv("SLURM_CONF") : _("unset"));
		free(why);
	}
	set_error(ctx, sl, m, now + PROBE_EVERY_S);
}

/* A failure of a Slurm command that says the controller is unreachable (not the job's fault). */
static bool
transient(const struct hslurm_cmd *c)
{
	static const char *const signs[] = { "Unable to contact", "timed out", "Zero Bytes", "Connection refused",
		"Unable to establish", "Transport endpoint", "configuration file", NULL };

	if (c->timed_out || c->status == 127 || c->status > 128)
		return true;
	for (size_t i = 0; signs[i] != NULL; i++)
		if (strstr(c->err, signs[i]) != NULL)
			return true;
	return false;
}

/* ---- submission ---------------------------------------------------------------------------- */

/* The batch script: the runner claims exactly its hive job, in a node-local root removed at
 * the end.  The enrollment token travels in the script (Slurm keeps it with the job, readable
 * by its owner and the Slurm administrators): nodes need no shared filesystem. */
static int
write_script(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int64_t job_id, int64_t row, char **path)
{
	char *token = NULL, *prog = quote(sl->program), *url = quote(sl->hive_url), *root = quote(sl->runner_root);
	char *text;
	int rc, fd;

	if ((rc = qtm_read_small_file(ctx, sl->token_path, QTM_SMALL_FILE_MAX, &token, NULL)) < 0)
		goto out;
	token[strcspn(token, " \t\r\n'")] = '\0';
	text = xasprintf("#!/bin/sh\n"
	    "# qtm hive job %lld, written by qtm-hived's slurm executor.\n"
	    "dir=%s/\"$SLURM_JOB_ID\"\n"
	    "umask 077\n"
	    "mkdir -p \"$dir\" || exit 1\n"
	    "printf '%%s\\n' '%s' >\"$dir/runner.token\" || exit 1\n"
	    "echo \"qtm-hived: Slurm job $SLURM_JOB_ID on $(hostname) runs hive job %lld\"\n"
	    "%s --hive %s --token-file \"$dir/runner.token\" --name \"slurm-%lld-$SLURM_JOB_ID\" --root \"$dir\""
	    " --executor slurm --once --job %lld --wait 30\n"
	    "rc=$?\n"
	    "rm -rf \"$dir\"\n"
	    "exit $rc\n",
	    (long long)job_id, root, token, (long long)job_id, prog, url, (long long)job_id, (long long)job_id);
	*path = xasprintf("%s/job-%lld-%lld.sh", sl->script_dir, (long long)job_id, (long long)row);
	if ((fd = open(*path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		rc = qtm_error(ctx, -errno, _("slurm executor: cannot write %s: %s"), *path, strerror(errno));
		free(*path);
		*path = NULL;
	}
	if (fd >= 0)
		close(fd);
	free(text);
out:
	free(token);
	free(prog);
	free(url);
	free(root);
	return rc;
}

/* The sbatch command line for one hive job (owned by the caller: strv_free). */
static char **
sbatch_argv(const struct qtm_hive_slurm *sl, const struct hslurm_cand *j, const char *script)
{
	static const int nice[] = { 0, 50, 100 };
	char **v = xcalloc(1, sizeof *v);
	char *a;

#define PUSH(...) (a = xasprintf(__VA_ARGS__), v = strv_push(v, a), free(a))
	v = strv_push(v, "sbatch");
	v = strv_push(v, "--parsable");
	/* The hive requeues; a job Slurm requeued itself would run the runner twice. */
	v = strv_push(v, "--no-requeue");
	PUSH("--job-name=qtm-hive-%lld", (long long)j->id);
	v = strv_push(v, "--chdir=/tmp");
	PUSH("--output=%s/%lld-%%j.out", sl->out_dir, (long long)j->id);
	PUSH("--cpus-per-task=%d", j->cpus > 0 ? j->cpus : 1);
	if (j->memory_mb > 0)
		PUSH("--mem=%ldM", j->memory_mb);
	if (j->gpu == 2)
		v = strv_push(v, "--gres=gpu:1");
	if (j->time_limit_s > 0)
		PUSH("--time=%lld", (long long)((j->time_limit_s + 59) / 60) + TIME_MARGIN_MIN);
	PUSH("--nice=%d", nice[j->priority >= 0 && j->priority <= 2 ? j->priority : 1]);
	if (sl->partition != NULL)
		PUSH("--partition=%s", sl->partition);
	for (size_t i = 0; sl->extra[i] != NULL; i++)
		v = strv_push(v, sl->extra[i]);
	v = strv_push(v, script);
#undef PUSH
	return v;
}

static int
submit_one(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, const struct hslurm_cand *j, double now)
{
	char *script = NULL, **argv;
	struct hslurm_cmd *c;
	int64_t row;
	int rc;

	if ((rc = hslurm_db_insert(ctx, sl->db, j->id, j->attempt_seq, now, &row)) < 0)
		return rc;
	if ((rc = write_script(ctx, sl, j->id, row, &script)) < 0) {
		hslurm_db_delete(ctx, sl->db, row);
		return rc;
	}
	argv = sbatch_argv(sl, j, script);
	c = hslurm_cmd_start(ctx, argv, CMD_TIMEOUT_S, now);
	strv_free(argv);
	free(script);
	if (c == NULL) {
		hslurm_db_delete(ctx, sl->db, row);
		return ctx->err;
	}
	c->kind = HS_SBATCH;
	c->job_id = j->id;
	c->row = row;
	add_cmd(sl, c);
	sl->active++;
	return 0;
}

static void
scancel(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int64_t slurm_id, double now)
{
	char id[32], *argv[] = { "scancel", id, NULL };
	struct hslurm_cmd *c;

	snprintf(id, sizeof id, "%lld", (long long)slurm_id);
	if ((c = hslurm_cmd_start(ctx, argv, CMD_TIMEOUT_S, now)) == NULL) {
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
		return;
	}
	c->kind = HS_SCANCEL;
	add_cmd(sl, c);
}

static void
sbatch_done(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, struct hslurm_cmd *c, double now)
{
	char *end, *msg, *runner = NULL;
	long long id = strtoll(c->out, &end, 10);
	int state = -1, seq = 0;

	if (c->status == 0 && id > 0 && (*end == '\0' || *end == ';' || *end == '\n')) {
		hslurm_db_submitted(ctx, sl->db, c->row, id);
		qtm_verbose(ctx, _("slurm executor: hive job %lld is Slurm job %lld"), (long long)c->job_id, id);
		/* Cancelled (or taken by another runner) while sbatch ran: the Slurm job has no work. */
		if (hslurm_db_job(ctx, sl->db, c->job_id, &state, &seq, &runner) < 0 || state != QTM_HIVE_PENDING)
			scancel(ctx, sl, id, now);
		free(runner);
		return;
	}
	msg = hslurm_cmd_message(c, "sbatch");
	sl->active--;
	if (transient(c)) {
		hslurm_db_delete(ctx, sl->db, c->row);
		set_error(ctx, sl, xasprintf(_("slurm executor: sbatch: %s"), msg), now);
	} else {
		char *why = xasprintf(_("sbatch refused the job: %s"), msg);

		qtm_warn(ctx, _("slurm executor: hive job %lld: %s"), (long long)c->job_id, why);
		hslurm_db_end(ctx, sl->db, c->row, "REFUSED", false, now);
		if (hslurm_db_fail_pending(ctx, sl->db, c->job_id, why, now) < 0)
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
		free(why);
	}
	free(msg);
}

/* ---- the end of a Slurm job ---------------------------------------------------------------- */

/* Appends the Slurm job's output (and a line on how it ended) to the hive job's attempt log. */
static void
append_output(struct qtm_hive_slurm *sl, const struct hslurm_row *r, int attempt, const char *state,
    const char *note)
{
	char *out = xasprintf("%s/%lld-%lld.out", sl->out_dir, (long long)r->job_id, (long long)r->slurm_id);
	char *dir = xasprintf("%s/%lld", sl->logs_dir, (long long)r->job_id);
	char *log = xasprintf("%s/%d.log", dir, attempt);
	FILE *in = fopen(out, "re"), *f;

	mkdir(dir, 0755);
	if ((f = fopen(log, "ae")) != NULL) {
		fprintf(f, _("\n--- Slurm job %lld (%s): its output ---\n"), (long long)r->slurm_id, state);
		if (in != NULL) {
			char buf[8192];
			size_t n, total = 0;

			while ((n = fread(buf, 1, sizeof buf, in)) > 0 && total < OUTPUT_MAX) {
				fwrite(buf, 1, n, f);
				total += n;
			}
		} else {
			fprintf(f, _("(%s cannot be read here: on another node without a shared filesystem?)\n"), out);
		}
		if (note != NULL)
			fprintf(f, "qtm-hived: %s\n", note);
		fclose(f);
	}
	if (in != NULL) {
		fclose(in);
		unlink(out);
	}
	free(out);
	free(dir);
	free(log);
}

static bool
runner_of(const char *runner, const char *name)
{
	size_t n = strlen(name);

	return runner != NULL && strncmp(runner, name, n) == 0 && (runner[n] == '\0' || runner[n] == '-');
}

/* After N Slurm jobs ended before any runner claimed the hive job (the batch script or the
 * runner cannot start on the nodes), the hive job fails instead of being resubmitted forever. */
static void
maybe_give_up(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, const struct hslurm_row *r, const char *state,
    double now)
{
	int n = 0;
	char *why;

	if (hslurm_db_unclaimed(ctx, sl->db, r->job_id, &n) < 0 || n < sl->max_attempts)
		return;
	why = xasprintf(_("%d Slurm jobs ended before their runner claimed the job (the last, %lld, ended %s): "
	    "see its output in the job's log"), n, (long long)r->slurm_id, state);
	qtm_warn(ctx, _("slurm executor: hive job %lld: %s"), (long long)r->job_id, why);
	hslurm_db_fail_pending(ctx, sl->db, r->job_id, why, now);
	free(why);
}

static void
job_ended(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, const struct hslurm_row *r, const char *state,
    const char *node, double now)
{
	char *runner = NULL, *name = xasprintf("slurm-%lld-%lld", (long long)r->job_id, (long long)r->slurm_id);
	char *note = NULL;
	int hstate = -1, seq = 0;
	bool claimed, mine;

	if (hslurm_db_job(ctx, sl->db, r->job_id, &hstate, &seq, &runner) < 0)
		hstate = -1;   /* removed by clean: only the row is left to end */
	claimed = seq != r->attempt_seq;
	mine = hstate == QTM_HIVE_RUNNING && runner_of(runner, name);
	if (mine)
		note = xasprintf(_("Slurm job %lld ended %s on %s while its runner %s still ran the job: requeued"),
		    (long long)r->slurm_id, state, node != NULL && *node != '\0' ? node : "?", runner);
	else if (claimed && hstate != QTM_HIVE_COMPLETED && strcmp(state, "COMPLETED") != 0)
		/* Its runner reported the failure itself (Slurm's SIGTERM): say what Slurm did. */
		note = xasprintf(_("Slurm job %lld ended %s on %s"), (long long)r->slurm_id, state,
		    node != NULL && *node != '\0' ? node : "?");
	if (note != NULL && !mine)
		hslurm_db_note_attempt(ctx, sl->db, r->job_id, r->attempt_seq + 1, note);
	if (hstate >= 0)
		append_output(sl, r, claimed ? r->attempt_seq + 1 : seq, state, note);
	if (mine) {
		qtm_warn(ctx, _("slurm executor: hive job %lld: %s"), (long long)r->job_id, note);
		/* The attempt ends "lost" at once (no lease to wait for), the runner is forgotten. */
		if (qtm_hive_db_runner_gone(ctx, sl->db, runner, note, true, now) < 0)
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
	} else if (qtm_hive_db_runner_gone(ctx, sl->db, name, NULL, true, now) < 0) {
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
	}
	hslurm_db_end(ctx, sl->db, r->row, state, claimed, now);
	if (hstate == QTM_HIVE_PENDING && !claimed)
		maybe_give_up(ctx, sl, r, state, now);
	free(note);
	free(runner);
	free(name);
	{
		char *script = xasprintf("%s/job-%lld-%lld.sh", sl->script_dir, (long long)r->job_id, (long long)r->row);

		unlink(script);
		free(script);
	}
}

/* ---- tracking ------------------------------------------------------------------------------ */

static void
start_squeue(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, double now)
{
	struct hslurm_row *rows;
	struct hslurm_cmd *c;
	size_t n, k = 0, len = 0;
	char *ids, *argv[] = { "squeue", "-h", "-t", "all", "-o", "%i|%T|%N", "-j", NULL, NULL };

	if (hslurm_db_active(ctx, sl->db, &rows, &n) < 0) {
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
		return;
	}
	sl->active = (int)n;
	ids = xcalloc(n * 21 + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (rows[i].slurm_id > 0)
			len += (size_t)sprintf(ids + len, "%s%lld", len > 0 ? "," : "", (long long)rows[i].slurm_id);
	if (len > 0) {
		argv[7] = ids;
		if ((c = hslurm_cmd_start(ctx, argv, CMD_TIMEOUT_S, now)) == NULL) {
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
		} else {
			c->kind = HS_SQUEUE;
			c->ids = xcalloc(n, sizeof *c->ids);
			for (size_t i = 0; i < n; i++)
				if (rows[i].slurm_id > 0)
					c->ids[k++] = rows[i].slurm_id;
			c->n_ids = k;
			add_cmd(sl, c);
		}
	}
	free(ids);
	free(rows);
}

static bool
final_state(const char *s)
{
	static const char *const finals[] = { "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED",
		"NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT", "REVOKED", "SPECIAL_EXIT", NULL };

	for (size_t i = 0; finals[i] != NULL; i++)
		if (strcmp(s, finals[i]) == 0)
			return true;
	return false;
}

/* The line "ID|STATE|NODES" of squeue's answer for id, split; false when absent. */
static bool
find_line(char *out, int64_t id, char state[24], char node[256])
{
	char *save = NULL, *copy = xstrdup(out);
	bool found = false;

	for (char *l = strtok_r(copy, "\n", &save); l != NULL && !found; l = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(l, '|'), *bar2;

		if (bar == NULL || strtoll(l, NULL, 10) != id || (bar2 = strchr(bar + 1, '|')) == NULL)
			continue;
		snprintf(state, 24, "%.*s", (int)(bar2 - bar - 1), bar + 1);
		snprintf(node, 256, "%s", bar2 + 1);
		found = true;
	}
	free(copy);
	return found;
}

static void
squeue_done(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, struct hslurm_cmd *c, double now)
{
	/* Only ids unknown to Slurm: "Invalid job id specified" (they ended long ago). */
	bool none_known = c->status != 0 && strstr(c->err, "Invalid job id") != NULL;
	struct hslurm_row *rows;
	size_t n;

	if (c->status != 0 && !none_known) {
		char *msg = hslurm_cmd_message(c, "squeue");

		set_error(ctx, sl, xasprintf(_("slurm executor: squeue: %s"), msg), now);
		free(msg);
		return;
	}
	if (hslurm_db_active(ctx, sl->db, &rows, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char state[24] = "", node[256] = "";
		bool asked = false;

		for (size_t k = 0; k < c->n_ids && !asked; k++)
			asked = c->ids[k] == rows[i].slurm_id;
		if (!asked)
			continue;
		if (!none_known && find_line(c->out, rows[i].slurm_id, state, node) && !final_state(state)) {
			if (strcmp(state, rows[i].state) != 0 || node[0] != '\0')
				hslurm_db_update(ctx, sl->db, rows[i].row, state, node);
			continue;
		}
		/* Ended, or forgotten by Slurm (older than MinJobAge): either way no longer running. */
		job_ended(ctx, sl, &rows[i], state[0] != '\0' ? state : "ENDED", node, now);
		sl->active--;
	}
	free(rows);
}

/* ---- the executor -------------------------------------------------------------------------- */

int
qtm_hive_slurm_new(struct qtm_ctx *ctx, const struct qtm_hive_slurm_conf *conf, struct qtm_hive_db *db,
    struct qtm_hive_slurm **out)
{
	struct qtm_hive_slurm *sl;
	int rc;

	*out = NULL;
	if (conf->hive_url == NULL || conf->state_dir == NULL || conf->runner_token_path == NULL ||
	    conf->runner_program == NULL)
		return qtm_error(ctx, -EINVAL, _("slurm executor: the hive URL, state directory, runner token and "
		    "runner program must all be known"));
	if ((rc = hslurm_db_init(ctx, db)) < 0)
		return rc;
	sl = xcalloc(1, sizeof *sl);
	sl->db = db;
	sl->hive_url = xstrdup(conf->hive_url);
	sl->token_path = xstrdup(conf->runner_token_path);
	sl->program = xstrdup(conf->runner_program);
	sl->partition = conf->partition != NULL && *conf->partition != '\0' ? xstrdup(conf->partition) : NULL;
	sl->runner_root = xstrdup(conf->runner_root != NULL ? conf->runner_root : "/var/tmp/qtm-runner");
	sl->script_dir = xasprintf("%s/slurm", conf->state_dir);
	sl->out_dir = conf->output_dir != NULL ? xstrdup(conf->output_dir) : xstrdup(sl->script_dir);
	sl->logs_dir = xasprintf("%s/logs", conf->state_dir);
	sl->extra = split_blanks(conf->extra);
	sl->max_jobs = conf->max_jobs >= 0 ? conf->max_jobs : 4;
	sl->max_attempts = conf->max_attempts > 0 ? conf->max_attempts : 3;
	if ((rc = qtm_mkdir_p(ctx, sl->script_dir, 0700)) < 0 || (rc = qtm_mkdir_p(ctx, sl->out_dir, 0755)) < 0) {
		qtm_hive_slurm_free(sl);
		return rc;
	}
	start_probe(ctx, sl, qtm_wall_s());
	*out = sl;
	return 0;
}

void
qtm_hive_slurm_poll(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl)
{
	double now = qtm_wall_s();

	for (struct hslurm_cmd **p = &sl->cmds; *p != NULL;) {
		struct hslurm_cmd *c = *p;

		if (!hslurm_cmd_poll(c, now)) {
			p = &c->next;
			continue;
		}
		*p = c->next;
		switch (c->kind) {
		case HS_PROBE: probe_done(ctx, sl, c, now); break;
		case HS_SBATCH: sbatch_done(ctx, sl, c, now); break;
		case HS_SQUEUE: squeue_done(ctx, sl, c, now); break;
		case HS_SCANCEL:
			if (c->status != 0) {
				char *msg = hslurm_cmd_message(c, "scancel");

				qtm_warn(ctx, _("slurm executor: scancel: %s"), msg);
				free(msg);
			}
			break;
		}
		hslurm_cmd_free(c);
	}
}

void
qtm_hive_slurm_tick(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, double now)
{
	struct hslurm_cand cands[64];
	int n = 0, room;

	if (!sl->ready) {
		if (!running(sl, HS_PROBE) && now >= sl->probe_at)
			start_probe(ctx, sl, now);
		return;
	}
	if (!running(sl, HS_SQUEUE))
		start_squeue(ctx, sl, now);
	room = sl->max_jobs - sl->active;
	if (room <= 0)
		return;
	if (hslurm_db_candidates(ctx, sl->db, now, room < 64 ? room : 64, cands, &n) < 0) {
		qtm_warn(ctx, "%s", qtm_strerror(ctx));
		return;
	}
	for (int i = 0; i < n; i++)
		if (submit_one(ctx, sl, &cands[i], now) < 0)
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
}

void
qtm_hive_slurm_cancel(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int64_t job_id)
{
	struct hslurm_row *rows;
	size_t n;

	if (hslurm_db_active(ctx, sl->db, &rows, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (rows[i].job_id == job_id && rows[i].slurm_id > 0)
			scancel(ctx, sl, rows[i].slurm_id, qtm_wall_s());
	free(rows);
}

int
qtm_hive_slurm_scale(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, int max_jobs)
{
	if (max_jobs < 0 || max_jobs > 1024)
		return qtm_error(ctx, -EINVAL, _("scale: the slurm executor keeps 0 to 1024 jobs in Slurm, not %d"),
		    max_jobs);
	sl->max_jobs = max_jobs;
	return 0;
}

int
qtm_hive_slurm_max(const struct qtm_hive_slurm *sl)
{
	return sl->max_jobs;
}

int
qtm_hive_slurm_active(const struct qtm_hive_slurm *sl)
{
	return sl->active;
}

const char *
qtm_hive_slurm_error(const struct qtm_hive_slurm *sl)
{
	return sl->error;
}

void
qtm_hive_slurm_annotate(const struct qtm_hive_slurm *sl, cJSON *runners)
{
	cJSON *r;

	(void)sl;
	cJSON_ArrayForEach(r, runners) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(r, "id"));
		long long job, slurm;
		int end = 0;

		if (id != NULL && sscanf(id, "slurm-%lld-%lld%n", &job, &slurm, &end) == 2 &&
		    (id[end] == '\0' || id[end] == '-'))
			cJSON_AddNumberToObject(r, "slurm_job", (double)slurm);
	}
}

void
qtm_hive_slurm_free(struct qtm_hive_slurm *sl)
{
	if (sl == NULL)
		return;
	while (sl->cmds != NULL) {
		struct hslurm_cmd *c = sl->cmds;

		sl->cmds = c->next;
		hslurm_cmd_free(c);
	}
	free(sl->hive_url);
	free(sl->token_path);
	free(sl->program);
	free(sl->partition);
	free(sl->runner_root);
	free(sl->out_dir);
	free(sl->script_dir);
	free(sl->logs_dir);
	free(sl->error);
	strv_free(sl->extra);
	free(sl);
}

int
qtm_hive_slurm_settings(struct qtm_ctx *ctx, struct qtm_hive_slurm *sl, const struct qtm_hive_slurm_conf *conf)
{
	char *out = conf->output_dir != NULL ? xstrdup(conf->output_dir) : xstrdup(sl->script_dir);
	int rc = qtm_mkdir_p(ctx, out, 0755);

	if (rc < 0) {
		free(out);
		return rc;
	}
	free(sl->out_dir);
	sl->out_dir = out;
	free(sl->partition);
	sl->partition = conf->partition != NULL && *conf->partition != '\0' ? xstrdup(conf->partition) : NULL;
	free(sl->runner_root);
	sl->runner_root = xstrdup(conf->runner_root != NULL ? conf->runner_root : "/var/tmp/qtm-runner");
	strv_free(sl->extra);
	sl->extra = split_blanks(conf->extra);
	sl->max_jobs = conf->max_jobs >= 0 ? conf->max_jobs : 4;
	sl->max_attempts = conf->max_attempts > 0 ? conf->max_attempts : 3;
	return 0;
}
