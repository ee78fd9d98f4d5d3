/* parse.c - the command-line parser driven by a program's table (cli.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-error.h"
#include "i18n.h"
#include "xalloc.h"

/* Every program's --help and --version. */
static const struct cli_option builtin[] = {
	{ "help", 'h', CLI_NO_ARG, NULL, N_("print this help and exit"), CLI_OPT_HELP },
	{ "version", 0, CLI_NO_ARG, NULL, N_("print the version and exit"), CLI_OPT_VERSION },
	{ NULL, 0, CLI_NO_ARG, NULL, NULL, 0 },
};

const struct cli_option *
cli_builtin_options(void)
{
	return builtin;
}

const struct cli_verb *
cli_find_verb(const struct cli_prog *prog, const char *name)
{
	for (size_t i = 0; prog->verbs != NULL && prog->verbs[i] != NULL; i++)
		if (strcmp(prog->verbs[i]->name, name) == 0 ||
		    (prog->verbs[i]->alias != NULL && strcmp(prog->verbs[i]->alias, name) == 0))
			return prog->verbs[i];
	return NULL;
}

/* The tables an option is looked up in, in order: the verb's, the globals, the built-ins. */
static void
tables(const struct cli_prog *prog, const struct cli_verb *verb, const struct cli_option *t[3])
{
	t[0] = verb != NULL ? verb->options : NULL;
	t[1] = prog->globals;
	t[2] = builtin;
}

/* A long option by its exact name, else by a prefix of one option only (getopt_long's habit).
 * *ambiguous is set when a prefix fits several. */
static const struct cli_option *
find_long(const struct cli_option *t[3], const char *name, size_t len, bool *ambiguous)
{
	const struct cli_option *found = NULL;
	int n = 0;

	*ambiguous = false;
	for (int k = 0; k < 3; k++)
		for (const struct cli_option *o = t[k]; o != NULL && o->name != NULL; o++)
			if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
	for (int k = 0; k < 3; k++)
		for (const struct cli_option *o = t[k]; o != NULL && o->name != NULL; o++)
			if (strncmp(o->name, name, len) == 0) {
				found = o;
				n++;
			}
	*ambiguous = n > 1;
	return n == 1 ? found : NULL;
}

