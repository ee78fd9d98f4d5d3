/* fuzz-archive.c - libFuzzer target: qtm_archive_unpack() on arbitrary bytes.
 *
 * Each input is written to a temporary file and unpacked into a fresh temporary directory, which
 * is then removed.  Build: clang -fsanitize=fuzzer,address,undefined with the libqtm sources
 * (or libqtm.a) and -larchive -lcrypto.  Crashes, sanitizer reports and anything escaping the
 * destination directory are bugs; refusals are the expected outcome for most inputs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "ctx.h"
#include "paths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qtm_ctx *ctx;
	char file[] = "/tmp/qtm-fuzz-archive.XXXXXX", dir[] = "/tmp/qtm-fuzz-dest.XXXXXX";
	struct qtm_filelist files = { 0 };
	int fd;

	if (ctx == NULL)
		ctx = qtm_ctx_new("/tmp/qtm-fuzz-root", NULL);
	if ((fd = mkstemp(file)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (mkdtemp(dir) == NULL)
		abort();
	/* A limit keeps a small input that inflates hugely from filling the disk. */
	if (qtm_archive_unpack(ctx, file, dir, (uint64_t)64 << 20, &files) < 0 && rmdir(dir) < 0)
		abort();  /* a refusal must leave the destination empty */
	qtm_filelist_free(&files);
	qtm_rm_rf(ctx, dir);
	unlink(file);
	return 0;
}
