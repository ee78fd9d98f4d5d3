/* trust.c - trusted keys per source and the release checks. */
#define _GNU_SOURCE 1
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "paths.h"
#include "readfile.h"
#include "repository.h"
#include "source.h"
#include "trust.h"
#include "xalloc.h"

static char *
keys_dir(const struct qtm_ctx *ctx, const char *source)
{
	return xasprintf("%s/trusted.d/%s", ctx->conf_dir, source);
}

static void
add_key(struct qtm_key **keys, size_t *n, struct qtm_key *k)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*keys)[i].id, k->id) == 0) {   /* the same key twice counts once */
			qtm_key_free(k);
			return;
		}
	*keys = xreallocarray(*keys, *n + 1, sizeof **keys);
	(*keys)[(*n)++] = *k;
}

int
qtm_trust_keys(struct qtm_ctx *ctx, const struct qtm_source *src, struct qtm_key **keys, size_t *n)
{
	char *dir = keys_dir(ctx, src->name);
	struct dirent *de;
	struct qtm_key k;
	DIR *d = opendir(dir);
	int rc = 0;

	*keys = NULL;
	*n = 0;
	if (src->bundled) {
		char *pub = xasprintf("%s.pub", ctx->bundled_repo);

		if (access(pub, F_OK) == 0 && (rc = qtm_key_load_public(ctx, pub, &k)) == 0)
			add_key(keys, n, &k);
		free(pub);
	}
	while (rc == 0 && d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *path;

		if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if ((rc = qtm_key_load_public(ctx, path, &k)) == 0)
			add_key(keys, n, &k);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (rc < 0)
		qtm_trust_keys_free(*keys, *n);
	return rc;
}

void
qtm_trust_keys_free(struct qtm_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		qtm_key_free(&keys[i]);
	free(keys);
}

static int
check_signatures(struct qtm_ctx *ctx, const struct qtm_source *src, const char *text, size_t len,
    const char *sig_text)
{
	struct qtm_key *keys;
	cJSON *sigs = NULL;
	size_t n;
	int rc, valid;

	if ((rc = qtm_trust_keys(ctx, src, &keys, &n)) < 0)
		return rc;
	if (n == 0)
		rc = qtm_error(ctx, -EKEYREJECTED, _("source %s: no trusted key, so its release cannot be checked: "
		    "add the repository's public key with qtm key add %s FILE"), src->name, src->name);
	else if (sig_text == NULL)
		rc = qtm_error(ctx, -EKEYREJECTED, _("source %s: the release is not signed (release.json.sig "
		    "missing): refusing unsigned metadata, which anyone on the path could have written"), src->name);
	else if (qtm_json_parse(ctx, sig_text, strlen(sig_text), "release.json.sig", &sigs) < 0)
		rc = qtm_error(ctx, -EKEYREJECTED, _("source %s: the release signature (release.json.sig) is "
		    "malformed: refusing the release"), src->name);
	else if ((valid = qtm_sign_count_valid(sigs, keys, n, text, len)) < src->threshold)
		rc = qtm_error(ctx, -EKEYREJECTED, _("source %s: the release has %d valid signature(s) from "
		    "trusted keys, %d required: a bad or forged signature, refusing it"), src->name, valid,
		    src->threshold);
	cJSON_Delete(sigs);
	qtm_trust_keys_free(keys, n);
	return rc;
}

static char *
seen_path(const struct qtm_ctx *ctx, const char *source)
{
	return xasprintf("%s/sources/%s.seen", ctx->state_dir, source);
}

static long long
seen_version(struct qtm_ctx *ctx, const char *source)
{
	char *path = seen_path(ctx, source), *text = NULL;
	long long v = 0;

	if (access(path, F_OK) == 0 && qtm_read_small_file(ctx, path, QTM_SMALL_FILE_MAX, &text, NULL) == 0)
		v = atoll(text);
	free(text);
	free(path);
	return v;
}

static int
check_freshness(struct qtm_ctx *ctx, const struct qtm_source *src, const struct qtm_release *rel)
{
	long long seen = seen_version(ctx, src->name);
	struct tm tm = { 0 };
	const char *end = strptime(rel->expires, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (end == NULL || *end != '\0')
		return qtm_error(ctx, -EKEYREJECTED, _("source %s: the release's expiry \"%s\" is not a UTC time "
		    "like 2027-01-31T00:00:00Z"), src->name, rel->expires);
	if (timegm(&tm) < time(NULL))
		return qtm_error(ctx, -EKEYREJECTED, _("source %s: the release expired on %s: refusing stale "
		    "metadata (a freeze attack, or a repository nobody re-signs any more)"), src->name, rel->expires);
	if (rel->version < seen)
		return qtm_error(ctx, -EKEYREJECTED, _("source %s: release %lld is older than release %lld seen "
		    "before: refusing a rollback attack"), src->name, rel->version, seen);
	if (seen > 0 && rel->version - seen > QTM_TRUST_MAX_JUMP)
		return qtm_error(ctx, -EKEYREJECTED, _("source %s: release %lld is absurdly far ahead of release "
		    "%lld seen before: refusing a fast-forward attack"), src->name, rel->version, seen);
	return 0;
}

int
qtm_trust_check_release(struct qtm_ctx *ctx, const struct qtm_source *src, const char *text,
    size_t len, const char *sig_text, const struct qtm_release *rel)
{
	int rc = 0;

	if (src->insecure)
		qtm_warn(ctx, _("source %s is marked insecure: its release signature is not checked"), src->name);
	else
		rc = check_signatures(ctx, src, text, len, sig_text);
	return rc < 0 ? rc : check_freshness(ctx, src, rel);
}

int
qtm_trust_record_seen(struct qtm_ctx *ctx, const struct qtm_source *src, long long version)
{
	char *path, *dir, *text;
	int rc;

	if (version <= seen_version(ctx, src->name))
		return 0;
	dir = qtm_state_path(ctx, "sources");
	path = seen_path(ctx, src->name);
	text = xasprintf("%lld\n", version);
	if ((rc = qtm_mkdir_p(ctx, dir, 0755)) == 0)
		rc = qtm_write_file_atomic(ctx, path, text, strlen(text));
	free(dir);
	free(path);
	free(text);
	return rc;
}

int
qtm_trust_key_add(struct qtm_ctx *ctx, const char *source, const char *pub_path, char id[QTM_KEYID_LEN])
{
	char *dir = keys_dir(ctx, source), *dest;
	struct qtm_key k;
	int rc;

	if (!qtm_name_valid(source)) {
		free(dir);
		return qtm_error(ctx, -EINVAL, _("invalid source name \"%s\""), source);
	}
	if ((rc = qtm_key_load_public(ctx, pub_path, &k)) < 0) {
		free(dir);
		return rc;
	}
	snprintf(id, QTM_KEYID_LEN, "%s", k.id);
	dest = xasprintf("%s/%s.pub", dir, k.id);
	qtm_key_free(&k);
	if ((rc = qtm_mkdir_p(ctx, dir, 0755)) == 0)
		rc = qtm_copy_file(ctx, pub_path, dest);
	free(dest);
	free(dir);
	return rc;
}

int
qtm_trust_key_remove(struct qtm_ctx *ctx, const char *source, const char *keyid)
{
	char *path = xasprintf("%s/trusted.d/%s/%s.pub", ctx->conf_dir, source, keyid);
	int rc = 0;

	if (!qtm_name_valid(source) || strchr(keyid, '/') != NULL || unlink(path) < 0)
		rc = qtm_error(ctx, -ENOENT, _("source %s trusts no key %s (see: qtm key list %s)"), source, keyid, source);
	free(path);
	return rc;
}

int
qtm_trust_key_list(struct qtm_ctx *ctx, const char *source, char ***ids)
{
	struct qtm_source src = { .name = (char *)source, .bundled = strcmp(source, "bundled") == 0 };
	struct qtm_key *keys;
	size_t n;
	int rc = qtm_trust_keys(ctx, &src, &keys, &n);

	*ids = xcalloc(1, sizeof **ids);
	for (size_t i = 0; rc == 0 && i < n; i++)
		*ids = strv_push(*ids, keys[i].id);
	if (rc == 0)
		qtm_trust_keys_free(keys, n);
	return rc;
}
