/* hive-executor.c - where hive runners come from: local qtm-runner processes confined by a
 * cgroup, or a fleet that enrolls itself.  Auto-scaling of local runners by queue depth. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "ctx.h"
#include "hive-executor.h"
#include "i18n.h"
#include "sandbox.h"
#include "xalloc.h"

/* Seconds between SIGTERM and SIGKILL when a runner is stopped. */
#define KILL_GRACE_S 5.0
/* A runner that ends sooner than this after its start failed to start (a wrong token, an
 * unreachable hive): autoscaling then waits before starting the next, doubling up to the max. */
#define EARLY_EXIT_S 10.0
#define BACKOFF_MAX_S 60.0

enum kind { EX_LOCAL, EX_FLEET };

struct runner {
	char *id;                /* owned: "local-N" */
	int n;                   /* the N of the id, reused once the runner is gone (its caches stay) */
	pid_t pid;               /* also its process group */
	struct qtm_limits lim;   /* owned: its cgroups */
	bool stopping;           /* SIGTERM sent at term_at */
	bool killed;             /* SIGKILL sent */
	double term_at;
	double started_at;
};

struct qtm_hive_executor {
	enum kind kind;
	char *hive_url, *state_dir, *token_path, *program;  /* owned copies of the conf */
	int cpus;
	long memory_mb;
	int min, max, cooldown_s;
	bool autoscale;
	bool (*runner_busy)(void *arg, const char *id);
	void *runner_busy_arg;
	int target;              /* manual target (-1: none): the floor autoscaling keeps */
	double surplus_since;    /* when more runners than needed were first seen (0: not now) */
	int failures;            /* runners in a row that failed to start or ended at once */
	double retry_at;         /* autoscaling starts no runner before then */
	struct runner *runners;  /* owned array */
	size_t n_runners;
	char **retired;          /* reaped runners that were stopped on purpose (owned strv) */
};

static int
clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
qtm_hive_executor_new(struct qtm_ctx *ctx, const struct qtm_hive_executor_conf *conf,
    struct qtm_hive_executor **out)
{
	struct qtm_hive_executor *ex;
	const char *kind = conf->kind != NULL ? conf->kind : "local";

	*out = NULL;
	if (strcmp(kind, "slurm") == 0)
		return qtm_error(ctx, -ENOTSUP, _("executor \"slurm\": not supported yet; use "
		    "\"local\" or \"fleet\" (executor in hive.conf or --executor)"));
	if (strcmp(kind, "local") != 0 && strcmp(kind, "fleet") != 0)
		return qtm_error(ctx, -EINVAL, _("executor \"%s\": unknown; use \"local\" or "
		    "\"fleet\""), kind);
	if (conf->min_runners < 0 || conf->max_runners < conf->min_runners)
		return qtm_error(ctx, -EINVAL, _("executor: min_runners %d and max_runners %d do not "
		    "make a range (0 <= min_runners <= max_runners in hive.conf)"),
		    conf->min_runners, conf->max_runners);
	if (strcmp(kind, "local") == 0 && (conf->hive_url == NULL || conf->state_dir == NULL ||
	    conf->runner_token_path == NULL || conf->runner_program == NULL))
		return qtm_error(ctx, -EINVAL, _("local executor: the hive URL, state directory, "
		    "runner token and runner program must all be known"));

	ex = xcalloc(1, sizeof *ex);
	ex->kind = strcmp(kind, "local") == 0 ? EX_LOCAL : EX_FLEET;
	ex->hive_url = conf->hive_url != NULL ? xstrdup(conf->hive_url) : NULL;
	ex->state_dir = conf->state_dir != NULL ? xstrdup(conf->state_dir) : NULL;
	ex->token_path = conf->runner_token_path != NULL ? xstrdup(conf->runner_token_path) : NULL;
	ex->program = conf->runner_program != NULL ? xstrdup(conf->runner_program) : NULL;
	ex->cpus = conf->runner_cpus > 0 ? conf->runner_cpus : 2;
	ex->memory_mb = conf->runner_memory_mb > 0 ? conf->runner_memory_mb : 4096;
	ex->min = conf->min_runners;
	ex->max = conf->max_runners;
	ex->cooldown_s = conf->scale_cooldown_s >= 0 ? conf->scale_cooldown_s : 10;
	ex->autoscale = conf->autoscale;
	ex->runner_busy = conf->runner_busy;
	ex->runner_busy_arg = conf->runner_busy_arg;
	ex->target = -1;
	*out = ex;
	return 0;
}

