/* readfile.h - reading small files (configuration, sources, pins, tokens, keys) with a cap, so
 * that a path naming /dev/zero, a fifo or a huge file fails at once with a message naming it. */
#ifndef QTM_READFILE_H
#define QTM_READFILE_H

#include <stddef.h>

struct qtm_ctx;

/* The cap every small file of qtm is read under. */
#define QTM_SMALL_FILE_MAX ((size_t)1 << 20)

/* Reads path, which must be a regular file of at most max bytes, into a NUL-terminated buffer
 * owned by the caller (free); len may be NULL.  A larger file, or one that is not a regular
 * file, is an error naming it. */
int qtm_read_small_file(struct qtm_ctx *ctx, const char *path, size_t max, char **buf, size_t *len);

/* The same for a text file parsed line by line (qtm.conf, sources, pins, hive.conf): a NUL byte
 * would silently cut its line short, so one is an error naming the file and the line. */
int qtm_read_text_file(struct qtm_ctx *ctx, const char *path, char **buf);

#endif
