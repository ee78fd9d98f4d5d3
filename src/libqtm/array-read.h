/* array-read.h - numeric arrays from the open formats a trainer may leave its held-out
 * predictions and targets in: NPY (format 1 to 3, little-endian, C order, bool, integer or
 * float) and CSV (comma-separated numbers, an optional header line). */
#ifndef QTM_ARRAY_READ_H
#define QTM_ARRAY_READ_H

#include <stddef.h>

struct qtm_ctx;

/* The values in row-major order; v is owned by the array (qtm_array_clear). */
struct qtm_array {
	double *v;
	size_t n, rows, cols;
};

/* The largest file read, and so the largest array. */
#define QTM_ARRAY_FILE_MAX ((size_t)1 << 30)

/* Parse an NPY or CSV buffer of len bytes; what names it in errors.  Return 0, or -EBADMSG
 * with ctx's error naming what and the fault. */
int qtm_array_parse_npy(struct qtm_ctx *ctx, const char *what, const unsigned char *buf, size_t len,
    struct qtm_array *out);
int qtm_array_parse_csv(struct qtm_ctx *ctx, const char *what, const char *buf, size_t len,
    struct qtm_array *out);

/* Reads path by its suffix: .npy or .csv; any other suffix is an error. */
int qtm_array_load(struct qtm_ctx *ctx, const char *path, struct qtm_array *out);

void qtm_array_clear(struct qtm_array *a);

#endif
