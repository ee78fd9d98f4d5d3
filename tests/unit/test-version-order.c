/* test-version-order.c - qtm orders versions exactly as dpkg does.
 *
 * tests/data/version-pairs.txt holds dpkg --compare-versions' answers for pairs of real Debian
 * version strings (tests/data/debian-versions.txt, both made once by gen-version-pairs.sh), so
 * the test needs no dpkg.  Each pair is asked both ways through the comparison requirements and
 * the solver use; a handful of written cases cover what the corpus lacks (digit runs longer
 * than any integer, zero epochs, leading zeros). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "manifest.h"
#include "pool-internal.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define PAIRS TOP_SRCDIR "/tests/data/version-pairs.txt"
#define CORPUS TOP_SRCDIR "/tests/data/debian-versions.txt"

/* qtm's answer, <, = or >, for a against b. */
static char
qtm_order(struct qtm_pool *p, const char *a, const char *b)
{
	struct qtm_dep lt = { .op = QTM_DEP_LT, .version = (char *)b };
	struct qtm_dep eq = { .op = QTM_DEP_EQ, .version = (char *)b };

	return qtm_pool_version_ok(p, a, &lt) ? '<' : qtm_pool_version_ok(p, a, &eq) ? '=' : '>';
}

static char
reversed(char r)
{
	return r == '<' ? '>' : r == '>' ? '<' : '=';
}

static void
check(struct qtm_pool *p, const char *a, const char *b, char want, size_t *wrong)
{
	char got = qtm_order(p, a, b), back = qtm_order(p, b, a);

	if (got != want || back != reversed(want)) {
		print_message("%s %s: dpkg says %c, qtm %c (and %c the other way)\n", a, b, want, got, back);
		(*wrong)++;
	}
}

static void
test_dpkg_pairs(void **state)
{
	struct qtm_pool *p = qtm_pool_new(*state);
	FILE *f = fopen(PAIRS, "r");
	char line[256], a[128], b[128], r;
	size_t n = 0, wrong = 0, invalid = 0, epochs = 0, tildes = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%127s %127s %c", a, b, &r), 3);
		assert_non_null(strchr("<=>", r));
		invalid += !qtm_version_valid(a) + !qtm_version_valid(b);
		epochs += strchr(a, ':') != NULL || strchr(b, ':') != NULL;
		tildes += strchr(a, '~') != NULL || strchr(b, '~') != NULL;
		check(p, a, b, r, &wrong);
		n++;
	}
	fclose(f);
	qtm_pool_free(p);
	assert_int_equal(wrong, 0);
	assert_int_equal(invalid, 0);   /* every real Debian version is a valid qtm version */
	assert_true(n >= 10000);
	assert_true(epochs >= 500 && tildes >= 500);
}

/* Every version of the corpus is valid, so a module may carry any of them. */
static void
test_corpus_valid(void **state)
{
	FILE *f = fopen(CORPUS, "r");
	char line[256];
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!qtm_version_valid(line))
			print_message("not valid: %s\n", line);
		assert_true(qtm_version_valid(line));
		n++;
	}
	fclose(f);
	assert_true(n >= 10000);
}

/* The chain qtm-module(5) documents, and cases dpkg was asked about by hand. */
static void
test_written_cases(void **state)
{
	static const struct { const char *a, *b; char r; } cases[] = {
		{ "1.0~rc1", "1.0", '<' }, { "1.0", "1.0.1", '<' }, { "1.0.1", "1:0.1", '<' },
		{ "1.0~~", "1.0~", '<' }, { "1.0~", "1.0", '<' }, { "1.0a", "1.0+", '<' },
		{ "1.0", "1.0-1", '<' }, { "0:1.0", "1.0", '=' }, { "1.01", "1.1", '=' },
		{ "1.123456789012345678901234567890", "1.123456789012345678901234567891", '<' },
		{ "99999999999999999999", "100000000000000000000", '<' },
		{ "2:1.0", "10:0.1", '<' },
		{ "1.0-1", "1.0-1.~", '<' }, { "1.0", "1.0-a", '<' }, { "1.0", "1.0-0.1", '<' },
		{ "1.0", "1.0-00a", '<' }, { "01:1.0", "1:1.0", '=' }, { "1.0-1", "1.0-01", '=' },
	};
	struct qtm_pool *p = qtm_pool_new(*state);
	size_t wrong = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(p, cases[i].a, cases[i].b, cases[i].r, &wrong);
	qtm_pool_free(p);
	assert_int_equal(wrong, 0);
}

static int
setup(void **state)
{
	*state = qtm_ctx_new("/nonexistent/qtm-test-version-order", NULL);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	qtm_ctx_free(*state);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_pairs),
		cmocka_unit_test(test_corpus_valid),
		cmocka_unit_test(test_written_cases),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
