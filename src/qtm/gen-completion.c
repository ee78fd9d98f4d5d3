/* gen-completion.c - prints the data part of the bash completion (data/completion/qtm) from the
 * command tables of qtm (verbs.c) and hive-control (commands.c): the verbs, the global options,
 * those taking an argument, each verb's options and the values an option's argument may take
 * ("local|fleet|slurm").  Run at build time; tests/integration/completion.sh compares the
 * shipped file with its output. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../hive-control/hc-commands.h"
#include "verbs.h"

static void
words(const struct cli_option *t, bool with_short)
{
	for (const struct cli_option *o = t; o != NULL && o->name != NULL; o++) {
		printf(" --%s", o->name);
		if (with_short && o->short_name != 0)
			printf(" -%c", o->short_name);
	}
}

static void
with_arg(const struct cli_option *t)
{
	for (const struct cli_option *o = t; o != NULL && o->name != NULL; o++)
		if (o->arg == CLI_REQUIRED)
			printf(" --%s", o->name);
}

/* _NAME_globals, _NAME_verbs, _NAME_args and the _NAME_opts array of one program. */
static void
program(const char *var, const struct cli_prog *p)
{
	printf("_%s_globals=\"", var);
	words(p->globals, true);
	printf(" --help -h --version\"\n_%s_args=\"", var);
	with_arg(p->globals);
	printf("\"\n_%s_verbs=\"", var);
	for (size_t i = 0; p->verbs[i] != NULL; i++)
		printf(" %s%s%s", p->verbs[i]->name, p->verbs[i]->alias != NULL ? " " : "",
		    p->verbs[i]->alias != NULL ? p->verbs[i]->alias : "");
	printf("\"\ndeclare -gA _%s_opts 2>/dev/null || declare -A _%s_opts\n", var, var);
	for (size_t i = 0; p->verbs[i] != NULL; i++) {
		const struct cli_verb *v = p->verbs[i];

		printf("_%s_opts[%s]=\"", var, v->name);
		words(v->options, true);
		printf(" --json\"\n");
		if (v->alias != NULL)
			printf("_%s_opts[%s]=${_%s_opts[%s]}\n", var, v->alias, var, v->name);
	}
}

/* Whether a verb before verbs[n] has the option name (start and restart share theirs). */
static bool
seen(const struct cli_prog *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		for (const struct cli_option *o = p->verbs[i]->options; o != NULL && o->name != NULL; o++)
			if (strcmp(o->name, name) == 0)
				return true;
	return false;
}

/* _qtm_values[--OPTION]: the words of an argument written "a|b|c" in the tables. */
static void
values(const struct cli_prog *p)
{
	for (size_t i = 0; p->verbs[i] != NULL; i++)
		for (const struct cli_option *o = p->verbs[i]->options; o != NULL && o->name != NULL; o++)
			if (o->argname != NULL && strchr(o->argname, '|') != NULL && !seen(p, i, o->name)) {
				printf("_qtm_values[--%s]=\"", o->name);
				for (const char *c = o->argname; *c != '\0'; c++)
					putchar(*c == '|' ? ' ' : *c);
				printf("\"\n");
			}
}

int
main(void)
{
	printf("\n# ---- generated from the command tables (src/qtm/verbs.c, src/hive-control/commands.c)\n"
	    "# ---- by src/qtm/gen-completion at build time: do not edit below this line.\n");
	program("qtm", &qtm_prog);
	program("hive_control", &hc_prog);
	printf("declare -gA _qtm_values 2>/dev/null || declare -A _qtm_values\n");
	values(&qtm_prog);
	values(&hc_prog);
	printf("\ncomplete -F _qtm qtm\ncomplete -F _hive_control hive-control\n");
	return 0;
}
