/* test-sandbox.c - the training sandbox, run as root (make check) and as an unprivileged user
 * (tests/integration/sandbox-unprivileged.sh runs this binary with --tap --require-unprivileged).
 *
 * Every test runs a real command (/usr/bin/python3 or /bin/sh) in the sandbox and looks at the
 * lines it printed; a test is skipped only when the machine lacks what it needs. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "sandbox.h"
#include "xalloc.h"

#define PYTHON "/usr/bin/python3"

static bool sandbox_works;
static char sandbox_problem[2048];
static bool tap;

/* Diagnostics: comment lines in TAP mode. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tap)
		fputs("# ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

struct outcome {
	int rc;
	struct qtm_sandbox_result res;
	char **out;   /* stdout lines */
	char **err;   /* stderr lines */
	char errmsg[2048];
};

static char *test_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LC_ALL=C.UTF-8",
	"FOO=bar", NULL };

static void
collect(void *arg, enum qtm_sandbox_stream stream, const char *line)
{
	struct outcome *o = arg;

	if (stream == QTM_SANDBOX_STDOUT)
		o->out = strv_push(o->out, line);
	else
		o->err = strv_push(o->err, line);
}

static void
init_spec(struct qtm_sandbox_spec *spec, char *const *argv)
{
	memset(spec, 0, sizeof *spec);
	spec->argv = argv;
	spec->envp = test_env;
	spec->cwd = "/";
}

static struct outcome *
run_spec(struct qtm_sandbox_spec *spec)
{
	struct outcome *o = xcalloc(1, sizeof *o);
	struct qtm_ctx *ctx = xcalloc(1, sizeof *ctx);

	o->out = xcalloc(1, sizeof *o->out);
	o->err = xcalloc(1, sizeof *o->err);
	spec->on_line = collect;
	spec->on_line_arg = o;
	o->rc = qtm_sandbox_run(ctx, spec, &o->res);
	snprintf(o->errmsg, sizeof o->errmsg, "%s", ctx->errmsg);
	free(ctx);
	if (o->rc < 0)
		note("sandbox error: %s\n", o->errmsg);
	for (size_t i = 0; o->err[i] != NULL; i++)
		note("stderr: %s\n", o->err[i]);
	return o;
}

/* Runs python -c code with optional binds. */
static struct outcome *
run_py(const char *code, const struct qtm_sandbox_bind *binds, size_t n_binds)
{
	char *argv[] = { PYTHON, "-c", (char *)code, NULL };
	struct qtm_sandbox_spec spec;

	init_spec(&spec, argv);
	spec.binds = binds;
	spec.n_binds = n_binds;
	return run_spec(&spec);
}

static void
outcome_free(struct outcome *o)
{
	strv_free(o->out);
	strv_free(o->err);
	qtm_sandbox_result_free(&o->res);
	free(o);
}

static bool
has_line(char **lines, const char *want)
{
	for (size_t i = 0; lines[i] != NULL; i++)
		if (strcmp(lines[i], want) == 0)
			return true;
	return false;
}

