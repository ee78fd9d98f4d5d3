/* sandbox-setup.c - the sandbox's mount plan (built by the parent) and the child's side: a
 * tmpfs root with read-only system binds, private /proc, /dev and /tmp, the caller's binds, then
 * no capabilities, no_new_privs, the seccomp filter and exec.  See sandbox-setup.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctx.h"
#include "i18n.h"
#include "sandbox-setup.h"
#include "sandbox-spec.h"
#include "xalloc.h"

#define NEWROOT "/tmp"                   /* host directory the new root's tmpfs is mounted on */
#define OLDROOT "/.qtm-oldroot"          /* where the host root stays until it is detached */

static const char *const step_msgs[] = {
	[ST_ROOT] = N_("sandbox: cannot make the mount namespace private"),
	[ST_PIVOT] = N_("sandbox: cannot switch to the new root"),
	[ST_MKDIR] = N_("sandbox: cannot create %s"),
	[ST_BIND] = N_("sandbox: cannot bind %s on %s"),
	[ST_REMOUNT] = N_("sandbox: cannot remount %s"),
	[ST_SYMLINK] = N_("sandbox: cannot create the link %s"),
	[ST_TMPFS] = N_("sandbox: cannot mount a tmpfs on %s"),
	[ST_PROC] = N_("sandbox: cannot mount /proc on %s"),
	[ST_FILE] = N_("sandbox: cannot write %s"),
	[ST_UMOUNT] = N_("sandbox: cannot detach the host root"),
	[ST_CHDIR] = N_("sandbox: cannot change directory to %s"),
	[ST_STDIO] = N_("sandbox: cannot set up standard streams"),
	[ST_LIMITS] = N_("sandbox: cannot apply resource limits"),
	[ST_CAPS] = N_("sandbox: cannot drop capabilities"),
	[ST_SECCOMP] = N_("sandbox: cannot install the seccomp filter"),
	[ST_PATH] = N_("sandbox: path too long: %s"),
	[ST_FORK] = N_("sandbox: cannot start the command"),
	[ST_LOOPBACK] = N_("sandbox: cannot bring the loopback interface up"),
};

/* ---- the child ---------------------------------------------------------------------------- */

int
qtm_sandbox_fail(struct sandbox_child *c, enum step step, int err, const char *a, const char *b)
{
	c->err.err = err != 0 ? err : EIO;
	c->err.step = step;
	snprintf(c->err.a, sizeof c->err.a, "%s", a != NULL ? a : "");
	snprintf(c->err.b, sizeof c->err.b, "%s", b != NULL ? b : "");
	return -1;
}

static int
mkdir_p(struct sandbox_child *c, const char *path, size_t len)
{
	char buf[PATH_MAX];

	if (len >= sizeof buf)
		return qtm_sandbox_fail(c, ST_PATH, ENAMETOOLONG, path, NULL);
	memcpy(buf, path, len);
	buf[len] = '\0';
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return qtm_sandbox_fail(c, ST_MKDIR, errno, buf, NULL);
		if ((*p = saved) == '\0')
			return 0;
	}
}

static int
mkdir_parent(struct sandbox_child *c, const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL || slash == path ? 0 : mkdir_p(c, path, (size_t)(slash - path));
}

/* Re-applies the flags the kernel locks inside a user namespace, plus nosuid/nodev. */
static int
remount(struct sandbox_child *c, const char *dst, bool ro)
{
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV;
	struct statvfs sv;

	if (statvfs(dst, &sv) < 0)
		return qtm_sandbox_fail(c, ST_REMOUNT, errno, dst, NULL);
	if (ro || (sv.f_flag & ST_RDONLY))
		fl |= MS_RDONLY;
	if (sv.f_flag & ST_NOEXEC)
		fl |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		fl |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		fl |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		fl |= MS_RELATIME;
	else if (!(sv.f_flag & ST_NOATIME))
		fl |= MS_STRICTATIME;
	if (mount(NULL, dst, NULL, fl, NULL) < 0)
		return qtm_sandbox_fail(c, ST_REMOUNT, errno, dst, NULL);
	return 0;
}

