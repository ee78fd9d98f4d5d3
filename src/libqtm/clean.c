/* clean.c - removing cached downloads and build directories. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clean.h"
#include "ctx.h"
#include "paths.h"
#include "xalloc.h"

static uint64_t
tree_bytes(const char *path)
{
	struct stat st;
	struct dirent *de;
	uint64_t total = 0;
	DIR *d;

	if (lstat(path, &st) < 0)
		return 0;
	/* A file hard-linked elsewhere (a dataset in the store) frees nothing when removed here. */
	if (!S_ISDIR(st.st_mode))
		return st.st_nlink == 1 ? (uint64_t)st.st_size : 0;
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		total += tree_bytes(sub);
		free(sub);
	}
	closedir(d);
	return total;
}

/* run/NAME-PID directories of a qtm run still going are left alone (run takes no lock). */
static int
clean_runs(struct qtm_ctx *ctx, uint64_t *freed)
{
	char *dir = qtm_cache_path(ctx, "run");
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	while (d != NULL && rc == 0 && (de = readdir(d)) != NULL) {
		const char *dash = strrchr(de->d_name, '-');
		long pid = dash != NULL ? strtol(dash + 1, NULL, 10) : 0;
		char *path;

		if (de->d_name[0] == '.' || (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		*freed += tree_bytes(path);
		rc = qtm_rm_rf(ctx, path);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	return rc;
}

int
qtm_clean(struct qtm_ctx *ctx, bool all, uint64_t *freed_bytes)
{
	static const char *const dirs[] = { "datasets", "pool", "build", "artifacts" };
	size_t n = all ? 4 : 3;
	int rc = 0;

	*freed_bytes = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *path = qtm_cache_path(ctx, dirs[i]);

		*freed_bytes += tree_bytes(path);
		rc = qtm_rm_rf(ctx, path);
		free(path);
	}
	return rc == 0 ? clean_runs(ctx, freed_bytes) : rc;
}
