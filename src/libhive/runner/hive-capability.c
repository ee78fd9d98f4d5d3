/* hive-capability.c - what a runner offers: CPUs and memory as its affinity and cgroups (v2 or
 * v1) confine it, and GPUs.  A local runner the executor confined to 2 CPUs / 4 GiB must report
 * exactly that, or the scheduler would give it jobs that cannot run there. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hive-capability.h"
#include "xalloc.h"

enum limit_files { V2, V1_MEMORY, V1_CPU };

static bool
read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok = f != NULL && fgets(buf, (int)size, f) != NULL;

	if (f != NULL)
		fclose(f);
	return ok;
}

/* A number from dir/file; false when absent, "max" or negative (v1's "no quota" is -1). */
static bool
read_number(const char *dir, const char *file, long long *v)
{
	char *path = xasprintf("%s/%s", dir, file), buf[128];
	bool ok = read_line(path, buf, sizeof buf) && sscanf(buf, "%lld", v) == 1 && *v >= 0;

	free(path);
	return ok;
}

static void
lower_cpus(int *cpus, long long quota, long long period)
{
	if (period > 0 && (quota + period - 1) / period < *cpus)
		*cpus = (int)((quota + period - 1) / period);
}

/* The limits of one group directory. */
static void
limits_of(const char *dir, enum limit_files kind, long *mem_mb, int *cpus)
{
	long long v, q, per;
	char *path, buf[128];

	if (kind != V1_CPU && read_number(dir, kind == V2 ? "memory.max" : "memory.limit_in_bytes", &v) &&
	    (v >> 20) < *mem_mb)
		*mem_mb = (long)(v >> 20);
	if (kind == V1_CPU && read_number(dir, "cpu.cfs_quota_us", &q) && read_number(dir, "cpu.cfs_period_us", &per))
		lower_cpus(cpus, q, per);
	if (kind != V2)
		return;
	path = xasprintf("%s/cpu.max", dir);
	if (read_line(path, buf, sizeof buf) && sscanf(buf, "%lld %lld", &q, &per) == 2 && q >= 0)
		lower_cpus(cpus, q, per);
	free(path);
}

/* From base + path up to base: a limit set on a parent confines its children too. */
static void
walk_up(const char *base, const char *path, enum limit_files kind, long *mem_mb, int *cpus)
{
	char *dir = xasprintf("%s%s", base, strcmp(path, "/") == 0 ? "" : path);
	size_t root = strlen(base);

	for (;;) {
		char *slash;

		limits_of(dir, kind, mem_mb, cpus);
		if ((slash = strrchr(dir, '/')) == NULL || (size_t)(slash - dir) < root)
			break;
		*slash = '\0';
	}
	free(dir);
}

static bool
has_controller(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p != NULL; p = strchr(p, ',') != NULL ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* A v1 hierarchy's mount: root/memory, or root/cpu,cpuacct where no root/cpu link exists. */
static void
walk_v1(const char *root, const char *ctrls, const char *name, const char *path, enum limit_files kind,
    long *mem_mb, int *cpus)
{
	char *base = xasprintf("%s/%s", root, name);
	struct stat st;

	if (stat(base, &st) < 0) {
		free(base);
		base = xasprintf("%s/%s", root, ctrls);
	}
	walk_up(base, path, kind, mem_mb, cpus);
	free(base);
}

void
qtm_hive_cgroup_limits(const char *proc_cgroup, const char *root, long *mem_mb, int *cpus)
{
	FILE *f = fopen(proc_cgroup, "re");
	char line[4096];

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *ctrls = strchr(line, ':'), *path;

		if (ctrls == NULL || (path = strchr(++ctrls, ':')) == NULL)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (path[0] != '/')
			continue;
		if (strncmp(line, "0:", 2) == 0 && ctrls[0] == '\0')
			walk_up(root, path, V2, mem_mb, cpus);
		if (has_controller(ctrls, "memory"))
			walk_v1(root, ctrls, "memory", path, V1_MEMORY, mem_mb, cpus);
		if (has_controller(ctrls, "cpu"))
			walk_v1(root, ctrls, "cpu", path, V1_CPU, mem_mb, cpus);
	}
	if (f != NULL)
		fclose(f);
}

/* nvidia-smi's per-GPU memory in MiB, one line each; nothing when it is absent or fails. */
static void
detect_gpus(struct qtm_hive_capability *cap)
{
	int fds[2], st;
	pid_t pid;
	FILE *f;
	char line[128];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("nvidia-smi", "nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits",
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0 || (f = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		long mib = strtol(line, NULL, 10);

		if (mib <= 0)
			continue;
		cap->gpus++;
		if (mib > cap->vram_mib)
			cap->vram_mib = mib;
	}
	fclose(f);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		cap->gpus = 0, cap->vram_mib = 0;
	cap->cuda = cap->gpus > 0;
}

void
qtm_hive_capability_detect(struct qtm_hive_capability *cap)
{
	cpu_set_t set;
	char buf[256];
	FILE *f;

	memset(cap, 0, sizeof *cap);
	cap->cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	cap->memory_mb = (long)(((unsigned long long)sysconf(_SC_PHYS_PAGES) * (unsigned long long)sysconf(_SC_PAGESIZE)) >> 20);
	if ((f = fopen("/proc/meminfo", "re")) != NULL) {
		unsigned long long kb;

		while (fgets(buf, sizeof buf, f) != NULL)
			if (sscanf(buf, "MemTotal: %llu kB", &kb) == 1)
				cap->memory_mb = (long)(kb >> 10);
		fclose(f);
	}
	qtm_hive_cgroup_limits("/proc/self/cgroup", "/sys/fs/cgroup", &cap->memory_mb, &cap->cores);
	if (cap->cores < 1)
		cap->cores = 1;
	detect_gpus(cap);
}

cJSON *
qtm_hive_capability_json(const struct qtm_hive_capability *cap)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "cores", cap->cores);
	cJSON_AddNumberToObject(o, "memory_mb", (double)cap->memory_mb);
	cJSON_AddBoolToObject(o, "cuda", cap->cuda);
	cJSON_AddNumberToObject(o, "gpus", cap->gpus);
	cJSON_AddNumberToObject(o, "vram_mib", (double)cap->vram_mib);
	return o;
}
