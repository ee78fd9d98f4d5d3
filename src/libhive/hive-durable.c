/* hive-durable.c - the once-a-second sync of the hive's files, the spare files made ahead for
 * artifacts, and the check after an unclean stop (see hive-durable.h for why). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ctx.h"
#include "hash.h"
#include "hive-db-internal.h"
#include "hive-db.h"
#include "hive-durable.h"
#include "i18n.h"
#include "xalloc.h"

#define SPARES 64    /* unnamed files made ahead: enough for a burst of completions */

struct qtm_hive_flusher {
	int dirfd;
	atomic_bool dirty, stopping;
	pthread_t thread;
	bool started, no_spares;
	/* Spare files (open fds of unnamed O_TMPFILE files in dir): made by the thread, taken by
	 * the event loop, under lock.  Unnamed, they vanish with the process if it is killed. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int spare[SPARES];
	size_t n_spare;
};

/* Up to SPARES spares; false when one could not be made (O_TMPFILE unsupported: no more tries). */
static bool
refill(struct qtm_hive_flusher *f)
{
	for (;;) {
		bool full;
		int fd;

		pthread_mutex_lock(&f->lock);
		full = f->n_spare == SPARES;
		pthread_mutex_unlock(&f->lock);
		if (full || atomic_load(&f->stopping))
			return true;
		if ((fd = openat(f->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
			f->no_spares = errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL;
			return false;
		}
		pthread_mutex_lock(&f->lock);
		f->spare[f->n_spare++] = fd;
		pthread_mutex_unlock(&f->lock);
	}
}

static void *
flush_loop(void *arg)
{
	struct qtm_hive_flusher *f = arg;
	struct timespec next;

	clock_gettime(CLOCK_REALTIME, &next);
	while (!atomic_load(&f->stopping)) {
		struct timespec now;
		bool failed = f->no_spares || !refill(f);

		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
			next = now;
			next.tv_sec++;
			if (atomic_exchange(&f->dirty, false))
				syncfs(f->dirfd);
		}
		/* Until the next second's sync, or until a spare is taken (at once when one was taken
		 * meanwhile, unless making them fails). */
		pthread_mutex_lock(&f->lock);
		if (!atomic_load(&f->stopping) && (failed || f->n_spare == SPARES))
			pthread_cond_timedwait(&f->wake, &f->lock, &next);
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

/* Whether an unnamed file can be linked into dir here (O_TMPFILE, and /proc for the link). */
static bool
spares_work(const char *dir, int dirfd)
{
	char *probe = xasprintf("%s/.spare-probe-%ld", dir, (long)getpid());
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && qtm_hive_spare_place(fd, probe) == 0;

	if (ok)
		unlink(probe);
	if (fd >= 0)
		close(fd);
	free(probe);
	return ok;
}

struct qtm_hive_flusher *
qtm_hive_flusher_start(const char *dir)
{
	struct qtm_hive_flusher *f = xcalloc(1, sizeof *f);

	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->no_spares = f->dirfd < 0 || !spares_work(dir, f->dirfd);
	f->started = f->dirfd >= 0 && pthread_create(&f->thread, NULL, flush_loop, f) == 0;
	return f;
}

int
qtm_hive_spare_take(struct qtm_hive_flusher *f)
{
	int fd = -1;

	if (f == NULL || !f->started)
		return -1;
	pthread_mutex_lock(&f->lock);
	if (f->n_spare > 0)
		fd = f->spare[--f->n_spare];
	if (f->n_spare <= SPARES / 2)   /* refilled in batches: fewer wake-ups */
		pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	return fd;
}

/* The link itself: by the descriptor (Linux 6.10 lets its opener do that, root could always),
 * else through /proc, which costs a lookup of the magic link. */
static int
link_fd(int fd, const char *path)
{
	char proc[64];

	if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != EPERM && errno != ENOENT && errno != EINVAL)
		return -errno;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

int
qtm_hive_spare_place(int fd, const char *path)
{
	int rc = link_fd(fd, path);

	/* A file of that name without a row (its upload's commit never came) is replaced, as a
	 * rename would. */
	if (rc == -EEXIST)
		rc = unlink(path) < 0 ? -errno : link_fd(fd, path);
	return rc;
}

void
qtm_hive_flusher_dirty(struct qtm_hive_flusher *f)
{
	if (f != NULL)
		atomic_store(&f->dirty, true);
}

void
qtm_hive_flusher_stop(struct qtm_hive_flusher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->stopping, true);
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	if (f->started)
		pthread_join(f->thread, NULL);
	for (size_t i = 0; i < f->n_spare; i++)
		close(f->spare[i]);
	if (f->dirfd >= 0) {
		syncfs(f->dirfd);
		close(f->dirfd);
	}
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->wake);
	free(f);
}

bool
qtm_hive_clean_stop_take(const char *state_dir)
{
	char *path = xasprintf("%s/clean", state_dir);
	bool clean = unlink(path) == 0;

	free(path);
	return clean;
}

void
qtm_hive_clean_stop_mark(const char *state_dir)
{
	char *path = xasprintf("%s/clean", state_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(path);
}

/* Drops one artifact's row and file and requeues the jobs that completed with it. */
static int
drop(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *dir, const char *build_id)
{
	char *path = xasprintf("%s/%s.tar.zst", dir, build_id);
	char *sql = sqlite3_mprintf("BEGIN IMMEDIATE; DELETE FROM artifacts WHERE build_id = %Q;"
	    " UPDATE jobs SET state = %d, runner = NULL, lease = NULL, artifact_sha256 = NULL,"
	    " artifact_size = NULL, finished_at = NULL, attempts = 0, pending_since = submitted_at"
	    " WHERE build_id = %Q AND state = %d; COMMIT;",
	    build_id, QTM_HIVE_PENDING, build_id, QTM_HIVE_COMPLETED);
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : hdb_sql_error(ctx, db, "verify");

	if (rc < 0)
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	unlink(path);
	sqlite3_free(sql);
	free(path);
	return rc;
}

int
qtm_hive_artifacts_verify(struct qtm_ctx *ctx, struct qtm_hive_db *db, const char *dir, int *dropped)
{
	sqlite3_stmt *st;
	char **bad = NULL;
	int rc = 0;

	*dropped = 0;
	if (sqlite3_prepare_v2(db->sql, "SELECT build_id, sha256 FROM artifacts", -1, &st, NULL) != SQLITE_OK)
		return hdb_sql_error(ctx, db, "verify");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0), *want = (const char *)sqlite3_column_text(st, 1);
		char *path = xasprintf("%s/%s.tar.zst", dir, id), got[QTM_SHA256_HEX];

		if (qtm_sha256_file(ctx, path, got, NULL) < 0 || strcmp(got, want) != 0)
			bad = strv_push(bad, id);
		free(path);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == 0 && bad != NULL && bad[i] != NULL; i++) {
		qtm_warn(ctx, _("the artifact of build %s did not survive the unclean stop: its job goes back to the queue"),
		    bad[i]);
		if ((rc = drop(ctx, db, dir, bad[i])) == 0)
			(*dropped)++;
	}
	strv_free(bad);
	return rc;
}
