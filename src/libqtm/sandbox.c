/* sandbox.c - the training sandbox: namespaces, a tmpfs root, seccomp, limits and output lines.
 *
 * The parent prepares everything that allocates (the mount plan, the BPF program, the limits)
 * and then clones a child into new namespaces (a raw clone: the child is the pid namespace's
 * init, so killing it kills the whole tree).  The child waits on a socket until the parent has
 * written its uid/gid maps and moved it into its cgroups, then carries out the plan (see
 * sandbox-setup.c) and execs the command.  A setup failure travels back on a close-on-exec pipe
 * as a struct sandbox_child_err; end of file on that pipe without one means the exec happened.
 * The parent meanwhile splits the command's stdout and stderr into lines and enforces the
 * wall-clock limit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "ctx.h"
#include "i18n.h"
#include "sandbox-setup.h"
#include "sandbox.h"
#include "xalloc.h"

#define LINE_CAP (64 * 1024)             /* longer lines are split */

struct linebuf {
	int rank;
	enum qtm_sandbox_stream stream;
	char *buf;
	size_t len;
};

/* ---- the seccomp filter (parent) --------------------------------------------------------- */

static const char *const denied_syscalls[] = {
	"mount", "umount", "umount2", "pivot_root", "chroot", "ptrace", "process_vm_readv",
	"process_vm_writev", "kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "keyctl",
	"add_key", "request_key", "unshare", "setns", "open_by_handle_at", "name_to_handle_at",
	"userfaultfd", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"quotactl", "quotactl_fd", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr", "lookup_dcookie", "syslog", "uselib", "iopl", "ioperm",
	"vhangup", "pidfd_getfd", "nfsservctl",
};

/* A data-parallel sandbox: AF_UNIX, AF_INET, and AF_NETLINK for NETLINK_ROUTE only (what
 * getifaddrs reads the namespace's own interfaces with: gloo finds lo's address so). */
static int
loopback_socket_rules(scmp_filter_ctx sc, uint32_t eperm)
{
	int rc = seccomp_rule_add(sc, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GT, AF_NETLINK));

	for (int family = AF_UNSPEC; rc == 0 && family < AF_NETLINK; family++)
		if (family != AF_UNIX && family != AF_INET)
			rc = seccomp_rule_add(sc, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, family));
	if (rc == 0)
		rc = seccomp_rule_add(sc, eperm, SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		    SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE));
	return rc;
}

