/* sandbox-setup.h - private to the sandbox: the mount plan and the child's side of the setup.
 *
 * The parent builds a plan (a list of mount operations) with qtm_sandbox_plan(); the child carries
 * it out with syscalls and stack buffers only, so that nothing allocates between clone and exec,
 * and reports a failure as a struct sandbox_child_err on the status pipe. */
#ifndef QTM_SANDBOX_SETUP_H
#define QTM_SANDBOX_SETUP_H

#include <limits.h>
#include <linux/filter.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "sandbox-spec.h"

struct qtm_ctx;
struct qtm_sandbox_spec;

enum op_kind { OP_BIND, OP_SYMLINK, OP_TMPFS, OP_PROC, OP_FILE, OP_READONLY };

#define OPF_RO 1        /* bind: remount read-only */
#define OPF_DEV 2       /* bind: a device node or device directory, left as it is */
#define OPF_OPTIONAL 4  /* bind: skip when the source is missing */
#define OPF_INNER 8     /* bind: the source lies in the new root, not under OLDROOT */

struct op {
	enum op_kind kind;
	int flags;
	char *src;      /* bind source, link target, tmpfs options or file contents */
	char *dst;      /* absolute path in the new root */
};

enum step {
	ST_ROOT, ST_PIVOT, ST_MKDIR, ST_BIND, ST_REMOUNT, ST_SYMLINK, ST_TMPFS, ST_PROC, ST_FILE,
	ST_UMOUNT, ST_CHDIR, ST_STDIO, ST_LIMITS, ST_CAPS, ST_SECCOMP, ST_PATH, ST_FORK,
	ST_SIGNALED,    /* not a failure: the command was killed by signal `err` */
	ST_RANK,        /* not a failure: rank `rank` ended the ranks (signal `err`, or 0: exit) */
	ST_LOOPBACK
};

struct sandbox_child_err {
	int err;
	int step;
	int rank;
	char a[PATH_MAX];
	char b[PATH_MAX];
};

/* Everything the child needs, prepared by the parent (the child does not allocate). */
struct sandbox_child {
	const struct qtm_sandbox_spec *spec;
	struct op *ops;
	size_t n_ops;
	struct sock_fprog filter;
	struct qtm_limits limits;
	const char *not_found_fmt;   /* translated "command not found" message */
	int sync_fd, status_fd, out_fd, err_fd, null_fd;
	int n_ranks;                 /* >= 1 */
	int rank_out[QTM_SANDBOX_MAX_RANKS], rank_err[QTM_SANDBOX_MAX_RANKS];  /* ranks >= 1 */
	struct sandbox_child_err err;
};

/* Parent: fills c->ops for spec: /usr and its links, /etc, /proc, /dev, /tmp, then the caller's
 * binds (sources resolved with realpath).  Returns 0 or a negative code with ctx's error set. */
int qtm_sandbox_plan(struct qtm_ctx *ctx, struct sandbox_child *c,
    const struct qtm_sandbox_spec *spec);
/* Parent: frees the plan and the filter held by c. */
void qtm_sandbox_child_free(struct sandbox_child *c);
/* Parent: sets ctx's error from what the child reported; returns the negative code. */
int qtm_sandbox_setup_error(struct qtm_ctx *ctx, const struct sandbox_child_err *e);
/* Child (sandbox-ranks.c): brings the loopback interface up; -1 with c->err set on failure. */
int qtm_sandbox_loopback_up(struct sandbox_child *c);
/* Child (sandbox-ranks.c), as pid 1 after setup: starts every rank, reaps until they are all
 * gone (killing the others when one fails) and exits with the outcome. */
void qtm_sandbox_run_ranks(struct sandbox_child *c) __attribute__((noreturn));
/* Child: records a failure in c->err; returns -1. */
int qtm_sandbox_fail(struct sandbox_child *c, enum step step, int err, const char *a, const char *b);
/* Child: sends c->err on the status pipe. */
ssize_t qtm_sandbox_send_report(int fd, const struct sandbox_child_err *e);
/* Child: execs the command with envp; never returns. */
void qtm_sandbox_exec(struct sandbox_child *c, char *const *envp) __attribute__((noreturn));
/* Child: waits for the parent's go, sets everything up and execs the command; never returns. */
void qtm_sandbox_child_main(struct sandbox_child *c) __attribute__((noreturn));

#endif