/* Runners that count: started and not being stopped. */
static int
live_count(const struct qtm_hive_executor *ex)
{
	int n = 0;

	for (size_t i = 0; i < ex->n_runners; i++)
		n += !ex->runners[i].stopping;
	return n;
}

/* The lowest N no runner of ours uses: names and runner roots (with their caches) are reused. */
static int
free_number(const struct qtm_hive_executor *ex)
{
	for (int n = 1;; n++) {
		bool used = false;

		for (size_t i = 0; i < ex->n_runners && !used; i++)
			used = ex->runners[i].n == n;
		if (!used)
			return n;
	}
}

static int
mkdir_p(const char *path)
{
	char *copy = xstrdup(path);
	int err = 0;

	for (char *p = copy + 1; err == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			err = -errno;
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return err;
}

/* The child: only async-signal-safe calls, since the daemon has threads.  Waits until the
 * parent has put it into its cgroups so that nothing it runs escapes them. */
static void __attribute__((noreturn))
child_exec(const struct qtm_limits *lim, const int sync[2], int log_fd, int null_fd, char *const *argv,
    pid_t daemon)
{
	static const char failed[] = "qtm-hived: cannot start the runner program\n";
	sigset_t none;
	char byte;

	/* A runner dies with the daemon that started it (even one killed with SIGKILL): the next
	 * daemon starts its own, and two sets would share the runners' roots.  The parent check
	 * closes the race with a daemon that died before the prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != daemon)
		_exit(126);
	setpgid(0, 0);
	/* Without the write end, a parent that fails to release it gives EOF, not a hang. */
	close(sync[1]);
	if (read(sync[0], &byte, 1) != 1)
		_exit(126);
	if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
	/* Whatever the daemon has open (its listening socket, the database) is not the runner's. */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	if (qtm_limits_apply_child(lim) < 0)
		_exit(126);
	/* The daemon's signal handling (SIGPIPE ignored, signals blocked in its threads) is not
	 * the runner's. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	if (write(2, failed, sizeof failed - 1) < 0)
		_exit(127);
	_exit(127);
}

/* Opens the runner's log (appending) and writes what confines it; returns the fd or -errno. */
static int
open_log(struct qtm_ctx *ctx, const struct qtm_hive_executor *ex, const char *id,
    const struct qtm_limits *lim)
{
	char *path = xasprintf("%s/runners/%s.log", ex->state_dir, id);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0) {
		int err = -errno;

		qtm_error(ctx, err, _("runner %s: cannot open its log %s: %s"), id, path, strerror(-err));
		free(path);
		return err;
	}
	dprintf(fd, "qtm-hived: starting %s (%d CPUs, %ld MB) limits: %s %s\n", id, ex->cpus,
	    ex->memory_mb, lim->kind, lim->detail != NULL ? lim->detail : "");
	free(path);
	return fd;
}

/* Forks the runner process into its cgroups; returns 0 with r->pid set, or -errno. */
static int
start_process(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, struct runner *r, int log_fd)
{
	char *root = xasprintf("%s/runners/%s", ex->state_dir, r->id);
	char *argv[] = { ex->program, "--hive", ex->hive_url, "--token-file", ex->token_path,
		"--name", r->id, "--root", root, "--executor", "local", NULL };
	int sync[2], null_fd, err = 0;
	pid_t pid, daemon;

	if (access(ex->program, X_OK) < 0) {
		err = -errno;
		free(root);
		return qtm_error(ctx, err, _("runner %s: cannot run the runner program %s: %s"),
		    r->id, ex->program, strerror(-err));
	}
	if ((err = mkdir_p(root)) < 0) {
		qtm_error(ctx, err, _("runner %s: cannot create its root %s: %s"), r->id, root,
		    strerror(-err));
		free(root);
		return err;
	}
	if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || pipe2(sync, O_CLOEXEC) < 0) {
		err = -errno;
		if (null_fd >= 0)
			close(null_fd);
		free(root);
		return qtm_error(ctx, err, _("runner %s: cannot start: %s"), r->id, strerror(-err));
	}
	daemon = getpid();
	pid = fork();
	if (pid == 0)
		child_exec(&r->lim, sync, log_fd, null_fd, argv, daemon);
	err = pid < 0 ? -errno : 0;
	if (pid > 0) {
		setpgid(pid, pid);  /* either side may win the race; both set the same group */
		if (qtm_limits_attach(&r->lim, pid) < 0)
			dprintf(log_fd, "qtm-hived: %s could not be moved into its cgroups\n", r->id);
		/* Should this fail, the child reads EOF and exits; tick reaps it like any runner. */
		if (write(sync[1], "g", 1) != 1)
			dprintf(log_fd, "qtm-hived: %s could not be released\n", r->id);
		r->pid = pid;
	}
	close(sync[0]);
	close(sync[1]);
	close(null_fd);
	free(root);
	if (pid < 0)
		return qtm_error(ctx, err, _("runner %s: cannot start %s: %s"), r->id, ex->program,
		    strerror(-err));
	return 0;
}

