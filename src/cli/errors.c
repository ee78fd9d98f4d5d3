/* errors.c - the parser's usage errors: one line naming the problem, the closest valid choice
 * and the valid ones. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-error.h"
#include "i18n.h"
#include "xalloc.h"

/* Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours
 * ("--kye" is one edit from "--key"). */
size_t
cli_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), w = lb + 1, d;
	size_t *m;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	m = xcalloc((la + 1) * w, sizeof *m);
	for (size_t i = 0; i <= la; i++)
		m[i * w] = i;
	for (size_t j = 0; j <= lb; j++)
		m[j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = m[(i - 1) * w + j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = m[(i - 1) * w + j] + 1, ins = m[i * w + j - 1] + 1;

			d = sub < del ? sub : del;
			d = ins < d ? ins : d;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && m[(i - 2) * w + j - 2] + 1 < d)
				d = m[(i - 2) * w + j - 2] + 1;
			m[i * w + j] = d;
		}
	d = m[la * w + lb];
	free(m);
	return d <= cap ? d : cap + 1;
}

/* The most edits a suggestion may be from what was typed. */
static size_t
tolerance(size_t len)
{
	return len <= 3 ? 1 : len <= 8 ? 2 : 3;
}

static void
prefix(const struct cli_prog *prog, const struct cli_verb *verb)
{
	if (verb != NULL)
		fprintf(stderr, "%s %s: ", prog->name, verb->name);
	else
		fprintf(stderr, "%s: ", prog->name);
}

/* "--a, --b" of a table (owned by the caller). */
static char *
option_list(const struct cli_option *t)
{
	char *s = xstrdup("");

	for (const struct cli_option *o = t; o != NULL && o->name != NULL; o++) {
		char *n = xasprintf("%s%s--%s", s, s[0] != '\0' ? ", " : "", o->name);

		free(s);
		s = n;
	}
	return s;
}

/* The closest long option to name among the tables, or NULL. */
static const struct cli_option *
closest(const struct cli_option *const *t, size_t nt, const char *name)
{
	const struct cli_option *best = NULL;
	size_t bd = tolerance(strlen(name)) + 1;

	for (size_t k = 0; k < nt; k++)
		for (const struct cli_option *o = t[k]; o != NULL && o->name != NULL; o++) {
			size_t d = cli_distance(name, o->name, bd);

			if (d < bd || (strncmp(o->name, name, strlen(name)) == 0 && best == NULL)) {
				bd = d < bd ? d : bd;
				best = o;
			}
		}
	return best;
}

/* The verb (other than verb) whose table has the long option name, or NULL. */
static const struct cli_verb *
owner(const struct cli_prog *prog, const struct cli_verb *verb, const char *name)
{
	for (size_t i = 0; prog->verbs != NULL && prog->verbs[i] != NULL; i++)
		for (const struct cli_option *o = prog->verbs[i]->options; prog->verbs[i] != verb && o != NULL && o->name != NULL; o++)
			if (strcmp(o->name, name) == 0)
				return prog->verbs[i];
	return NULL;
}

/* The end of the line: what the verb (or the program) takes. */
static void
valid_options(const struct cli_prog *prog, const struct cli_verb *verb)
{
	char *list = option_list(verb != NULL ? verb->options : prog->globals);

	if (verb != NULL && list[0] != '\0')
		fprintf(stderr, _(" (%s takes %s; global options: %s --help)\n"), verb->name, list, prog->name);
	else if (verb != NULL)
		fprintf(stderr, _(" (%s takes no options of its own; global options: %s --help)\n"), verb->name, prog->name);
	else
		fprintf(stderr, _(" (valid: %s, --help, --version)\n"), list);
	free(list);
}

enum cli_result
cli_error_unknown(const struct cli_prog *prog, const struct cli_verb *verb, const char *word, size_t len,
    bool ambiguous)
{
	const struct cli_option *t[3] = { verb != NULL ? verb->options : NULL, prog->globals, cli_builtin_options() };
	char *name = xstrndup(word, len), *bare = name + (name[1] == '-' ? 2 : 1);
	const struct cli_verb *other = len > 2 && name[1] == '-' ? owner(prog, verb, bare) : NULL;
	const struct cli_option *near = len > 2 && name[1] == '-' && other == NULL ? closest(t, 3, bare) : NULL;

	prefix(prog, verb);
	if (other != NULL)
		fprintf(stderr, _("%s is an option of %s, not of %s"), name, other->name, verb != NULL ? verb->name : prog->name);
	else if (ambiguous)
		fprintf(stderr, _("ambiguous option %s"), name);
	else
		fprintf(stderr, _("unknown option %s"), name);
	if (near != NULL)
		fprintf(stderr, _("; did you mean --%s?"), near->name);
	valid_options(prog, verb);
	free(name);
	return CLI_BAD;
}

enum cli_result
cli_error_needs_arg(const struct cli_prog *prog, const struct cli_verb *verb, const struct cli_option *o)
{
	prefix(prog, verb);
	fprintf(stderr, _("--%s needs an argument: --%s %s\n"), o->name, o->name, o->argname != NULL ? o->argname : "VALUE");
	return CLI_BAD;
}

enum cli_result
cli_error_no_arg(const struct cli_prog *prog, const struct cli_verb *verb, const struct cli_option *o)
{
	prefix(prog, verb);
	fprintf(stderr, _("--%s takes no argument"), o->name);
	valid_options(prog, verb);
	return CLI_BAD;
}

enum cli_result
cli_error_verb(const struct cli_prog *prog, const char *word)
{
	const struct cli_verb *best = NULL;
	size_t bd = tolerance(strlen(word)) + 1;
	char *list = xstrdup("");

	for (size_t i = 0; prog->verbs[i] != NULL; i++) {
		const struct cli_verb *v = prog->verbs[i];
		size_t d = cli_distance(word, v->name, bd);
		char *n = xasprintf("%s%s%s", list, list[0] != '\0' ? ", " : "", v->name);

		free(list);
		list = n;
		if (d < bd || (best == NULL && word[0] != '\0' && strncmp(v->name, word, strlen(word)) == 0)) {
			bd = d < bd ? d : bd;
			best = v;
		}
	}
	fprintf(stderr, _("%s: unknown command \"%s\""), prog->name, word);
	if (best != NULL)
		fprintf(stderr, _("; did you mean %s?"), best->name);
	fprintf(stderr, _(" (commands: %s)\n"), list);
	free(list);
	return CLI_BAD;
}
