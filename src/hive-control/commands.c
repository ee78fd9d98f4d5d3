/* commands.c - hive-control's command table (also `qtm hive`): every command with its synopsis
 * and options, and the global options.  The parser (src/cli), the help and the bash completion
 * are made from it; the commands' code is in hc-*.c. */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "hc-commands.h"
#include "i18n.h"

#define END { NULL, 0, CLI_NO_ARG, NULL, NULL, 0 }

static const struct cli_option global_options[] = {
	{ "root", 0, CLI_REQUIRED, "DIR", N_("work on the installation under DIR"), 'r' },
	{ "config", 0, CLI_REQUIRED, "FILE", N_("read the configuration from FILE"), 'c' },
	{ "hive", 0, CLI_REQUIRED, "URL", N_("the hive to talk to"), 'H' },
	{ "token", 0, CLI_REQUIRED, "TOKEN|@FILE", N_("the operator token, or the file holding it"), 'T' },
	{ "json", 'j', CLI_NO_ARG, NULL, N_("print the results as JSON"), 'j' },
	{ "quiet", 'q', CLI_NO_ARG, NULL, N_("print only errors"), 'q' },
	{ "verbose", 'v', CLI_NO_ARG, NULL, N_("print more (twice: more still)"), 'v' },
	{ "no-color", 0, CLI_NO_ARG, NULL, N_("no colour or bold"), 'C' },
	END,
};

static const struct cli_option start_options[] = {
	{ "listen", 0, CLI_REQUIRED, "ADDR:PORT", N_("the address qtm-hived listens on"), 'l' },
	{ "executor", 0, CLI_REQUIRED, "local|fleet|slurm", N_("how the hive runs its jobs"), 'e' },
	END,
};
static const struct cli_option stop_options[] = {
	{ "now", 0, CLI_NO_ARG, NULL, N_("stop at once: running trainings are stopped and requeued"), 'n' },
	END,
};
static const struct cli_option jobs_options[] = {
	{ "state", 0, CLI_REQUIRED, "pending|running|completed|failed|cancelled", N_("only the jobs in this state"), 's' },
	{ "module", 0, CLI_REQUIRED, "M", N_("only the jobs of module M"), 'm' },
	{ "runner", 0, CLI_REQUIRED, "R", N_("only the jobs runner R runs or ran"), 'R' },
	{ "limit", 0, CLI_REQUIRED, "N", N_("at most N jobs"), 'n' },
	END,
};
static const struct cli_option logs_options[] = {
	{ "follow", 'f', CLI_NO_ARG, NULL, N_("keep printing until the job ends"), 'f' },
	{ "attempt", 0, CLI_REQUIRED, "N", N_("the log of attempt N (default: the last)"), 'a' },
	{ "job", 0, CLI_NO_ARG, NULL, N_("the word is a job id"), 'J' },
	{ "runner", 0, CLI_NO_ARG, NULL, N_("the word is a runner: its own log"), 'R' },
	{ "module", 0, CLI_NO_ARG, NULL, N_("the word is a module: its latest job's log"), 'M' },
	END,
};
static const struct cli_option monitor_options[] = {
	{ "interval", 0, CLI_REQUIRED, "S", N_("refresh every S seconds (default 2)"), 'i' },
	{ "count", 0, CLI_REQUIRED, "N", N_("refresh N times, then end"), 'n' },
	{ "plain", 0, CLI_NO_ARG, NULL, N_("status lines, not the full-screen view"), 'p' },
	END,
};
static const struct cli_option submit_options[] = {
	{ "param", 0, CLI_REQUIRED, "K=V", N_("set a training parameter of the module"), 'p' },
	END,
};
static const struct cli_option requeue_options[] = {
	{ "force", 0, CLI_NO_ARG, NULL, N_("also a running job: end its attempt on the runner"), 'F' },
	END,
};
static const struct cli_option clean_options[] = {
	{ "older-than", 0, CLI_REQUIRED, "DAYS", N_("only what finished more than DAYS days ago"), 'o' },
	END,
};

