/* hive-slurm-internal.h - private to hive-slurm*.c: Slurm commands run without waiting
 * (hive-slurm-cmd.c) and the slurm_jobs table (hive-slurm-db.c).
 *
 * Ownership: a command is owned by whoever started it until hslurm_cmd_free(); its out/err
 * buffers are its own.  Strings returned by the db functions are the caller's (free). */
#ifndef QTM_HIVE_SLURM_INTERNAL_H
#define QTM_HIVE_SLURM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct qtm_ctx;
struct qtm_hive_db;

enum hslurm_kind { HS_PROBE, HS_SBATCH, HS_SQUEUE, HS_SCANCEL };

struct hslurm_cmd {
	enum hslurm_kind kind;
	int64_t job_id;              /* HS_SBATCH: the hive job; its slurm_jobs row is row */
	int64_t row;
	int64_t *ids;                /* HS_SQUEUE: the Slurm job ids asked about (owned) */
	size_t n_ids;
	pid_t pid;
	int fd_out, fd_err;          /* -1 once at end of file */
	char *out, *err;             /* what it printed (NUL-terminated) */
	size_t out_len, err_len;
	double deadline;             /* killed then */
	int status;                  /* exit status; 127: could not be run; -1: killed (timeout) */
	bool exited, timed_out;
	struct hslurm_cmd *next;
};

/* Starts argv (argv[0] looked up in PATH) with stdin from /dev/null; NULL with the error on
 * ctx when it cannot be started at all. */
struct hslurm_cmd *hslurm_cmd_start(struct qtm_ctx *ctx, char *const argv[], double timeout_s, double now);
/* Reads what is available and reaps the process without blocking; true once it is done (both
 * pipes at end of file and the process reaped). */
bool hslurm_cmd_poll(struct hslurm_cmd *c, double now);
/* Kills the command if it still runs, reaps it and frees it. */
void hslurm_cmd_free(struct hslurm_cmd *c);
/* The last non-empty line of its stderr (or stdout), without "sbatch: error: " prefixes; owned
 * by the caller. */
char *hslurm_cmd_message(const struct hslurm_cmd *c, const char *name);

/* ---- the slurm_jobs table ---- */

struct hslurm_row {
	int64_t row, job_id, slurm_id;   /* slurm_id 0: sbatch not answered yet */
	int attempt_seq;                 /* the hive job's attempt_seq at submission */
	char state[24];
};

struct hslurm_cand {
	int64_t id;
	int cpus, gpu, priority, attempt_seq;
	long memory_mb;
	double time_limit_s;             /* 0: none */
};

/* Creates the table; rows of sbatch calls that never answered (the daemon stopped) go. */
int hslurm_db_init(struct qtm_ctx *ctx, struct qtm_hive_db *db);
/* The rows not ended yet (*n of them, owned by the caller). */
int hslurm_db_active(struct qtm_ctx *ctx, struct qtm_hive_db *db, struct hslurm_row **rows, size_t *n);
/* Up to max pending, due hive jobs with their dependencies held and no Slurm job, in the
 * hive's order (priority, longest estimate, oldest). */
int hslurm_db_candidates(struct qtm_ctx *ctx, struct qtm_hive_db *db, double now, int max,
    struct hslurm_cand *out, int *n);
int hslurm_db_insert(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int attempt_seq, double now,
    int64_t *row);
int hslurm_db_submitted(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, int64_t slurm_id);
int hslurm_db_update(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, const char *state, const char *node);
/* Marks the row ended; claimed: a runner claimed the hive job meanwhile. */
int hslurm_db_end(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row, const char *state, bool claimed,
    double now);
int hslurm_db_delete(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t row);
/* How many Slurm jobs of this hive job ended before any runner claimed it. */
int hslurm_db_unclaimed(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int *n);
/* The hive job's state, attempt_seq and runner (*runner owned, may be NULL). */
int hslurm_db_job(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int *state, int *seq,
    char **runner);
/* Fails a pending hive job for good with error (sbatch refused it); nothing when not pending. */
int hslurm_db_fail_pending(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, const char *error,
    double now);
/* Adds note to the error of the job's attempt (how its Slurm job ended). */
int hslurm_db_note_attempt(struct qtm_ctx *ctx, struct qtm_hive_db *db, int64_t job_id, int attempt,
    const char *note);

#endif