static int
add_rules(scmp_filter_ctx sc, const struct qtm_sandbox_spec *spec)
{
	static const unsigned long ns_flags[] = { CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID,
		CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME };
	uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int rc = 0;

	for (size_t i = 0; i < sizeof denied_syscalls / sizeof denied_syscalls[0]; i++) {
		int nr = seccomp_syscall_resolve_name(denied_syscalls[i]);

		if (nr >= 0 && (rc = seccomp_rule_add(sc, eperm, nr, 0)) < 0)
			return rc;
	}
	for (size_t i = 0; rc == 0 && i < sizeof ns_flags / sizeof ns_flags[0]; i++)
		rc = seccomp_rule_add(sc, eperm, SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	/* clone3 passes its flags in memory: answer ENOSYS so that libc falls back to clone. */
	if (rc == 0)
		rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_rule_add(sc, eperm, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCSTI));
	if (rc == 0 && spec->share_net) {
		rc = seccomp_rule_add(sc, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
	} else if (rc == 0 && spec->loopback) {
		rc = loopback_socket_rules(sc, eperm);
	} else if (rc == 0)
		rc = seccomp_rule_add(sc, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	return rc;
}

/* Compiles the filter to BPF now, so that the child only has to hand it to the kernel. */
static int
build_filter(struct qtm_ctx *ctx, struct sandbox_child *c, const struct qtm_sandbox_spec *spec)
{
	scmp_filter_ctx sc = seccomp_init(SCMP_ACT_ALLOW);
	int fd = -1, rc;
	off_t size = 0;

	if (sc == NULL)
		return qtm_error(ctx, -ENOMEM, _("sandbox: cannot create the seccomp filter"));
	rc = add_rules(sc, spec);
	if (rc == 0 && (fd = memfd_create("qtm-seccomp", MFD_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0)
		rc = seccomp_export_bpf(sc, fd);
	if (rc == 0 && (size = lseek(fd, 0, SEEK_END)) <= 0)
		rc = -EIO;
	if (rc == 0) {
		c->filter.filter = xmalloc((size_t)size);
		c->filter.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
		if (pread(fd, c->filter.filter, (size_t)size, 0) != size)
			rc = -EIO;
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(sc);
	if (rc < 0)
		return qtm_error(ctx, rc, _("sandbox: cannot create the seccomp filter: %s"),
		    strerror(-rc));
	return 0;
}

/* ---- running (parent) -------------------------------------------------------------------- */

struct run {
	struct sandbox_child c;
	pid_t pid;
	int sync_fd;              /* parent's end of the start socket */
	int out_fd, err_fd, status_fd;
	int rank_out[QTM_SANDBOX_MAX_RANKS], rank_err[QTM_SANDBOX_MAX_RANKS];   /* ranks >= 1 */
	struct sandbox_child_err status;  /* what came back on the status pipe */
	size_t status_len;
};

/* The streams of ranks 1 and up (rank 0 has out_fd and err_fd). */
static int
open_rank_channels(struct qtm_ctx *ctx, struct run *r)
{
	for (int k = 1; k < r->c.n_ranks; k++) {
		int out[2], err[2], saved;

		if (pipe2(out, O_CLOEXEC) < 0) {
			saved = errno;
			return qtm_error(ctx, -saved, _("sandbox: cannot create pipes: %s"), strerror(saved));
		}
		if (pipe2(err, O_CLOEXEC) < 0) {
			saved = errno;
			close(out[0]), close(out[1]);
			return qtm_error(ctx, -saved, _("sandbox: cannot create pipes: %s"), strerror(saved));
		}
		r->rank_out[k] = out[0], r->c.rank_out[k] = out[1];
		r->rank_err[k] = err[0], r->c.rank_err[k] = err[1];
	}
	return 0;
}

static int
open_channels(struct qtm_ctx *ctx, struct run *r)
{
	int out[2], err[2], status[2], sync[2], saved;

	if (pipe2(out, O_CLOEXEC) < 0 && (saved = errno))
		goto fail0;
	if (pipe2(err, O_CLOEXEC) < 0 && (saved = errno))
		goto fail1;
	if (pipe2(status, O_CLOEXEC) < 0 && (saved = errno))
		goto fail2;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0 && (saved = errno))
		goto fail3;
	if ((r->c.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 && (saved = errno))
		goto fail4;
	r->out_fd = out[0], r->c.out_fd = out[1];
	r->err_fd = err[0], r->c.err_fd = err[1];
	r->status_fd = status[0], r->c.status_fd = status[1];
	r->sync_fd = sync[0], r->c.sync_fd = sync[1];
	return open_rank_channels(ctx, r);
fail4:
	close(sync[0]), close(sync[1]);
fail3:
	close(status[0]), close(status[1]);
fail2:
	close(err[0]), close(err[1]);
fail1:
	close(out[0]), close(out[1]);
fail0:
	return qtm_error(ctx, -saved, _("sandbox: cannot create pipes: %s"), strerror(saved));
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
close_child_ends(struct run *r)
{
	close_fd(&r->c.out_fd);
	close_fd(&r->c.err_fd);
	close_fd(&r->c.status_fd);
	close_fd(&r->c.sync_fd);
	close_fd(&r->c.null_fd);
	for (int k = 1; k < r->c.n_ranks; k++) {
		close_fd(&r->c.rank_out[k]);
		close_fd(&r->c.rank_err[k]);
	}
}

static int
write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd, err = 0;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

/* Maps our uid and gid to root inside the child's user namespace. */
static int
map_ids(struct qtm_ctx *ctx, pid_t pid)
{
	char uid[64], gid[64];
	int err;

	snprintf(uid, sizeof uid, "0 %ld 1\n", (long)geteuid());
	snprintf(gid, sizeof gid, "0 %ld 1\n", (long)getegid());
	if ((err = write_proc(pid, "setgroups", "deny")) < 0 ||
	    (err = write_proc(pid, "uid_map", uid)) < 0 ||
	    (err = write_proc(pid, "gid_map", gid)) < 0)
		return qtm_error(ctx, err, _("sandbox: cannot write the user namespace maps: %s"),
		    strerror(-err));
	return 0;
}

static void
reap(struct run *r, int *status)
{
	while (waitpid(r->pid, status, 0) < 0 && errno == EINTR)
		;
	r->pid = -1;
}

/* Clones the child, writes its maps, moves it into its cgroups and lets it go. */
static int
start_child(struct qtm_ctx *ctx, struct run *r, const struct qtm_sandbox_spec *spec)
{
	bool userns = geteuid() != 0;
	unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
	    (spec->share_net ? 0 : CLONE_NEWNET) | (userns ? CLONE_NEWUSER : 0);
	int rc = 0, status, err;
	sigset_t all, old;

	/* No handler of ours may run in the child before it has reset them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r->pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r->pid == 0)
		qtm_sandbox_child_main(&r->c);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r->pid < 0)
		return qtm_error(ctx, -err, _("sandbox: cannot create namespaces: %s"), strerror(err));
	close_child_ends(r);
	if (userns)
		rc = map_ids(ctx, r->pid);
	if (rc == 0 && (rc = qtm_limits_attach(&r->c.limits, r->pid)) < 0)
		rc = qtm_error(ctx, rc, _("sandbox: cannot move the child into its cgroup: %s"),
		    strerror(-rc));
	if (rc == 0 && send(r->sync_fd, "g", 1, MSG_NOSIGNAL) != 1)
		rc = qtm_error(ctx, -errno, _("sandbox: the child died during setup: %s"),
		    strerror(errno));
	close_fd(&r->sync_fd);
	if (rc < 0) {
		kill(r->pid, SIGKILL);
		reap(r, &status);
	}
	return rc;
}

static void
emit(const struct qtm_sandbox_spec *spec, struct linebuf *lb)
{
	lb->buf[lb->len] = '\0';
	if (spec->on_rank_line != NULL)
		spec->on_rank_line(spec->on_line_arg, lb->rank, lb->stream, lb->buf);
	else if (spec->on_line != NULL)
		spec->on_line(spec->on_line_arg, lb->stream, lb->buf);
	lb->len = 0;
}

/* Splits data into lines; a line reaching LINE_CAP bytes is delivered in pieces. */
static void
feed(const struct qtm_sandbox_spec *spec, struct linebuf *lb, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - data) : n;

		if (take > LINE_CAP - lb->len)
			take = LINE_CAP - lb->len;
		memcpy(lb->buf + lb->len, data, take);
		lb->len += take;
		data += take;
		n -= take;
		if (n > 0 && *data == '\n') {
			emit(spec, lb);
			data++;
			n--;
		} else if (lb->len == LINE_CAP) {
			emit(spec, lb);
		}
	}
}

/* Reads what fd has; returns false at end of file (or error). */
static bool
drain(struct run *r, const struct qtm_sandbox_spec *spec, int fd, struct linebuf *lb)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (lb != NULL) {
		feed(spec, lb, buf, (size_t)n);
	} else {
		size_t room = sizeof r->status - r->status_len;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy((char *)&r->status + r->status_len, buf, take);
		r->status_len += take;
	}
	return true;
}

static int
poll_timeout(double deadline)
{
	double left;

	if (deadline <= 0)
		return -1;
	left = deadline - qtm_mono_s();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Delivers output until every stream is closed, killing the child at the deadline.  Stream i
 * of n is rank i/2's stdout (even) or stderr (odd); the last one is the status pipe. */
static void
pump(struct run *r, const struct qtm_sandbox_spec *spec, double deadline, bool *timed_out)
{
	int ns = 2 * r->c.n_ranks, n_open = ns + 1;
	struct linebuf *lbs = xcalloc((size_t)ns, sizeof *lbs);
	int **fds = xcalloc((size_t)ns + 1, sizeof *fds);
	struct pollfd *pfd = xcalloc((size_t)ns + 1, sizeof *pfd);

	for (int i = 0; i < ns; i++) {
		lbs[i] = (struct linebuf){ i / 2, i % 2 ? QTM_SANDBOX_STDERR : QTM_SANDBOX_STDOUT,
			xmalloc(LINE_CAP + 1), 0 };
		fds[i] = i < 2 ? (i == 0 ? &r->out_fd : &r->err_fd) :
		    i % 2 ? &r->rank_err[i / 2] : &r->rank_out[i / 2];
	}
	fds[ns] = &r->status_fd;
	while (n_open > 0) {
		int n;

		for (int i = 0; i <= ns; i++)
			pfd[i] = (struct pollfd){ .fd = *fds[i], .events = POLLIN };
		n = poll(pfd, (nfds_t)ns + 1, poll_timeout(deadline));
		if (deadline > 0 && (n == 0 || qtm_mono_s() >= deadline)) {
			kill(r->pid, SIGKILL);
			*timed_out = true;
			deadline = 0;
		}
		for (int i = 0; n > 0 && i <= ns; i++)
			if (pfd[i].revents != 0 && !drain(r, spec, *fds[i], i < ns ? &lbs[i] : NULL)) {
				close_fd(fds[i]);
				n_open--;
			}
	}
	for (int i = 0; i < ns; i++) {
		if (lbs[i].len > 0)
			emit(spec, &lbs[i]);
		free(lbs[i].buf);
	}
	free(lbs);
	free(fds);
	free(pfd);
}

static int
check_spec(struct qtm_ctx *ctx, const struct qtm_sandbox_spec *spec)
{
	if (spec->argv == NULL || spec->argv[0] == NULL)
		return qtm_error(ctx, -EINVAL, _("sandbox: no command given"));
	if (spec->ranks > QTM_SANDBOX_MAX_RANKS || (spec->ranks > 1 && spec->rank_envp == NULL))
		return qtm_error(ctx, -EINVAL, _("sandbox: cannot run %d ranks (at most %d)"), spec->ranks,
		    QTM_SANDBOX_MAX_RANKS);
	if (spec->cwd != NULL && spec->cwd[0] != '/')
		return qtm_error(ctx, -EINVAL, _("sandbox: the working directory %s is not absolute"),
		    spec->cwd);
	return 0;
}

static int
execute(struct qtm_ctx *ctx, struct run *r, const struct qtm_sandbox_spec *spec,
    struct qtm_sandbox_result *result, double start)
{
	double deadline = spec->time_limit_s > 0 ? start + spec->time_limit_s : 0;
	int rc, status = 0;

	if ((rc = open_channels(ctx, r)) < 0) {
		close_child_ends(r);
		return rc;
	}
	if ((rc = start_child(ctx, r, spec)) < 0) {
		close_child_ends(r);
		return rc;
	}
	pump(r, spec, deadline, &result->timed_out);
	reap(r, &status);
	if (WIFEXITED(status))
		result->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		result->term_signal = WTERMSIG(status);
	if (r->status_len == sizeof r->status && r->status.step == ST_RANK) {
		result->failed_rank = r->status.rank;
		if (r->status.err != 0) {
			result->exit_code = -1;
			result->term_signal = r->status.err;
		}
		return 0;
	}
	if (r->status_len == sizeof r->status && r->status.step == ST_SIGNALED) {
		result->exit_code = -1;
		result->term_signal = r->status.err;
		return 0;
	}
	if (r->status_len == sizeof r->status)
		return qtm_sandbox_setup_error(ctx, &r->status);
	if (r->status_len > 0)
		return qtm_error(ctx, -EIO, _("sandbox: setup failed"));
	return 0;
}

int
qtm_sandbox_run(struct qtm_ctx *ctx, const struct qtm_sandbox_spec *spec,
    struct qtm_sandbox_result *result)
{
	struct run r = { .pid = -1, .sync_fd = -1, .out_fd = -1, .err_fd = -1, .status_fd = -1 };
	double start = qtm_mono_s();
	int rc;

	memset(result, 0, sizeof *result);
	result->exit_code = -1;
	result->limits = "none";
	result->failed_rank = -1;
	r.c.spec = spec;
	r.c.n_ranks = spec->ranks > 1 ? spec->ranks : 1;
	for (int k = 0; k < QTM_SANDBOX_MAX_RANKS; k++)
		r.rank_out[k] = r.rank_err[k] = r.c.rank_out[k] = r.c.rank_err[k] = -1;
	r.c.sync_fd = r.c.status_fd = r.c.out_fd = r.c.err_fd = r.c.null_fd = -1;
	r.c.not_found_fmt = _("sandbox: %s: command not found\n");
	if ((rc = check_spec(ctx, spec)) < 0 || (rc = qtm_sandbox_plan(ctx, &r.c, spec)) < 0 ||
	    (rc = build_filter(ctx, &r.c, spec)) < 0) {
		qtm_sandbox_child_free(&r.c);
		return rc;
	}
	qtm_limits_prepare(spec, &r.c.limits);
	rc = execute(ctx, &r, spec, result, start);
	close_fd(&r.out_fd);
	close_fd(&r.err_fd);
	close_fd(&r.status_fd);
	for (int k = 1; k < r.c.n_ranks; k++) {
		close_fd(&r.rank_out[k]);
		close_fd(&r.rank_err[k]);
	}
	result->limits = r.c.limits.kind;
	result->limits_detail = r.c.limits.detail;
	qtm_limits_release(&r.c.limits, true);
	qtm_sandbox_child_free(&r.c);
	result->wall_s = qtm_mono_s() - start;
	return rc;
}

void
qtm_sandbox_result_free(struct qtm_sandbox_result *result)
{
	if (result == NULL)
		return;
	free(result->limits_detail);
	result->limits_detail = NULL;
}

