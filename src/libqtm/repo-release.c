/* repo-release.c - release.json and its signatures, published in a crash-safe order. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "repo-release.h"
#include "sign.h"
#include "xalloc.h"

static void
utc_string(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The release's text (owned), ending in a newline. */
static char *
release_text(const cJSON *index_obj, const struct qtm_repo_release_opts *o, size_t *len)
{
	cJSON *rel = cJSON_CreateObject();
	char expires[32], now[32], *text, *out;

	utc_string(time(NULL) + (time_t)o->valid_days * 86400, expires, sizeof expires);
	utc_string(time(NULL), now, sizeof now);
	cJSON_AddNumberToObject(rel, "format", o->format);
	cJSON_AddStringToObject(rel, "name", o->name);
	cJSON_AddNumberToObject(rel, "version", (double)o->version);
	cJSON_AddStringToObject(rel, "date", now);
	cJSON_AddStringToObject(rel, "expires", expires);
	cJSON_AddItemToObject(rel, "index", cJSON_Duplicate(index_obj, true));
	/* Compact for a split index: every update downloads release.json whole, and its piece
	 * list is most of what an update after a small change transfers. */
	text = o->format == 2 ? cJSON_PrintUnformatted(rel) : cJSON_Print(rel);
	cJSON_Delete(rel);
	out = xasprintf("%s\n", text);
	free(text);
	*len = strlen(out);
	return out;
}

static void
keys_free(struct qtm_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		qtm_key_free(&keys[i]);
	free(keys);
}

static int
keys_load(struct qtm_ctx *ctx, char *const *files, struct qtm_key **out, size_t *n)
{
	int rc = 0;

	*n = 0;
	*out = xcalloc(strv_len((char **)files) + 1, sizeof **out);
	for (size_t i = 0; rc == 0 && files[i] != NULL; i++)
		if ((rc = qtm_key_load_private(ctx, files[i], &(*out)[i])) == 0)
			(*n)++;
	if (rc < 0) {
		keys_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The signature entries of old that are valid for text by one of keys (copies), appended to arr. */
static void
append_valid(cJSON *arr, const cJSON *old, const struct qtm_key *keys, size_t n, const char *text, size_t len)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(old, "signatures")) {
		cJSON *one = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(one, "signatures");

		cJSON_AddItemToArray(list, cJSON_Duplicate(it, true));
		if (text == NULL || qtm_sign_count_valid(one, keys, n, text, len) > 0)
			cJSON_AddItemToArray(arr, cJSON_Duplicate(it, true));
		cJSON_Delete(one);
	}
}

/* Signed: the signatures of the new release and all of the old ones first (the old release
 * stays valid), then the release, then the signatures without the stale ones, but for those
 * of the old release by these keys (a client that read the old release.json a moment before
 * still finds its signature). */
static int
write_signed(struct qtm_ctx *ctx, const char *dir, const char *text, size_t len,
    const struct qtm_repo_release_opts *o)
{
	char *rel = xasprintf("%s/release.json", dir), *sig = xasprintf("%s/release.json.sig", dir);
	cJSON *doc = cJSON_CreateObject(), *old = NULL, *both;
	struct qtm_key *keys = NULL;
	size_t n = 0;
	int rc = keys_load(ctx, o->keys, &keys, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = qtm_sign_add(ctx, &keys[i], text, len, doc);
	if (rc == 0 && access(sig, F_OK) == 0 && qtm_json_load(ctx, sig, &old) < 0)
		old = NULL;   /* unreadable: nothing of it is worth keeping */
	both = cJSON_Duplicate(doc, true);
	if (o->old_text != NULL)
		append_valid(cJSON_GetObjectItemCaseSensitive(both, "signatures"), old, keys, n, NULL, 0);
	if (rc == 0)
		rc = qtm_json_save(ctx, sig, both, true);
	if (rc == 0)
		rc = qtm_write_file_atomic(ctx, rel, text, len);
	if (rc == 0 && o->old_text != NULL) {
		append_valid(cJSON_GetObjectItemCaseSensitive(doc, "signatures"), old, keys, n, o->old_text, o->old_len);
		if (qtm_json_save(ctx, sig, doc, true) < 0)
			qtm_warn(ctx, _("%s: cannot drop the stale signatures: %s"), sig, qtm_strerror(ctx));
	}
	keys_free(keys, n);
	cJSON_Delete(both);
	cJSON_Delete(old);
	cJSON_Delete(doc);
	free(rel);
	free(sig);
	return rc;
}

int
qtm_repo_release_write(struct qtm_ctx *ctx, const char *dir, const cJSON *index_obj,
    const struct qtm_repo_release_opts *opts)
{
	size_t len;
	char *text = release_text(index_obj, opts, &len);
	int rc;

	if (opts->keys != NULL && opts->keys[0] != NULL) {
		rc = write_signed(ctx, dir, text, len, opts);
	} else {
		char *rel = xasprintf("%s/release.json", dir), *sig = xasprintf("%s/release.json.sig", dir);

		rc = qtm_write_file_atomic(ctx, rel, text, len);
		if (rc == 0)
			unlink(sig);   /* signatures of the previous release: no longer valid */
		free(rel);
		free(sig);
	}
	free(text);
	return rc;
}

int
qtm_repo_release_check_keys(struct qtm_ctx *ctx, const char *dir, const char *text, size_t len,
    char *const *keys)
{
	char *sig = xasprintf("%s/release.json.sig", dir);
	cJSON *doc = NULL;
	int rc = 0;

	if (keys == NULL || keys[0] == NULL) {
		free(sig);
		return 0;
	}
	if (access(sig, F_OK) != 0)
		rc = qtm_error(ctx, -EKEYREJECTED, _("%s/release.json is not signed (no %s): sign it with qtm-repo sign first"),
		    dir, sig);
	else
		rc = qtm_json_load(ctx, sig, &doc);
	for (size_t i = 0; rc == 0 && keys[i] != NULL; i++) {
		struct qtm_key key;

		if ((rc = qtm_key_load_private(ctx, keys[i], &key)) < 0)
			break;
		if (qtm_sign_count_valid(doc, &key, 1, text, len) != 1)
			rc = qtm_error(ctx, -EKEYREJECTED, _("%s/release.json has no valid signature by key %s (%s): it was changed "
			    "since it was signed, or never signed with that key"), dir, key.id, keys[i]);
		qtm_key_free(&key);
	}
	cJSON_Delete(doc);
	free(sig);
	return rc;
}
