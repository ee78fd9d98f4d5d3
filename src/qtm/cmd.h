/* cmd.h - the qtm front end's commands: one file per verb (cmd-VERB.c), each defining a
 * struct qtm_cmd_entry that ties the verb of the command table (verbs.c) to its code.  A
 * command gets its options and operands parsed (src/cli), calls libqtm and prints; it returns
 * 0 or a negative libqtm code (the error is on the context), or QTM_CMD_USAGE after printing a
 * usage error.
 *
 * Shared helpers for commands live in cmd-util.c. */
#ifndef QTM_CMD_H
#define QTM_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli-out.h"
#include "verbs.h"

struct qtm_ctx;
struct qtm_db;
struct qtm_lock;
struct qtm_plan;
struct qtm_pool;

#define QTM_CMD_USAGE CLI_USAGE   /* returned after a usage message */
/* A command may return QTM_CMD_EXIT(status) to exit with a given status (1..255) and no message. */
#define QTM_CMD_EXIT(status) CLI_EXIT(status)

/* a->argv[0] is the verb, a->argv[1..] its operands; a->options its options in order. */
struct qtm_cmd_entry {
	const struct cli_verb *verb;
	int (*exec)(struct qtm_ctx *ctx, const struct cli_args *a);
};

extern const struct qtm_cmd_entry cmd_install_entry, cmd_remove_entry, cmd_list_entry,
    cmd_info_entry, cmd_status_entry, cmd_check_deps_entry, cmd_update_entry, cmd_source_entry,
    cmd_run_entry, cmd_history_entry, cmd_mark_entry, cmd_hold_entry, cmd_unhold_entry,
    cmd_verify_entry, cmd_clean_entry, cmd_search_entry, cmd_depends_entry, cmd_rdepends_entry,
    cmd_why_entry, cmd_upgrade_entry, cmd_full_upgrade_entry, cmd_autoremove_entry, cmd_reinstall_entry, cmd_key_entry, cmd_policy_entry;
extern const struct qtm_cmd_entry cmd_hive_entry;   /* cmd-hive.c: the hive-control commands */

/* For writers: takes the lock, opens the database read-write and removes leftovers of an
 * interrupted run.  Release with cmd_close(). */
int cmd_open_writer(struct qtm_ctx *ctx, struct qtm_lock **lock, struct qtm_db **db);
int cmd_open_reader(struct qtm_ctx *ctx, struct qtm_db **db);
void cmd_close(struct qtm_lock *lock, struct qtm_db *db);

int cmd_usage(const struct qtm_cmd_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -j/--jobs ARG: sets ctx->jobs, or a usage error naming ARG. */
int cmd_jobs(struct qtm_ctx *ctx, const struct qtm_cmd_entry *e, const char *arg);
/* The options of upgrade, full-upgrade, reinstall: -s and -j. */
int cmd_dry_run_jobs(struct qtm_ctx *ctx, const struct qtm_cmd_entry *e, const struct cli_args *a, bool *dry_run);
/* Prints json on stdout (pretty) and deletes it. */
#define cmd_print_json cli_print_json
/* Asks "Continue? [Y/n]" unless -y; false (with the error set) when declined or not asked. */
bool cmd_confirm(struct qtm_ctx *ctx, const char *question);
/* Prints the plan, asks, and carries it out (nothing to do: says so).  Returns 0 or the
 * failure's code. */
int cmd_run_plan(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, bool dry_run, const char *question);
/* The same with transaction options (per-package params, --train...). */
struct qtm_transaction_opts;
int cmd_run_plan_opts(struct qtm_ctx *ctx, struct qtm_pool *pool, struct qtm_db *db,
    const struct qtm_plan *plan, bool dry_run, const char *question, const struct qtm_transaction_opts *opts);
/* Appends src's steps and notes to dst, but not a removal dst has already (src is emptied). */
void cmd_plan_append(struct qtm_plan *dst, struct qtm_plan *src);
/* The plan as text (stdout) or JSON. */
void cmd_print_plan(struct qtm_ctx *ctx, const struct qtm_plan *plan, bool dry_run);
const char *cmd_time(long long t, char *buf, size_t len);
/* Bold/colour only on a terminal that allows it. */
#define cmd_bold cli_bold
#define cmd_reset cli_reset

/* qtm status (cmd-status.c) and its --watch view (status-watch.c): a training's state
 * ("interrupted" for a running one whose process is gone) and JSON (owned by the caller); the
 * live view, refreshed every interval seconds, count times (0: until q). */
struct qtm_training;
const char *cmd_training_state(const struct qtm_training *t);
cJSON *cmd_training_json(const struct qtm_training *t);
int cmd_status_watch(struct qtm_ctx *ctx, double interval, long long count);

/* qtm info: the installed version's metrics and training curve (info-curve.c), from its JSON
 * ("metrics", "curve"); model says whether "no recorded curve" applies. */
void cmd_info_print_metrics(struct qtm_ctx *ctx, const cJSON *inst, bool model);

/* qtm install --check NAME...: each installed model trained again here and compared
 * (rebuild-check.h); 0, or the first failure. */
int cmd_install_check(struct qtm_ctx *ctx, char **names);

#endif
