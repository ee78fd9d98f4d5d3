/* layout.c - where qtm keeps things (layout.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "xalloc.h"

static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')   /* "./demo-root": no "/./" in the paths shown */
		path += 2;
	return xasprintf("%s/%s", cwd, strcmp(path, ".") == 0 ? "" : path);
}

static char *
xdg_dir(const char *env, const char *fallback)
{
	const char *v = getenv(env), *home = getenv("HOME");

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/qtm", v);
	return xasprintf("%s/%s/qtm", home != NULL ? home : "/tmp", fallback);
}

static char *
bundled_repo(void)
{
	const char *env = getenv("QTM_BUNDLED_REPO");
	struct stat st;

	if (env != NULL && *env != '\0')
		return absolute(env);
	if (stat(QTM_PKGDATADIR "/repo/release.json", &st) == 0)
		return xstrdup(QTM_PKGDATADIR "/repo");
	return xstrdup(QTM_BUILDTREE_REPO);
}

void
qtm_layout_resolve(const char *root, struct qtm_layout *out)
{
	memset(out, 0, sizeof *out);
	out->bundled_repo = bundled_repo();
	if (root != NULL) {
		out->root = absolute(root);
		out->conf_dir = xasprintf("%s/etc/qtm", out->root);
		out->state_dir = xasprintf("%s/var/lib/qtm", out->root);
		out->cache_dir = xasprintf("%s/var/cache/qtm", out->root);
	} else if (geteuid() == 0) {
		out->conf_dir = xstrdup("/etc/qtm");
		out->state_dir = xstrdup("/var/lib/qtm");
		out->cache_dir = xstrdup("/var/cache/qtm");
	} else {
		out->conf_dir = xdg_dir("XDG_CONFIG_HOME", ".config");
		out->state_dir = xdg_dir("XDG_DATA_HOME", ".local/share");
		out->cache_dir = xdg_dir("XDG_CACHE_HOME", ".cache");
	}
}
