/* fuzz-util.c - the scratch directory, context and file helpers of the fuzz targets (fuzz.h).
 * Any failure of the harness itself aborts: it must not look like a parser's refusal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "fuzz.h"
#include "paths.h"
#include "xalloc.h"

const char *
fuzz_dir(void)
{
	static char *dir;
	const char *tmp = getenv("TMPDIR");

	if (dir == NULL) {
		dir = xasprintf("%s/qtm-fuzz.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	return dir;
}

struct qtm_ctx *
fuzz_ctx(void)
{
	static struct qtm_ctx *ctx;

	if (ctx == NULL) {
		char *root = xasprintf("%s/root", fuzz_dir());

		ctx = qtm_ctx_new(root, NULL);
		ctx->verbosity = QTM_QUIET;
		free(root);
	}
	ctx->err = 0;
	ctx->errmsg[0] = '\0';
	return ctx;
}

char *
fuzz_str(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

char *
fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f;

	if (qtm_mkdir_p(fuzz_ctx(), dir, 0755) < 0 || (f = fopen(path, "wb")) == NULL)
		abort();
	if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return path;
}
