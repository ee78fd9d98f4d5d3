/* test-hive-executor.c - the hive's local and fleet executors, system info and web pages.
 *
 * The local executor starts real processes: tests/unit/fake-runner.sh stands in for qtm-runner
 * (it records its arguments and pid under its --root and idles until SIGTERM).  Waiting for a
 * process to start or end polls with a generous deadline that only bounds a hang. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "hive-capability.h"
#include "hive-executor.h"
#include "hive-sysinfo.h"
#include "hive-web.h"
#include "xalloc.h"

#define FAKE_RUNNER TOP_SRCDIR "/tests/unit/fake-runner.sh"
#define DEADLINE_S 20

struct fixture {
	struct qtm_ctx *ctx;
	char *dir;
	struct qtm_hive_executor_conf conf;
	char *busy_id;   /* the runner runner_busy() calls busy */
	struct qtm_hive_executor *ex;  /* the test's executor: teardown frees it should a test fail */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool
fake_busy(void *arg, const char *id)
{
	struct fixture *f = arg;

	return f->busy_id != NULL && strcmp(f->busy_id, id) == 0;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char tmpl[] = "/tmp/qtm-test.hive-executor.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	f->dir = xstrdup(tmpl);
	f->ctx = qtm_ctx_new(f->dir, NULL);
	assert_non_null(f->ctx);
	f->conf = (struct qtm_hive_executor_conf){
		.kind = "local", .hive_url = "http://127.0.0.1:1/", .state_dir = f->dir,
		.runner_token_path = "/nonexistent/runner.token", .runner_program = FAKE_RUNNER,
		.runner_cpus = 2, .runner_memory_mb = 256, .min_runners = 0, .max_runners = 3,
		.scale_cooldown_s = 3600, .autoscale = false,
		.runner_busy = fake_busy, .runner_busy_arg = f,
	};
	unsetenv("FAKE_RUNNER_IGNORE_TERM");
	*state = f;
	return 0;
}

/* Frees the test's executor, stopping its runners. */
static void
release(struct fixture *f)
{
	qtm_hive_executor_free(f->ex);
	f->ex = NULL;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	release(f);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	qtm_ctx_free(f->ctx);
	free(f->dir);
	free(f);
	return 0;
}

static struct qtm_hive_executor *
make(struct fixture *f)
{
	int rc;

	release(f);
	if ((rc = qtm_hive_executor_new(f->ctx, &f->conf, &f->ex)) < 0)
		fail_msg("executor: %s", qtm_strerror(f->ctx));
	return f->ex;
}

/* The contents of a file the fake runner writes (renamed into place), waiting for it. */
static char *
wait_file(struct fixture *f, const char *id, const char *name)
{
	char *path = xasprintf("%s/runners/%s/%s", f->dir, id, name), *buf = NULL;
	double end = now_s() + DEADLINE_S;
	FILE *fp;

	while ((fp = fopen(path, "re")) == NULL && now_s() < end)
		sleep_ms(20);
	if (fp == NULL)
		fail_msg("%s never appeared", path);
	buf = xcalloc(1, 4096);
	if (fread(buf, 1, 4095, fp) == 0)
		fail_msg("%s is empty", path);
	fclose(fp);
	free(path);
	return buf;
}

static pid_t
runner_pid(struct fixture *f, const char *id, const char *which)
{
	char *s = wait_file(f, id, which);
	pid_t pid = (pid_t)atol(s);

	free(s);
	assert_true(pid > 0);
	return pid;
}

static bool
contains(char **v, const char *s)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Ticks until every id of the NULL-terminated list was reported gone (one tick may report
 * several); returns the seconds it took. */
static double
tick_until_gone_all(struct fixture *f, struct qtm_hive_executor *ex, const char *const *ids,
    int claimable, int busy)
{
	double start = now_s();
	bool seen[8] = { false };
	size_t n = 0;

	while (ids[n] != NULL)
		n++;
	assert_true(n <= 8);
	for (;;) {
		char **gone = NULL;
		bool all = true;

		char **retired;

		qtm_hive_executor_tick(f->ctx, ex, claimable, busy, &gone);
		retired = qtm_hive_executor_take_retired(ex);   /* the ones stopped on purpose */
		for (size_t i = 0; i < n; i++) {
			seen[i] = seen[i] || contains(gone, ids[i]) || contains(retired, ids[i]);
			all = all && seen[i];
		}
		strv_free(gone);
		strv_free(retired);
		if (all)
			return now_s() - start;
		if (now_s() - start > DEADLINE_S)
			fail_msg("runner %s... was never reported gone", ids[0]);
		sleep_ms(50);
	}
}

