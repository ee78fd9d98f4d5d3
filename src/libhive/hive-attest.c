/* hive-attest.c - making and checking the hive's signed attestations of artifacts, and the
 * keys involved: the hive's own, and the one a client pins. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildid.h"
#include "ctx.h"
#include "hive-attest.h"
#include "hive-client.h"
#include "i18n.h"
#include "xalloc.h"

void
qtm_hive_attestation_clear(struct qtm_hive_attestation *a)
{
	free(a->runner);
	memset(a, 0, sizeof *a);
}

int
qtm_hive_key_open(struct qtm_ctx *ctx, const char *state_dir, struct qtm_key *key)
{
	char *prefix = xasprintf("%s/hive-key", state_dir), *priv = xasprintf("%s.key", prefix);
	char id[QTM_KEYID_LEN];
	int rc = 0;

	if (access(priv, F_OK) < 0 && (rc = qtm_key_generate(ctx, prefix, id)) == 0)
		qtm_info(ctx, _("made the hive's signing key %s (key id %s): clients pin its public half %s.pub"),
		    priv, id, prefix);
	if (rc == 0)
		rc = qtm_key_load_private(ctx, priv, key);
	free(prefix);
	free(priv);
	return rc;
}

/* Canonical JSON (buildid.h): the same attestation always has the same bytes. */
static char *
statement(const struct qtm_hive_attestation *a)
{
	cJSON *j = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(j, "build_id", a->build_id);
	cJSON_AddStringToObject(j, "sha256", a->sha256);
	cJSON_AddNumberToObject(j, "size", (double)a->size);
	cJSON_AddItemToObject(j, "runner", a->runner != NULL ? cJSON_CreateString(a->runner) : cJSON_CreateNull());
	cJSON_AddItemToObject(j, "job", a->runner != NULL ? cJSON_CreateNumber((double)a->job) : cJSON_CreateNull());
	cJSON_AddItemToObject(j, "attempt", a->runner != NULL ? cJSON_CreateNumber(a->attempt) : cJSON_CreateNull());
	text = qtm_json_canonical(j);
	cJSON_Delete(j);
	return text;
}

int
qtm_hive_attest_make(struct qtm_ctx *ctx, const struct qtm_key *key, const struct qtm_hive_attestation *a,
    char **doc)
{
	char *text = statement(a);
	cJSON *j = cJSON_CreateObject();
	int rc = qtm_sign_add(ctx, key, text, strlen(text), j);

	cJSON_AddStringToObject(j, "statement", text);
	*doc = rc == 0 ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	free(text);
	return rc;
}

/* The statement's fields into out; false when one is missing or of the wrong type. */
static bool
read_statement(const cJSON *s, struct qtm_hive_attestation *out)
{
	const char *bid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "build_id"));
	const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "sha256"));
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(s, "size");
	const cJSON *runner = cJSON_GetObjectItemCaseSensitive(s, "runner");
	const cJSON *job = cJSON_GetObjectItemCaseSensitive(s, "job");
	const cJSON *attempt = cJSON_GetObjectItemCaseSensitive(s, "attempt");

	if (bid == NULL || sha == NULL || !qtm_sha256_valid(bid) || !qtm_sha256_valid(sha) || !cJSON_IsNumber(size) ||
	    size->valuedouble < 0 || !(cJSON_IsString(runner) || cJSON_IsNull(runner)))
		return false;
	snprintf(out->build_id, sizeof out->build_id, "%s", bid);
	snprintf(out->sha256, sizeof out->sha256, "%s", sha);
	out->size = (uint64_t)size->valuedouble;
	out->runner = cJSON_IsString(runner) ? xstrdup(runner->valuestring) : NULL;
	out->job = cJSON_IsNumber(job) ? (int64_t)job->valuedouble : 0;
	out->attempt = cJSON_IsNumber(attempt) ? attempt->valueint : 0;
	return true;
}

