/* cgroup.c - resource limits for the sandbox: cgroup v2, else cgroup v1, else rlimits. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox-spec.h"
#include "xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CFS_PERIOD 100000L

static unsigned int group_counter;

static int
write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, err;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return err;
}

/* Reads a small text file into buf (NUL-terminated); returns 0 or a negative errno. */
static int
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool
has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		bool start = p == list || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\n';
		char end = p[len];

		if (start && (end == '\0' || end == ' ' || end == ',' || end == '\n'))
			return true;
		p += len;
	}
	return false;
}

/* Our own cgroup path in the hierarchy holding controller (NULL: the v2 hierarchy), from
 * /proc/self/cgroup; "" for the root.  Returns NULL when there is none. */
static char *
own_cgroup(const char *controller)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL, *found = NULL;
	size_t cap = 0;

	if (f == NULL)
		return NULL;
	while (found == NULL && getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':'), *path;

		if (ctrls == NULL || (path = strchr(++ctrls, ':')) == NULL)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (controller == NULL ? strcmp(line, "0:") == 0 && *ctrls == '\0'
		    : has_word(ctrls, controller))
			found = xstrdup(strcmp(path, "/") == 0 ? "" : path);
	}
	free(line);
	fclose(f);
	return found;
}

static void
add_detail(struct qtm_limits *lim, const char *name, const char *value)
{
	char *old = lim->detail;

	lim->detail = xasprintf("%s%s%s=%s", old != NULL ? old : "", old != NULL ? " " : "",
	    name, value);
	free(old);
}

/* Writes file=value in dir and records it in the detail. */
static int
set_value(struct qtm_limits *lim, const char *dir, const char *file, const char *value)
{
	int err = write_file(dir, file, value);

	if (err == 0)
		add_detail(lim, file, value);
	return err;
}

static int
set_number(struct qtm_limits *lim, const char *dir, const char *file, long long value)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", value);
	return set_value(lim, dir, file, buf);
}