static double
tick_until_gone(struct fixture *f, struct qtm_hive_executor *ex, const char *id, int claimable,
    int busy)
{
	const char *ids[] = { id, NULL };

	return tick_until_gone_all(f, ex, ids, claimable, busy);
}

static bool
alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

/* Reaped by someone (the executor for its runner; init for the runner's child): kill(0) fails
 * once the zombie is gone too. */
static void
wait_dead(pid_t pid)
{
	double end = now_s() + DEADLINE_S;

	while (alive(pid) && now_s() < end)
		sleep_ms(20);
	assert_false(alive(pid));
}

static void
test_spawn_args_and_group(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex = make(f);
	char **ids = NULL, *args, *expect, *log, *path;
	pid_t pid;

	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 2, &ids), 0);
	assert_int_equal(strv_len(ids), 2);
	assert_string_equal(ids[0], "local-1");
	assert_string_equal(ids[1], "local-2");
	assert_int_equal(qtm_hive_executor_running(ex), 2);
	assert_int_equal(qtm_hive_executor_max(ex), 3);

	args = wait_file(f, "local-2", "args");
	expect = xasprintf("--hive\nhttp://127.0.0.1:1/\n--token-file\n/nonexistent/runner.token\n"
	    "--name\nlocal-2\n--root\n%s/runners/local-2\n--executor\nlocal\n", f->dir);
	assert_string_equal(args, expect);
	pid = runner_pid(f, "local-2", "pid");
	assert_int_equal(getpgid(pid), pid);  /* its own process group */
	assert_int_equal(getpgid(runner_pid(f, "local-2", "child")), pid);

	path = xasprintf("%s/runners/local-2.log", f->dir);
	log = NULL;
	for (double end = now_s() + DEADLINE_S; now_s() < end; sleep_ms(20)) {
		FILE *fp = fopen(path, "re");

		free(log);
		log = xcalloc(1, 4096);
		if (fp != NULL) {
			if (fread(log, 1, 4095, fp) == 0)
				log[0] = '\0';
			fclose(fp);
		}
		if (strstr(log, "fake-runner: started") != NULL)
			break;
	}
	assert_non_null(strstr(log, "limits:"));
	assert_non_null(strstr(log, "fake-runner: started"));
	free(log);
	free(path);
	free(args);
	free(expect);
	strv_free(ids);
	release(f);
	assert_false(alive(pid));
}

/* The line of /proc/PID/cgroup for controller ("" for the v2 hierarchy): its path. */
static char *
cgroup_of(pid_t pid, const char *controller)
{
	char *path = xasprintf("/proc/%ld/cgroup", (long)pid), line[1024], *found = NULL;
	FILE *fp = fopen(path, "re");

	free(path);
	assert_non_null(fp);
	while (found == NULL && fgets(line, sizeof line, fp) != NULL) {
		char *ctrls = strchr(line, ':'), *p;

		if (ctrls == NULL || (p = strchr(++ctrls, ':')) == NULL)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		for (char *tok = strtok(ctrls, ","); tok != NULL && found == NULL; tok = strtok(NULL, ","))
			if (strcmp(tok, controller) == 0)
				found = xstrdup(p);
		if (*controller == '\0' && *ctrls == '\0')
			found = xstrdup(p);
	}
	fclose(fp);
	return found;
}

static long long
read_number(const char *path)
{
	FILE *fp = fopen(path, "re");
	long long v = -1;

	if (fp == NULL)
		fail_msg("cannot read %s", path);
	if (fscanf(fp, "%lld", &v) != 1)
		fail_msg("no number in %s", path);
	fclose(fp);
	return v;
}

/* Where cgroups can be made (root, with v1 controllers or a delegated v2), the runner and the
 * processes it starts sit in groups holding the configured limits. */
