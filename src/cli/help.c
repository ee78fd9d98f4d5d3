/* help.c - a program's help, a verb's help and the usage line, all from the table. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli-error.h"
#include "i18n.h"

static void
print_options(FILE *f, const struct cli_option *t)
{
	for (const struct cli_option *o = t; o != NULL && o->name != NULL; o++) {
		char lead[64];

		if (o->help == NULL)
			continue;   /* hidden: kept for scripts and tests, not offered */
		if (o->arg == CLI_OPTIONAL)
			snprintf(lead, sizeof lead, "--%s[=%s]", o->name, o->argname);
		else
			snprintf(lead, sizeof lead, "--%s%s%s", o->name, o->arg == CLI_REQUIRED ? " " : "",
			    o->arg == CLI_REQUIRED ? o->argname : "");
		if (o->short_name != 0)
			fprintf(f, "  -%c, %-24s %s\n", o->short_name, lead, _(o->help));
		else
			fprintf(f, "      %-24s %s\n", lead, _(o->help));
	}
}

void
cli_help(FILE *f, const struct cli_prog *prog)
{
	fprintf(f, _("usage: %s %s\n"), prog->name, _(prog->synopsis));
	if (prog->verbs != NULL) {
		fprintf(f, "\n%s\n", _("commands:"));
		for (size_t i = 0; prog->verbs[i] != NULL; i++)
			fprintf(f, "  %-11s %-28s %s\n", prog->verbs[i]->name, _(prog->verbs[i]->synopsis),
			    _(prog->verbs[i]->summary));
	}
	fprintf(f, "\n%s\n", prog->verbs != NULL ? _("global options (before or after the command):") : _("options:"));
	print_options(f, prog->globals);
	print_options(f, cli_builtin_options());
	if (prog->verbs != NULL)
		fprintf(f, _("\n\"%s help COMMAND\" or \"%s COMMAND --help\" shows a command's options.\n"),
		    prog->name, prog->name);
	if (prog->footer != NULL)
		fprintf(f, "%s", _(prog->footer));
}

void
cli_verb_help(FILE *f, const struct cli_prog *prog, const struct cli_verb *verb)
{
	fprintf(f, _("usage: %s %s %s\n"), prog->name, verb->name, _(verb->synopsis));
	fprintf(f, "%s\n", _(verb->summary));
	if (verb->alias != NULL)
		fprintf(f, _("alias: %s\n"), verb->alias);
	if (verb->options != NULL && verb->options[0].name != NULL) {
		fprintf(f, "\n%s\n", _("options:"));
		print_options(f, verb->options);
	}
	fprintf(f, _("\nGlobal options (\"%s --help\") are accepted too.\n"), prog->name);
}

int
cli_vusage(const struct cli_prog *prog, const struct cli_verb *verb, const char *fmt, va_list ap)
{
	if (verb == NULL) {   /* a program without verbs */
		fprintf(stderr, "%s: ", prog->name);
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		fprintf(stderr, _("usage: %s %s\n"), prog->name, _(prog->synopsis));
		return CLI_USAGE;
	}
	fprintf(stderr, "%s %s: ", prog->name, verb->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, _("\nusage: %s %s %s\n"), prog->name, verb->name, _(verb->synopsis));
	return CLI_USAGE;
}

int
cli_usage(const struct cli_prog *prog, const struct cli_verb *verb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cli_vusage(prog, verb, fmt, ap);
	va_end(ap);
	return rc;
}
