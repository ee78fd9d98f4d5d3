/* cli.h - the front ends' command line (qtm, qtm-repo, hive-control, qtm-hived, qtm-runner):
 * a declarative command table (a program's verbs, their aliases, synopses and options), the
 * parser it drives, the help it prints, and the one exit-status table of every program
 * (documented in qtm-exit-status(7)).
 *
 * Ownership: the tables are static data of the front ends and are only read.  struct cli_args
 * points into argv and into the tables; its arrays belong to it and cli_args_free() frees
 * them. */
#ifndef QTM_CLI_H
#define QTM_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cli_arg { CLI_NO_ARG, CLI_REQUIRED, CLI_OPTIONAL };

struct cli_option {
	const char *name;        /* long name without "--"; NULL ends a table */
	char short_name;         /* or 0 */
	enum cli_arg arg;
	const char *argname;     /* the argument in help, e.g. "K=V"; NULL without one */
	const char *help;        /* N_() text */
	int id;                  /* what the verb switches on */
};

/* The verb takes its options only before its first operand: what follows belongs to someone
 * else (qtm run NAME ARGS..., qtm hive COMMAND...). */
#define CLI_OPERANDS_LAST 1u
/* Nothing after the verb is parsed: it is another program's command line (qtm hive). */
#define CLI_PASS_ALL 2u

struct cli_verb {
	const char *name;
	const char *alias;       /* or NULL */
	const char *synopsis;    /* N_() text: the operands and options, e.g. "[-s] NAME..." */
	const char *summary;     /* N_() text */
	const struct cli_option *options;   /* or NULL */
	unsigned flags;
};

struct cli_prog {
	const char *name;        /* "qtm", or "qtm hive" for a program inside another */
	const char *synopsis;    /* N_() text: "[GLOBAL OPTIONS] COMMAND [ARGS]" */
	const struct cli_option *globals;   /* accepted before and after the verb */
	const struct cli_verb *const *verbs;   /* NULL-terminated, or NULL: the program has none */
	const char *footer;      /* N_() text after the help, or NULL */
};

struct cli_value {
	const struct cli_option *opt;
	const char *arg;         /* the option's argument (in argv), or NULL */
};

struct cli_args {
	const struct cli_verb *verb;   /* NULL for a program without verbs */
	struct cli_value *globals, *options;   /* in command-line order */
	size_t nglobals, noptions;
	int argc;                /* argv[0]: the verb (or the program), then the operands */
	char **argv;             /* NULL-terminated */
};

/* What cli_parse() found. */
enum cli_result {
	CLI_RUN,                 /* args is filled in */
	CLI_DONE,                /* --help, help VERB or --version printed: exit 0 */
	CLI_BAD,                 /* a one-line usage error printed on stderr: exit status usage */
};

/* Option ids of cli_parse()'s own: --help and --version of every program. */
enum { CLI_OPT_HELP = -1, CLI_OPT_VERSION = -2 };

/* Parses argv (argv[0]: the program) against prog's table.  Global options may stand before or
 * after the verb, the verb's options anywhere among its operands; "--" ends the options.
 * "VERB --help", "help VERB" and --help print help on stdout. */
enum cli_result cli_parse(const struct cli_prog *prog, int argc, char **argv, struct cli_args *args);
void cli_args_free(struct cli_args *args);
/* The argument of the last global option with id (such as --root), or NULL. */
const char *cli_global(const struct cli_args *args, int id);

/* The program's help (verbs and global options), or one verb's: synopsis and options. */
void cli_help(FILE *f, const struct cli_prog *prog);
void cli_verb_help(FILE *f, const struct cli_prog *prog, const struct cli_verb *verb);
/* "usage: PROG VERB SYNOPSIS" on stderr after a message: for the operand checks of a verb
 * (verb NULL: of a program without verbs).  Returns CLI_USAGE. */
int cli_usage(const struct cli_prog *prog, const struct cli_verb *verb, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cli_vusage(const struct cli_prog *prog, const struct cli_verb *verb, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The edit distance of a and b, capped at cap + 1 (for suggestions). */
size_t cli_distance(const char *a, const char *b, size_t cap);

/* Return values of a command, beside 0 and negative libqtm codes: a usage error (already
 * printed), or a given exit status without a message. */
#define CLI_USAGE 1000
#define CLI_EXIT(status) (2000 + (status))

/* The one exit-status table (qtm-exit-status(7)). */
enum {
	CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_AGAIN = 3,
	CLI_EXIT_NOT_FOUND = 4, CLI_EXIT_UNREACHABLE = 5, CLI_EXIT_BAD_DATA = 6,
	CLI_EXIT_TRAINING = 7, CLI_EXIT_CANCELLED = 8, CLI_EXIT_UNTRUSTED = 9, CLI_EXIT_STOPPED = 10,
};
int cli_exit_status(int rc);

/* setlocale() and the message catalogue of every program. */
void cli_i18n_init(void);

#endif
