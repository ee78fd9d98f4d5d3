/* cgroup.h - resource limits for the sandbox: cgroup v2, else cgroup v1, else rlimits.
 *
 * The parent prepares the limits before the child exists (creating and filling the groups, or
 * choosing rlimits), moves the child into the groups while it waits, and removes the groups once
 * the child has been reaped.  The child applies the rlimits and CPU affinity itself, before exec.
 * Preparing never fails: when a kind cannot be used the next one is tried, down to "none". */
#ifndef QTM_CGROUP_H
#define QTM_CGROUP_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

struct qtm_sandbox_spec;

#define QTM_LIMITS_MAX_GROUPS 3
#define QTM_LIMITS_MAX_RLIMITS 3

struct qtm_limits {
	const char *kind;          /* static: "cgroup v2", "cgroup v1", "rlimit" or "none" */
	char *detail;              /* owned: what was set, e.g. "memory.limit_in_bytes=67108864" */
	char *groups[QTM_LIMITS_MAX_GROUPS];  /* owned: created cgroup directories */
	size_t n_groups;
	struct {
		int resource;
		struct rlimit value;
	} rlimits[QTM_LIMITS_MAX_RLIMITS];  /* applied by the child (rlimit kind) */
	size_t n_rlimits;
	bool set_affinity;         /* rlimit kind with cpus: pin to the first cpus CPUs */
	cpu_set_t affinity;
};

/* Parent, before the child exists.  Fills lim (which must be zeroed) for spec's cpus, memory_mb,
 * pids_max and time_limit_s. */
void qtm_limits_prepare(const struct qtm_sandbox_spec *spec, struct qtm_limits *lim);
/* Parent: moves pid into every prepared group.  Returns 0 or a negative errno. */
int qtm_limits_attach(const struct qtm_limits *lim, pid_t pid);
/* Child, before exec: applies the rlimits and the affinity (no allocation).  Returns 0 or a
 * negative errno. */
int qtm_limits_apply_child(const struct qtm_limits *lim);
/* Parent, after the child has been reaped: removes the groups and frees lim's strings except
 * detail when keep_detail is set (the caller then owns it). */
void qtm_limits_release(struct qtm_limits *lim, bool keep_detail);

#endif
