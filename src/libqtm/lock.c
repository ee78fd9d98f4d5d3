/* lock.c - the writer lock (F_OFD_SETLK on state_dir/lock, or a repository's lock for its
 * publishers, holder's pid written inside). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "lock.h"
#include "paths.h"
#include "xalloc.h"

struct qtm_lock {
	int fd;
};

static int
try_lock(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* "process 123 (qtm install gis-lidar)" from the pid in the lock file and /proc. */
static void
describe_holder(int fd, char *buf, size_t len)
{
	char pidbuf[32] = "", cmd[256] = "", path[64];
	ssize_t n = pread(fd, pidbuf, sizeof pidbuf - 1, 0);
	long pid = n > 0 ? strtol(pidbuf, NULL, 10) : 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	if (pid > 0 && (f = fopen(path, "re")) != NULL) {
		size_t got = fread(cmd, 1, sizeof cmd - 1, f);

		for (size_t i = 0; i + 1 < got; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[got] = '\0';
		fclose(f);
	}
	if (pid > 0)
		snprintf(buf, len, _("process %ld (%s)"), pid, cmd[0] != '\0' ? cmd : "?");
	else
		snprintf(buf, len, _("another process"));
}

int
qtm_lock_acquire_file(struct qtm_ctx *ctx, const char *path, struct qtm_lock **out)
{
	char holder[320], pid[32];
	struct timespec now;
	double deadline;
	int fd, rc;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot open the lock %s: %s"), path, strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (double)now.tv_sec + (double)now.tv_nsec / 1e9 + (ctx->wait_s > 0 ? ctx->wait_s : 0);
	while (try_lock(fd) < 0) {
		if (errno != EAGAIN && errno != EACCES) {
			rc = qtm_error(ctx, -errno, _("cannot lock %s: %s"), path, strerror(errno));
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ctx->wait_s == 0 || (ctx->wait_s > 0 && (double)now.tv_sec + (double)now.tv_nsec / 1e9 >= deadline)) {
			describe_holder(fd, holder, sizeof holder);
			rc = qtm_error(ctx, -EBUSY, _("%s holds the lock %s: wait for it, or run with --wait[=SECONDS]"),
			    holder, path);
			goto fail;
		}
		usleep(100000);
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		qtm_warn(ctx, _("cannot record the pid in %s: %s"), path, strerror(errno));
	*out = xcalloc(1, sizeof **out);
	(*out)->fd = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

int
qtm_lock_acquire(struct qtm_ctx *ctx, struct qtm_lock **out)
{
	char *path = qtm_state_path(ctx, "lock");
	int rc = qtm_mkdir_p(ctx, ctx->state_dir, 0755);

	if (rc == 0)
		rc = qtm_lock_acquire_file(ctx, path, out);
	free(path);
	return rc;
}

void
qtm_lock_release(struct qtm_lock *lock)
{
	if (lock == NULL)
		return;
	if (ftruncate(lock->fd, 0) < 0) {
		/* Harmless: the pid is only a hint, the lock itself goes with close(). */
	}
	close(lock->fd);
	free(lock);
}
