/* driver.c - replays inputs through a fuzz target without libFuzzer, for `make check` (built
 * with the normal compiler).  With file arguments it runs each; without, it runs every file of
 * $top_srcdir/tests/fuzz/regressions/TARGET and corpus/TARGET and speaks TAP, one test a file.
 * A crash or sanitizer report is the failure; the targets never return non-zero. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "fuzz.h"
#include "paths.h"
#include "xalloc.h"

static int
replay(const char *path)
{
	char *data;
	size_t len;

	if (qtm_read_file(fuzz_ctx(), path, &data, &len) < 0) {
		fprintf(stderr, "%s\n", fuzz_ctx()->errmsg);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of top_srcdir/tests/fuzz/KIND/FUZZ_TARGET, sorted, appended to *v. */
static void
collect(const char *kind, char ***v)
{
	const char *top = getenv("top_srcdir");
	char *dir = xasprintf("%s/tests/fuzz/%s/%s", top != NULL ? top : ".", kind, FUZZ_TARGET);
	size_t first = strv_len(*v);
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			{
			char *path = xasprintf("%s/%s", dir, de->d_name);

			*v = strv_push(*v, path);
			free(path);
		}
	if (d != NULL)
		closedir(d);
	if (strv_len(*v) > first)
		qsort(*v + first, strv_len(*v) - first, sizeof **v, cmp);
	free(dir);
}

int
main(int argc, char **argv)
{
	char **files = xcalloc(1, sizeof *files);
	int failed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			failed |= replay(argv[i]) < 0;
		return failed;
	}
	collect("regressions", &files);
	collect("corpus", &files);
	printf("1..%zu\n", strv_len(files));
	for (size_t i = 0; files[i] != NULL; i++) {
		/* A crash ends the run here: the plan is not met and the test fails, naming the file. */
		printf("# %s\n", files[i]);
		fflush(stdout);
		printf("%s %zu - %s\n", replay(files[i]) == 0 ? "ok" : "not ok", i + 1, strrchr(files[i], '/') + 1);
	}
	strv_free(files);
	return 0;
}
