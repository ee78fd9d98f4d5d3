/* hive-inline.h - an artifact travelling inside a runner's completion (doc/hive-protocol.md):
 * the runner encodes it, the daemon decodes it.
 *
 * An artifact of at most QTM_HIVE_INLINE_MAX bytes may travel inside the completion
 * (POST /v1/job/{id}/complete, "artifact": standard base64 with padding) instead of its own
 * PUT: one request less per job.  encode returns the base64 text (the caller frees it); decode
 * returns the bytes in *out (the caller frees it, NUL-terminated for convenience) and their
 * length, -EINVAL when text is not base64 and -EFBIG when it holds more than max bytes (both
 * without touching ctx: the caller words the error). */
#ifndef QTM_HIVE_INLINE_H
#define QTM_HIVE_INLINE_H

#include <stddef.h>

#define QTM_HIVE_INLINE_MAX (64u << 10)
char *qtm_hive_inline_encode(const void *data, size_t len);
int qtm_hive_inline_decode(const char *text, size_t max, unsigned char **out, size_t *len);

#endif
