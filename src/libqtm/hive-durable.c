/* hive-durable.c - the once-a-second sync of the hive's files and the check after an unclean
 * stop (see hive-durable.h for why). */
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

struct qtm_hive_flusher {
	int dirfd;
	atomic_bool dirty, stopping;
	pthread_t thread;
	bool started;
};

static void *
flush_loop(void *arg)
{
	struct qtm_hive_flusher *f = arg;

	while (!atomic_load(&f->stopping)) {
		struct timespec second = { 1, 0 };

		nanosleep(&second, NULL);
		if (atomic_exchange(&f->dirty, false))
			syncfs(f->dirfd);
	}
	return NULL;
}

struct qtm_hive_flusher *
qtm_hive_flusher_start(const char *dir)
{
	struct qtm_hive_flusher *f = xcalloc(1, sizeof *f);

	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->started = f->dirfd >= 0 && pthread_create(&f->thread, NULL, flush_loop, f) == 0;
	return f;
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
	atomic_store(&f->stopping, true);
	if (f->started)
		pthread_join(f->thread, NULL);
	if (f->dirfd >= 0) {
		syncfs(f->dirfd);
		close(f->dirfd);
	}
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
