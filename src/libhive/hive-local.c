/* hive-local.c - hive-control's daemon on this machine: state directory, start, stop. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "hive-client.h"
#include "hive-local.h"
#include "i18n.h"
#include "random-token.h"
#include "paths.h"
#include "xalloc.h"

#define DEFAULT_LISTEN "127.0.0.1:9000"

static const char default_conf[] =
	"# hive.conf - qtm-hived's settings (see qtm-hived(8)); made by hive-control init.\n"
	"executor = local\n"
	"min_runners = 1\n"
	"max_runners = 4\n"
	"runner_cpus = 2\n"
	"runner_memory_mb = 4096\n";

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- init --------------------------------------------------------------------------------- */

/* Creates path with data, mode 0600 or 0644, unless it exists. */
static int
create_file(struct qtm_ctx *ctx, const char *path, const char *data, mode_t mode, bool *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t len = strlen(data);

	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot create %s: %s"), path, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno != 0 ? errno : EIO;

		close(fd);
		unlink(path);
		return qtm_error(ctx, -e, _("cannot write %s: %s"), path, strerror(e));
	}
	close(fd);
	*created = true;
	return 0;
}

static int
make_token(struct qtm_ctx *ctx, const char *dir, const char *name, bool *created)
{
	char hex[2 * 32 + 2], *path = xasprintf("%s/%s", dir, name);
	int rc;

	if ((rc = qtm_random_hex(hex, 32)) < 0) {
		rc = qtm_error(ctx, -EIO, _("cannot make %s: no random bytes: %s"), path, strerror(-rc));
		free(path);
		return rc;
	}
	strcat(hex, "\n");
	rc = create_file(ctx, path, hex, 0600, created);
	free(path);
	return rc;
}

int
qtm_hive_local_init(struct qtm_ctx *ctx, const char *state_dir, bool *created)
{
	char *conf = xasprintf("%s/hive.conf", state_dir);
	char *parent = xstrdup(state_dir), *slash = strrchr(parent, '/');
	bool made = access(state_dir, F_OK) < 0;
	int rc = 0;

	/* Parents as qtm makes them; the state directory itself private: it holds the tokens. */
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		rc = qtm_mkdir_p(ctx, parent, 0755);
	}
	free(parent);
	if (rc == 0 && mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		rc = qtm_error(ctx, -errno, _("cannot create directory %s: %s"), state_dir, strerror(errno));
	if (rc == 0 &&
	    (rc = make_token(ctx, state_dir, "operator.token", &made)) == 0 &&
	    (rc = make_token(ctx, state_dir, "runner.token", &made)) == 0)
		rc = create_file(ctx, conf, default_conf, 0644, &made);
	free(conf);
	if (rc < 0)
		return qtm_error_prefix(ctx, _("initialising the hive in %s"), state_dir);
	if (created != NULL)
		*created = made;
	return 0;
}

/* ---- programs ----------------------------------------------------------------------------- */

static char *
executable_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

static char *
search_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d[0] != '\0' ? d : ".", name);

		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

char *
qtm_hive_find_program(struct qtm_ctx *ctx, const char *name)
{
	char *dir = executable_dir(), *p;

	if (dir != NULL) {
		p = xasprintf("%s/%s", dir, name);
		if (access(p, X_OK) == 0)
			goto found;
		free(p);
		/* A build tree: src/hive-control/hive-control next to src/qtm-hived/qtm-hived. */
		p = xasprintf("%s/../%s/%s", dir, name, name);
		if (access(p, X_OK) == 0)
			goto found;
		free(p);
	}
	free(dir);
	if ((p = search_path(name)) == NULL)
		qtm_error(ctx, -ENOENT, _("cannot find %s next to this program or in $PATH"), name);
	return p;
found:
	free(dir);
	return p;
}

/* ---- the daemon's process ----------------------------------------------------------------- */

/* True when pid is alive (not a zombie) and runs qtm-hived. */
static bool
is_hived(pid_t pid)
{
	char path[64], buf[4096], state = '?';
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	if (rp != NULL && rp[1] == ' ')
		state = rp[2];
	if (state == 'Z' || state == 'X' || state == '?')
		return false;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';   /* argv[0] is the first NUL-terminated string */
	return strstr(buf, "qtm-hived") != NULL;
}

pid_t
qtm_hive_local_pid(const char *state_dir)
{
	char *path = xasprintf("%s/hived.pid", state_dir);
	FILE *f = fopen(path, "re");
	long pid = 0;

	free(path);
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && is_hived((pid_t)pid) ? (pid_t)pid : 0;
}

char *
qtm_hive_local_listen(const char *state_dir)
{
	char *path = xasprintf("%s/url", state_dir), line[512], *r = NULL;
	FILE *f = fopen(path, "re");

	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) != NULL && strncmp(line, "http://", 7) == 0) {
		char *hp = line + 7;

		hp[strcspn(hp, "/\r\n \t")] = '\0';
		if (*hp != '\0')
			r = xstrdup(hp);
	}
	fclose(f);
	return r;
}

static char *
read_url(const char *state_dir)
{
	char *path = xasprintf("%s/url", state_dir), line[512], *r = NULL;
	FILE *f = fopen(path, "re");

	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n \t")] = '\0';
		if (line[0] != '\0')
			r = xstrdup(line);
	}
	fclose(f);
	return r;
}

