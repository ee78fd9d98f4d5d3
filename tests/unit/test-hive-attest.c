/* test-hive-attest.c - the hive's attestations: one made with the hive's key verifies against
 * its public half and the bytes it names; another key, other bytes, another build id or an
 * edited statement are refused (-EKEYREJECTED). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "hive-attest.h"
#include "paths.h"
#include "xalloc.h"

#define BID "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA "2222222222222222222222222222222222222222222222222222222222222222"
#define BID2 "3333333333333333333333333333333333333333333333333333333333333333"

static void
test_attest(void **state)
{
	char dir[] = "/tmp/qtm-attest-XXXXXX", *doc = NULL, *pub, *edited, *at;
	struct qtm_key key, mine, other;
	struct qtm_hive_attestation a = { .size = 42, .job = 7, .attempt = 2, .runner = (char *)"r1" }, got;
	struct qtm_ctx *ctx;
	char id[QTM_KEYID_LEN], *other_prefix;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ctx = qtm_ctx_new(dir, NULL);
	snprintf(a.build_id, sizeof a.build_id, "%s", BID);
	snprintf(a.sha256, sizeof a.sha256, "%s", SHA);
	assert_int_equal(qtm_hive_key_open(ctx, dir, &key), 0);
	pub = xasprintf("%s/hive-key.pub", dir);
	assert_int_equal(qtm_key_load_public(ctx, pub, &mine), 0);
	assert_int_equal(qtm_hive_attest_make(ctx, &key, &a, &doc), 0);
	assert_non_null(strstr(doc, "{\\\"attempt\\\":2,\\\"build_id\\\":\\\"" BID "\\\",\\\"job\\\":7,\\\"runner\\\":\\\"r1\\\","));
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &mine, BID, SHA, 42, &got), 0);
	assert_string_equal(got.runner, "r1");
	assert_int_equal(got.job, 7);
	assert_int_equal(got.attempt, 2);
	qtm_hive_attestation_clear(&got);
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &mine, BID, SHA, 43, NULL), -EKEYREJECTED);
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &mine, BID2, SHA, 42, NULL), -EKEYREJECTED);
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &mine, BID, BID2, 42, NULL), -EKEYREJECTED);
	/* An edited statement: its signature no longer holds. */
	edited = xstrdup(doc);
	at = strstr(edited, "\\\"r1\\\"");
	at[3] = '2';
	assert_int_equal(qtm_hive_attest_verify(ctx, edited, strlen(edited), &mine, BID, SHA, 42, NULL), -EKEYREJECTED);
	assert_int_equal(qtm_hive_attest_verify(ctx, "{}", 2, &mine, BID, SHA, 42, NULL), -EKEYREJECTED);
	/* Another key. */
	other_prefix = xasprintf("%s/other", dir);
	assert_int_equal(qtm_key_generate(ctx, other_prefix, id), 0);
	free(other_prefix);
	other_prefix = xasprintf("%s/other.pub", dir);
	assert_int_equal(qtm_key_load_public(ctx, other_prefix, &other), 0);
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &other, BID, SHA, 42, NULL), -EKEYREJECTED);
	/* The operator's uploads: job, attempt and runner null. */
	free(doc);
	a.runner = NULL;
	assert_int_equal(qtm_hive_attest_make(ctx, &key, &a, &doc), 0);
	assert_non_null(strstr(doc, "\\\"attempt\\\":null"));
	assert_int_equal(qtm_hive_attest_verify(ctx, doc, strlen(doc), &mine, BID, SHA, 42, &got), 0);
	assert_null(got.runner);
	qtm_hive_attestation_clear(&got);
	qtm_key_free(&key);
	qtm_key_free(&mine);
	qtm_key_free(&other);
	qtm_rm_rf(ctx, dir);
	qtm_ctx_free(ctx);
	free(other_prefix);
	free(edited);
	free(pub);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