static int
spawn_one(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, char ***ids)
{
	struct runner r = { .n = free_number(ex) };
	struct qtm_sandbox_spec spec = { .cpus = ex->cpus, .memory_mb = ex->memory_mb };
	char *dir = xasprintf("%s/runners", ex->state_dir);
	int log_fd, err;

	r.id = xasprintf("local-%d", r.n);
	err = mkdir_p(dir);
	free(dir);
	if (err < 0) {
		err = qtm_error(ctx, err, _("runner %s: cannot create %s/runners: %s"), r.id,
		    ex->state_dir, strerror(-err));
		free(r.id);
		return err;
	}
	qtm_limits_prepare(&spec, &r.lim);
	if ((log_fd = open_log(ctx, ex, r.id, &r.lim)) < 0 ||
	    (err = start_process(ctx, ex, &r, log_fd)) < 0) {
		if (log_fd >= 0)
			close(log_fd);
		qtm_limits_release(&r.lim, false);
		free(r.id);
		return log_fd < 0 ? log_fd : err;
	}
	close(log_fd);
	r.started_at = qtm_mono_s();
	qtm_verbose(ctx, _("runner %s started (pid %ld, limits: %s)"), r.id, (long)r.pid, r.lim.kind);
	ex->runners = xreallocarray(ex->runners, ex->n_runners + 1, sizeof *ex->runners);
	ex->runners[ex->n_runners++] = r;
	if (ids != NULL)
		*ids = strv_push(*ids, r.id);
	return 0;
}

static int
spawn_n(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int count, char ***ids)
{
	for (int i = 0; i < count; i++) {
		int err = spawn_one(ctx, ex, ids);

		if (err < 0)
			return err;
	}
	return 0;
}

int
qtm_hive_executor_spawn(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int count, char ***ids)
{
	int live = live_count(ex), err;

	*ids = NULL;
	if (ex->kind != EX_LOCAL)
		return qtm_error(ctx, -ENOTSUP, _("the fleet executor starts no runners: runners "
		    "enroll themselves with the hive URL and the runner token (qtm-runner --hive URL "
		    "--token-file runner.token on each host)"));
	if (count <= 0)
		return qtm_error(ctx, -EINVAL, _("spawn: count %d must be at least 1"), count);
	if (live + count > ex->max)
		return qtm_error(ctx, -EBUSY, _("spawn: cannot start %d more runners: %d of at most "
		    "%d are running (max_runners in hive.conf)"), count, live, ex->max);
	*ids = xcalloc(1, sizeof **ids);
	err = spawn_n(ctx, ex, count, ids);
	/* Autoscaling must not take back at once what the operator just asked for. */
	if (ex->target >= 0 || ex->autoscale)
		ex->target = live_count(ex);
	if (err < 0) {
		strv_free(*ids);
		*ids = NULL;
	}
	return err;
}

static struct runner *
find(struct qtm_hive_executor *ex, const char *id)
{
	for (size_t i = 0; i < ex->n_runners; i++)
		if (strcmp(ex->runners[i].id, id) == 0)
			return &ex->runners[i];
	return NULL;
}

static void
stop(struct runner *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	r->term_at = qtm_mono_s();
	kill(-r->pid, SIGTERM);
	kill(r->pid, SIGTERM);
}

int
qtm_hive_executor_kill(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, const char *id)
{
	struct runner *r = find(ex, id);

	if (r == NULL)
		return qtm_error(ctx, -ENOENT, _("runner %s: not started by this hive's %s executor"),
		    id, ex->kind == EX_LOCAL ? "local" : "fleet");
	stop(r);
	if (ex->target > live_count(ex))
		ex->target = live_count(ex);
	return 0;
}

static bool
busy(const struct qtm_hive_executor *ex, const struct runner *r)
{
	return ex->runner_busy != NULL && ex->runner_busy(ex->runner_busy_arg, r->id);
}