static void
test_cgroup_limits(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex = make(f);
	char **ids = NULL, *log, *cpu, *mem, *path, *dir;
	pid_t pid, child;

	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 1, &ids), 0);
	pid = runner_pid(f, "local-1", "pid");
	child = runner_pid(f, "local-1", "child");
	path = xasprintf("%s/runners/local-1.log", f->dir);
	log = xcalloc(1, 4096);
	{
		FILE *fp = fopen(path, "re");

		assert_non_null(fp);
		assert_true(fread(log, 1, 4095, fp) > 0);
		fclose(fp);
	}
	cpu = cgroup_of(pid, "cpu");
	mem = cgroup_of(pid, "memory");
	if (strstr(log, "limits: cgroup v1") != NULL) {
		assert_non_null(cpu);
		assert_non_null(mem);
		assert_non_null(strstr(cpu, "/qtm-"));
		assert_non_null(strstr(mem, "/qtm-"));
		dir = xasprintf("/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", cpu);
		assert_int_equal(read_number(dir), 2 * 100000);
		free(dir);
		dir = xasprintf("/sys/fs/cgroup/memory%s/memory.limit_in_bytes", mem);
		assert_int_equal(read_number(dir), 256LL << 20);
		free(dir);
		free(mem);
		mem = cgroup_of(child, "memory");
		assert_non_null(strstr(mem, "/qtm-"));  /* what the runner starts stays inside */
	} else if (strstr(log, "limits: cgroup v2") != NULL) {
		char *v2 = cgroup_of(pid, "");

		dir = xasprintf("/sys/fs/cgroup%s/memory.max", v2);
		assert_int_equal(read_number(dir), 256LL << 20);
		free(dir);
		free(v2);
	} else {
		print_message("# no cgroups here (%s): limits not checked\n", log);
		release(f);
		free(cpu);
		free(mem);
		free(log);
		free(path);
		strv_free(ids);
		skip();
	}
	release(f);
	/* Freeing removed the groups. */
	dir = xasprintf("/sys/fs/cgroup/memory%s", mem);
	if (strstr(log, "cgroup v1") != NULL) {
		struct stat st;

		free(dir);
		dir = xasprintf("/sys/fs/cgroup/cpu%s", cpu);
		assert_int_equal(stat(dir, &st), -1);
	}
	free(dir);
	free(cpu);
	free(mem);
	free(log);
	free(path);
	strv_free(ids);
}

static void
test_kill_and_reap(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex = make(f);
	char **ids = NULL;
	pid_t p1, p2, c1;

	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 2, &ids), 0);
	p1 = runner_pid(f, "local-1", "pid");
	c1 = runner_pid(f, "local-1", "child");
	p2 = runner_pid(f, "local-2", "pid");

	assert_int_equal(qtm_hive_executor_kill(f->ctx, ex, "local-1"), 0);
	assert_int_equal(qtm_hive_executor_running(ex), 1);
	tick_until_gone(f, ex, "local-1", 0, 0);
	assert_false(alive(p1));
	wait_dead(c1);

	/* A runner that dies on its own is reaped and reported. */
	assert_int_equal(kill(p2, SIGKILL), 0);
	tick_until_gone(f, ex, "local-2", 0, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 0);

	assert_int_equal(qtm_hive_executor_kill(f->ctx, ex, "local-9"), -ENOENT);
	assert_non_null(strstr(qtm_strerror(f->ctx), "local-9"));

	/* The lowest free number is used again (the runner root and its caches with it). */
	strv_free(ids);
	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 1, &ids), 0);
	assert_string_equal(ids[0], "local-1");
	strv_free(ids);
	release(f);
}

/* A runner that ignores SIGTERM gets SIGKILL 5 s later. */
static void
test_kill_escalates(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;
	char **ids = NULL;
	pid_t pid;
	double took;

	setenv("FAKE_RUNNER_IGNORE_TERM", "1", 1);
	ex = make(f);
	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 1, &ids), 0);
	pid = runner_pid(f, "local-1", "pid");
	assert_int_equal(qtm_hive_executor_kill(f->ctx, ex, "local-1"), 0);
	took = tick_until_gone(f, ex, "local-1", 0, 0);
	assert_true(took >= 4.9);  /* SIGTERM alone did not end it */
	assert_false(alive(pid));
	unsetenv("FAKE_RUNNER_IGNORE_TERM");
	strv_free(ids);
	release(f);
}

