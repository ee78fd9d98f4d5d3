/* train-jobs.c - the workers of a parallel install (see train-jobs.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "number.h"
#include "progress.h"
#include "train-jobs.h"
#include "train-ranks.h"
#include "xalloc.h"

struct worker {
	pid_t pid;           /* 0: free */
	int fd;              /* read end of its pipe, -1 once closed */
	size_t id, slot;
	int cpus;
	long memory_mb;
	char buf[4096];
	size_t len;
	char *limits, *error;
	double wall_s;
};

struct qtm_train_jobs {
	int jobs;            /* 0: auto */
	int cores;
	long memory_mb;      /* available when the pool opened */
	struct worker *w;
	size_t n;
	struct qtm_progress_board *board;
	struct sigaction old_int, old_term;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

static long
available_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb > 0 ? kb / 1024 : 1024;
}

struct qtm_train_jobs *
qtm_train_jobs_new(struct qtm_ctx *ctx, int jobs)
{
	struct qtm_train_jobs *p = xcalloc(1, sizeof *p);
	struct sigaction sa;

	p->jobs = jobs;
	p->cores = qtm_train_cores();
	p->memory_mb = available_mb();
	p->board = qtm_progress_board_new(ctx);
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &p->old_int);
	sigaction(SIGTERM, &sa, &p->old_term);
	if (jobs == QTM_JOBS_AUTO)
		qtm_verbose(ctx, _("Trainings at once: as %d cores and %ld MiB available fit"), p->cores, p->memory_mb);
	else
		qtm_verbose(ctx, _("Trainings at once: up to %d"), jobs);
	return p;
}

size_t
qtm_train_jobs_running(const struct qtm_train_jobs *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		k += p->w[i].pid != 0;
	return k;
}

bool
qtm_train_jobs_fits(const struct qtm_train_jobs *p, int cpus, long memory_mb)
{
	size_t running = qtm_train_jobs_running(p);
	long used_cpus = 0, used_mb = 0;

	if (running == 0)
		return true;
	if (p->jobs != QTM_JOBS_AUTO)
		return running < (size_t)p->jobs;
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].pid != 0) {
			used_cpus += p->w[i].cpus > 0 ? p->w[i].cpus : 1;
			used_mb += p->w[i].memory_mb > 0 ? p->w[i].memory_mb : 0;
		}
	return used_cpus + (cpus > 0 ? cpus : 1) <= p->cores && used_mb + (memory_mb > 0 ? memory_mb : 0) <= p->memory_mb;
}

/* In the worker: runs fn and reports on fd ("R WALL LIMITS", "E MESSAGE"), never returns. */
static void __attribute__((noreturn))
worker_main(struct qtm_ctx *ctx, int fd, pid_t parent, qtm_train_job_fn fn, void *arg)
{
	char *limits = NULL, *msg;
	double wall_s = 0;
	int rc;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(1);
	ctx->progress_fd = fd;
	rc = fn(ctx, arg, &limits, &wall_s);
	msg = xasprintf("R %.3f %s\n", wall_s, limits != NULL ? limits : "");
	if (write(fd, msg, strlen(msg)) < 0)
		rc = -EPIPE;
	free(msg);
	if (rc < 0) {
		/* One line: the parent reads the message up to the end of the pipe. */
		msg = xasprintf("E %s", qtm_strerror(ctx));
		if (write(fd, msg, strlen(msg)) < 0)
			rc = -EPIPE;
		free(msg);
	}
	free(limits);
	_exit(rc < 0 ? 1 : 0);
}

int
qtm_train_jobs_start(struct qtm_train_jobs *p, struct qtm_ctx *ctx, size_t id, const char *label,
    int cpus, long memory_mb, qtm_train_job_fn fn, void *arg)
{
	struct worker *w = NULL;
	pid_t parent = getpid();
	int fds[2];

	for (size_t i = 0; w == NULL && i < p->n; i++)
		if (p->w[i].pid == 0)
			w = &p->w[i];
	if (w == NULL) {
		p->w = xreallocarray(p->w, p->n + 1, sizeof *p->w);
		w = &p->w[p->n++];
	}
	memset(w, 0, sizeof *w);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return qtm_error(ctx, -errno, _("cannot start a training worker: %s"), strerror(errno));
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		int err = errno;

		w->pid = 0;
		close(fds[0]);
		close(fds[1]);
		return qtm_error(ctx, -err, _("cannot start a training worker: %s"), strerror(err));
	}
	if (w->pid == 0) {
		close(fds[0]);
		worker_main(ctx, fds[1], parent, fn, arg);
	}
	close(fds[1]);
	w->fd = fds[0];
	w->id = id;
	w->cpus = cpus;
	w->memory_mb = memory_mb;
	w->slot = qtm_progress_board_add(p->board, label);
	return 0;
}

