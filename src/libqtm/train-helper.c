/* train-helper.c - locating and hashing the shared training helper. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "train-helper.h"
#include "xalloc.h"

#define HELPER_FILE "qtm_train.py"

const char *
qtm_helper_dir(void)
{
	if (access(QTM_PKGDATADIR "/python/" HELPER_FILE, R_OK) == 0)
		return QTM_PKGDATADIR "/python";
	if (access(QTM_SRCTREE_HELPER "/" HELPER_FILE, R_OK) == 0)
		return QTM_SRCTREE_HELPER;
	return NULL;
}

const char *
qtm_helper_sha256(void)
{
	static char hex[QTM_SHA256_HEX];
	static int done;
	const char *dir;

	if (!done && (dir = qtm_helper_dir()) != NULL) {
		char *path = xasprintf("%s/" HELPER_FILE, dir), *buf = NULL;
		FILE *f = fopen(path, "rbe");
		size_t len = 0, cap = 0, n;
		char chunk[8192];

		while (f != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
			xbuf_append(&buf, &len, &cap, chunk, n);
		if (f != NULL && !ferror(f))
			qtm_sha256_buf(buf != NULL ? buf : "", len, hex);
		if (f != NULL)
			fclose(f);
		free(buf);
		free(path);
	}
	done = 1;
	return hex;
}
