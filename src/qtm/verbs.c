/* verbs.c - qtm's command table: every verb with its synopsis and options, and the global
 * options.  The parser (src/cli), the help and the bash completion are all made from it; the
 * verbs' code is in cmd-VERB.c.  Option ids are the characters the verbs switch on. */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "i18n.h"
#include "verbs.h"

#define END { NULL, 0, CLI_NO_ARG, NULL, NULL, 0 }
#define DRY_RUN { "dry-run", 's', CLI_NO_ARG, NULL, N_("show the plan and change nothing"), 's' }
#define JOBS { "jobs", 'j', CLI_REQUIRED, "N|auto", N_("train up to N models at once (auto: as cores and memory fit)"), 'J' }

static const struct cli_option global_options[] = {
	{ "root", 'r', CLI_REQUIRED, "DIR", N_("work on the installation under DIR"), 'r' },
	{ "config", 0, CLI_REQUIRED, "FILE", N_("read the configuration from FILE"), 'c' },
	{ "yes", 'y', CLI_NO_ARG, NULL, N_("answer yes to every question"), 'y' },
	{ "quiet", 'q', CLI_NO_ARG, NULL, N_("print only errors"), 'q' },
	{ "verbose", 'v', CLI_NO_ARG, NULL, N_("print more (twice: more still)"), 'v' },
	{ "json", 'j', CLI_NO_ARG, NULL, N_("print the results as JSON"), 'j' },
	{ "no-color", 0, CLI_NO_ARG, NULL, N_("no colour or bold"), 'C' },
	{ "wait", 0, CLI_OPTIONAL, "SECONDS", N_("wait for the lock (without SECONDS: as long as it takes)"), 'w' },
	END,
};

static const struct cli_option install_options[] = {
	DRY_RUN,
	{ "simulate", 0, CLI_NO_ARG, NULL, N_("the same as --dry-run"), 's' },
	{ "download-only", 'd', CLI_NO_ARG, NULL, N_("fetch what the plan needs, install nothing"), 'd' },
	{ "train", 0, CLI_NO_ARG, NULL, N_("train here even when an artifact is offered"), 't' },
	{ "keep", 0, CLI_NO_ARG, NULL, N_("keep installed versions where they satisfy the request"), 'k' },
	{ "param", 'p', CLI_REQUIRED, "K=V", N_("set a training parameter of the requested models"), 'p' },
	{ "hive", 0, CLI_REQUIRED, "URL", N_("hand the trainings to the hive at URL"), 'H' },
	{ "local", 0, CLI_NO_ARG, NULL, N_("train here, not on a hive"), 'L' },
	{ "hive-only", 0, CLI_NO_ARG, NULL, N_("train only on a hive"), 'O' },
	{ "check", 0, CLI_NO_ARG, NULL, N_("train installed models again and compare"), 'K' },
	JOBS,
	END,
};

static const struct cli_option dry_run_options[] = { DRY_RUN, END };
static const struct cli_option dry_run_jobs_options[] = { DRY_RUN, JOBS, END };

static const struct cli_option remove_options[] = {
	DRY_RUN,
	{ "auto-remove", 0, CLI_NO_ARG, NULL, N_("also remove the dependencies only these packages needed"), 'a' },
	END,
};

static const struct cli_option list_options[] = {
	{ "installed", 'i', CLI_NO_ARG, NULL, N_("only what is installed"), 'i' },
	{ "available", 'a', CLI_NO_ARG, NULL, N_("everything the sources offer (the default)"), 'a' },
	{ "all-versions", 0, CLI_NO_ARG, NULL, N_("every version the sources offer, not only the newest"), 'A' },
	END,
};

static const struct cli_option rdepends_options[] = {
	{ "installed", 'i', CLI_NO_ARG, NULL, N_("only installed packages"), 'i' },
	END,
};

static const struct cli_option status_options[] = {
	{ "watch", 'w', CLI_NO_ARG, NULL, N_("a live view, refreshed until q"), 'w' },
	{ "interval", 0, CLI_REQUIRED, "S", N_("refresh every S seconds (default 2)"), 'i' },
	{ "count", 0, CLI_REQUIRED, "N", N_("refresh N times, then end"), 'n' },
	END,
};

static const struct cli_option clean_options[] = {
	{ "all", 'a', CLI_NO_ARG, NULL, N_("remove the cached artifacts too"), 'a' },
	END,
};

static const struct cli_option verify_options[] = {
	{ "metrics", 0, CLI_NO_ARG, NULL, N_("recompute NAME's headline metric from its held-out predictions"), 'm' },
	END,
};

static const struct cli_option source_options[] = {
	{ "key", 'k', CLI_REQUIRED, "FILE", N_("add: trust the public key in FILE"), 'k' },
	{ "mirror", 'm', CLI_REQUIRED, "URL", N_("add: a mirror of the source"), 'm' },
	{ "threshold", 't', CLI_REQUIRED, "K", N_("add: signatures needed (1 to 64)"), 't' },
	{ "priority", 'p', CLI_REQUIRED, "N", N_("add: the source's priority (1 to 10000)"), 'p' },
	{ "insecure", 0, CLI_NO_ARG, NULL, N_("add: accept the source without a key"), 'i' },
	END,
};

#define VERB(id, name, alias, syn, sum, opts, flags) \
	const struct cli_verb id = { name, alias, syn, sum, opts, flags }

