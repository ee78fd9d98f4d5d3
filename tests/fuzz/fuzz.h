/* fuzz.h - what the libFuzzer targets (tests/fuzz/fuzz-*.c) share.  Each target defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (--enable-fuzzing) or with
 * driver.c, which replays files through it under `make check`.
 *
 * Strings returned are owned by the caller (free); the context and the scratch directory live
 * as long as the process. */
#ifndef QTM_FUZZ_H
#define QTM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct qtm_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A process-wide context rooted in the scratch directory, quiet, error cleared. */
struct qtm_ctx *fuzz_ctx(void);
/* The process's scratch directory (made on first use, under $TMPDIR or /tmp). */
const char *fuzz_dir(void);
/* data as a NUL-terminated string (bytes after a NUL are cut, as a C parser would see them). */
char *fuzz_str(const uint8_t *data, size_t size);
/* Writes data to dir/name (dir made if missing); returns the path (caller frees). */
char *fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size);

#endif
