/* hive-capability.h - what a hive runner offers (doc/hive-protocol.md, "Runner"): the CPUs and
 * memory this process may use, as its affinity and cgroups (v2, or v1 for the cpu and memory
 * controllers) confine it, and its GPUs as nvidia-smi lists them.
 *
 * Ownership: the structure is the caller's; qtm_hive_capability_json() returns a tree the
 * caller frees (cJSON_Delete); paths are only read. */
#ifndef QTM_HIVE_CAPABILITY_H
#define QTM_HIVE_CAPABILITY_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct qtm_hive_capability {
	int cores;                 /* CPUs this process may use (affinity, cgroup cpu quota) */
	long memory_mb;            /* MemTotal, or the cgroup's memory limit when lower */
	bool cuda;
	int gpus;                  /* from nvidia-smi, when present */
	long vram_mib;             /* the largest GPU's memory */
};

void qtm_hive_capability_detect(struct qtm_hive_capability *cap);
/* {"cores","memory_mb","cuda","gpus","vram_mib"}, owned by the caller. */
cJSON *qtm_hive_capability_json(const struct qtm_hive_capability *cap);

/* Lowers *mem_mb and *cpus (whole CPUs, rounded up) to the tightest limits of the cgroups that
 * proc_cgroup (a /proc/PID/cgroup file) names, from each group up to its hierarchy's root:
 * cgroup v2 ("0::/path": memory.max, cpu.max under root) and v1 ("N:memory:/path",
 * "N:cpu,cpuacct:/path": memory.limit_in_bytes, cpu.cfs_quota_us / cpu.cfs_period_us under
 * root/CONTROLLER).  Unreadable files and "max" / -1 leave the values as they are.  The
 * detection uses /proc/self/cgroup and /sys/fs/cgroup; tests pass a fake tree. */
void qtm_hive_cgroup_limits(const char *proc_cgroup, const char *root, long *mem_mb, int *cpus);

#endif