VERB(qtm_verb_install, "install", NULL,
    N_("[-s] [-j N|auto] [--download-only] [--train] [--keep] [--param K=V]... [--hive URL | --local | --hive-only] NAME[=VERSION]...\n"
    "  install --check NAME..."), N_("resolve, fetch, train and install modules"), install_options, 0);
VERB(qtm_verb_reinstall, "reinstall", NULL, N_("[-s] [-j N|auto] NAME..."), N_("install packages again in the same version"),
    dry_run_jobs_options, 0);
VERB(qtm_verb_remove, "remove", NULL, N_("[-s] [--auto-remove] NAME..."), N_("remove installed modules or datasets"),
    remove_options, 0);
VERB(qtm_verb_autoremove, "autoremove", NULL, N_("[-s]"), N_("remove dependencies nothing needs any more"),
    dry_run_options, 0);
VERB(qtm_verb_upgrade, "upgrade", NULL, N_("[-s] [-j N|auto] [NAME...]"), N_("upgrade installed packages (all, or those named)"),
    dry_run_jobs_options, 0);
VERB(qtm_verb_full_upgrade, "full-upgrade", NULL, N_("[-s] [-j N|auto] [NAME...]"),
    N_("upgrade installed packages, removing what is in the way"), dry_run_jobs_options, 0);
VERB(qtm_verb_update, "update", NULL, "", N_("fetch and verify the sources' release and index"), NULL, 0);
VERB(qtm_verb_list, "list", NULL, N_("[--installed|--available|--all-versions]"), N_("list modules and datasets"), list_options, 0);
VERB(qtm_verb_search, "search", NULL, N_("TERM..."), N_("find packages by name, summary or description"), NULL, 0);
VERB(qtm_verb_info, "info", "show", N_("NAME[=VERSION]"), N_("show a package's metadata, install state and metrics"), NULL, 0);
VERB(qtm_verb_depends, "depends", NULL, N_("NAME"), N_("show what a package requires and what satisfies it"), NULL, 0);
VERB(qtm_verb_rdepends, "rdepends", NULL, N_("[--installed] NAME"), N_("show what requires a package"),
    rdepends_options, 0);
VERB(qtm_verb_why, "why", NULL, N_("NAME"), N_("explain why an installed package is installed"), NULL, 0);
VERB(qtm_verb_status, "status", NULL, "[--watch [--interval S] [--count N]]",
    N_("show running and recent trainings and what is installed"), status_options, 0);
VERB(qtm_verb_check_deps, "check-deps", NULL, "", N_("check the runtime the available modules need"), NULL, 0);
/* The model's arguments are its own: options only before NAME. */
VERB(qtm_verb_run, "run", NULL, N_("NAME [--] [ARGS...]"), N_("run an installed model's predict command"), NULL,
    CLI_OPERANDS_LAST);
VERB(qtm_verb_mark, "mark", NULL, N_("auto|manual NAME... | default NAME=VERSION"),
    N_("change why packages count as installed, or which installed version is the default"), NULL, 0);
VERB(qtm_verb_hold, "hold", NULL, N_("NAME..."), N_("keep packages at their version (no upgrade, no removal)"), NULL, 0);
VERB(qtm_verb_unhold, "unhold", NULL, N_("NAME..."), N_("release a hold"), NULL, 0);
VERB(qtm_verb_history, "history", NULL, N_("[list | info ID | undo ID | rollback ID] [-s]"),
    N_("list transactions, show one, undo one or roll back to one"), dry_run_options, 0);
VERB(qtm_verb_verify, "verify", NULL, N_("[NAME]"), N_("check installed files against the database"), verify_options, 0);
VERB(qtm_verb_clean, "clean", NULL, N_("[--all]"), N_("remove cached downloads (and, with --all, cached artifacts)"),
    clean_options, 0);
VERB(qtm_verb_source, "source", NULL,
    N_("add NAME URL [--key FILE]... [--mirror URL]... [--threshold K] [--priority N] [--insecure] | list | remove NAME"),
    N_("manage repository sources"), source_options, 0);
VERB(qtm_verb_key, "key", NULL, N_("add SOURCE FILE | list [SOURCE] | remove SOURCE KEYID"),
    N_("manage the keys trusted to sign each source"), NULL, 0);
VERB(qtm_verb_policy, "policy", NULL, N_("NAME"), N_("show which source and version of a package wins, and why"), NULL, 0);
/* hive-control's command line follows, parsed by its own table (src/hive-control/commands.c). */
VERB(qtm_verb_hive, "hive", NULL, "COMMAND [ARGS]", N_("run and watch the hive (see qtm-hive(1))"), NULL, CLI_PASS_ALL);

static const struct cli_verb *const verbs[] = {
	&qtm_verb_install, &qtm_verb_reinstall, &qtm_verb_remove, &qtm_verb_autoremove, &qtm_verb_upgrade,
	&qtm_verb_full_upgrade, &qtm_verb_update, &qtm_verb_list, &qtm_verb_search, &qtm_verb_info, &qtm_verb_depends,
	&qtm_verb_rdepends, &qtm_verb_why, &qtm_verb_status, &qtm_verb_check_deps, &qtm_verb_run, &qtm_verb_mark, &qtm_verb_hold,
	&qtm_verb_unhold, &qtm_verb_history, &qtm_verb_verify, &qtm_verb_clean, &qtm_verb_source, &qtm_verb_key,
	&qtm_verb_policy, &qtm_verb_hive, NULL,
};

const struct cli_prog qtm_prog = {
	"qtm", N_("[GLOBAL OPTIONS] COMMAND [ARGS]"), global_options, verbs, N_("\nSee qtm(1) for details.\n"),
};
