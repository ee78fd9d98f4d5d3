/* fuzz-archive.c - libFuzzer target: qtm_archive_unpack() on arbitrary bytes (a source
 * archive, a pre-trained artifact or a hive artifact).
 *
 * Each input is written to a file and unpacked into a fresh directory, which is then removed
 * (both in the scratch directory, fuzz.h).  Crashes, sanitizer reports and anything escaping the
 * destination directory are bugs; refusals are the expected outcome for most inputs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "archive.h"
#include "ctx.h"
#include "fuzz.h"
#include "paths.h"
#include "xalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qtm_ctx *ctx = fuzz_ctx();
	char *file = fuzz_write(fuzz_dir(), "archive", data, size), *dir = xasprintf("%s/dest", fuzz_dir());
	struct qtm_filelist files = { 0 };

	if (mkdir(dir, 0755) < 0)
		abort();
	/* A limit keeps a small input that inflates hugely from filling the disk. */
	if (qtm_archive_unpack(ctx, file, dir, (uint64_t)64 << 20, &files) < 0 && rmdir(dir) < 0)
		abort();  /* a refusal must leave the destination empty */
	qtm_filelist_free(&files);
	qtm_rm_rf(ctx, dir);
	unlink(file);
	free(file);
	free(dir);
	return 0;
}