/* Creates the mount point dst: a directory, or an empty file when the source is not one. */
static int
make_mount_point(struct sandbox_child *c, const char *dst, bool dir)
{
	int fd;

	if (dir)
		return mkdir_p(c, dst, strlen(dst));
	if (mkdir_parent(c, dst) < 0)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EISDIR)
		return qtm_sandbox_fail(c, ST_MKDIR, errno, dst, NULL);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int
do_bind(struct sandbox_child *c, const struct op *op)
{
	char src[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(src, sizeof src, "%s%s", op->flags & OPF_INNER ? "" : OLDROOT,
	    op->src) >= sizeof src)
		return qtm_sandbox_fail(c, ST_PATH, ENAMETOOLONG, op->src, NULL);
	if (stat(src, &st) < 0) {
		if (errno == ENOENT && (op->flags & OPF_OPTIONAL))
			return 0;
		return qtm_sandbox_fail(c, ST_BIND, errno, op->src, op->dst);
	}
	if (make_mount_point(c, op->dst, S_ISDIR(st.st_mode)) < 0)
		return -1;
	if (mount(src, op->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return qtm_sandbox_fail(c, ST_BIND, errno, op->src, op->dst);
	return op->flags & OPF_DEV ? 0 : remount(c, op->dst, op->flags & OPF_RO);
}

static int
do_file(struct sandbox_child *c, const struct op *op)
{
	size_t len = strlen(op->src);
	int fd;

	if (mkdir_parent(c, op->dst) < 0)
		return -1;
	fd = open(op->dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, op->src, len) != (ssize_t)len) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return qtm_sandbox_fail(c, ST_FILE, err, op->dst, NULL);
	}
	close(fd);
	return 0;
}

static int
do_op(struct sandbox_child *c, const struct op *op)
{
	switch (op->kind) {
	case OP_BIND:
		return do_bind(c, op);
	case OP_SYMLINK:
		if (mkdir_parent(c, op->dst) < 0)
			return -1;
		if (symlink(op->src, op->dst) < 0)
			return qtm_sandbox_fail(c, ST_SYMLINK, errno, op->dst, NULL);
		return 0;
	case OP_TMPFS:
		if (mkdir_p(c, op->dst, strlen(op->dst)) < 0)
			return -1;
		if (mount("tmpfs", op->dst, "tmpfs", MS_NOSUID | MS_NODEV, op->src) < 0)
			return qtm_sandbox_fail(c, ST_TMPFS, errno, op->dst, NULL);
		return 0;
	case OP_PROC:
		if (mkdir_p(c, op->dst, strlen(op->dst)) < 0)
			return -1;
		if (mount("proc", op->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return qtm_sandbox_fail(c, ST_PROC, errno, op->dst, NULL);
		return 0;
	case OP_FILE:
		return do_file(c, op);
	case OP_READONLY:
		return remount(c, op->dst, true);
	}
	return 0;
}

/* Mounts a tmpfs on NEWROOT and pivots into it; the host root stays reachable at OLDROOT. */
static int
enter_new_root(struct sandbox_child *c)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return qtm_sandbox_fail(c, ST_ROOT, errno, NULL, NULL);
	if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return qtm_sandbox_fail(c, ST_TMPFS, errno, NEWROOT, NULL);
	if (mkdir(NEWROOT OLDROOT, 0700) < 0)
		return qtm_sandbox_fail(c, ST_MKDIR, errno, OLDROOT, NULL);
	if (syscall(SYS_pivot_root, NEWROOT, NEWROOT OLDROOT) < 0 || chdir("/") < 0)
		return qtm_sandbox_fail(c, ST_PIVOT, errno, NULL, NULL);
	return 0;
}

static int
leave_old_root(struct sandbox_child *c)
{
	if (umount2(OLDROOT, MNT_DETACH) < 0 || rmdir(OLDROOT) < 0)
		return qtm_sandbox_fail(c, ST_UMOUNT, errno, NULL, NULL);
	return remount(c, "/", true);
}

/* Puts the three streams on 0, 1 and 2, whatever numbers they had (even 0 to 2 themselves). */
static int
setup_stdio(const struct sandbox_child *c)
{
	int fds[3] = { c->null_fd, c->out_fd, c->err_fd };

	for (int i = 0; i < 3; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return -1;
	return 0;
}

static int
drop_caps(void)
{
	struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof data);
	return syscall(SYS_capset, &head, data) < 0 ? -1 : 0;
}

static int
mark_fds_cloexec(void)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	for (int fd = 3; fd < 65536; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Closes lo..hi; by hand where the kernel lacks close_range. */
static void
close_span(unsigned int lo, unsigned int hi)
{
	if (close_range(lo, hi, 0) == 0)
		return;
	for (unsigned int fd = lo; fd <= hi && fd < 65536; fd++)
		close((int)fd);
}

/* Closes every descriptor above 2 but the five the child uses (and the ranks' streams).  The writer lock is an open file
 * description lock: a copy left in this process (pid 1 of the namespace, which never execs)
 * would keep the lock held for a moment after a killed parent, until the kernel reaps us. */
static void
close_other_fds(const struct sandbox_child *c)
{
	int keep[5 + 2 * QTM_SANDBOX_MAX_RANKS] = { c->sync_fd, c->status_fd, c->out_fd, c->err_fd,
		c->null_fd };
	size_t n = 5;
	unsigned int from = 3;

	for (int r = 1; r < c->n_ranks; r++) {
		keep[n++] = c->rank_out[r];
		keep[n++] = c->rank_err[r];
	}
	for (size_t i = 1; i < n; i++)   /* insertion sort: a few numbers */
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned int)keep[i] > from)
			close_span(from, (unsigned int)keep[i] - 1);
		from = (unsigned int)keep[i] + 1;
	}
	close_span(from, ~0U);
}

