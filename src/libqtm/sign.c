/* sign.c - Ed25519 key generation, signing and verification with OpenSSL. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "ctx.h"
#include "hash.h"
#include "i18n.h"
#include "readfile.h"
#include "sign.h"
#include "xalloc.h"

static int
key_id(EVP_PKEY *pkey, char id[QTM_KEYID_LEN])
{
	unsigned char raw[32];
	size_t len = sizeof raw;
	char hex[QTM_SHA256_HEX];

	if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32)
		return -EINVAL;
	qtm_sha256_buf(raw, len, hex);
	snprintf(id, QTM_KEYID_LEN, "%.16s", hex);
	return 0;
}

static int
write_pem(struct qtm_ctx *ctx, const char *path, EVP_PKEY *pkey, bool private_key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private_key ? 0600 : 0644);
	FILE *f;
	int ok;

	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot create %s: %s"), path, strerror(errno));
	f = fdopen(fd, "w");
	ok = private_key ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
	    : PEM_write_PUBKEY(f, pkey);
	if (fclose(f) != 0 || ok != 1) {
		unlink(path);
		return qtm_error(ctx, -EIO, _("cannot write the key %s"), path);
	}
	return 0;
}

int
qtm_key_generate(struct qtm_ctx *ctx, const char *prefix, char id[QTM_KEYID_LEN])
{
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	char *priv = xasprintf("%s.key", prefix), *pub = xasprintf("%s.pub", prefix);
	EVP_PKEY *pkey = NULL;
	int rc = 0;

	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &pkey) != 1)
		rc = qtm_error(ctx, -EIO, _("OpenSSL cannot generate an Ed25519 key"));
	if (rc == 0 && (rc = write_pem(ctx, priv, pkey, true)) == 0 && (rc = write_pem(ctx, pub, pkey, false)) < 0)
		unlink(priv);
	if (rc == 0)
		key_id(pkey, id);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	free(priv);
	free(pub);
	return rc;
}

static int
load_key(struct qtm_ctx *ctx, const char *path, struct qtm_key *key, bool private_key)
{
	EVP_PKEY *pkey;
	char *text;
	size_t len;
	BIO *bio;
	int rc;

	memset(key, 0, sizeof *key);
	/* Read with a cap and parsed from memory: a key path naming /dev/zero fails at once. */
	if ((rc = qtm_read_small_file(ctx, path, QTM_SMALL_FILE_MAX, &text, &len)) < 0)
		return qtm_error_prefix(ctx, _("cannot load the key"));
	bio = BIO_new_mem_buf(text, (int)len);
	pkey = bio == NULL ? NULL : private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
	    : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	OPENSSL_cleanse(text, len);
	free(text);
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519 || key_id(pkey, key->id) < 0) {
		EVP_PKEY_free(pkey);
		return qtm_error(ctx, -EINVAL, _("%s is not an Ed25519 %s key in PEM form"), path,
		    private_key ? _("private") : _("public"));
	}
	key->pkey = pkey;
	return 0;
}

int
qtm_key_load_private(struct qtm_ctx *ctx, const char *path, struct qtm_key *key)
{
	return load_key(ctx, path, key, true);
}

int
qtm_key_load_public(struct qtm_ctx *ctx, const char *path, struct qtm_key *key)
{
	return load_key(ctx, path, key, false);
}

int
qtm_key_parse_public(struct qtm_ctx *ctx, const char *pem, const char *origin, struct qtm_key *key)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = b != NULL ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;

	memset(key, 0, sizeof *key);
	BIO_free(b);
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519 || key_id(pkey, key->id) < 0) {
		EVP_PKEY_free(pkey);
		return qtm_error(ctx, -EINVAL, _("%s is not an Ed25519 %s key in PEM form"), origin, _("public"));
	}
	key->pkey = pkey;
	return 0;
}

void
qtm_key_free(struct qtm_key *key)
{
	EVP_PKEY_free(key->pkey);
	key->pkey = NULL;
}

int
qtm_sign_add(struct qtm_ctx *ctx, const struct qtm_key *key, const void *data, size_t len, cJSON *sigs)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[64];
	char b64[128];
	size_t siglen = sizeof sig;
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(sigs, "signatures"), *it, *entry;
	int i = 0;

	if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, data, len) != 1) {
		EVP_MD_CTX_free(md);
		return qtm_error(ctx, -EIO, _("OpenSSL cannot sign with key %s"), key->id);
	}
	EVP_MD_CTX_free(md);
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	if (!cJSON_IsArray(arr))
		arr = cJSON_AddArrayToObject(sigs, "signatures");
	cJSON_ArrayForEach(it, arr) {   /* a re-signing key replaces its old signature */
		const cJSON *id = cJSON_GetObjectItem(it, "keyid");

		if (cJSON_IsString(id) && strcmp(id->valuestring, key->id) == 0) {
			cJSON_DeleteItemFromArray(arr, i);
			break;
		}
		i++;
	}
	entry = cJSON_CreateObject();
	cJSON_AddStringToObject(entry, "keyid", key->id);
	cJSON_AddStringToObject(entry, "sig", b64);
	cJSON_AddItemToArray(arr, entry);
	return 0;
}

static bool
verify_one(const struct qtm_key *key, const char *b64, const void *data, size_t len)
{
	unsigned char sig[96];
	EVP_MD_CTX *md;
	bool ok;

	if (strlen(b64) != 88 || EVP_DecodeBlock(sig, (const unsigned char *)b64, 88) != 66)
		return false;   /* 64 bytes of signature, base64 with its padding */
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
	    EVP_DigestVerify(md, sig, 64, data, len) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

int
qtm_sign_count_valid(const cJSON *sigs, const struct qtm_key *trusted, size_t n,
    const void *data, size_t len)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(sigs, "signatures"), *it;
	int count = 0;

	for (size_t k = 0; k < n; k++) {
		bool ok = false;

		cJSON_ArrayForEach(it, arr) {
			const cJSON *id = cJSON_GetObjectItem(it, "keyid"), *sig = cJSON_GetObjectItem(it, "sig");

			if (!ok && cJSON_IsString(id) && cJSON_IsString(sig) &&
			    strcmp(id->valuestring, trusted[k].id) == 0)
				ok = verify_one(&trusted[k], sig->valuestring, data, len);
		}
		count += ok;
	}
	return count;
}