#define VERB(id, name, syn, sum, opts) const struct cli_verb id = { name, NULL, syn, sum, opts, 0 }

VERB(hc_verb_init, "init", "", N_("create the hive's state directory, tokens and hive.conf"), NULL);
VERB(hc_verb_start, "start", "[--listen ADDR:PORT] [--executor E]", N_("start qtm-hived in the background"), start_options);
VERB(hc_verb_stop, "stop", "[--now]", N_("stop qtm-hived, letting running jobs finish (drain_timeout_s)"), stop_options);
VERB(hc_verb_reload, "reload", "", N_("make qtm-hived re-read hive.conf"), NULL);
VERB(hc_verb_restart, "restart", "[--listen ADDR:PORT] [--executor E]", N_("stop and start qtm-hived"), start_options);
VERB(hc_verb_status, "status", "", N_("orchestrator, system load, runners and queue"), NULL);
VERB(hc_verb_runners, "runners", "", N_("list the runners"), NULL);
VERB(hc_verb_jobs, "jobs", "[--state S] [--module M] [--runner R] [--limit N]", N_("list the jobs, newest first"), jobs_options);
VERB(hc_verb_show, "show", "JOB", N_("all of a job: attempts, runners, times, build id, artifact, metrics"), NULL);
VERB(hc_verb_logs, "logs", "JOB|MODULE|RUNNER [-f] [--attempt N] [--job|--runner|--module]",
    N_("print (and follow) a job's training log, a module's latest job's or a runner's own"), logs_options);
VERB(hc_verb_monitor, "monitor", "[--interval S] [--count N] [--plain]",
    N_("watch runners, jobs and queue live (status lines when not on a terminal)"), monitor_options);
VERB(hc_verb_scale, "scale", "N", N_("set the number of local runners"), NULL);
VERB(hc_verb_spawn, "spawn", "N", N_("start N more local runners"), NULL);
VERB(hc_verb_kill, "kill", "ID", N_("stop a runner (its job returns to the queue)"), NULL);
VERB(hc_verb_submit, "submit", "MODULE [PRIORITY] [--param K=V]...", N_("queue the training of a module and what it needs"),
    submit_options);
VERB(hc_verb_cancel, "cancel", "ID", N_("cancel a job"), NULL);
VERB(hc_verb_requeue, "requeue", "ID [--force]", N_("put a failed or cancelled job back in the queue"), requeue_options);
VERB(hc_verb_clean, "clean", "[--older-than DAYS]", N_("remove old finished jobs, logs and unneeded artifacts"), clean_options);
VERB(hc_verb_web, "web", "", N_("print (and open) the dashboard's URL"), NULL);

static const struct cli_verb *const verbs[] = {
	&hc_verb_init, &hc_verb_start, &hc_verb_stop, &hc_verb_reload, &hc_verb_restart, &hc_verb_status, &hc_verb_runners,
	&hc_verb_jobs, &hc_verb_show, &hc_verb_logs, &hc_verb_monitor, &hc_verb_scale, &hc_verb_spawn, &hc_verb_kill,
	&hc_verb_submit, &hc_verb_cancel, &hc_verb_requeue, &hc_verb_clean, &hc_verb_web, NULL,
};

#define SYNOPSIS "[--root DIR] [--config FILE] [--hive URL] [--token TOKEN|@FILE] [--json] [-q|-v] [--no-color] COMMAND [ARGS]"
#define FOOTER N_("\nEvery command takes --json.  See qtm-hive(1).\n")
const struct cli_prog hc_prog = { "hive-control", SYNOPSIS, global_options, verbs, FOOTER };
const struct cli_prog hc_qtm_prog = { "qtm hive", SYNOPSIS, global_options, verbs, FOOTER };