/* Default dispositions and an empty mask: the command must not inherit the parent's. */
static void
reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
child_setup(struct sandbox_child *c)
{
	const char *cwd = c->spec->cwd != NULL ? c->spec->cwd : "/";
	int err;

	if (setup_stdio(c) < 0)
		return qtm_sandbox_fail(c, ST_STDIO, errno, NULL, NULL);
	if (enter_new_root(c) < 0)
		return -1;
	for (size_t i = 0; i < c->n_ops; i++)
		if (do_op(c, &c->ops[i]) < 0)
			return -1;
	if (leave_old_root(c) < 0)
		return -1;
	if (c->spec->loopback && qtm_sandbox_loopback_up(c) < 0)
		return -1;
	sethostname("qtm", 3);
	if (chdir(cwd) < 0)
		return qtm_sandbox_fail(c, ST_CHDIR, errno, cwd, NULL);
	if ((err = qtm_limits_apply_child(&c->limits)) < 0)
		return qtm_sandbox_fail(c, ST_LIMITS, -err, NULL, NULL);
	mark_fds_cloexec();
	if (drop_caps() < 0)
		return qtm_sandbox_fail(c, ST_CAPS, errno, NULL, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &c->filter) < 0)
		return qtm_sandbox_fail(c, ST_SECCOMP, errno, NULL, NULL);
	return 0;
}

/* Sends a report to the parent.  Out of line: at -O1 with the sanitizers GCC mistakes the
 * struct for its first int member and rejects the write. */
__attribute__((noinline)) ssize_t
qtm_sandbox_send_report(int fd, const struct sandbox_child_err *e)
{
	return write(fd, e, sizeof *e);
}

