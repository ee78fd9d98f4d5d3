/* test-hive-sched.c - declarative scheduling cases: one cmocka test per .sched file in
 * tests/hive.
 *
 * Lines; blank lines and lines starting with '#' are ignored; tokens are separated by blanks.
 *
 *   policy [now=T] [grace=S] [allow=GLOB,..] [deny=GLOB,..]
 *                               the hive's settings (defaults: now=1000 grace=30)
 *   runner NAME [cores=N] [memory=MB] [cuda] [vram=MIB] [host=H] [busy=S]
 *                               an enrolled runner (defaults: 2 cores, 4096 MB, no GPU,
 *                               host NAME, idle); busy=S: S seconds of work left
 *   job ID [prio=high|medium|low] [est=S] [cpus=N] [memory=MB] [gpu=prefer|require]
 *          [vram=GIB] [allow=GLOB,..] [deny=GLOB,..] [since=T]
 *                               a pending candidate (defaults: medium, est=60, 1 cpu, 256 MB,
 *                               pending since T=now)
 *   peek RUNNER JOB|none        RUNNER's claim now must give JOB (nothing changes)
 *   claim RUNNER JOB|none       the same, then RUNNER runs JOB (busy for its estimate) and
 *                               JOB leaves the candidates
 *   simulate MAKESPAN           from the current state, every idle runner claims (in the
 *                               order of the runner lines) whenever it is idle, each job runs
 *                               exactly its estimate; all jobs must be run and the last one
 *                               must end at MAKESPAN seconds from now
 *   makespan VALUE             the exact optimum of the current candidates over the runners'
 *                               current loads must be VALUE */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive-sched.h"
#include "xalloc.h"

#define CASE_DIR TOP_SRCDIR "/tests/hive"
#define MAXN 64
#define HUGE_STEP 1e300

struct scase {
	struct qtm_hive_sched_policy pol;
	char **pol_allow, **pol_deny;
	struct qtm_hive_sched_runner runners[MAXN];
	char *rnames[MAXN];
	size_t n_runners;
	struct qtm_hive_sched_job jobs[MAXN];
	size_t n_jobs;
	char **owned;                /* strings the structures above point to */
	char **vecs[MAXN];           /* host lists they point to */
	size_t n_vecs;
	const char *path;
	int line;
	char *err;
};

