/* hive-slurm-cmd.c - Slurm's commands run beside the event loop: a client facing a controller
 * that is down retries for seconds (sinfo: 9 s, a missing slurm.conf: 60 s), which the daemon
 * must never wait for.  The output is read through non-blocking pipes and the child reaped
 * with WNOHANG. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "hive-slurm-internal.h"
#include "i18n.h"
#include "xalloc.h"

/* A Slurm command's output is a few lines; more is cut (the command is not stopped). */
#define OUT_MAX (1u << 20)

struct hslurm_cmd *
hslurm_cmd_start(struct qtm_ctx *ctx, char *const argv[], double timeout_s, double now)
{
	int po[2], pe[2];
	struct hslurm_cmd *c;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return qtm_error(ctx, -errno, _("slurm executor: cannot run %s: %s"), argv[0], strerror(errno)), NULL;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int e = errno;

		close(po[0]);
		close(po[1]);
		return qtm_error(ctx, -e, _("slurm executor: cannot run %s: %s"), argv[0], strerror(e)), NULL;
	}
	if ((pid = fork()) < 0) {
		int e = errno;

		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return qtm_error(ctx, -e, _("slurm executor: cannot run %s: %s"), argv[0], strerror(e)), NULL;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		/* Its own process group: a timeout kills whatever it started too. */
		setpgid(0, 0);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	c = xcalloc(1, sizeof *c);
	c->pid = pid;
	c->fd_out = po[0];
	c->fd_err = pe[0];
	c->out = xstrdup("");
	c->err = xstrdup("");
	c->deadline = now + timeout_s;
	return c;
}

static void
drain(int *fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n;

	while (*fd >= 0) {
		n = read(*fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		if (*len + (size_t)n > OUT_MAX)
			continue;
		*buf = xrealloc(*buf, *len + (size_t)n + 1);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

bool
hslurm_cmd_poll(struct hslurm_cmd *c, double now)
{
	int st;

	drain(&c->fd_out, &c->out, &c->out_len);
	drain(&c->fd_err, &c->err, &c->err_len);
	if (!c->exited && now >= c->deadline && !c->timed_out) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		c->timed_out = true;
	}
	if (!c->exited && waitpid(c->pid, &st, WNOHANG) == c->pid) {
		c->exited = true;
		c->status = c->timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	/* Something it started may hold the pipes open: they end with the command. */
	if (c->exited && (c->fd_out >= 0 || c->fd_err >= 0)) {
		drain(&c->fd_out, &c->out, &c->out_len);
		drain(&c->fd_err, &c->err, &c->err_len);
		if (c->fd_out >= 0)
			close(c->fd_out);
		if (c->fd_err >= 0)
			close(c->fd_err);
		c->fd_out = c->fd_err = -1;
	}
	return c->exited;
}

void
hslurm_cmd_free(struct hslurm_cmd *c)
{
	if (c == NULL)
		return;
	if (!c->exited) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (c->fd_out >= 0)
		close(c->fd_out);
	if (c->fd_err >= 0)
		close(c->fd_err);
	free(c->out);
	free(c->err);
	free(c->ids);
	free(c);
}

/* The last non-empty line of text, trimmed; NULL when there is none. */
static char *
last_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == text)
		return NULL;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	return xstrndup(start, (size_t)(end - start));
}

char *
hslurm_cmd_message(const struct hslurm_cmd *c, const char *name)
{
	char *line = last_line(c->err), *msg;
	const char *p;

	if (c->timed_out)
		return xasprintf(_("%s did not answer in time"), name);
	if (line == NULL)
		line = last_line(c->out);
	if (line == NULL)
		return xasprintf(_("%s exited with status %d"), name, c->status);
	/* "sbatch: error: Batch job submission failed: X" -> "Batch job submission failed: X" */
	p = line;
	if (strncmp(p, name, strlen(name)) == 0 && p[strlen(name)] == ':')
		p += strlen(name) + 1;
	while (*p == ' ')
		p++;
	if (strncmp(p, "error: ", 7) == 0)
		p += 7;
	msg = xstrdup(p);
	free(line);
	return msg;
}
