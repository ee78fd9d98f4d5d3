/* verbs.h - qtm's command table (verbs.c): the program and each verb, for the commands
 * (cmd-VERB.c), qtm.c's dispatch and the completion generator.  All static data. */
#ifndef QTM_VERBS_H
#define QTM_VERBS_H

#include "cli.h"

extern const struct cli_prog qtm_prog;
extern const struct cli_verb qtm_verb_install, qtm_verb_reinstall, qtm_verb_remove, qtm_verb_autoremove,
    qtm_verb_upgrade, qtm_verb_full_upgrade, qtm_verb_update, qtm_verb_list, qtm_verb_search, qtm_verb_info, qtm_verb_depends,
    qtm_verb_rdepends, qtm_verb_why, qtm_verb_status, qtm_verb_check_deps, qtm_verb_run, qtm_verb_mark,
    qtm_verb_hold, qtm_verb_unhold, qtm_verb_history, qtm_verb_verify, qtm_verb_clean, qtm_verb_source,
    qtm_verb_key, qtm_verb_policy, qtm_verb_hive;

#endif