static void
tick(struct fixture *f, struct qtm_hive_executor *ex, int claimable, int busy)
{
	char **gone = NULL;

	qtm_hive_executor_tick(f->ctx, ex, claimable, busy, &gone);
	strv_free(gone);
}

static void
test_autoscale(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;

	f->conf.autoscale = true;
	f->conf.min_runners = 1;
	ex = make(f);
	tick(f, ex, 0, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 1);  /* min_runners */
	tick(f, ex, 10, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 3);  /* up at once, capped at max */
	tick(f, ex, 0, 1);
	tick(f, ex, 0, 1);
	/* The queue emptied, but the cooldown (an hour here) has not passed. */
	assert_int_equal(qtm_hive_executor_running(ex), 3);
	release(f);
}

static void
test_autoscale_cooldown(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;
	double end;

	f->conf.autoscale = true;
	f->conf.scale_cooldown_s = 1;
	ex = make(f);
	tick(f, ex, 3, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 3);
	f->busy_id = "local-1";
	tick(f, ex, 0, 1);
	assert_int_equal(qtm_hive_executor_running(ex), 3);  /* the first surplus starts the cooldown */
	end = now_s() + DEADLINE_S;
	while (qtm_hive_executor_running(ex) > 1 && now_s() < end) {
		sleep_ms(100);
		tick(f, ex, 0, 1);
	}
	assert_int_equal(qtm_hive_executor_running(ex), 1);
	/* The busy runner is the one kept. */
	tick_until_gone_all(f, ex, (const char *const[]){ "local-2", "local-3", NULL }, 0, 1);
	assert_int_not_equal(qtm_hive_executor_kill(f->ctx, ex, "local-1"), -ENOENT);
	release(f);
}

static void
test_manual_scale(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;

	f->conf.autoscale = true;
	f->conf.scale_cooldown_s = 0;
	ex = make(f);
	assert_int_equal(qtm_hive_executor_scale(f->ctx, ex, 2, 0, NULL), 0);
	assert_int_equal(qtm_hive_executor_running(ex), 2);
	tick(f, ex, 0, 0);
	tick(f, ex, 0, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 2);  /* the target is autoscaling's floor */
	tick(f, ex, 5, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 3);  /* ... and max its ceiling */
	assert_int_equal(qtm_hive_executor_scale(f->ctx, ex, 4, 0, NULL), -EINVAL);
	assert_non_null(strstr(qtm_strerror(f->ctx), "max_runners"));
	f->busy_id = "local-2";
	assert_int_equal(qtm_hive_executor_scale(f->ctx, ex, 0, 1, NULL), 0);
	assert_int_equal(qtm_hive_executor_running(ex), 1);  /* the busy one stays */
	tick_until_gone_all(f, ex, (const char *const[]){ "local-1", "local-3", NULL }, 0, 1);
	assert_int_not_equal(qtm_hive_executor_kill(f->ctx, ex, "local-2"), -ENOENT);
	release(f);
}

static void
test_spawn_limits(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex = make(f);
	char **ids = NULL;

	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 4, &ids), -EBUSY);
	assert_null(ids);
	assert_non_null(strstr(qtm_strerror(f->ctx), "max_runners"));
	assert_int_equal(qtm_hive_executor_running(ex), 0);
	release(f);

	f->conf.runner_program = "/nonexistent/qtm-runner";
	ex = make(f);
	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 1, &ids), -ENOENT);
	assert_non_null(strstr(qtm_strerror(f->ctx), "/nonexistent/qtm-runner"));
	release(f);
}

/* A runner that ends right after its start is not restarted every tick: autoscaling backs off. */
static void
test_early_exit_backoff(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;
	double end;

	f->conf.runner_program = "/bin/false";
	f->conf.autoscale = true;
	f->conf.min_runners = 1;
	ex = make(f);
	tick(f, ex, 0, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 1);
	tick_until_gone(f, ex, "local-1", 0, 0);
	/* The tick that reported it gone did not start another at once. */
	assert_int_equal(qtm_hive_executor_running(ex), 0);
	tick(f, ex, 0, 0);
	assert_int_equal(qtm_hive_executor_running(ex), 0);
	end = now_s() + DEADLINE_S;
	while (qtm_hive_executor_running(ex) == 0 && now_s() < end) {
		sleep_ms(100);
		tick(f, ex, 0, 0);
	}
	assert_int_equal(qtm_hive_executor_running(ex), 1);  /* ... but later it does */
	release(f);
}

