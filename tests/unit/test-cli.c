/* test-cli.c - the table-driven parser (src/cli): options anywhere, globals after the verb,
 * "--", prefixes, missing arguments, the closest match in a usage error, help. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_option globals[] = {
	{ "json", 'j', CLI_NO_ARG, NULL, "json", 'j' },
	{ "root", 'r', CLI_REQUIRED, "DIR", "root", 'r' },
	{ "wait", 0, CLI_OPTIONAL, "S", "wait", 'w' },
	{ NULL, 0, CLI_NO_ARG, NULL, NULL, 0 },
};
static const struct cli_option list_opts[] = {
	{ "installed", 'i', CLI_NO_ARG, NULL, "installed", 'i' },
	{ "available", 'a', CLI_NO_ARG, NULL, "available", 'a' },
	{ NULL, 0, CLI_NO_ARG, NULL, NULL, 0 },
};
static const struct cli_option install_opts[] = {
	{ "dry-run", 's', CLI_NO_ARG, NULL, "dry run", 's' },
	{ "param", 'p', CLI_REQUIRED, "K=V", "param", 'p' },
	{ "download-only", 'd', CLI_NO_ARG, NULL, "download", 'd' },
	{ NULL, 0, CLI_NO_ARG, NULL, NULL, 0 },
};
static const struct cli_verb list = { "list", NULL, "", "list", list_opts, 0 };
static const struct cli_verb install = { "install", NULL, "NAME...", "install", install_opts, 0 };
static const struct cli_verb run = { "run", NULL, "NAME ARGS", "run", NULL, CLI_OPERANDS_LAST };
static const struct cli_verb *const verbs[] = { &list, &install, &run, NULL };
static const struct cli_prog prog = { "prog", "COMMAND", globals, verbs, NULL };

/* Parses the words (argv[0] "prog" added); stderr's text in err (static). */
static enum cli_result
parse(struct cli_args *a, const char **err, ...)
{
	static char buf[4096];
	char *argv[16] = { "prog" };
	int argc = 1, saved = dup(STDERR_FILENO);
	FILE *tmp = tmpfile();
	enum cli_result r;
	size_t n;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	r = cli_parse(&prog, argc, argv, a);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof buf - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	if (err != NULL)
		*err = buf;
	return r;
}

static void
test_options_anywhere(void **state)
{
	struct cli_args a;

	assert_int_equal(parse(&a, NULL, "install", "x", "-s", "y", "--param", "k=v", "-pq=1", NULL), CLI_RUN);
	assert_ptr_equal(a.verb, &install);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[0], "install");
	assert_string_equal(a.argv[1], "x");
	assert_string_equal(a.argv[2], "y");
	assert_null(a.argv[3]);
	assert_int_equal(a.noptions, 3);
	assert_int_equal(a.options[0].opt->id, 's');
	assert_string_equal(a.options[1].arg, "k=v");
	assert_string_equal(a.options[2].arg, "q=1");
	cli_args_free(&a);
}

static void
test_globals_after_verb(void **state)
{
	struct cli_args a;

	assert_int_equal(parse(&a, NULL, "list", "--json", "-i", "--root=/r", "--wait", NULL), CLI_RUN);
	assert_int_equal(a.nglobals, 3);
	assert_int_equal(a.globals[0].opt->id, 'j');
	assert_string_equal(a.globals[1].arg, "/r");
	assert_null(a.globals[2].arg);
	assert_int_equal(a.noptions, 1);
	cli_args_free(&a);
	assert_int_equal(parse(&a, NULL, "-jr", "/x", "list", "--inst", NULL), CLI_RUN);
	assert_string_equal(a.globals[1].arg, "/x");
	assert_int_equal(a.options[0].opt->id, 'i');   /* a unique prefix */
	cli_args_free(&a);
}

static void
test_double_dash(void **state)
{
	struct cli_args a;

	assert_int_equal(parse(&a, NULL, "install", "-s", "--", "-x", "--json", NULL), CLI_RUN);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[1], "-x");
	assert_string_equal(a.argv[2], "--json");
	assert_int_equal(a.nglobals, 0);
	cli_args_free(&a);
	/* run: options only before its first operand. */
	assert_int_equal(parse(&a, NULL, "run", "--json", "m", "--flag", "-x", NULL), CLI_RUN);
	assert_int_equal(a.nglobals, 1);
	assert_int_equal(a.argc, 4);
	assert_string_equal(a.argv[2], "--flag");
	cli_args_free(&a);
}

static void
test_missing_argument(void **state)
{
	const char *err;
	struct cli_args a;

	assert_int_equal(parse(&a, &err, "install", "x", "--param", NULL), CLI_BAD);
	assert_string_equal(err, "prog install: --param needs an argument: --param K=V\n");
	assert_int_equal(parse(&a, &err, "install", "x", "-p", NULL), CLI_BAD);
	assert_non_null(strstr(err, "--param needs an argument"));
	assert_int_equal(parse(&a, &err, "list", "--installed=yes", NULL), CLI_BAD);
	assert_non_null(strstr(err, "--installed takes no argument"));
}

static void
test_closest_match(void **state)
{
	const char *err;
	struct cli_args a;

	assert_int_equal(cli_distance("instaled", "installed", 3), 1);
	assert_int_equal(cli_distance("abc", "abc", 3), 0);
	assert_int_equal(cli_distance("kye", "key", 3), 1);   /* a swap is one edit */
	assert_true(cli_distance("x", "installed", 2) > 2);
	assert_int_equal(parse(&a, &err, "list", "--instaled", NULL), CLI_BAD);
	assert_string_equal(err, "prog list: unknown option --instaled; did you mean --installed? "
	    "(list takes --installed, --available; global options: prog --help)\n");
	assert_int_equal(parse(&a, &err, "list", "--download-only", NULL), CLI_BAD);
	assert_non_null(strstr(err, "--download-only is an option of install, not of list"));
	assert_int_equal(parse(&a, &err, "list", "--bogus", NULL), CLI_BAD);
	assert_null(strstr(err, "did you mean"));
	assert_int_equal(parse(&a, &err, "instal", NULL), CLI_BAD);
	assert_string_equal(err, "prog: unknown command \"instal\"; did you mean install? (commands: list, install, run)\n");
	assert_int_equal(parse(&a, &err, "list", "-z", NULL), CLI_BAD);
	assert_non_null(strstr(err, "unknown option -z"));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);   /* one line */
}

static void
test_help(void **state)
{
	struct cli_args a;
	int saved = dup(STDOUT_FILENO);
	FILE *null = fopen("/dev/null", "w");

	fflush(stdout);
	dup2(fileno(null), STDOUT_FILENO);
	assert_int_equal(parse(&a, NULL, "install", "--help", NULL), CLI_DONE);
	assert_int_equal(parse(&a, NULL, "help", "list", NULL), CLI_DONE);
	assert_int_equal(parse(&a, NULL, "--help", NULL), CLI_DONE);
	assert_int_equal(parse(&a, NULL, "--version", NULL), CLI_DONE);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	fclose(null);
	assert_int_equal(parse(&a, NULL, "help", "nosuch", NULL), CLI_BAD);
	assert_int_equal(parse(&a, NULL, "--json", NULL), CLI_BAD);   /* no command */
	assert_int_equal(cli_exit_status(CLI_USAGE), CLI_EXIT_USAGE);
	assert_int_equal(cli_exit_status(CLI_EXIT(42)), 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_anywhere),
		cmocka_unit_test(test_globals_after_verb),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_closest_match),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