/* The last lines of hived.log into buf, for an error message. */
static const char *
log_tail(const char *state_dir, char *buf, size_t size)
{
	char *path = xasprintf("%s/hived.log", state_dir);
	FILE *f = fopen(path, "re");
	size_t n = 0;

	free(path);
	if (f == NULL)
		return _("(no hived.log)");
	if (fseek(f, -(long)(size - 1), SEEK_END) < 0)
		rewind(f);
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n > 0 ? buf : _("(hived.log is empty)");
}

static pid_t
spawn_hived(struct qtm_ctx *ctx, const char *prog, const char *state_dir, const char *listen,
    const char *executor)
{
	char *logp = xasprintf("%s/hived.log", state_dir);
	int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	pid_t pid;

	if (fd < 0) {
		qtm_error(ctx, -errno, _("cannot open %s: %s"), logp, strerror(errno));
		free(logp);
		return -1;
	}
	free(logp);
	if ((pid = fork()) < 0) {
		qtm_error(ctx, -errno, _("cannot start %s: %s"), prog, strerror(errno));
	} else if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* Its own session: the daemon outlives this command and its terminal. */
		setsid();
		dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* Nothing else of ours: a pipe held open would keep our caller waiting for EOF. */
		close_range(3, ~0U, 0);
		if (executor != NULL)
			execl(prog, prog, "--state", state_dir, "--listen", listen, "--executor", executor, (char *)NULL);
		else
			execl(prog, prog, "--state", state_dir, "--listen", listen, (char *)NULL);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid;
}

/* Polls until the url file appears and /health answers, the child dies, or time runs out. */
static int
wait_healthy(struct qtm_ctx *ctx, const char *state_dir, pid_t pid, int timeout_s, char **url)
{
	double deadline = qtm_mono_s() + timeout_s;
	char tail[1024];
	int status;

	while (qtm_mono_s() < deadline) {
		char *u = read_url(state_dir);

		if (u != NULL) {
			struct qtm_hive_client *c;
			long http = 0;

			if (qtm_hive_client_new(ctx, u, NULL, &c) == 0) {
				int rc = qtm_hive_request(ctx, c, "GET", "/health", NULL, &http, NULL);

				qtm_hive_client_free(c);
				if (rc == 0 && http == 200) {
					*url = u;
					return 0;
				}
			}
			free(u);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return qtm_error(ctx, -ECHILD, _("qtm-hived exited at once (%s %d); the end of %s/hived.log:\n%s"),
			    WIFEXITED(status) ? _("status") : _("signal"),
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), state_dir, log_tail(state_dir, tail, sizeof tail));
		sleep_ms(100);
	}
	return qtm_error(ctx, -ETIMEDOUT, _("qtm-hived (pid %ld) did not answer GET /health within %d s; the end of %s/hived.log:\n%s"),
	    (long)pid, timeout_s, state_dir, log_tail(state_dir, tail, sizeof tail));
}

int
qtm_hive_local_start(struct qtm_ctx *ctx, const char *state_dir, const struct qtm_hive_start_opts *o,
    char **url, pid_t *pid, bool *already)
{
	char *prog = NULL, *listen = NULL, *urlp;
	int rc;

	*url = NULL;
	*already = false;
	if ((*pid = qtm_hive_local_pid(state_dir)) > 0 && (*url = read_url(state_dir)) != NULL) {
		*already = true;
		return 0;
	}
	if ((rc = qtm_hive_local_init(ctx, state_dir, NULL)) < 0)
		return rc;
	if ((prog = qtm_hive_find_program(ctx, "qtm-hived")) == NULL)
		return ctx->err;
	listen = o->listen != NULL ? xstrdup(o->listen) : qtm_hive_local_listen(state_dir);
	if (listen == NULL)
		listen = xstrdup(DEFAULT_LISTEN);
	/* A stale url file must not pass for the new daemon's. */
	urlp = xasprintf("%s/url", state_dir);
	unlink(urlp);
	free(urlp);
	if ((*pid = spawn_hived(ctx, prog, state_dir, listen, o->executor)) < 0)
		rc = ctx->err;
	else
		rc = wait_healthy(ctx, state_dir, *pid, o->timeout_s > 0 ? o->timeout_s : 10, url);
	free(prog);
	free(listen);
	return rc;
}

int
qtm_hive_local_stop(struct qtm_ctx *ctx, const char *state_dir, int timeout_s, bool now, pid_t *was)
{
	pid_t pid = qtm_hive_local_pid(state_dir);
	double deadline = qtm_mono_s() + (timeout_s > 0 ? timeout_s : 30);
	char tail[1024];

	if (was != NULL)
		*was = pid;
	if (pid == 0)
		return 0;
	if (kill(pid, now ? SIGQUIT : SIGTERM) < 0 && errno != ESRCH)
		return qtm_error(ctx, -errno, _("cannot stop qtm-hived (pid %ld): %s"), (long)pid, strerror(errno));
	while (is_hived(pid)) {
		if (qtm_mono_s() >= deadline)
			return qtm_error(ctx, -ETIMEDOUT, _("qtm-hived (pid %ld) is still running %d s after %s; the end of %s/hived.log:\n%s"),
			    (long)pid, timeout_s, now ? "SIGQUIT" : "SIGTERM", state_dir, log_tail(state_dir, tail, sizeof tail));
		waitpid(pid, NULL, WNOHANG);   /* our own child when started by this process */
		sleep_ms(50);
	}
	return 0;
}
