/* watch.h - what the live views (hive-control monitor, qtm status --watch) show of a training:
 * a loss sparkline, a progress bar, an ETA, and a training log scanned as it grows for its
 * "@qtm progress" lines (progress and loss) and its last lines.
 *
 * Ownership: qtm_sparkline() returns a string owned by the caller (free).  A struct
 * qtm_log_scan is the caller's (zero it, or qtm_log_scan_init()), and what it points to is
 * released with qtm_log_scan_clear(); the strings returned by qtm_log_scan_line() belong to the
 * scan and live until the next feed or clear.  Arguments are only read. */
#ifndef QTM_WATCH_H
#define QTM_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;

/* The last values of v drawn in width cells, one per value (a longer series is resampled: each
 * cell the mean of its share), scaled from the series' minimum to its maximum: UTF-8 blocks
 * (▁..█) when utf8, else the ASCII levels "_.-~=+*#".  n == 0: an empty string. */
char *qtm_sparkline(const double *v, size_t n, int width, bool utf8);
/* A bar of width cells: '#' for the done fraction (0..1), '.' for the rest, NUL-terminated in
 * buf (len >= width + 1). */
void qtm_bar(double frac, int width, char *buf, size_t len);
/* A duration for people: "45s", "3m05s", "2h07m", "3d04h"; "-" when s < 0 (unknown). */
void qtm_duration(double s, char *buf, size_t len);
/* --interval of a live view: a number of seconds, at least 0.1 (fractions allowed); else
 * -EINVAL naming the text. */
int qtm_watch_interval(struct qtm_ctx *ctx, const char *text, double *out);
/* Sleeps s seconds (fractions allowed), resuming after signals. */
void qtm_sleep_s(double s);
/* The values of a hive job's "loss" array ([[t, value], ...]) into *out (owned by the caller,
 * NULL when none); returns how many. */
size_t qtm_loss_values(const cJSON *loss, double **out);

#define QTM_LOG_SCAN_LINES 1000   /* the last lines kept */
#define QTM_LOG_SCAN_LOSS 2048    /* loss points kept (the older half thinned out beyond) */

struct qtm_log_scan {
	long long offset;         /* bytes fed so far (the next offset to read or ask for) */
	double step, steps;       /* of the last progress line; steps 0: none yet */
	double *loss;             /* the loss values in order, n_loss of them */
	size_t n_loss;
	char *lines[QTM_LOG_SCAN_LINES];   /* a ring of the last lines, progress lines excepted */
	size_t first, n_lines;
	char partial[4096];       /* an unfinished last line */
	size_t partial_len;
};

void qtm_log_scan_init(struct qtm_log_scan *s);
void qtm_log_scan_clear(struct qtm_log_scan *s);
/* Feeds the next len bytes of the log (offset advances by len). */
void qtm_log_scan_feed(struct qtm_log_scan *s, const char *data, size_t len);
/* Reads what the file at path holds beyond s->offset (a file that shrank is read again from
 * the start).  A missing file is not an error (nothing is fed); others are -errno. */
int qtm_log_scan_file(struct qtm_ctx *ctx, struct qtm_log_scan *s, const char *path);
/* The progress (0..1) of the last progress line, or -1 when there was none. */
double qtm_log_scan_progress(const struct qtm_log_scan *s);
/* Line i of the kept ones, 0 the oldest, i < s->n_lines. */
const char *qtm_log_scan_line(const struct qtm_log_scan *s, size_t i);

#endif