static void
remove_groups(struct qtm_limits *lim)
{
	for (size_t i = 0; i < lim->n_groups; i++) {
		/* A dying task may keep the group busy for a moment after the reap. */
		for (int tries = 0; rmdir(lim->groups[i]) < 0 && errno == EBUSY && tries < 200;
		    tries++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		free(lim->groups[i]);
		lim->groups[i] = NULL;
	}
	lim->n_groups = 0;
}

static void
reset(struct qtm_limits *lim)
{
	remove_groups(lim);
	free(lim->detail);
	lim->detail = NULL;
}

/* Creates a group named like our own process under base/own; returns its path or NULL. */
static char *
make_group(struct qtm_limits *lim, const char *base, const char *controller, unsigned int n)
{
	char *own = own_cgroup(controller), *dir;

	if (own == NULL)
		return NULL;
	dir = xasprintf("%s%s/qtm-%ld-%u", base, own, (long)getpid(), n);
	free(own);
	if (mkdir(dir, 0755) < 0) {
		free(dir);
		return NULL;
	}
	lim->groups[lim->n_groups++] = dir;
	return dir;
}

static bool
try_v2(const struct qtm_sandbox_spec *spec, struct qtm_limits *lim, unsigned int n)
{
	char ctrls[1024], sub[1024], *own, *parent, *dir;
	const char *need[] = { "cpu", "memory", spec->pids_max > 0 ? "pids" : NULL };
	bool ok = true;

	if (read_small(CGROUP_ROOT "/cgroup.controllers", ctrls, sizeof ctrls) < 0 ||
	    !has_word(ctrls, "cpu") || !has_word(ctrls, "memory") ||
	    (own = own_cgroup(NULL)) == NULL)
		return false;
	parent = xasprintf(CGROUP_ROOT "%s", own);
	free(own);
	for (size_t i = 0; ok && i < sizeof need / sizeof need[0]; i++) {
		char path[PATH_MAX], plus[32];

		snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
		if (need[i] == NULL || (read_small(path, sub, sizeof sub) == 0 &&
		    has_word(sub, need[i])))
			continue;
		snprintf(plus, sizeof plus, "+%s", need[i]);
		ok = write_file(parent, "cgroup.subtree_control", plus) == 0;
	}
	free(parent);
	if (!ok || (dir = make_group(lim, CGROUP_ROOT, NULL, n)) == NULL)
		return false;
	if (spec->cpus > 0) {
		char buf[64];

		snprintf(buf, sizeof buf, "%ld %ld", spec->cpus * CFS_PERIOD, CFS_PERIOD);
		ok = set_value(lim, dir, "cpu.max", buf) == 0;
	}
	if (ok && spec->memory_mb > 0) {
		ok = set_number(lim, dir, "memory.max", (long long)spec->memory_mb << 20) == 0;
		if (ok)
			set_number(lim, dir, "memory.swap.max", 0);
	}
	if (ok && spec->pids_max > 0)
		ok = set_number(lim, dir, "pids.max", spec->pids_max) == 0;
	return ok;
}

static bool
try_v1(const struct qtm_sandbox_spec *spec, struct qtm_limits *lim, unsigned int n)
{
	char *dir;
	long long bytes = (long long)spec->memory_mb << 20;

	if (spec->cpus > 0) {
		if ((dir = make_group(lim, CGROUP_ROOT "/cpu", "cpu", n)) == NULL ||
		    write_file(dir, "cpu.cfs_period_us", "100000") < 0 ||
		    set_number(lim, dir, "cpu.cfs_quota_us", spec->cpus * CFS_PERIOD) < 0)
			return false;
	}
	if (spec->memory_mb > 0) {
		if ((dir = make_group(lim, CGROUP_ROOT "/memory", "memory", n)) == NULL ||
		    set_number(lim, dir, "memory.limit_in_bytes", bytes) < 0)
			return false;
		/* Keeps swap out of the picture where swap accounting exists. */
		set_number(lim, dir, "memory.memsw.limit_in_bytes", bytes);
	}
	if (spec->pids_max > 0) {
		if ((dir = make_group(lim, CGROUP_ROOT "/pids", "pids", n)) == NULL ||
		    set_number(lim, dir, "pids.max", spec->pids_max) < 0)
			return false;
	}
	return true;
}

static void
add_rlimit(struct qtm_limits *lim, int resource, const char *name, rlim_t soft, rlim_t hard)
{
	struct rlimit cur;
	char buf[32];

	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
		if (hard > cur.rlim_max)
			hard = cur.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	lim->rlimits[lim->n_rlimits].resource = resource;
	lim->rlimits[lim->n_rlimits].value.rlim_cur = soft;
	lim->rlimits[lim->n_rlimits].value.rlim_max = hard;
	lim->n_rlimits++;
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)soft);
	add_detail(lim, name, buf);
}

/* Pins to the first cpus CPUs we may run on: the nearest rlimit-era stand-in for a CPU quota. */
static void
set_affinity(struct qtm_limits *lim, int cpus)
{
	cpu_set_t cur;
	int kept = 0;
	char buf[16];

	if (sched_getaffinity(0, sizeof cur, &cur) < 0 || CPU_COUNT(&cur) <= cpus)
		return;
	CPU_ZERO(&lim->affinity);
	for (int i = 0; i < CPU_SETSIZE && kept < cpus; i++) {
		if (CPU_ISSET(i, &cur)) {
			CPU_SET(i, &lim->affinity);
			kept++;
		}
	}
	lim->set_affinity = true;
	snprintf(buf, sizeof buf, "%d", cpus);
	add_detail(lim, "affinity_cpus", buf);
}

