/* sandbox.h - runs one command in a confined Linux environment (the training sandbox).
 *
 * The child gets new mount, pid, net, ipc and uts namespaces (and a user namespace when the caller
 * is not root), a fresh root on tmpfs holding read-only binds of /usr (with the usr-merged links
 * /bin /lib /lib64 /sbin), /etc/alternatives and /etc/ld.so.cache, the binds the caller asks for,
 * a private /proc, a private tmpfs /tmp, a minimal /dev (null zero full random urandom tty), no
 * network (only a down loopback; with spec->loopback an up one and AF_INET sockets), no_new_privs and a seccomp filter that refuses mount, ptrace,
 * module loading, kexec, bpf, keyctl, namespace changes and the like with EPERM.
 *
 * Limits: cgroup v2 (cpu.max, memory.max, pids.max) when those controllers are enabled, else
 * cgroup v1 (cpu.cfs_quota_us, memory.limit_in_bytes, pids.max), else rlimits; result->limits
 * names what was used.  A wall-clock limit kills the whole tree (the pid namespace's init).
 *
 * Ownership: the spec and everything it points to belong to the caller and are only read.
 * The result's strings are static or owned by the result: call qtm_sandbox_result_free(). */
#ifndef QTM_SANDBOX_H
#define QTM_SANDBOX_H

#include <stdbool.h>

#include "sandbox-spec.h"

struct qtm_ctx;

/* Part of the build id: bump it whenever a change here can change what a trainer computes
 * (what it sees of the file system, its environment, its limits), so that artifacts trained
 * under the old policy are not reused. */
#define QTM_SANDBOX_POLICY_VERSION 2

struct qtm_sandbox_result {
	int exit_code;              /* exit status when exited, else -1 */
	int term_signal;            /* signal that ended it, else 0 */
	bool timed_out;
	int failed_rank;            /* ranks > 1: the rank whose failure ended the run, else -1 */
	const char *limits;         /* static: "cgroup v2", "cgroup v1", "rlimit" or "none" */
	char *limits_detail;        /* owned: e.g. "cpu.cfs_quota_us=200000 memory.limit_in_bytes=..." */
	double wall_s;
};

/* Runs spec to completion.  Returns 0 when the command ran (whatever its exit status: look at the
 * result) and a negative code with ctx's error set when the sandbox itself could not be set up. */
int qtm_sandbox_run(struct qtm_ctx *ctx, const struct qtm_sandbox_spec *spec,
    struct qtm_sandbox_result *result);
void qtm_sandbox_result_free(struct qtm_sandbox_result *result);

#endif