static const struct cli_option *
find_short(const struct cli_option *t[3], char c)
{
	for (int k = 0; k < 3; k++)
		for (const struct cli_option *o = t[k]; o != NULL && o->name != NULL; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

static bool
in_table(const struct cli_option *table, const struct cli_option *o)
{
	for (const struct cli_option *p = table; p != NULL && p->name != NULL; p++)
		if (p == o)
			return true;
	return false;
}

static void
push_value(struct cli_value **v, size_t *n, const struct cli_option *o, const char *arg)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = (struct cli_value){ o, arg };
}

struct state {
	const struct cli_prog *prog;
	const struct cli_verb *verb;
	struct cli_args *args;
	bool help;
};

static enum cli_result
record(struct state *s, const struct cli_option *o, const char *arg)
{
	if (o->id == CLI_OPT_HELP && in_table(builtin, o)) {
		s->help = true;
	} else if (o->id == CLI_OPT_VERSION && in_table(builtin, o)) {
		printf("%s %s\n", s->prog->name, PACKAGE_VERSION);
		return CLI_DONE;
	} else if (s->verb != NULL && in_table(s->verb->options, o)) {
		push_value(&s->args->options, &s->args->noptions, o, arg);
	} else {
		push_value(&s->args->globals, &s->args->nglobals, o, arg);
	}
	return CLI_RUN;
}

/* --NAME, --NAME=VALUE or --NAME VALUE; *i moves past a separate value. */
static enum cli_result
long_option(struct state *s, int argc, char **argv, int *i)
{
	const char *w = argv[*i] + 2, *eq = strchr(w, '=');
	size_t len = eq != NULL ? (size_t)(eq - w) : strlen(w);
	const struct cli_option *t[3], *o;
	bool ambiguous;

	tables(s->prog, s->verb, t);
	if ((o = find_long(t, w, len, &ambiguous)) == NULL)
		return cli_error_unknown(s->prog, s->verb, argv[*i], len + 2, ambiguous);
	if (o->arg == CLI_NO_ARG && eq != NULL)
		return cli_error_no_arg(s->prog, s->verb, o);
	if (o->arg == CLI_REQUIRED && eq == NULL) {
		if (*i + 1 >= argc)
			return cli_error_needs_arg(s->prog, s->verb, o);
		return record(s, o, argv[++*i]);
	}
	return record(s, o, eq != NULL ? eq + 1 : NULL);
}

/* -abc, -pVALUE or -p VALUE. */
static enum cli_result
short_options(struct state *s, int argc, char **argv, int *i)
{
	const struct cli_option *t[3], *o;
	const char *w = argv[*i];
	enum cli_result r;

	tables(s->prog, s->verb, t);
	for (size_t k = 1; w[k] != '\0'; k++) {
		char opt[3] = { '-', w[k], '\0' };

		if ((o = find_short(t, w[k])) == NULL)
			return cli_error_unknown(s->prog, s->verb, opt, 2, false);
		if (o->arg == CLI_REQUIRED) {
			if (w[k + 1] != '\0')
				return record(s, o, w + k + 1);
			if (*i + 1 >= argc)
				return cli_error_needs_arg(s->prog, s->verb, o);
			return record(s, o, argv[++*i]);
		}
		if ((r = record(s, o, NULL)) != CLI_RUN)
			return r;
	}
	return CLI_RUN;
}

/* "help [VERB]" in place of a verb. */
static enum cli_result
help_verb(const struct cli_prog *prog, const char *name)
{
	const struct cli_verb *v;

	if (name == NULL) {
		cli_help(stdout, prog);
		return CLI_DONE;
	}
	if ((v = cli_find_verb(prog, name)) == NULL)
		return cli_error_verb(prog, name);
	cli_verb_help(stdout, prog, v);
	return CLI_DONE;
}

/* An operand: the verb when none came yet, else one of its operands. */
static enum cli_result
operand(struct state *s, int argc, char **argv, int i, bool *options_end)
{
	struct cli_args *a = s->args;

	if (s->verb == NULL && s->prog->verbs != NULL) {
		if (strcmp(argv[i], "help") == 0 && cli_find_verb(s->prog, "help") == NULL)
			return help_verb(s->prog, i + 1 < argc ? argv[i + 1] : NULL);
		if ((s->verb = cli_find_verb(s->prog, argv[i])) == NULL)
			return cli_error_verb(s->prog, argv[i]);
		a->verb = s->verb;
		a->argv[0] = argv[i];
		*options_end = (s->verb->flags & CLI_PASS_ALL) != 0;
		return CLI_RUN;
	}
	a->argv[a->argc++] = argv[i];
	if (s->verb != NULL && (s->verb->flags & CLI_OPERANDS_LAST))
		*options_end = true;
	return CLI_RUN;
}

enum cli_result
cli_parse(const struct cli_prog *prog, int argc, char **argv, struct cli_args *args)
{
	struct state s = { prog, NULL, args, false };
	enum cli_result r = CLI_RUN;
	bool options_end = false;

	memset(args, 0, sizeof *args);
	args->argv = xcalloc((size_t)argc + 1, sizeof *args->argv);
	args->argv[0] = argv[0];
	args->argc = 1;
	for (int i = 1; r == CLI_RUN && i < argc; i++) {
		const char *w = argv[i];

		if (options_end || w[0] != '-' || w[1] == '\0')
			r = operand(&s, argc, argv, i, &options_end);
		else if (strcmp(w, "--") == 0)
			options_end = true;
		else if (w[1] == '-')
			r = long_option(&s, argc, argv, &i);
		else
			r = short_options(&s, argc, argv, &i);
	}
	if (r == CLI_RUN && s.help) {
		if (s.verb != NULL)
			cli_verb_help(stdout, prog, s.verb);
		else
			cli_help(stdout, prog);
		r = CLI_DONE;
	}
	if (r == CLI_RUN && prog->verbs != NULL && s.verb == NULL) {
		cli_help(stderr, prog);
		r = CLI_BAD;
	}
	if (r != CLI_RUN)
		cli_args_free(args);
	return r;
}

void
cli_args_free(struct cli_args *args)
{
	free(args->globals);
	free(args->options);
	free(args->argv);
	memset(args, 0, sizeof *args);
}

const char *
cli_global(const struct cli_args *args, int id)
{
	const char *v = NULL;

	for (size_t i = 0; i < args->nglobals; i++)
		if (args->globals[i].opt->id == id)
			v = args->globals[i].arg;
	return v;
}
