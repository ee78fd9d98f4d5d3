/* hc-commands.h - hive-control's command table (commands.c): the program as hive-control and
 * as `qtm hive`, and each command, for the commands (hc-*.c), the dispatch (hc-main.c) and
 * the completion generator.  All static data. */
#ifndef QTM_HC_COMMANDS_H
#define QTM_HC_COMMANDS_H

#include "cli.h"

extern const struct cli_prog hc_prog, hc_qtm_prog;
extern const struct cli_verb hc_verb_init, hc_verb_start, hc_verb_stop, hc_verb_reload, hc_verb_restart, hc_verb_status,
    hc_verb_runners, hc_verb_jobs, hc_verb_show, hc_verb_logs, hc_verb_monitor, hc_verb_scale, hc_verb_spawn, hc_verb_kill,
    hc_verb_submit, hc_verb_cancel, hc_verb_requeue, hc_verb_clean, hc_verb_web;

#endif
