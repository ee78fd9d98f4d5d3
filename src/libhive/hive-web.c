/* hive-web.c - the hive's web pages, read once from data/hive and served from memory. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hive-web.h"
#include "xalloc.h"

#define HTML "text/html; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
#define CSS "text/css; charset=utf-8"

struct asset {
	const char *url, *file, *type;
	char *data;  /* owned by the table, for the life of the process; NULL if unreadable */
	size_t len;
};

static struct asset assets[] = {
	{ "/", "dashboard.html", HTML, NULL, 0 },
	{ "/docs", "docs.html", HTML, NULL, 0 },
	{ "/openapi.json", "openapi.json", "application/json", NULL, 0 },
	{ "/assets/dashboard.js", "dashboard.js", JS, NULL, 0 },
	{ "/assets/chart.js", "chart.js", JS, NULL, 0 },
	{ "/assets/dashboard.css", "dashboard.css", CSS, NULL, 0 },
	{ "/assets/docs.js", "docs.js", JS, NULL, 0 },
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *web_dir;

/* QTM_HIVE_WEB_DIR, else the installed pages, else the source tree's (a build tree). */
static const char *
find_dir(void)
{
	const char *env = getenv("QTM_HIVE_WEB_DIR");
	struct stat st;

	if (env != NULL && *env != '\0')
		return env;
	if (stat(QTM_PKGDATADIR "/hive/dashboard.html", &st) == 0)
		return QTM_PKGDATADIR "/hive";
	return QTM_BUILDTREE_HIVE_WEB;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 16384);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void
load(void)
{
	web_dir = find_dir();
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
		char *path = xasprintf("%s/%s", web_dir, assets[i].file);

		assets[i].data = slurp(path, &assets[i].len);
		free(path);
	}
}

const char *
qtm_hive_web_dir(void)
{
	pthread_once(&load_once, load);
	return web_dir;
}

int
qtm_hive_web_asset(const char *url_path, const void **data, size_t *len,
    const char **content_type)
{
	pthread_once(&load_once, load);
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
		if (strcmp(url_path, assets[i].url) != 0)
			continue;
		if (assets[i].data == NULL)
			return -EIO;
		*data = assets[i].data;
		*len = assets[i].len;
		*content_type = assets[i].type;
		return 0;
	}
	return -ENOENT;
}