static void
failf(struct scase *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
failf(struct scase *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (c->err != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->err = xasprintf("%s:%d: %s", c->path, c->line, msg);
	free(msg);
}

/* A comma-separated list as a NULL-terminated vector the case owns. */
static char **
split_list(struct scase *c, const char *s)
{
	char **v = xcalloc(1, sizeof *v), *copy = xstrdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		v = strv_push(v, t);
	free(copy);
	if (c->n_vecs == MAXN) {
		failf(c, "too many host lists");
		strv_free(v);
		return NULL;
	}
	c->vecs[c->n_vecs++] = v;
	return v;
}

static const char *
keep(struct scase *c, const char *s)
{
	c->owned = strv_push(c->owned, s);
	return c->owned[strv_len(c->owned) - 1];
}

static int
runner_index(struct scase *c, const char *name)
{
	for (size_t i = 0; i < c->n_runners; i++)
		if (strcmp(c->rnames[i], name) == 0)
			return (int)i;
	failf(c, "unknown runner %s", name);
	return -1;
}

static void
parse_policy(struct scase *c, char *tok, char **save)
{
	while ((tok = strtok_r(NULL, " \t\n", save)) != NULL) {
		if (strncmp(tok, "now=", 4) == 0)
			c->pol.now = atof(tok + 4);
		else if (strncmp(tok, "grace=", 6) == 0)
			c->pol.gpu_grace_s = atof(tok + 6);
		else if (strncmp(tok, "allow=", 6) == 0)
			c->pol.allow_hosts = split_list(c, tok + 6);
		else if (strncmp(tok, "deny=", 5) == 0)
			c->pol.deny_hosts = split_list(c, tok + 5);
		else
			failf(c, "unknown policy setting %s", tok);
	}
}

static void
parse_runner(struct scase *c, char **save)
{
	char *tok = strtok_r(NULL, " \t\n", save);
	struct qtm_hive_sched_runner *r = &c->runners[c->n_runners];

	if (tok == NULL || c->n_runners == MAXN)
		return failf(c, "runner NAME expected (at most %d)", MAXN);
	*r = (struct qtm_hive_sched_runner){ .cores = 2, .memory_mb = 4096 };
	c->rnames[c->n_runners++] = xstrdup(tok);
	r->host = keep(c, tok);
	while ((tok = strtok_r(NULL, " \t\n", save)) != NULL) {
		if (strncmp(tok, "cores=", 6) == 0)
			r->cores = atoi(tok + 6);
		else if (strncmp(tok, "memory=", 7) == 0)
			r->memory_mb = atol(tok + 7);
		else if (strcmp(tok, "cuda") == 0)
			r->cuda = true;
		else if (strncmp(tok, "vram=", 5) == 0)
			r->vram_mib = atol(tok + 5);
		else if (strncmp(tok, "host=", 5) == 0)
			r->host = keep(c, tok + 5);
		else if (strncmp(tok, "busy=", 5) == 0)
			r->busy_remaining_s = atof(tok + 5);
		else
			failf(c, "unknown runner setting %s", tok);
	}
}

static int
parse_prio(const char *s)
{
	return strcmp(s, "high") == 0 ? QTM_HIVE_HIGH : strcmp(s, "low") == 0 ? QTM_HIVE_LOW : QTM_HIVE_MEDIUM;
}

static void
parse_job(struct scase *c, char **save)
{
	char *tok = strtok_r(NULL, " \t\n", save);
	struct qtm_hive_sched_job *j = &c->jobs[c->n_jobs];

	if (tok == NULL || c->n_jobs == MAXN)
		return failf(c, "job ID expected (at most %d)", MAXN);
	*j = (struct qtm_hive_sched_job){ .id = atoll(tok), .priority = QTM_HIVE_MEDIUM, .estimate_s = 60,
		.cpus = 1, .memory_mb = 256, .pending_since = c->pol.now };
	c->n_jobs++;
	while ((tok = strtok_r(NULL, " \t\n", save)) != NULL) {
		if (strncmp(tok, "prio=", 5) == 0)
			j->priority = parse_prio(tok + 5);
		else if (strncmp(tok, "est=", 4) == 0)
			j->estimate_s = atof(tok + 4);
		else if (strncmp(tok, "cpus=", 5) == 0)
			j->cpus = atoi(tok + 5);
		else if (strncmp(tok, "memory=", 7) == 0)
			j->memory_mb = atol(tok + 7);
		else if (strncmp(tok, "gpu=", 4) == 0)
			j->gpu = strcmp(tok + 4, "require") == 0 ? QTM_HIVE_GPU_REQUIRE : QTM_HIVE_GPU_PREFER;
		else if (strncmp(tok, "vram=", 5) == 0)
			j->min_vram_gib = atof(tok + 5);
		else if (strncmp(tok, "allow=", 6) == 0)
			j->allow = split_list(c, tok + 6);
		else if (strncmp(tok, "deny=", 5) == 0)
			j->deny = split_list(c, tok + 5);
		else if (strncmp(tok, "since=", 6) == 0)
			j->pending_since = atof(tok + 6);
		else
			failf(c, "unknown job setting %s", tok);
	}
}

static void
take(struct scase *c, int r, int j)
{
	c->runners[r].busy_remaining_s = c->jobs[j].estimate_s;
	c->jobs[j] = c->jobs[--c->n_jobs];
}

/* peek/claim RUNNER JOB|none */
static void
check_claim(struct scase *c, char **save, bool apply)
{
	char *name = strtok_r(NULL, " \t\n", save), *want = strtok_r(NULL, " \t\n", save);
	int r = name != NULL ? runner_index(c, name) : -1, j;

	if (r < 0 || want == NULL)
		return failf(c, "RUNNER JOB|none expected");
	j = qtm_hive_sched_pick(&c->pol, c->runners, c->n_runners, (size_t)r, c->jobs, c->n_jobs);
	if (strcmp(want, "none") == 0 ? j >= 0 : j < 0 || c->jobs[j].id != atoll(want)) {
		if (j >= 0)
			return failf(c, "%s got job %lld, want %s", name, (long long)c->jobs[j].id, want);
		return failf(c, "%s got no job, want %s", name, want);
	}
	if (apply && j >= 0)
		take(c, r, j);
}

static void
simulate(struct scase *c, double want)
{
	double t = 0, end = 0;

	for (size_t b = 0; b < c->n_runners; b++)
		end = c->runners[b].busy_remaining_s > end ? c->runners[b].busy_remaining_s : end;
	while (c->n_jobs > 0) {
		double step = HUGE_STEP;

		for (size_t b = 0; b < c->n_runners && c->n_jobs > 0; b++) {
			int j;

			if (c->runners[b].busy_remaining_s > 1e-9)
				continue;
			j = qtm_hive_sched_pick(&c->pol, c->runners, c->n_runners, b, c->jobs, c->n_jobs);
			if (j >= 0) {
				take(c, (int)b, j);
				end = t + c->runners[b].busy_remaining_s > end ? t + c->runners[b].busy_remaining_s : end;
			}
		}
		for (size_t b = 0; b < c->n_runners; b++)
			if (c->runners[b].busy_remaining_s > 1e-9 && c->runners[b].busy_remaining_s < step)
				step = c->runners[b].busy_remaining_s;
		if (c->n_jobs > 0 && step >= HUGE_STEP)
			return failf(c, "at t=%g %zu jobs are left that no idle runner takes", t, c->n_jobs);
		if (step >= HUGE_STEP)
			break;
		t += step;
		for (size_t b = 0; b < c->n_runners; b++)
			c->runners[b].busy_remaining_s = (c->runners[b].busy_remaining_s - step > 0 ? c->runners[b].busy_remaining_s - step : 0);
	}
	if ((end - want > 1e-6 || want - end > 1e-6))
		failf(c, "simulated makespan %g, want %g", end, want);
}

static void
check_makespan(struct scase *c, double want)
{
	double est[QTM_HIVE_SCHED_EXACT_MAX], load[MAXN], got;

	if (c->n_jobs > QTM_HIVE_SCHED_EXACT_MAX)
		return failf(c, "makespan needs at most %d jobs", QTM_HIVE_SCHED_EXACT_MAX);
	for (size_t i = 0; i < c->n_jobs; i++)
		est[i] = c->jobs[i].estimate_s;
	for (size_t b = 0; b < c->n_runners; b++)
		load[b] = c->runners[b].busy_remaining_s;
	got = qtm_hive_sched_makespan(est, c->n_jobs, load, c->n_runners);
	if ((got - want > 1e-6 || want - got > 1e-6))
		failf(c, "optimal makespan %g, want %g", got, want);
}

static void
run_line(struct scase *c, char *line, int *checks)
{
	char *save = NULL, *tok = strtok_r(line, " \t\n", &save);

	if (tok == NULL || tok[0] == '#')
		return;
	if (strcmp(tok, "policy") == 0)
		parse_policy(c, tok, &save);
	else if (strcmp(tok, "runner") == 0)
		parse_runner(c, &save);
	else if (strcmp(tok, "job") == 0)
		parse_job(c, &save);
	else if (strcmp(tok, "peek") == 0 || strcmp(tok, "claim") == 0)
		check_claim(c, &save, strcmp(tok, "claim") == 0), ++*checks;
	else if (strcmp(tok, "simulate") == 0 && (tok = strtok_r(NULL, " \t\n", &save)) != NULL)
		simulate(c, atof(tok)), ++*checks;
	else if (strcmp(tok, "makespan") == 0 && (tok = strtok_r(NULL, " \t\n", &save)) != NULL)
		check_makespan(c, atof(tok)), ++*checks;
	else
		failf(c, "unknown line");
}

static char *
run_case(const char *path)
{
	struct scase c = { .pol = { .now = 1000, .gpu_grace_s = 30 }, .path = path };
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int checks = 0;

	c.owned = xcalloc(1, sizeof *c.owned);
	if (f == NULL)
		return xasprintf("%s: %s", path, strerror(errno));
	while (c.err == NULL && getline(&line, &cap, f) > 0) {
		c.line++;
		run_line(&c, line, &checks);
	}
	if (c.err == NULL && checks == 0)
		c.err = xasprintf("%s: no peek, claim, simulate or makespan line", path);
	free(line);
	fclose(f);
	for (size_t i = 0; i < c.n_runners; i++)
		free(c.rnames[i]);
	strv_free(c.owned);
	for (size_t i = 0; i < c.n_vecs; i++)
		strv_free(c.vecs[i]);
	return c.err;
}

static void
test_case_file(void **state)
{
	char *err = run_case(*state);

	if (err != NULL) {
		print_error("%s\n", err);
		free(err);
		fail();
	}
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".sched") == 0;
}

int
main(int argc, char **argv)
{
	struct dirent **names = NULL;
	struct CMUnitTest *tests;
	char **paths;
	int n, rc;

	/* With arguments, run only those case files (paths), for debugging. */
	if (argc > 1) {
		n = argc - 1;
	} else if ((n = scandir(CASE_DIR, &names, is_case, alphasort)) <= 0) {
		fprintf(stderr, "no *.sched files in %s\n", CASE_DIR);
		free(names);
		return 1;
	}
	tests = xcalloc((size_t)n, sizeof *tests);
	paths = xcalloc((size_t)n, sizeof *paths);
	for (int i = 0; i < n; i++) {
		paths[i] = argc > 1 ? xstrdup(argv[i + 1]) : xasprintf("%s/%s", CASE_DIR, names[i]->d_name);
		tests[i].name = argc > 1 ? paths[i] : strrchr(paths[i], '/') + 1;
		tests[i].test_func = test_case_file;
		tests[i].initial_state = paths[i];
		if (names != NULL)
			free(names[i]);
	}
	free(names);
	rc = _cmocka_run_group_tests("hive-sched", tests, (size_t)n, NULL, NULL);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return rc;
}