static bool
has_prefix_line(char **lines, const char *prefix)
{
	for (size_t i = 0; lines[i] != NULL; i++)
		if (strncmp(lines[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void
require_sandbox(void)
{
	if (!sandbox_works) {
		note("sandbox unavailable here: %s\n", sandbox_problem);
		skip();
	}
}

static void
assert_ran_ok(const struct outcome *o)
{
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->res.term_signal, 0);
	assert_int_equal(o->res.exit_code, 0);
	assert_false(o->res.timed_out);
}

static void
test_python_runs(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("print(1)", NULL, 0);
	assert_ran_ok(o);
	assert_string_equal(o->out[0], "1");
	assert_null(o->out[1]);
	assert_true(o->res.wall_s > 0);
	assert_string_equal(o->res.limits, "none");
	outcome_free(o);
}

static void
test_streams(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; echo more; printf tail", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	o = run_spec(&spec);
	assert_ran_ok(o);
	assert_string_equal(o->out[0], "out");
	assert_string_equal(o->out[1], "more");
	assert_string_equal(o->out[2], "tail");
	assert_null(o->out[3]);
	assert_string_equal(o->err[0], "err");
	assert_null(o->err[1]);
	outcome_free(o);
}

static void
test_long_line(void **state)
{
	struct outcome *o;
	size_t total = 0, n = 0;

	require_sandbox();
	o = run_py("import sys; sys.stdout.write('x' * 200000 + '\\nend')", NULL, 0);
	assert_ran_ok(o);
	for (; o->out[n] != NULL && o->out[n][0] == 'x'; n++) {
		assert_true(strlen(o->out[n]) <= 64 * 1024);
		total += strlen(o->out[n]);
	}
	assert_int_equal(total, 200000);
	assert_true(n >= 4);
	assert_string_equal(o->out[n], "end");
	assert_null(o->out[n + 1]);
	outcome_free(o);
}

static char *
make_tree(void)
{
	char tmpl[] = "/tmp/qtm-sandbox-test-XXXXXX";
	char *dir, *path;
	FILE *f;

	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	dir = xstrdup(dir);
	path = xasprintf("%s/rw", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
	path = xasprintf("%s/ro", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
	path = xasprintf("%s/ro/hello", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello", f);
	fclose(f);
	free(path);
	path = xasprintf("%s/file", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("single", f);
	fclose(f);
	free(path);
	return dir;
}

static void
remove_tree(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void
test_binds(void **state)
{
	char *dir, *rw, *ro, *file, *w;
	struct outcome *o;
	struct stat st;

	require_sandbox();
	dir = make_tree();
	rw = xasprintf("%s/rw", dir);
	ro = xasprintf("%s/ro", dir);
	file = xasprintf("%s/file", dir);
	struct qtm_sandbox_bind binds[] = { { rw, "/out", true }, { ro, "/data/set", false },
		{ file, "/etc/qtm/file", false } };

	o = run_py("import os\n"
	    "open('/out/w', 'w').write('x'); print('rw-ok')\n"
	    "try:\n open('/data/set/w', 'w'); print('ro-writable')\n"
	    "except OSError as e: print('ro-denied')\n"
	    "try:\n open('/data/set/hello', 'a'); print('ro-appendable')\n"
	    "except OSError as e: print('ro-denied2')\n"
	    "print(open('/data/set/hello').read())\n"
	    "print(open('/etc/qtm/file').read())\n", binds, 3);
	assert_ran_ok(o);
	assert_true(has_line(o->out, "rw-ok"));
	assert_true(has_line(o->out, "ro-denied"));
	assert_true(has_line(o->out, "ro-denied2"));
	assert_true(has_line(o->out, "hello"));
	assert_true(has_line(o->out, "single"));
	w = xasprintf("%s/rw/w", dir);
	assert_int_equal(stat(w, &st), 0);
	free(w);
	w = xasprintf("%s/ro/w", dir);
	assert_int_not_equal(stat(w, &st), 0);
	free(w);
	outcome_free(o);
	free(rw);
	free(ro);
	free(file);
	remove_tree(dir);
}

static void
test_cwd_env(void **state)
{
	char *dir = NULL, *argv[] = { PYTHON, "-c",
		"import os; print(os.getcwd()); print(os.environ['FOO']); print(os.getuid())", NULL };
	struct qtm_sandbox_spec spec;
	struct qtm_sandbox_bind bind = { NULL, "/work/src", false };
	struct outcome *o;

	require_sandbox();
	dir = make_tree();
	bind.source = dir;
	init_spec(&spec, argv);
	spec.binds = &bind;
	spec.n_binds = 1;
	spec.cwd = "/work/src/ro";
	o = run_spec(&spec);
	assert_ran_ok(o);
	assert_string_equal(o->out[0], "/work/src/ro");
	assert_string_equal(o->out[1], "bar");
	assert_string_equal(o->out[2], "0");
	outcome_free(o);
	remove_tree(dir);
}

static void
test_root_readonly(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import os\n"
	    "for p in ['/x', '/usr/x', '/usr/bin/x', '/etc/x', '/dev/x', '/proc/sys/kernel/hostname']:\n"
	    "  try:\n   open(p, 'w').write('1'); print('writable', p)\n"
	    "  except OSError: print('denied', p)\n"
	    "open('/tmp/t', 'w').write('x'); print('tmp-ok')\n"
	    "open('/dev/shm/t', 'w').write('x'); print('shm-ok')\n"
	    "open('/dev/null', 'w').write('x'); print('null-ok')\n", NULL, 0);
	assert_ran_ok(o);
	assert_false(has_prefix_line(o->out, "writable"));
	assert_true(has_line(o->out, "denied /x"));
	assert_true(has_line(o->out, "denied /usr/x"));
	assert_true(has_line(o->out, "tmp-ok"));
	assert_true(has_line(o->out, "shm-ok"));
	assert_true(has_line(o->out, "null-ok"));
	outcome_free(o);
}

static void
test_host_hidden(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import os\n"
	    "for p in ['/root', '/home', '/work', '/var', '/sys', '/run', '/.qtm-oldroot',"
	    " '/etc/shadow', '/etc/hostname', '/dev/vda', '/dev/nvidia0']:\n"
	    "  print('visible' if os.path.lexists(p) else 'hidden', p)\n"
	    "print('root', ' '.join(sorted(os.listdir('/'))))\n", NULL, 0);
	assert_ran_ok(o);
	assert_false(has_prefix_line(o->out, "visible"));
	assert_true(has_line(o->out, "hidden /root"));
	assert_true(has_line(o->out, "hidden /work"));
	outcome_free(o);
}

static void
test_no_network(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import socket\n"
	    "try:\n s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
	    "except OSError as e: print('socket-denied', e.errno)\n"
	    "else:\n"
	    " try:\n  s.connect(('127.0.0.1', 1)); print('connected')\n"
	    " except OSError as e: print('connect-failed', e.errno)\n"
	    "for fam in (socket.AF_INET6, socket.AF_PACKET, socket.AF_NETLINK):\n"
	    "  try:\n   socket.socket(fam, socket.SOCK_DGRAM); print('allowed', fam)\n"
	    "  except OSError as e: print('denied', e.errno)\n"
	    "a, b = socket.socketpair(); a.send(b'x'); print('unix', b.recv(1))\n", NULL, 0);
	assert_ran_ok(o);
	assert_false(has_line(o->out, "connected"));
	assert_true(has_prefix_line(o->out, "socket-denied") ||
	    has_prefix_line(o->out, "connect-failed"));
	assert_false(has_prefix_line(o->out, "allowed"));
	assert_true(has_line(o->out, "unix b'x'"));
	outcome_free(o);
}

/* spec.loopback (a data-parallel training): lo is up and AF_INET reaches a server on it, no
 * other address is reachable, and only AF_UNIX, AF_INET and NETLINK_ROUTE sockets open. */
static void
test_loopback_network(void **state)
{
	char *argv[] = { PYTHON, "-c", "import socket\n"
	    "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
	    "c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()\n"
	    "c.sendall(b'ping'); print('loopback', a.recv(4))\n"
	    "try:\n socket.create_connection(('192.0.2.1', 80), timeout=5); print('outside-connected')\n"
	    "except OSError as e: print('outside-failed')\n"
	    "print('interfaces', ' '.join(n for _, n in socket.if_nameindex()))\n"
	    "for fam, proto in ((socket.AF_INET6, 0), (socket.AF_PACKET, 0),"
	    " (socket.AF_NETLINK, socket.NETLINK_ROUTE), (socket.AF_NETLINK, 9)):\n"
	    "  try:\n   socket.socket(fam, socket.SOCK_DGRAM, proto); print('allowed', fam, proto)\n"
	    "  except OSError as e: print('denied', fam, proto, e.errno)\n", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;
	char want[64];

	require_sandbox();
	init_spec(&spec, argv);
	spec.loopback = true;
	o = run_spec(&spec);
	assert_ran_ok(o);
	assert_true(has_line(o->out, "loopback b'ping'"));
	assert_true(has_line(o->out, "outside-failed"));
	assert_true(has_line(o->out, "interfaces lo"));
	snprintf(want, sizeof want, "allowed %d %d", AF_NETLINK, NETLINK_ROUTE);
	assert_true(has_line(o->out, want));
	snprintf(want, sizeof want, "denied %d 0 %d", AF_INET6, EPERM);
	assert_true(has_line(o->out, want));
	snprintf(want, sizeof want, "denied %d 0 %d", AF_PACKET, EPERM);
	assert_true(has_line(o->out, want));
	snprintf(want, sizeof want, "denied %d 9 %d", AF_NETLINK, EPERM);
	assert_true(has_line(o->out, want));
	outcome_free(o);
}

static void
test_pid_namespace(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import os, socket; print(os.getpid()); print(socket.gethostname());"
	    "print(len([p for p in os.listdir('/proc') if p.isdigit()]))", NULL, 0);
	assert_ran_ok(o);
	/* pid 1 is the sandbox's small init; the command is its only child. */
	assert_string_equal(o->out[0], "2");
	assert_string_equal(o->out[1], "qtm");
	assert_string_equal(o->out[2], "2");
	outcome_free(o);
}

/* A command that kills itself dies of it (it is not pid 1, whose signals the kernel ignores). */
static void
test_self_kill(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", NULL, 0);
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->res.term_signal, SIGKILL);
	outcome_free(o);
}

static void
test_privileges(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("for l in open('/proc/self/status'):\n"
	    "  k, v = l.split(':', 1)\n"
	    "  if k in ('CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs', 'Seccomp'): print(k, v.strip())\n",
	    NULL, 0);
	assert_ran_ok(o);
	assert_true(has_line(o->out, "CapEff 0000000000000000"));
	assert_true(has_line(o->out, "CapPrm 0000000000000000"));
	assert_true(has_line(o->out, "CapBnd 0000000000000000"));
	assert_true(has_line(o->out, "NoNewPrivs 1"));
	assert_true(has_line(o->out, "Seccomp 2"));
	outcome_free(o);
}

static void
test_no_fd_leak(void **state)
{
	struct outcome *o;
	int fd;

	require_sandbox();
	fd = open("/dev/null", O_RDONLY);   /* deliberately not close-on-exec */
	assert_true(fd >= 3);
	o = run_py("import os; print(' '.join(sorted(os.listdir('/proc/self/fd'))))", NULL, 0);
	close(fd);
	assert_ran_ok(o);
	assert_string_equal(o->out[0], "0 1 2 3");   /* 3: listdir's own descriptor */
	outcome_free(o);
}

static void
test_seccomp(void **state)
{
	struct outcome *o;

	require_sandbox();
	o = run_py("import ctypes, errno\n"
	    "libc = ctypes.CDLL(None, use_errno=True)\n"
	    "def check(name, r):\n"
	    "  print(name, 'EPERM' if r == -1 and ctypes.get_errno() == errno.EPERM else"
	    " 'other %d %d' % (r, ctypes.get_errno()))\n"
	    "check('mount', libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))\n"
	    "check('unshare', libc.unshare(0x00020000))\n"
	    "check('ptrace', libc.ptrace(0, 0, None, None))\n"
	    "check('chroot', libc.chroot(b'/tmp'))\n"
	    "check('keyctl', libc.syscall(250, 0, 0, 0, 0, 0))\n"
	    "check('bpf', libc.syscall(321, 0, 0, 0))\n"
	    "check('clone-newuser', libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0))\n", NULL, 0);
	assert_ran_ok(o);
	assert_true(has_line(o->out, "mount EPERM"));
	assert_true(has_line(o->out, "unshare EPERM"));
	assert_true(has_line(o->out, "ptrace EPERM"));
	assert_true(has_line(o->out, "chroot EPERM"));
	assert_true(has_line(o->out, "keyctl EPERM"));
	assert_true(has_line(o->out, "bpf EPERM"));
	assert_true(has_line(o->out, "clone-newuser EPERM"));
	outcome_free(o);
}

static void
test_timeout(void **state)
{
	/* No clock in the assertion: the command would print "late" had it been allowed to run on. */
	char *argv[] = { "sh", "-c", "sleep 4; echo late", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.time_limit_s = 1;
	o = run_spec(&spec);
	assert_int_equal(o->rc, 0);
	assert_true(o->res.timed_out);
	assert_int_equal(o->res.term_signal, SIGKILL);
	assert_int_equal(o->res.exit_code, -1);
	assert_false(has_line(o->out, "late"));
	assert_true(o->res.wall_s >= 0.9);   /* not killed before its limit */
	outcome_free(o);
}

static void
test_timeout_kills_tree(void **state)
{
	/* The command forks a grandchild that keeps stdout open: it must die with the init. */
	char *argv[] = { "sh", "-c", "(sleep 4; echo survived) & sleep 30; wait", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.time_limit_s = 1;
	o = run_spec(&spec);
	assert_int_equal(o->rc, 0);
	assert_true(o->res.timed_out);
	assert_false(has_line(o->out, "survived"));
	outcome_free(o);
}

static void
test_exit_status(void **state)
{
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	o = run_spec(&spec);
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->res.exit_code, 3);
	assert_int_equal(o->res.term_signal, 0);
	assert_false(o->res.timed_out);
	outcome_free(o);

	o = run_py("import ctypes; ctypes.string_at(0)", NULL, 0);
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->res.exit_code, -1);
	assert_int_equal(o->res.term_signal, SIGSEGV);
	outcome_free(o);
}

static void
test_not_found(void **state)
{
	char *argv[] = { "qtm-no-such-command", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	o = run_spec(&spec);
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->res.exit_code, 127);
	assert_non_null(o->err[0]);
	assert_non_null(strstr(o->err[0], "qtm-no-such-command"));
	assert_non_null(strstr(o->err[0], "not found"));
	outcome_free(o);
}

static void
test_missing_bind_source(void **state)
{
	struct qtm_sandbox_bind bind = { "/tmp/qtm-sandbox-no-such-dir/x", "/data", false };
	struct outcome *o;

	require_sandbox();
	o = run_py("print(1)", &bind, 1);
	assert_true(o->rc < 0);
	assert_non_null(strstr(o->errmsg, "/tmp/qtm-sandbox-no-such-dir/x"));
	assert_null(o->out[0]);
	outcome_free(o);
}

static void
test_bad_cwd(void **state)
{
	char *argv[] = { "true", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.cwd = "/no/such/dir";
	o = run_spec(&spec);
	assert_true(o->rc < 0);
	assert_non_null(strstr(o->errmsg, "/no/such/dir"));
	outcome_free(o);
}

static const char *
expected_limits(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return NULL;   /* v2: depends on delegation */
	if (geteuid() != 0)
		return "rlimit";
	if (access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) == 0 &&
	    access("/sys/fs/cgroup/cpu/cgroup.procs", W_OK) == 0 &&
	    access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) == 0)
		return "cgroup v1";
	return NULL;
}

static void
test_memory_limit(void **state)
{
	char *argv[] = { PYTHON, "-c", "a = b'x' * (500 << 20); print('allocated', len(a))", NULL };
	struct qtm_sandbox_spec spec;
	const char *want = expected_limits();
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.memory_mb = 64;
	spec.cpus = 1;
	spec.pids_max = 64;
	o = run_spec(&spec);
	note("limits: %s (%s)\n", o->res.limits, o->res.limits_detail);
	assert_int_equal(o->rc, 0);
	assert_false(has_prefix_line(o->out, "allocated"));
	assert_true(o->res.exit_code != 0);
	assert_string_not_equal(o->res.limits, "none");
	if (want != NULL)
		assert_string_equal(o->res.limits, want);
	if (strcmp(o->res.limits, "cgroup v1") == 0) {
		assert_non_null(strstr(o->res.limits_detail, "memory.limit_in_bytes=67108864"));
		assert_non_null(strstr(o->res.limits_detail, "cpu.cfs_quota_us=100000"));
		assert_non_null(strstr(o->res.limits_detail, "pids.max=64"));
	} else if (strcmp(o->res.limits, "rlimit") == 0) {
		assert_non_null(strstr(o->res.limits_detail, "RLIMIT_AS=67108864"));
	}
	outcome_free(o);
}

static void
test_pids_limit(void **state)
{
	char *argv[] = { PYTHON, "-c", "import os, time\n"
		"n = 0\n"
		"for i in range(64):\n"
		"  try:\n    pid = os.fork()\n"
		"  except OSError as e:\n    print('fork-failed', e.errno); break\n"
		"  if pid == 0:\n    time.sleep(5); os._exit(0)\n"
		"  n += 1\n"
		"print('forked', n)\n", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.pids_max = 16;
	o = run_spec(&spec);
	note("limits: %s (%s)\n", o->res.limits, o->res.limits_detail);
	assert_int_equal(o->rc, 0);
	if (geteuid() == 0 && strcmp(o->res.limits, "rlimit") == 0) {
		note("RLIMIT_NPROC does not bind root\n");
		outcome_free(o);
		skip();
	}
	assert_true(has_prefix_line(o->out, "fork-failed"));
	assert_false(has_line(o->out, "forked 64"));
	outcome_free(o);
}

static void
test_cpu_limit_detail(void **state)
{
	char *argv[] = { "true", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	require_sandbox();
	init_spec(&spec, argv);
	spec.cpus = 2;
	spec.time_limit_s = 60;
	o = run_spec(&spec);
	assert_ran_ok(o);
	note("limits: %s (%s)\n", o->res.limits, o->res.limits_detail);
	assert_non_null(o->res.limits_detail);
	if (strcmp(o->res.limits, "cgroup v1") == 0)
		assert_non_null(strstr(o->res.limits_detail, "cpu.cfs_quota_us=200000"));
	else if (strcmp(o->res.limits, "cgroup v2") == 0)
		assert_non_null(strstr(o->res.limits_detail, "cpu.max=200000 100000"));
	else
		assert_non_null(strstr(o->res.limits_detail, "RLIMIT_CPU="));
	outcome_free(o);
}

static void
test_numpy(void **state)
{
	struct outcome *o;

	require_sandbox();
	if (access("/usr/lib/python3/dist-packages/numpy", F_OK) != 0)
		skip();
	o = run_py("import numpy; a = numpy.ones((64, 64)); print(int((a @ a).sum()))", NULL, 0);
	assert_ran_ok(o);
	assert_string_equal(o->out[0], "262144");
	outcome_free(o);
}

/* Probes once, so that a machine without namespaces skips instead of failing every test. */
static int
probe(void **state)
{
	char *argv[] = { "true", NULL };
	struct qtm_sandbox_spec spec;
	struct outcome *o;

	init_spec(&spec, argv);
	o = run_spec(&spec);
	sandbox_works = o->rc == 0 || strstr(o->errmsg, "cannot create namespaces") == NULL;
	snprintf(sandbox_problem, sizeof sandbox_problem, "%s", o->errmsg);
	outcome_free(o);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_runs),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_binds),
		cmocka_unit_test(test_cwd_env),
		cmocka_unit_test(test_root_readonly),
		cmocka_unit_test(test_host_hidden),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_loopback_network),
		cmocka_unit_test(test_pid_namespace),
		cmocka_unit_test(test_self_kill),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_kills_tree),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_missing_bind_source),
		cmocka_unit_test(test_bad_cwd),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_pids_limit),
		cmocka_unit_test(test_cpu_limit_detail),
		cmocka_unit_test(test_numpy),
	};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tap") == 0) {
			cmocka_set_message_output(CM_OUTPUT_TAP);
			tap = true;
		} else if (strcmp(argv[i], "--require-unprivileged") == 0) {
			/* The integration script runs us as nobody: make sure it really did. */
			if (geteuid() == 0) {
				fprintf(stderr, "test-sandbox: --require-unprivileged but running as root\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: test-sandbox [--tap] [--require-unprivileged]\n");
			return 2;
		}
	}
	if (access(PYTHON, X_OK) != 0) {
		printf("1..0 # SKIP %s missing\n", PYTHON);
		return 0;
	}
	return cmocka_run_group_tests_name(geteuid() == 0 ? "sandbox (root)" : "sandbox (user)",
	    tests, probe, NULL);
}
