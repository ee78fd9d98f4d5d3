/* ctx.h - the context every libqtm call takes: resolved paths, global options and the last error.
 *
 * A context is created by the front end with qtm_ctx_new() and freed with qtm_ctx_free(); every
 * string in it is owned by the context.  Library functions report failure by returning a negative
 * errno-style code after setting exactly one message with qtm_error(); the front end prints it. */
#ifndef QTM_CTX_H
#define QTM_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum qtm_verbosity { QTM_QUIET = -1, QTM_NORMAL = 0, QTM_VERBOSE = 1, QTM_DEBUG = 2 };

struct qtm_trainer;

struct qtm_ctx {
	/* Paths (absolute, owned).  With a root every one lies under it. */
	char *root;          /* --root / QTM_ROOT, or NULL for the system / user layout */
	char *conf_dir;      /* qtm.conf, sources.d/, trusted.d/ */
	char *config_file;   /* --config, or conf_dir/qtm.conf */
	bool config_explicit;/* config_file was named by the caller */
	char *state_dir;     /* qtm.db, store/, logs/ */
	char *cache_dir;     /* downloads, index caches, .solv caches, build dirs */
	char *bundled_repo;  /* directory of the embedded default repository */

	/* Global options. */
	bool assume_yes;
	bool json;
	bool color;
	bool is_tty;         /* stderr is a terminal: draw progress bars */
	int verbosity;
	int wait_s;          /* lock wait: 0 = fail at once, -1 = forever */
	bool defer_sync;     /* skip per-file fsync (qtm-repo build syncs the file system once at the end) */

	char *command;       /* the command line, for the history (owned, may be NULL) */
	/* Where trainings run that are not done here (trainer.h): the front end's (static, not
	 * freed), or NULL for qtm_trainer_local. */
	const struct qtm_trainer *trainer;

	/* Settings from qtm.conf (owned). */
	int parallel_downloads;
	int stall_timeout_s; /* a transfer under 1 byte/s for this long has stalled */
	int jobs;            /* trainings at once: QTM_JOBS_AUTO (0, the default: as the cores and
	                      * memory fit) or N (qtm.conf `jobs`, -j N) */
	int progress_fd;     /* a training worker's: progress lines go to this pipe (train-jobs.h),
	                      * not the terminal; -1 elsewhere */
	char *python;        /* interpreter used by train commands whose argv[0] is "python3" */
	char *hive;          /* qtm.conf `hive = URL`, or NULL (hive-client.h resolves the rest) */
	char *hive_token;    /* qtm.conf `hive_token = PATH`, or NULL */
	char *hive_key;      /* qtm.conf `hive_key = PATH`: the hive's pinned public key, or NULL */
	/* Unpacking an archive stops past max_unpack_ratio times its compressed size (but allows
	 * at least 64 MiB) and past max_unpacked_size in any case (archive.h). */
	unsigned max_unpack_ratio;
	uint64_t max_unpacked_size;

	/* The last error. */
	int err;
	char errmsg[2048];
};

/* Creates a context: root may be NULL (then QTM_ROOT is consulted), config may be NULL.
 * Returns NULL and prints nothing on failure only when memory runs out (never: xmalloc). */
struct qtm_ctx *qtm_ctx_new(const char *root, const char *config);
void qtm_ctx_free(struct qtm_ctx *ctx);

/* Reads ctx->config_file if it exists (key = value lines); returns 0 or a negative code. */
int qtm_ctx_load_config(struct qtm_ctx *ctx);

/* Sets the context's error message and returns code (which should be negative), so that callers
 * can write `return qtm_error(ctx, -EINVAL, _("..."), ...)`.  A later call replaces the message. */
int qtm_error(struct qtm_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the current error message with more context ("installing X: <old message>"). */
int qtm_error_prefix(struct qtm_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *qtm_strerror(const struct qtm_ctx *ctx);

/* Messages to stderr, filtered by verbosity; never on stdout (stdout carries results only). */
void qtm_info(const struct qtm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qtm_verbose(const struct qtm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qtm_warn(const struct qtm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Joins ctx->state_dir / cache_dir / conf_dir with a relative path; the result is owned by the caller. */
char *qtm_state_path(const struct qtm_ctx *ctx, const char *rel);
char *qtm_cache_path(const struct qtm_ctx *ctx, const char *rel);
char *qtm_conf_path(const struct qtm_ctx *ctx, const char *rel);

#endif