/* Stops up to count idle runners, newest first.  Without a way to tell which runners are idle,
 * at most live - busy_count are stopped (the newest). */
static void
stop_idle(struct qtm_hive_executor *ex, int count, int busy_count)
{
	if (ex->runner_busy == NULL) {
		int idle = live_count(ex) - busy_count;

		count = count < idle ? count : idle;
	}
	while (count > 0) {
		struct runner *pick = NULL;

		for (size_t i = 0; i < ex->n_runners; i++) {
			struct runner *r = &ex->runners[i];

			if (!r->stopping && !busy(ex, r) && (pick == NULL || r->n > pick->n))
				pick = r;
		}
		if (pick == NULL)
			return;
		stop(pick);
		count--;
	}
}

int
qtm_hive_executor_scale(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int target, int busy_count,
    char ***started)
{
	int live, err = 0;

	if (started != NULL)
		*started = xcalloc(1, sizeof **started);

	if (ex->kind != EX_LOCAL)
		return qtm_error(ctx, -ENOTSUP, _("scale: the fleet executor starts no runners: "
		    "runners enroll themselves with the hive URL and the runner token"));
	if (target < 0 || target > ex->max)
		return qtm_error(ctx, -EINVAL, _("scale: target %d is outside 0..%d (max_runners in "
		    "hive.conf)"), target, ex->max);
	/* The operator's target replaces min_runners as the floor, down to zero. */
	ex->target = target;
	ex->surplus_since = 0;
	live = live_count(ex);
	if (live < ex->target)
		err = spawn_n(ctx, ex, ex->target - live, started);
	else if (live > ex->target)
		stop_idle(ex, live - ex->target, busy_count);
	return err;
}

int
qtm_hive_executor_running(const struct qtm_hive_executor *ex)
{
	return live_count(ex);
}

char **
qtm_hive_executor_take_retired(struct qtm_hive_executor *ex)
{
	char **r = ex->retired;

	ex->retired = NULL;
	return r;
}

int
qtm_hive_executor_max(const struct qtm_hive_executor *ex)
{
	return ex->max;
}

int
qtm_hive_executor_pid(const struct qtm_hive_executor *ex, const char *id)
{
	for (size_t i = 0; ex != NULL && i < ex->n_runners; i++)
		if (strcmp(ex->runners[i].id, id) == 0)
			return (int)ex->runners[i].pid;
	return 0;
}

/* Sends sig to every process in dir's cgroup and its child groups (the runner's training
 * sandboxes live in groups below it and may have left its process group). */
static void
signal_group(const char *dir, int sig)
{
	char *path = xasprintf("%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	struct dirent *de;
	DIR *d;
	long pid;

	free(path);
	if (f != NULL) {
		while (fscanf(f, "%ld", &pid) == 1)
			if (pid > 0 && pid != (long)getpid())
				kill((pid_t)pid, sig);
		fclose(f);
	}
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		signal_group(path, sig);
		free(path);
	}
	closedir(d);
}

/* Removes the empty groups a killed runner's sandboxes left below dir, so that dir itself can go. */
static void
remove_children(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		remove_children(path);
		rmdir(path);
		free(path);
	}
	closedir(d);
}

static void
kill_all(struct runner *r)
{
	r->killed = true;
	kill(-r->pid, SIGKILL);
	for (size_t i = 0; i < r->lim.n_groups; i++)
		signal_group(r->lim.groups[i], SIGKILL);
}

/* After the runner's process was reaped: nothing it started may outlive it (a training it left
 * behind would run its job a second time), and its groups go. */
static void
cleanup(struct runner *r)
{
	kill_all(r);
	for (size_t i = 0; i < r->lim.n_groups; i++)
		remove_children(r->lim.groups[i]);
	qtm_limits_release(&r->lim, false);
	free(r->id);
	r->id = NULL;
}

/* A runner could not be started or ended at once: autoscaling backs off (1, 2, 4... s up to a
 * minute) instead of starting one a second, and the operator is told where to look. */
static void
note_failure(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, const char *id, double now)
{
	double wait = BACKOFF_MAX_S;

	if (ex->failures < 6)
		wait = (double)(1 << ex->failures);
	ex->failures++;
	ex->retry_at = now + wait;
	if (id != NULL)
		qtm_warn(ctx, _("runner %s ended right after its start (see %s/runners/%s.log); "
		    "starting the next in %.0f s"), id, ex->state_dir, id, wait);
}