int
qtm_hive_attest_verify(struct qtm_ctx *ctx, const char *doc, size_t len, const struct qtm_key *key,
    const char *build_id, const char *sha256, uint64_t size, struct qtm_hive_attestation *out)
{
	cJSON *j = cJSON_ParseWithLength(doc, len), *s = NULL;
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "statement"));
	struct qtm_hive_attestation a = { 0 };
	int rc = 0;

	if (text == NULL || (s = cJSON_Parse(text)) == NULL || !read_statement(s, &a))
		rc = qtm_error(ctx, -EKEYREJECTED, _("the attestation of build %.12s is not an attestation document"),
		    build_id);
	else if (qtm_sign_count_valid(j, key, 1, text, strlen(text)) != 1)
		rc = qtm_error(ctx, -EKEYREJECTED, _("the attestation of build %.12s is not signed by the pinned hive key %s"),
		    build_id, key->id);
	else if (strcmp(a.build_id, build_id) != 0)
		rc = qtm_error(ctx, -EKEYREJECTED, _("the attestation is for build %.12s, not %.12s"), a.build_id, build_id);
	else if (strcmp(a.sha256, sha256) != 0 || a.size != size)
		rc = qtm_error(ctx, -EKEYREJECTED, _("the artifact of build %.12s has sha256 %s and %llu bytes, but the hive "
		    "attests sha256 %s and %llu bytes"), build_id, sha256, (unsigned long long)size, a.sha256,
		    (unsigned long long)a.size);
	cJSON_Delete(s);
	cJSON_Delete(j);
	if (rc == 0 && out != NULL)
		*out = a;
	else
		qtm_hive_attestation_clear(&a);
	return rc;
}

int
qtm_hive_key_pinned(struct qtm_ctx *ctx, struct qtm_key *key, char **origin)
{
	const char *env = getenv("QTM_HIVE_KEY");
	char *dir, *path;
	int rc;

	*origin = NULL;
	if (env != NULL && *env != '\0') {
		*origin = xstrdup("QTM_HIVE_KEY");
		if (strncmp(env, "-----BEGIN", 10) == 0)
			return qtm_key_parse_public(ctx, env, "QTM_HIVE_KEY", key);
		return qtm_key_load_public(ctx, env, key);
	}
	if (ctx->hive_key != NULL) {
		*origin = xasprintf("hive_key = %s", ctx->hive_key);
		return qtm_key_load_public(ctx, ctx->hive_key, key);
	}
	dir = qtm_hive_state_dir(ctx);
	path = xasprintf("%s/hive-key.pub", dir);
	free(dir);
	if (access(path, F_OK) < 0) {
		free(path);
		return -ENOENT;
	}
	if ((rc = qtm_key_load_public(ctx, path, key)) == 0)
		*origin = path;
	else
		free(path);
	return rc;
}

int
qtm_hive_attest_fetch(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct qtm_key *key,
    const char *build_id, const char *sha256, uint64_t size, struct qtm_hive_attestation *out)
{
	char *route = xasprintf("/v1/artifact/%s/attestation", build_id), *text;
	cJSON *doc = NULL;
	int rc = qtm_hive_call(ctx, c, "GET", route, NULL, &doc);

	free(route);
	if (rc < 0) {
		qtm_error_prefix(ctx, _("the hive gave no attestation of build %.12s"), build_id);
		return rc == -EHOSTUNREACH ? rc : -EKEYREJECTED;
	}
	/* The statement is checked as the exact text it holds: re-printing the rest is harmless. */
	text = cJSON_PrintUnformatted(doc);
	rc = text != NULL ? qtm_hive_attest_verify(ctx, text, strlen(text), key, build_id, sha256, size, out) :
	    qtm_error(ctx, -EKEYREJECTED, _("the attestation of build %.12s is not an attestation document"), build_id);
	free(text);
	cJSON_Delete(doc);
	return rc;
}
