/* progress.h - progress display: a redrawn bar on a terminal, a few plain lines otherwise,
 * nothing with -q or --json.  Always on stderr.
 *
 * qtm_progress_new() returns an object owned by the caller, freed by qtm_progress_done(); every
 * function accepts NULL (then does nothing). */
#ifndef QTM_PROGRESS_H
#define QTM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct qtm_ctx;
struct qtm_progress;

/* total is the expected amount (bytes, or steps when steps is true); 0 when unknown. */
/* "1.5 MB" and the like, into buf. */
void qtm_format_bytes(uint64_t v, char *buf, size_t len);

struct qtm_progress *qtm_progress_new(const struct qtm_ctx *ctx, const char *label, uint64_t total,
    bool steps);
void qtm_progress_set_total(struct qtm_progress *p, uint64_t total);
/* Updates the current amount; extra (may be NULL) is shown after the bar, e.g. "loss 0.21". */
void qtm_progress_update_extra(struct qtm_progress *p, uint64_t done, const char *extra);
void qtm_progress_update(struct qtm_progress *p, uint64_t done);
void qtm_progress_done(struct qtm_progress *p, bool ok);

/* A set of downloads (qtm_fetch_many).  On a terminal one redrawn status line: bytes so far and
 * in all, rate, ETA and the names in flight; on a terminal and otherwise a line per finished
 * file.  Nothing with -q or --json (then qtm_fetch_progress_new() returns NULL).
 * total is the sum of the files' sizes, 0 when one is unknown. */
struct qtm_fetch_progress;

struct qtm_fetch_progress *qtm_fetch_progress_new(const struct qtm_ctx *ctx, uint64_t total);
/* done: bytes of the set on disk so far (resumed ones included); received: bytes that came over
 * the network (the rate); active: the names in flight, or NULL.  Redraws at most every 0.1 s. */
void qtm_fetch_progress_update(struct qtm_fetch_progress *p, uint64_t done, uint64_t received,
    const char *active);
/* Clears the status line (before another message); it comes back at the next update. */
void qtm_fetch_progress_clear(struct qtm_fetch_progress *p);
/* "fetched NAME (SIZE) in T s". */
void qtm_fetch_progress_file(struct qtm_fetch_progress *p, const char *label, uint64_t size,
    double seconds);
/* Clears the status line and frees p. */
void qtm_fetch_progress_done(struct qtm_fetch_progress *p);

/* The trainings of a parallel install (train-jobs.h): on a terminal one line per running
 * training, redrawn in place below everything else; otherwise each of their progress lines as
 * it comes, prefixed with the module's name.  NULL with -q or --json (every function accepts
 * NULL).  Names are copied. */
struct qtm_progress_board;

struct qtm_progress_board *qtm_progress_board_new(const struct qtm_ctx *ctx);
/* A line for name; returns its slot. */
size_t qtm_progress_board_add(struct qtm_progress_board *b, const char *name);
/* The slot's training says text (one progress line, without its newline). */
void qtm_progress_board_line(struct qtm_progress_board *b, size_t slot, const char *text);
void qtm_progress_board_remove(struct qtm_progress_board *b, size_t slot);
/* Erases the lines (before another message) / draws them again. */
void qtm_progress_board_clear(struct qtm_progress_board *b);
void qtm_progress_board_redraw(struct qtm_progress_board *b);
void qtm_progress_board_free(struct qtm_progress_board *b);

#endif
