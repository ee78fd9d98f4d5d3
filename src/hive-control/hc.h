/* hc.h - hive-control's commands, shared by the hive-control program and `qtm hive`: one
 * function per command (hc-daemon.c: init start stop restart; hc-query.c: status runners jobs
 * logs web; hc-monitor.c: monitor; hc-ops.c: scale spawn kill submit cancel requeue clean), dispatched by
 * hive_control_main() in hc-main.c.
 *
 * Ownership: struct hc and its strings belong to the caller of hive_control_main(); a command
 * owns what it creates.  Commands return 0, a negative libqtm code with the message on the
 * context, or HC_USAGE after printing a usage error. */
#ifndef QTM_HC_H
#define QTM_HC_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_hive_client;

#define HC_USAGE 1000   /* exit status 2, as qtm's QTM_CMD_USAGE */

struct hc {
	struct qtm_ctx *ctx;
	const char *prog;        /* "hive-control" or "qtm hive", for messages */
	const char *hive;        /* --hive URL, or NULL */
	const char *token;       /* --token TOKEN|@FILE, or NULL */
};

/* Global options of hive-control (before the command). */
struct hc_globals {
	const char *root, *config, *hive, *token;
	bool json, no_color;
	int verbosity;
};

/* Parses the global options of argv (argv[0]: the program); returns the index of the command
 * word, or -1 after printing a usage error (-2 after --help or --version: exit 0). */
int hc_parse_globals(int argc, char **argv, struct hc_globals *g, const char *prog);
/* Runs the command argv[0] (argv[1..]: its arguments and options); returns as a command does. */
int hive_control_main(struct hc *h, int argc, char **argv);
/* The exit status for a command's return value (documented in qtm-hive(1)). */
int hc_exit_status(int rc);
void hc_usage(FILE *f, const char *prog);

/* Helpers for the commands (hc-main.c). */
int hc_client(struct hc *h, struct qtm_hive_client **out);
/* Parses the command's options: --json (sets ctx->json) and those in extra (getopt_long
 * style); returns the option character, -1 at the end, or '?' after an error. */
struct option;
int hc_getopt(struct hc *h, int argc, char **argv, const char *shortopts, const struct option *extra);
int hc_usage_error(struct hc *h, const char *cmd, const char *args);
/* Prints json (pretty) on stdout and deletes it. */
void hc_print_json(cJSON *json);
/* Bold and reset sequences, only when stdout is a terminal and colour is allowed. */
const char *hc_bold(const struct hc *h);
const char *hc_color(const struct hc *h, const char *seq);
const char *hc_reset(const struct hc *h);
/* A non-negative integer argument, or -1 after a usage error naming what. */
long long hc_number(struct hc *h, const char *cmd, const char *what, const char *text);

typedef int (*hc_fn)(struct hc *h, int argc, char **argv);
int hc_init(struct hc *, int, char **);
int hc_start(struct hc *, int, char **);
int hc_stop(struct hc *, int, char **);
int hc_restart(struct hc *, int, char **);
int hc_status(struct hc *, int, char **);
int hc_runners(struct hc *, int, char **);
int hc_jobs(struct hc *, int, char **);
int hc_logs(struct hc *, int, char **);
int hc_monitor(struct hc *, int, char **);
int hc_web(struct hc *, int, char **);
int hc_scale(struct hc *, int, char **);
int hc_spawn(struct hc *, int, char **);
int hc_kill(struct hc *, int, char **);
int hc_submit(struct hc *, int, char **);
int hc_cancel(struct hc *, int, char **);
int hc_requeue(struct hc *, int, char **);
int hc_clean(struct hc *, int, char **);

/* A number at o.a (or o.a.b), 0 when absent; a string field of o, or dflt.  Both read o only.
 * hc_str's string is for printing: control characters escaped (qtm_term_safe, text.h). */
double hc_num(const cJSON *o, const char *a, const char *b);
const char *hc_str(const cJSON *o, const char *field, const char *dflt);

#endif