static void
test_fleet(void **state)
{
	struct fixture *f = *state;
	struct qtm_hive_executor *ex;
	char **ids = NULL, **gone = NULL;

	f->conf.kind = "fleet";
	f->conf.runner_program = NULL;
	ex = make(f);
	assert_int_equal(qtm_hive_executor_spawn(f->ctx, ex, 1, &ids), -ENOTSUP);
	assert_non_null(strstr(qtm_strerror(f->ctx), "enroll"));
	assert_non_null(strstr(qtm_strerror(f->ctx), "runner token"));
	qtm_hive_executor_tick(f->ctx, ex, 5, 0, &gone);
	assert_null(gone);
	assert_int_equal(qtm_hive_executor_running(ex), 0);
	release(f);

	f->conf.kind = "bogus";
	assert_int_equal(qtm_hive_executor_new(f->ctx, &f->conf, &ex), -EINVAL);
	assert_non_null(strstr(qtm_strerror(f->ctx), "bogus"));
}

/* Writes dir/sub/file (making dir/sub) with text. */
static void
put(const char *dir, const char *sub, const char *file, const char *text)
{
	char *cmd = xasprintf("mkdir -p '%s/%s' && printf '%%s\\n' '%s' >'%s/%s/%s'", dir, sub, text, dir, sub, file);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* A runner's capability under cgroup v1 (cpu,cpuacct and memory hierarchies, limits on a
 * parent group) and v2 (cpu.max, memory.max): a fake /proc/self/cgroup and /sys/fs/cgroup. */
static void
test_capability_cgroup(void **state)
{
	struct fixture *f = *state;
	char *root = xasprintf("%s/cg", f->dir), *v1 = xasprintf("%s/v1.cgroup", f->dir);
	char *v2 = xasprintf("%s/v2.cgroup", f->dir);
	long mem = 24105;
	int cpus = 16;

	put(f->dir, "", "v1.cgroup", "5:memory:/svc/qtm-1-0\n4:cpu,cpuacct:/qtm-1-0\n1:name=systemd:/\n0::/");
	put(root, "memory/svc", "memory.limit_in_bytes", "536870912");
	put(root, "memory/svc/qtm-1-0", "memory.limit_in_bytes", "9223372036854771712");
	put(root, "cpu,cpuacct", "cpu.cfs_quota_us", "-1");
	put(root, "cpu,cpuacct/qtm-1-0", "cpu.cfs_quota_us", "150000");
	put(root, "cpu,cpuacct/qtm-1-0", "cpu.cfs_period_us", "100000");
	qtm_hive_cgroup_limits(v1, root, &mem, &cpus);
	assert_int_equal(mem, 512);
	assert_int_equal(cpus, 2);
	/* No limit anywhere (v1's -1 and its huge "unlimited"): nothing changes. */
	put(root, "memory/svc", "memory.limit_in_bytes", "9223372036854771712");
	put(root, "cpu,cpuacct/qtm-1-0", "cpu.cfs_quota_us", "-1");
	mem = 24105, cpus = 16;
	qtm_hive_cgroup_limits(v1, root, &mem, &cpus);
	assert_int_equal(mem, 24105);
	assert_int_equal(cpus, 16);

	put(f->dir, "", "v2.cgroup", "0::/hive/runner");
	put(root, "hive", "memory.max", "1073741824");
	put(root, "hive/runner", "memory.max", "max");
	put(root, "hive/runner", "cpu.max", "100000 100000");
	qtm_hive_cgroup_limits(v2, root, &mem, &cpus);
	assert_int_equal(mem, 1024);
	assert_int_equal(cpus, 1);
	free(root);
	free(v1);
	free(v2);
}

