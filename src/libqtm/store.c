/* store.c - atomic placement of package directories and recovery of interrupted runs. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "db.h"
#include "history.h"
#include "i18n.h"
#include "paths.h"
#include "store.h"
#include "xalloc.h"

char *
qtm_store_dir(const struct qtm_ctx *ctx, const char *name, const char *version, const char *tag)
{
	if (tag == NULL)
		return xasprintf("%s/store/%s/%s", ctx->state_dir, name, version);
	return xasprintf("%s/store/%s/%s-%.12s", ctx->state_dir, name, version, tag);
}

static char *
parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrndup(path, slash != NULL ? (size_t)(slash - path) : 0);
}

int
qtm_store_staging(struct qtm_ctx *ctx, const char *name, char **out)
{
	char *base = qtm_state_path(ctx, "store");
	char *dir = xasprintf("%s/.staging-%s-%ld", base, name, (long)getpid());
	int rc = qtm_mkdir_p(ctx, base, 0755);

	if (rc == 0)
		rc = qtm_rm_rf(ctx, dir);
	if (rc == 0 && mkdir(dir, 0755) < 0)
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), dir, strerror(errno));
	free(base);
	if (rc < 0) {
		free(dir);
		return rc;
	}
	*out = dir;
	return 0;
}

int
qtm_store_commit(struct qtm_ctx *ctx, struct qtm_db *db, const char *staging, const char *target)
{
	char *parent = parent_of(target);
	int rc = qtm_mkdir_p(ctx, parent, 0755);

	if (rc == 0)
		rc = qtm_db_pending_add(ctx, db, target);

	/* An existing target (a reinstall of the same build) is swapped atomically, so that a
	 * committed row never points at a missing directory; the old contents end up in staging. */
	if (rc == 0 && renameat2(AT_FDCWD, staging, AT_FDCWD, target, RENAME_EXCHANGE) < 0) {
		if (errno != ENOENT)
			rc = qtm_error(ctx, -errno, _("cannot swap %s into %s: %s"), staging, target, strerror(errno));
		else if (rename(staging, target) < 0)
			rc = qtm_error(ctx, -errno, _("cannot rename %s to %s: %s"), staging, target, strerror(errno));
	}
	if (rc == 0)
		rc = qtm_fsync_dir(ctx, parent);
	qtm_rm_rf(ctx, staging);   /* on success: what the target held before, if anything */
	free(parent);
	return rc;
}

int
qtm_store_remove(struct qtm_ctx *ctx, struct qtm_db *db, const char *path)
{
	char *parent = parent_of(path);
	int rc = qtm_rm_rf(ctx, path);

	rmdir(parent);   /* only succeeds when no other version remains */
	free(parent);
	return rc == 0 ? qtm_db_pending_remove(ctx, db, path) : rc;
}


static bool
claimed(const struct qtm_installed *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].store_path, path) == 0)
			return true;
	return false;
}

static int
recover_package_dir(struct qtm_ctx *ctx, const char *dir, const struct qtm_installed *v, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (!claimed(v, n, path)) {
			qtm_verbose(ctx, _("removing %s, left by an interrupted run"), path);
			rc = qtm_rm_rf(ctx, path);
		}
		free(path);
	}
	closedir(d);
	rmdir(dir);
	return rc;
}

/* Pending paths no row claims are what an interrupted run left behind. */
static int
recover_pending(struct qtm_ctx *ctx, struct qtm_db *db, const struct qtm_installed *v, size_t n)
{
	char **paths;
	int rc = qtm_db_pending_list(ctx, db, &paths);

	for (size_t i = 0; rc == 0 && paths[i] != NULL; i++) {
		if (!claimed(v, n, paths[i])) {
			qtm_verbose(ctx, _("removing %s, left by an interrupted run"), paths[i]);
			rc = qtm_store_remove(ctx, db, paths[i]);
		} else {
			rc = qtm_db_pending_remove(ctx, db, paths[i]);
		}
	}
	strv_free(paths);
	return rc;
}

/* True when the database has recorded at least one transaction: a database without any history
 * next to a populated store was replaced or recreated, and the store must not be judged by it. */
static bool
has_history(struct qtm_ctx *ctx, struct qtm_db *db)
{
	struct qtm_history_tx *v;
	size_t n = 0;

	if (qtm_history_list(ctx, db, &v, &n) < 0)
		return false;
	qtm_history_free(v, n);
	return n > 0;
}

int
qtm_store_recover(struct qtm_ctx *ctx, struct qtm_db *db)
{
	char *store = qtm_state_path(ctx, "store");
	struct qtm_installed *v;
	struct dirent *de;
	bool judge = has_history(ctx, db);
	size_t n;
	DIR *d;
	int rc = qtm_db_list(ctx, db, &v, &n);

	if (rc == 0)
		rc = recover_pending(ctx, db, v, n);
	if (rc < 0 || (d = opendir(store)) == NULL) {
		free(store);
		if (rc == 0)
			qtm_installed_free_all(v, n);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *path;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", store, de->d_name);
		if (strncmp(de->d_name, ".staging-", 9) == 0) {
			qtm_verbose(ctx, _("removing %s, left by an interrupted run"), path);
			rc = qtm_rm_rf(ctx, path);
		} else if (judge) {
			rc = recover_package_dir(ctx, path, v, n);
		} else if (de->d_name[0] != '.') {
			qtm_warn(ctx, _("%s is not in the database, which has no history: left in place "
			    "(was the database replaced?)"), path);
		}
		free(path);
	}
	closedir(d);
	free(store);
	qtm_installed_free_all(v, n);
	return rc;
}
