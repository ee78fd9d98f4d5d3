/* clean.h - emptying the download and build caches (apt's clean).  Source metadata stays;
 * with all, the artifact cache (trained outputs kept for reinstall and undo) goes too. */
#ifndef QTM_CLEAN_H
#define QTM_CLEAN_H

#include <stdbool.h>
#include <stdint.h>

struct qtm_ctx;

int qtm_clean(struct qtm_ctx *ctx, bool all, uint64_t *freed_bytes);

#endif