void
qtm_sandbox_exec(struct sandbox_child *c, char *const *envp)
{
	int err;

	close(c->status_fd);
	environ = (char **)envp;
	execvpe(c->spec->argv[0], c->spec->argv, envp);
	err = errno;
	if (err == ENOENT)
		dprintf(2, c->not_found_fmt, c->spec->argv[0]);
	else
		dprintf(2, "sandbox: %s: %s\n", c->spec->argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* pid 1: reaps every orphan until the command ends, then passes on its status.  A signal death
 * cannot be re-raised by pid 1, so it travels on the status pipe instead. */
static void __attribute__((noreturn))
run_init(struct sandbox_child *c, pid_t cmd)
{
	int status = 0;
	pid_t w;

	close(STDIN_FILENO);
	for (;;) {
		w = wait(&status);
		if (w == cmd)
			break;
		if (w < 0 && errno != EINTR)
			_exit(125);
	}
	if (WIFSIGNALED(status)) {
		c->err.err = WTERMSIG(status);
		c->err.step = ST_SIGNALED;
		if (qtm_sandbox_send_report(c->status_fd, &c->err) < 0)
			_exit(125);
		_exit(0);
	}
	_exit(WEXITSTATUS(status));
}

void
qtm_sandbox_child_main(struct sandbox_child *c)
{
	char go;
	pid_t cmd;

	reset_signals();
	/* Armed before waiting, so a parent that dies at any point takes us along. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close_other_fds(c);
	if (read(c->sync_fd, &go, 1) != 1)
		_exit(125);
	close(c->sync_fd);
	setsid();
	if (child_setup(c) < 0) {
		ssize_t n = qtm_sandbox_send_report(c->status_fd, &c->err);

		_exit(n < 0 ? 125 : 126);
	}
	if (c->n_ranks > 1)
		qtm_sandbox_run_ranks(c);
	environ = (char **)c->spec->envp;
	/* We stay as pid 1 and run the command as our child: the kernel ignores signals that pid 1
	 * sends itself without a handler, so a command that kills itself must not be pid 1. */
	cmd = fork();
	if (cmd == 0)
		qtm_sandbox_exec(c, c->spec->envp);
	if (cmd < 0) {
		qtm_sandbox_fail(c, ST_FORK, errno, NULL, NULL);
		if (qtm_sandbox_send_report(c->status_fd, &c->err) < 0)
			_exit(125);
		_exit(126);
	}
	run_init(c, cmd);
}

/* ---- the plan (parent) ------------------------------------------------------------------- */

static void
add_op(struct sandbox_child *c, enum op_kind kind, int flags, const char *src, const char *dst)
{
	struct op *op;

	c->ops = xreallocarray(c->ops, c->n_ops + 1, sizeof *c->ops);
	op = &c->ops[c->n_ops++];
	op->kind = kind;
	op->flags = flags;
	op->src = xstrdup(src != NULL ? src : "");
	op->dst = xstrdup(dst);
}

/* /usr and the usr-merged links (or, on a split system, read-only binds of the directories). */
static void
plan_system(struct sandbox_child *c)
{
	static const char *const dirs[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

	add_op(c, OP_BIND, OPF_RO, "/usr", "/usr");
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (lstat(dirs[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			add_op(c, OP_BIND, OPF_RO, dirs[i], dirs[i]);
		} else if (S_ISLNK(st.st_mode) &&
		    (n = readlink(dirs[i], target, sizeof target - 1)) > 0) {
			target[n] = '\0';
			add_op(c, OP_SYMLINK, 0, target, dirs[i]);
		}
	}
}

/* A read-only bind of path on itself when it exists (symlinks resolved on the host's side). */
static void
add_optional(struct sandbox_child *c, const char *path)
{
	char *real = realpath(path, NULL);

	if (real != NULL)
		add_op(c, OP_BIND, OPF_RO | OPF_OPTIONAL, real, path);
	free(real);
}

static void
plan_etc(struct sandbox_child *c, const struct qtm_sandbox_spec *spec)
{
	static const char *const net[] = { "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
		"/etc/ssl", "/etc/ca-certificates" };

	/* numpy finds its BLAS through /etc/alternatives. */
	add_optional(c, "/etc/alternatives");
	add_optional(c, "/etc/ld.so.cache");
	for (size_t i = 0; spec->share_net && i < sizeof net / sizeof net[0]; i++)
		add_optional(c, net[i]);
	add_op(c, OP_FILE, 0, "root:x:0:0:root:/tmp:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", "/etc/passwd");
	add_op(c, OP_FILE, 0, "root:x:0:\nnogroup:x:65534:\n", "/etc/group");
}

static void
plan_proc(struct sandbox_child *c)
{
	static const char *const hide[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
		"/proc/bus" };

	add_op(c, OP_PROC, 0, NULL, "/proc");
	for (size_t i = 0; i < sizeof hide / sizeof hide[0]; i++)
		add_op(c, OP_BIND, OPF_RO | OPF_OPTIONAL | OPF_INNER, hide[i], hide[i]);
}

static void
plan_dev(struct sandbox_child *c, const struct qtm_sandbox_spec *spec)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const fds[][2] = { { "/proc/self/fd", "/dev/fd" },
		{ "/proc/self/fd/0", "/dev/stdin" }, { "/proc/self/fd/1", "/dev/stdout" },
		{ "/proc/self/fd/2", "/dev/stderr" } };
	DIR *d;
	struct dirent *e;

	add_op(c, OP_TMPFS, 0, "mode=0755", "/dev");
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		char *path = xasprintf("/dev/%s", devs[i]);

		add_op(c, OP_BIND, OPF_DEV | OPF_OPTIONAL, path, path);
		free(path);
	}
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		add_op(c, OP_SYMLINK, 0, fds[i][0], fds[i][1]);
	if (spec->gpu && (d = opendir("/dev")) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char *path = xasprintf("/dev/%s", e->d_name);

			if (strncmp(e->d_name, "nvidia", 6) == 0)
				add_op(c, OP_BIND, OPF_DEV | OPF_OPTIONAL, path, path);
			free(path);
		}
		closedir(d);
	}
	add_op(c, OP_TMPFS, 0, "mode=1777", "/dev/shm");
	add_op(c, OP_READONLY, 0, NULL, "/dev");
}

static bool
bad_target(const char *t)
{
	size_t n = strlen(OLDROOT);

	return t == NULL || t[0] != '/' || t[1] == '\0' || strstr(t, "/../") != NULL ||
	    (strlen(t) >= 3 && strcmp(t + strlen(t) - 3, "/..") == 0) ||
	    (strncmp(t, OLDROOT, n) == 0 && (t[n] == '\0' || t[n] == '/'));
}

static int
plan_binds(struct qtm_ctx *ctx, struct sandbox_child *c, const struct qtm_sandbox_spec *spec)
{
	for (size_t i = 0; i < spec->n_binds; i++) {
		const struct qtm_sandbox_bind *b = &spec->binds[i];
		char *real;
		int err;

		if (bad_target(b->target) || b->source == NULL)
			return qtm_error(ctx, -EINVAL, _("sandbox: invalid bind of %s on %s"),
			    b->source != NULL ? b->source : "(null)",
			    b->target != NULL ? b->target : "(null)");
		/* Resolved here: after the pivot an absolute symlink would point into the new root. */
		if ((real = realpath(b->source, NULL)) == NULL) {
			err = errno;
			return qtm_error(ctx, -err, _("sandbox: cannot bind %s on %s: %s"), b->source,
			    b->target, strerror(err));
		}
		add_op(c, OP_BIND, b->writable ? 0 : OPF_RO, real, b->target);
		free(real);
	}
	return 0;
}

int
qtm_sandbox_plan(struct qtm_ctx *ctx, struct sandbox_child *c, const struct qtm_sandbox_spec *spec)
{
	plan_system(c);
	plan_etc(c, spec);
	plan_proc(c);
	plan_dev(c, spec);
	add_op(c, OP_TMPFS, 0, "mode=1777", "/tmp");
	return plan_binds(ctx, c, spec);
}

int
qtm_sandbox_setup_error(struct qtm_ctx *ctx, const struct sandbox_child_err *e)
{
	char *what;
	int rc;

	if (e->step < 0 || (size_t)e->step >= sizeof step_msgs / sizeof step_msgs[0])
		return qtm_error(ctx, -EIO, _("sandbox: setup failed"));
	what = xasprintf(_(step_msgs[e->step]), e->a, e->b);
	rc = qtm_error(ctx, -e->err, "%s: %s", what, strerror(e->err));
	free(what);
	return rc;
}

void
qtm_sandbox_child_free(struct sandbox_child *c)
{
	for (size_t i = 0; i < c->n_ops; i++) {
		free(c->ops[i].src);
		free(c->ops[i].dst);
	}
	free(c->ops);
	free(c->filter.filter);
}

