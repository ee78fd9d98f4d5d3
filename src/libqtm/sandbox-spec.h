/* sandbox-spec.h - what the training sandbox is asked to run (sandbox.h): the command, its
 * binds and limits.  Types only, shared by the sandbox, its setup and its limits (cgroup.h).
 *
 * Ownership: a spec and everything it points to belong to the caller and are only read. */
#ifndef QTM_SANDBOX_SPEC_H
#define QTM_SANDBOX_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_sandbox_bind {
	const char *source;  /* host path (file or directory) */
	const char *target;  /* absolute path inside the sandbox; parents are created */
	bool writable;
};

enum qtm_sandbox_stream { QTM_SANDBOX_STDOUT = 1, QTM_SANDBOX_STDERR = 2 };

/* Called in the parent for every complete line (without its newline) the command writes;
 * a final unterminated line is delivered too. */
typedef void (*qtm_sandbox_line_fn)(void *arg, enum qtm_sandbox_stream stream, const char *line);
/* The same for a command run as several ranks: rank says whose line it is. */
typedef void (*qtm_sandbox_rank_line_fn)(void *arg, int rank, enum qtm_sandbox_stream stream,
    const char *line);

#define QTM_SANDBOX_MAX_RANKS 64

struct qtm_sandbox_spec {
	char *const *argv;          /* argv[0] is looked up in PATH inside the sandbox */
	char *const *envp;          /* the complete environment (PATH included) */
	const char *cwd;            /* working directory inside the sandbox */
	const struct qtm_sandbox_bind *binds;
	size_t n_binds;
	int cpus;                   /* 0 = no limit */
	long memory_mb;             /* 0 = no limit */
	int pids_max;               /* 0 = no limit */
	int time_limit_s;           /* 0 = no limit */
	bool gpu;                   /* bind /dev/nvidia* when present */
	bool share_net;             /* keep the host network (never used for training) */
	qtm_sandbox_line_fn on_line;
	void *on_line_arg;
	/* Data-parallel: ranks > 1 runs the command that many times side by side in the one
	 * sandbox (one set of namespaces, one cgroup: cpus, memory_mb and pids_max cover them all),
	 * rank r with the environment rank_envp[r] (envp is then unused); when one rank fails
	 * (non-zero exit or signal) the others are killed.  Lines go to on_rank_line. */
	int ranks;                            /* 0 or 1: one process */
	char *const *const *rank_envp;
	qtm_sandbox_rank_line_fn on_rank_line;
	/* Bring the loopback interface up and allow AF_INET sockets (ranks talk over TCP). */
	bool loopback;
};

#endif