/* Handles the complete lines in w's buffer; at the end of the pipe the rest too. */
static void
take_lines(struct qtm_train_jobs *p, struct worker *w, bool eof)
{
	char *start = w->buf, *nl;

	w->buf[w->len] = '\0';
	while ((nl = strchr(start, '\n')) != NULL || (eof && *start != '\0')) {
		if (nl != NULL)
			*nl = '\0';
		if (strncmp(start, "R ", 2) == 0) {
			char *rest = NULL;

			w->wall_s = strtod(start + 2, &rest);
			free(w->limits);
			w->limits = rest != NULL && *rest == ' ' && rest[1] != '\0' ? xstrdup(rest + 1) : NULL;
		} else if (strncmp(start, "E ", 2) == 0) {
			free(w->error);
			w->error = xstrdup(start + 2);
		} else if (*start != '\0') {
			qtm_progress_board_line(p->board, w->slot, start);
		}
		if (nl == NULL) {
			start += strlen(start);
			break;
		}
		start = nl + 1;
	}
	w->len = strlen(start);
	memmove(w->buf, start, w->len);
	/* A line longer than the buffer is cut, not waited for. */
	if (w->len >= sizeof w->buf - 1)
		w->len = 0;
}

static void
kill_all(struct qtm_train_jobs *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].pid != 0)
			kill(p->w[i].pid, SIGKILL);
	for (size_t i = 0; i < p->n; i++) {
		if (p->w[i].pid != 0)
			while (waitpid(p->w[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
		if (p->w[i].fd >= 0 && p->w[i].pid != 0)
			close(p->w[i].fd);
		free(p->w[i].limits);
		free(p->w[i].error);
		p->w[i] = (struct worker){ .fd = -1 };
	}
}

/* w's pipe is closed: reaps it and fills done. */
static void
finish(struct qtm_train_jobs *p, struct qtm_ctx *ctx, struct worker *w, struct qtm_train_job_done *done)
{
	int status = 0;

	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	qtm_progress_board_remove(p->board, w->slot);
	done->id = w->id;
	done->wall_s = w->wall_s;
	done->limits = w->limits;
	done->rc = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		done->rc = qtm_error(ctx, -ECHILD, "%s", w->error != NULL ? w->error : _("the training worker died"));
	free(w->error);
	*w = (struct worker){ .fd = -1 };
}

int
qtm_train_jobs_wait(struct qtm_train_jobs *p, struct qtm_ctx *ctx, struct qtm_train_job_done *done)
{
	memset(done, 0, sizeof *done);
	for (;;) {
		struct pollfd *pfd = xcalloc(p->n + 1, sizeof *pfd);
		size_t k = 0;
		int n;

		for (size_t i = 0; i < p->n; i++)
			if (p->w[i].pid != 0)
				pfd[k++] = (struct pollfd){ .fd = p->w[i].fd, .events = POLLIN };
		n = interrupted ? -1 : poll(pfd, k, 1000);
		if (interrupted) {
			free(pfd);
			qtm_progress_board_clear(p->board);
			kill_all(p);
			return qtm_error(ctx, -EINTR, _("interrupted: every training stopped, nothing more installed"));
		}
		for (size_t j = 0; n > 0 && j < k; j++) {
			struct worker *w = NULL;
			ssize_t got;

			if (pfd[j].revents == 0)
				continue;
			for (size_t i = 0; w == NULL && i < p->n; i++)
				if (p->w[i].pid != 0 && p->w[i].fd == pfd[j].fd)
					w = &p->w[i];
			got = read(w->fd, w->buf + w->len, sizeof w->buf - 1 - w->len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0) {
				w->len += (size_t)got;
				take_lines(p, w, false);
				continue;
			}
			take_lines(p, w, true);
			close(w->fd);
			free(pfd);
			finish(p, ctx, w, done);
			return 0;
		}
		free(pfd);
	}
}

void
qtm_train_jobs_quiet(struct qtm_train_jobs *p)
{
	qtm_progress_board_clear(p->board);
}

bool
qtm_train_jobs_interrupted(const struct qtm_train_jobs *p)
{
	(void)p;
	return interrupted != 0;
}

void
qtm_train_jobs_free(struct qtm_train_jobs *p)
{
	if (p == NULL)
		return;
	kill_all(p);
	free(p->w);
	qtm_progress_board_free(p->board);
	sigaction(SIGINT, &p->old_int, NULL);
	sigaction(SIGTERM, &p->old_term, NULL);
	free(p);
}