static void
test_sysinfo(void **state)
{
	double cpu = -1, mem = -1, disk = -1;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(qtm_hive_sysinfo(&cpu, &mem, &disk, "/tmp"), 0);
		assert_true(cpu >= 0 && cpu <= 100);
		assert_true(mem > 0 && mem <= 100);  /* this process alone uses some memory */
		assert_true(disk >= 0 && disk <= 100);
	}
	assert_int_equal(qtm_hive_sysinfo(&cpu, &mem, &disk, "/nonexistent/dir"), -ENOENT);
}

/* Every route of doc/hive-protocol.md, as OpenAPI paths. */
static const char *const routes[][2] = {
	{ "/health", "get" }, { "/status", "get" }, { "/runners", "get" }, { "/jobs", "get" },
	{ "/jobs/{id}", "get" }, { "/jobs/submit", "post" }, { "/jobs/{id}/cancel", "post" },
	{ "/jobs/{id}/requeue", "post" }, { "/jobs/{id}/logs", "get" },
	{ "/runners/spawn", "post" }, { "/runners/{id}", "delete" }, { "/scale", "post" },
	{ "/clean", "post" }, { "/", "get" }, { "/docs", "get" }, { "/openapi.json", "get" },
	{ "/v1/runners/enroll", "post" }, { "/v1/job/claim", "post" },
	{ "/v1/job/{id}/heartbeat", "post" }, { "/v1/job/{id}/log", "post" },
	{ "/v1/artifact/{build_id}", "put" }, { "/v1/artifact/{build_id}", "get" },
	{ "/v1/artifact/{build_id}", "head" }, { "/v1/artifact/{build_id}/attestation", "get" },
	{ "/v1/job/{id}/complete", "post" },
	{ "/v1/job/{id}/fail", "post" },
};

static void
test_web_assets(void **state)
{
	const char *type = NULL;
	const void *data = NULL;
	size_t len = 0;
	cJSON *doc, *paths, *schemas;
	char *text;

	(void)state;
	assert_int_equal(qtm_hive_web_asset("/", &data, &len, &type), 0);
	assert_string_equal(type, "text/html; charset=utf-8");
	text = xstrndup(data, len);
	assert_non_null(strstr(text, "/assets/dashboard.js"));
	assert_null(strstr(text, "https://"));  /* no external network */
	free(text);
	assert_int_equal(qtm_hive_web_asset("/docs", &data, &len, &type), 0);
	assert_string_equal(type, "text/html; charset=utf-8");
	assert_int_equal(qtm_hive_web_asset("/assets/dashboard.js", &data, &len, &type), 0);
	assert_string_equal(type, "text/javascript; charset=utf-8");
	assert_int_equal(qtm_hive_web_asset("/assets/docs.js", &data, &len, &type), 0);
	assert_int_equal(qtm_hive_web_asset("/assets/dashboard.css", &data, &len, &type), 0);
	assert_string_equal(type, "text/css; charset=utf-8");
	assert_int_equal(qtm_hive_web_asset("/nope", &data, &len, &type), -ENOENT);
	assert_int_equal(qtm_hive_web_asset("/assets/../hive.db", &data, &len, &type), -ENOENT);

	assert_int_equal(qtm_hive_web_asset("/openapi.json", &data, &len, &type), 0);
	assert_string_equal(type, "application/json");
	doc = cJSON_ParseWithLength(data, len);
	assert_non_null(doc);
	assert_true(strncmp(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.0.", 4) == 0);
	paths = cJSON_GetObjectItem(doc, "paths");
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		cJSON *p = cJSON_GetObjectItem(paths, routes[i][0]);

		if (p == NULL || cJSON_GetObjectItem(p, routes[i][1]) == NULL)
			fail_msg("openapi.json lacks %s %s", routes[i][1], routes[i][0]);
	}
	schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "schemas");
	assert_non_null(cJSON_GetObjectItem(schemas, "Job"));
	assert_non_null(cJSON_GetObjectItem(schemas, "Runner"));
	assert_non_null(cJSON_GetObjectItem(schemas, "Status"));
	assert_non_null(cJSON_GetObjectItem(schemas, "Error"));
	cJSON_Delete(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spawn_args_and_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_and_reap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_escalates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autoscale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autoscale_cooldown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_exit_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capability_cgroup, setup, teardown),
		cmocka_unit_test(test_sysinfo),
		cmocka_unit_test(test_web_assets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
