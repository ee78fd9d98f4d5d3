/* hc.h - hive-control's commands, shared by the hive-control program and `qtm hive` through
 * libhc.a: one function per command of the table (commands.c) (hc-daemon.c: init start stop
 * restart; hc-query.c: status runners jobs logs web; hc-show.c: show; hc-monitor.c: monitor; hc-ops.c: scale spawn
 * kill submit cancel requeue clean), dispatched by hive_control_run() in hc-main.c.
 *
 * Ownership: struct hc and its strings belong to the caller of hive_control_main(); a command
 * owns what it creates.  Commands return 0, a negative libqtm code with the message on the
 * context, or HC_USAGE after printing a usage error.  Their options and operands come parsed
 * (a->options, a->argv[1..]). */
#ifndef QTM_HC_H
#define QTM_HC_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli-out.h"
#include "hc-commands.h"

struct qtm_ctx;
struct qtm_hive_client;

#define HC_USAGE CLI_USAGE

struct hc {
	struct qtm_ctx *ctx;
	const char *prog;        /* "hive-control" or "qtm hive", for messages */
	const char *hive;        /* --hive URL, or NULL */
	const char *token;       /* --token TOKEN|@FILE, or NULL */
};

/* The global options of a parsed command line (commands.c's table) but --root and --config,
 * which the caller used to make the context: --json, -q, -v, --no-color, --hive, --token. */
void hc_apply_globals(struct hc *h, const struct cli_args *a);
/* Runs the command a->verb with its options and operands; returns as a command does. */
int hive_control_run(struct hc *h, const struct cli_args *a);

/* Helpers for the commands (hc-main.c). */
int hc_client(struct hc *h, struct qtm_hive_client **out);
/* "usage: PROG COMMAND SYNOPSIS" on stderr; returns HC_USAGE. */
int hc_usage_error(struct hc *h, const struct cli_args *a);
/* Prints json (pretty) on stdout and deletes it. */
#define hc_print_json cli_print_json
/* Bold, colour and reset sequences, only when stdout is a terminal and colour is allowed. */
#define hc_bold(h) cli_bold((h)->ctx)
#define hc_color(h, seq) cli_color((h)->ctx, (seq))
#define hc_reset(h) cli_reset((h)->ctx)
/* A non-negative integer argument, or -1 after a message naming what. */
long long hc_number(struct hc *h, const char *cmd, const char *what, const char *text);

typedef int (*hc_fn)(struct hc *h, const struct cli_args *a);
int hc_init(struct hc *, const struct cli_args *);
int hc_start(struct hc *, const struct cli_args *);
int hc_stop(struct hc *, const struct cli_args *);
int hc_reload(struct hc *, const struct cli_args *);
int hc_restart(struct hc *, const struct cli_args *);
int hc_status(struct hc *, const struct cli_args *);
int hc_runners(struct hc *, const struct cli_args *);
int hc_jobs(struct hc *, const struct cli_args *);
int hc_logs(struct hc *, const struct cli_args *);
int hc_show(struct hc *, const struct cli_args *);
int hc_monitor(struct hc *, const struct cli_args *);
int hc_web(struct hc *, const struct cli_args *);
int hc_scale(struct hc *, const struct cli_args *);
int hc_spawn(struct hc *, const struct cli_args *);
int hc_kill(struct hc *, const struct cli_args *);
int hc_submit(struct hc *, const struct cli_args *);
int hc_cancel(struct hc *, const struct cli_args *);
int hc_requeue(struct hc *, const struct cli_args *);
int hc_clean(struct hc *, const struct cli_args *);

/* A number at o.a (or o.a.b), 0 when absent; a string field of o, or dflt.  Both read o only.
 * hc_str's string is for printing: control characters escaped (qtm_term_safe, text.h). */
double hc_num(const cJSON *o, const char *a, const char *b);
const char *hc_str(const cJSON *o, const char *field, const char *dflt);

#endif