/* Reaps runners whose process has exited; their ids are pushed onto *gone. */
static void
reap(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, char ***gone)
{
	size_t kept = 0;
	double now = qtm_mono_s();

	for (size_t i = 0; i < ex->n_runners; i++) {
		struct runner *r = &ex->runners[i];
		int status;
		pid_t p = waitpid(r->pid, &status, WNOHANG);

		if (p == r->pid || (p < 0 && errno == ECHILD)) {
			qtm_verbose(ctx, _("runner %s (pid %ld) ended"), r->id, (long)r->pid);
			/* Killed by a signal from outside is no failure to start. */
			if (!r->stopping && now - r->started_at < EARLY_EXIT_S && !(p == r->pid && WIFSIGNALED(status)))
				note_failure(ctx, ex, r->id, now);
			else if (!r->stopping)
				ex->failures = 0;
			if (r->stopping)
				ex->retired = strv_push(ex->retired, r->id);
			else if (gone != NULL)
				*gone = strv_push(*gone, r->id);
			cleanup(r);
			continue;
		}
		if (r->stopping && !r->killed && now - r->term_at >= KILL_GRACE_S)
			kill_all(r);
		ex->runners[kept++] = *r;
	}
	ex->n_runners = kept;
}

/* How many runners the queue wants now: enough for every claimable and running job. */
static void
autoscale(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int claimable, int busy_count)
{
	int lo = ex->target >= 0 ? ex->target : ex->min;
	int want = clamp(claimable + busy_count, lo, ex->max);
	int live = live_count(ex);
	double now = qtm_mono_s();

	if (!ex->autoscale)
		want = lo;
	if (!ex->autoscale && ex->target < 0 && live >= want) {
		ex->surplus_since = 0;
		return;
	}
	if (want >= live) {
		ex->surplus_since = 0;
		if (want > live && now >= ex->retry_at && spawn_n(ctx, ex, want - live, NULL) < 0) {
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
			note_failure(ctx, ex, NULL, now);
		}
		return;
	}
	if (ex->surplus_since == 0) {
		ex->surplus_since = now;
		if (ex->cooldown_s > 0)
			return;
	}
	if (now - ex->surplus_since >= ex->cooldown_s) {
		stop_idle(ex, live - want, busy_count);
		ex->surplus_since = 0;
	}
}

void
qtm_hive_executor_tick(struct qtm_ctx *ctx, struct qtm_hive_executor *ex, int claimable,
    int busy_count, char ***gone)
{
	if (gone != NULL)
		*gone = NULL;
	if (ex->kind != EX_LOCAL)
		return;
	reap(ctx, ex, gone);
	autoscale(ctx, ex, claimable, busy_count);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void
qtm_hive_executor_free(struct qtm_hive_executor *ex)
{
	double deadline;

	if (ex == NULL)
		return;
	for (size_t i = 0; i < ex->n_runners; i++)
		stop(&ex->runners[i]);
	deadline = qtm_mono_s() + KILL_GRACE_S;
	while (ex->n_runners > 0) {
		size_t kept = 0;
		bool late = qtm_mono_s() >= deadline;

		for (size_t i = 0; i < ex->n_runners; i++) {
			struct runner *r = &ex->runners[i];
			int status;
			pid_t p;

			if (late && !r->killed)
				kill_all(r);
			p = waitpid(r->pid, &status, late ? 0 : WNOHANG);
			if (p == r->pid || (p < 0 && errno == ECHILD)) {
				cleanup(r);
				continue;
			}
			ex->runners[kept++] = *r;
		}
		ex->n_runners = kept;
		if (kept > 0 && !late)
			sleep_ms(20);
	}
	free(ex->runners);
	free(ex->hive_url);
	free(ex->state_dir);
	free(ex->token_path);
	free(ex->program);
	strv_free(ex->retired);
	free(ex);
}

void
qtm_hive_executor_limits(struct qtm_hive_executor *ex, const struct qtm_hive_executor_conf *conf)
{
	ex->cpus = conf->runner_cpus > 0 ? conf->runner_cpus : 2;
	ex->memory_mb = conf->runner_memory_mb > 0 ? conf->runner_memory_mb : 4096;
	ex->min = conf->min_runners;
	ex->max = conf->max_runners;
	ex->cooldown_s = conf->scale_cooldown_s >= 0 ? conf->scale_cooldown_s : 10;
	if (ex->target >= 0)
		ex->target = clamp(ex->target, 0, ex->max);   /* an operator's target stands in for min_runners */
}
