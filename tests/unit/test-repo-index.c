/* test-repo-index.c - the published index in memory (repo-index.c): the number of buckets a
 * build chooses, qtm_version_cmp against dpkg's answers, and a commit's pieces: sorted, split
 * into newest and older, content-addressed (an unchanged bucket keeps its piece), reopened
 * as they were written, and a piece changed by hand refused. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "paths.h"
#include "release.h"
#include "repo-index.h"
#include "version.h"
#include "xalloc.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#define PAIRS TOP_SRCDIR "/tests/data/version-pairs.txt"

static void
test_buckets_for(void **state)
{
	(void)state;
	assert_int_equal(qtm_repo_buckets_for(0), 1);
	assert_int_equal(qtm_repo_buckets_for(256), 1);
	assert_int_equal(qtm_repo_buckets_for(257), 2);
	assert_int_equal(qtm_repo_buckets_for(100000), 512);
	assert_int_equal(qtm_repo_buckets_for((size_t)1 << 30), 65536);
}

static void
test_version_cmp_dpkg(void **state)
{
	FILE *f = fopen(PAIRS, "re");
	char a[128], b[128], r[4], line[320];
	size_t n = 0, wrong = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		int c;

		if (line[0] == '#' || sscanf(line, "%127s %127s %3s", a, b, r) != 3)
			continue;
		c = qtm_version_cmp(a, b);
		if ((c < 0 ? '<' : c > 0 ? '>' : '=') != r[0]) {
			print_message("%s %s: dpkg says %s, qtm_version_cmp %d\n", a, b, r, c);
			wrong++;
		}
		n++;
	}
	fclose(f);
	assert_true(n >= 10000);
	assert_int_equal(wrong, 0);
}

static cJSON *
entry(const char *name, const char *version)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "version", version);
	return e;
}

/* The versions of name in the opened index, highest first, space-separated (owned). */
static char *
versions(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name)
{
	cJSON **v;
	size_t n;
	char *out = xstrdup("");

	assert_int_equal(qtm_repo_index_versions(ctx, idx, name, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? " " : "",
		    cJSON_GetObjectItemCaseSensitive(v[i], "version")->valuestring);

		free(out);
		out = next;
	}
	free(v);
	return out;
}

static void
test_commit_and_reopen(void **state)
{
	struct qtm_ctx *ctx = *state;
	char dir[] = "/tmp/qtm-test-repo-index.XXXXXX";
	struct qtm_repo_commit co = { .name = "t" };
	struct qtm_repo_index *idx;
	const struct qtm_release *rel;
	char *s, first_a[QTM_SHA256_HEX] = "", piece[256];
	cJSON *e = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	idx = qtm_repo_index_new(dir, 2, 4);
	qtm_repo_index_append(idx, entry("a", "1.0"));
	qtm_repo_index_append(idx, entry("a", "1:0.1"));
	qtm_repo_index_append(idx, entry("a", "1.0~rc1"));
	qtm_repo_index_append(idx, entry("b", "2.0"));
	assert_int_equal(qtm_repo_index_commit(ctx, idx, &co), 0);
	qtm_repo_index_free(idx);

	assert_int_equal(qtm_repo_index_open(ctx, dir, &idx), 0);
	rel = qtm_repo_index_release(idx, NULL, NULL);
	assert_int_equal(rel->format, 2);
	assert_int_equal(rel->buckets, 4);
	assert_int_equal(rel->version, 1);
	/* a has three versions: its newest piece holds 1:0.1, its older piece the other two. */
	for (size_t i = 0; i < rel->n_pieces; i++)
		if (rel->pieces[i].bucket == qtm_release_bucket("a", 4) && !rel->pieces[i].older)
			snprintf(first_a, sizeof first_a, "%s", rel->pieces[i].sha256);
	assert_int_not_equal(first_a[0], '\0');
	s = versions(ctx, idx, "a");
	assert_string_equal(s, "1:0.1 1.0 1.0~rc1");
	free(s);
	assert_int_equal(qtm_repo_index_find(ctx, idx, "a", NULL, &e), 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "version")->valuestring, "1:0.1");
	assert_int_equal(qtm_repo_index_find(ctx, idx, "c", "1.0", &e), 0);

	/* Changing b only: a's pieces keep their names. */
	assert_int_equal(qtm_repo_index_put(ctx, idx, entry("b", "3.0")), 0);
	assert_int_equal(qtm_repo_index_remove(ctx, idx, "b", "2.0"), 0);
	assert_int_equal(qtm_repo_index_remove(ctx, idx, "b", "9.9"), -ENOENT);
	assert_int_equal(qtm_repo_index_commit(ctx, idx, &co), 0);
	qtm_repo_index_free(idx);
	assert_int_equal(qtm_repo_index_open(ctx, dir, &idx), 0);
	rel = qtm_repo_index_release(idx, NULL, NULL);
	assert_int_equal(rel->version, 2);
	if (qtm_release_bucket("a", 4) != qtm_release_bucket("b", 4)) {
		bool kept = false;

		for (size_t i = 0; i < rel->n_pieces; i++)
			kept |= strcmp(rel->pieces[i].sha256, first_a) == 0;
		assert_true(kept);
	}
	s = versions(ctx, idx, "b");
	assert_string_equal(s, "3.0");
	free(s);
	qtm_repo_index_free(idx);

	/* The piece of a's newest versions, changed by hand, is refused when it is read. */
	assert_int_equal(qtm_repo_index_open(ctx, dir, &idx), 0);
	rel = qtm_repo_index_release(idx, NULL, NULL);
	for (size_t i = 0; i < rel->n_pieces; i++)
		if (rel->pieces[i].bucket == qtm_release_bucket("a", 4) && !rel->pieces[i].older)
			snprintf(piece, sizeof piece, "%s/index/%s.json.gz", dir, rel->pieces[i].sha256);
	f = fopen(piece, "ae");
	assert_non_null(f);
	fputc('x', f);
	fclose(f);
	assert_int_equal(qtm_repo_index_find(ctx, idx, "a", NULL, &e), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(ctx), "changed since it was published"));
	qtm_repo_index_free(idx);
	assert_int_equal(qtm_rm_rf(ctx, dir), 0);
}

static int
setup(void **state)
{
	*state = qtm_ctx_new("/nonexistent/qtm-test-repo-index", NULL);
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
		cmocka_unit_test(test_buckets_for),
		cmocka_unit_test(test_version_cmp_dpkg),
		cmocka_unit_test(test_commit_and_reopen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