static void
use_rlimits(const struct qtm_sandbox_spec *spec, struct qtm_limits *lim)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long cpus = spec->cpus > 0 ? spec->cpus : online > 0 ? online : 1;

	/* CUDA reserves terabytes of address space: RLIMIT_AS would break every GPU job. */
	if (spec->memory_mb > 0 && !spec->gpu)
		add_rlimit(lim, RLIMIT_AS, "RLIMIT_AS", (rlim_t)spec->memory_mb << 20,
		    (rlim_t)spec->memory_mb << 20);
	/* Counted per user namespace since Linux 5.14, so it bounds the sandbox when one is used;
	 * the kernel does not enforce it for the real root. */
	if (spec->pids_max > 0)
		add_rlimit(lim, RLIMIT_NPROC, "RLIMIT_NPROC", (rlim_t)spec->pids_max,
		    (rlim_t)spec->pids_max);
	/* A backstop only: the wall-clock limit is enforced by the parent. */
	if (spec->time_limit_s > 0)
		add_rlimit(lim, RLIMIT_CPU, "RLIMIT_CPU", (rlim_t)spec->time_limit_s * cpus + 1,
		    (rlim_t)spec->time_limit_s * cpus + 5);
	if (spec->cpus > 0)
		set_affinity(lim, spec->cpus);
}

/* Removes the empty qtm-PID-N groups of processes that are gone (a qtm killed with SIGKILL
 * cannot clean up after itself); a group that still holds tasks is left alone. */
static void
sweep_stale(const char *base, const char *controller)
{
	char *own = own_cgroup(controller), *dir;
	struct dirent *de;
	DIR *d;

	if (own == NULL)
		return;
	dir = xasprintf("%s%s", base, own);
	free(own);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			long pid;
			char *path;

			if (sscanf(de->d_name, "qtm-%ld-", &pid) != 1 || pid <= 0 || pid == (long)getpid() ||
			    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			rmdir(path);
			free(path);
		}
		closedir(d);
	}
	free(dir);
}

void
qtm_limits_prepare(const struct qtm_sandbox_spec *spec, struct qtm_limits *lim)
{
	unsigned int n = __atomic_add_fetch(&group_counter, 1, __ATOMIC_RELAXED);

	if (geteuid() == 0) {
		sweep_stale(CGROUP_ROOT, NULL);
		sweep_stale(CGROUP_ROOT "/cpu", "cpu");
		sweep_stale(CGROUP_ROOT "/memory", "memory");
		sweep_stale(CGROUP_ROOT "/pids", "pids");
	}

	lim->kind = "none";
	if (spec->cpus <= 0 && spec->memory_mb <= 0 && spec->pids_max <= 0)
		goto done;
	if (try_v2(spec, lim, n)) {
		lim->kind = "cgroup v2";
		goto done;
	}
	reset(lim);
	if (try_v1(spec, lim, n)) {
		lim->kind = "cgroup v1";
		goto done;
	}
	reset(lim);
	use_rlimits(spec, lim);
	lim->kind = "rlimit";
done:
	if (lim->detail == NULL)
		lim->detail = xstrdup("");
}

int
qtm_limits_attach(const struct qtm_limits *lim, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%ld", (long)pid);
	for (size_t i = 0; i < lim->n_groups; i++) {
		int err = write_file(lim->groups[i], "cgroup.procs", buf);

		if (err < 0)
			return err;
	}
	return 0;
}

int
qtm_limits_apply_child(const struct qtm_limits *lim)
{
	for (size_t i = 0; i < lim->n_rlimits; i++)
		if (setrlimit(lim->rlimits[i].resource, &lim->rlimits[i].value) < 0)
			return -errno;
	if (lim->set_affinity && sched_setaffinity(0, sizeof lim->affinity, &lim->affinity) < 0)
		return -errno;
	return 0;
}

void
qtm_limits_release(struct qtm_limits *lim, bool keep_detail)
{
	remove_groups(lim);
	if (!keep_detail)
		free(lim->detail);
	lim->detail = NULL;
}
