/* bench-sandbox.c - start-up cost of the training sandbox against bubblewrap.
 *
 *   bench-sandbox [RUNS] [BWRAP]
 *
 * Runs /bin/true RUNS times (default 20) each way, interleaved so that a change in machine load
 * hits every variant alike:
 *   qtm        qtm_sandbox_run with no binds and no limits (a minimal training)
 *   qtm+cgroup qtm_sandbox_run with cpus=1, memory_mb=512, pids_max=64
 *   bwrap      fork/exec of bwrap --unshare-all --ro-bind /usr /usr --symlink usr/bin /bin
 *              --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev
 *              --tmpfs /tmp /bin/true, then wait
 * and prints the median (and min, max) wall time of each, as seen by the caller, and the ratio to
 * bwrap.  Two warm-up rounds are not counted.  Built and run by bench-sandbox.sh. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "sandbox.h"

#define WARMUP 2

enum { V_QTM, V_QTM_CG, V_BWRAP, N_VARIANTS };

static const char *const variant_names[N_VARIANTS] = {
	"qtm sandbox (no limits)", "qtm sandbox (cpus=1 memory_mb=512 pids_max=64)", "bwrap",
};

static char *const true_argv[] = { "/bin/true", NULL };
static char *const env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LC_ALL=C.UTF-8",
	NULL };
static const char *limits_used = "none";
static char limits_detail[256];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
run_qtm(struct qtm_ctx *ctx, bool limits)
{
	struct qtm_sandbox_spec spec = { .argv = true_argv, .envp = env, .cwd = "/" };
	struct qtm_sandbox_result res;
	double t = now_s();
	int rc;

	if (limits) {
		spec.cpus = 1;
		spec.memory_mb = 512;
		spec.pids_max = 64;
	}
	rc = qtm_sandbox_run(ctx, &spec, &res);
	t = now_s() - t;
	if (rc < 0 || res.exit_code != 0) {
		fprintf(stderr, "bench-sandbox: qtm sandbox failed: %s (exit %d)\n",
		    rc < 0 ? qtm_strerror(ctx) : "command failed", res.exit_code);
		exit(77);
	}
	if (limits) {
		limits_used = res.limits;
		snprintf(limits_detail, sizeof limits_detail, "%s", res.limits_detail ? res.limits_detail : "");
	}
	qtm_sandbox_result_free(&res);
	return t;
}

static double
run_bwrap(const char *bwrap)
{
	char *const argv[] = { (char *)bwrap, "--unshare-all", "--ro-bind", "/usr", "/usr",
		"--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
		"--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
		"--tmpfs", "/tmp", "/bin/true", NULL };
	double t = now_s();
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("bench-sandbox: fork");
		exit(1);
	}
	if (pid == 0) {
		execve(bwrap, argv, env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	t = now_s() - t;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-sandbox: %s failed (status %d)\n", bwrap, status);
		exit(77);
	}
	return t;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	const char *bwrap = argc > 2 ? argv[2] : "/usr/bin/bwrap";
	struct qtm_ctx *ctx = qtm_ctx_new(NULL, NULL);
	double *t[N_VARIANTS], med[N_VARIANTS];

	if (runs < 1) {
		fprintf(stderr, "usage: bench-sandbox [RUNS] [BWRAP]\n");
		return 2;
	}
	for (int v = 0; v < N_VARIANTS; v++)
		t[v] = calloc((size_t)runs, sizeof *t[v]);
	for (int i = -WARMUP; i < runs; i++) {
		/* Rotate the order too, so that no variant always follows the same one. */
		for (int k = 0; k < N_VARIANTS; k++) {
			int v = (k + (i < 0 ? 0 : i)) % N_VARIANTS;
			double s = v == V_BWRAP ? run_bwrap(bwrap) : run_qtm(ctx, v == V_QTM_CG);

			if (i >= 0)
				t[v][i] = s;
		}
	}
	printf("%-48s %10s %10s %10s %8s\n", "variant (/bin/true, wall per run)", "median ms", "min ms",
	    "max ms", "/bwrap");
	for (int v = 0; v < N_VARIANTS; v++) {
		med[v] = median(t[v], runs);
	}
	for (int v = 0; v < N_VARIANTS; v++)
		printf("%-48s %10.2f %10.2f %10.2f %8.2f\n", variant_names[v], med[v] * 1e3,
		    t[v][0] * 1e3, t[v][runs - 1] * 1e3, med[v] / med[V_BWRAP]);
	printf("runs: %d each, interleaved; limits used by the cgroup row: %s (%s)\n", runs, limits_used,
	    limits_detail);
	for (int v = 0; v < N_VARIANTS; v++)
		free(t[v]);
	qtm_ctx_free(ctx);
	return 0;
}
