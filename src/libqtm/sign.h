/* sign.h - Ed25519 keys and detached signatures (OpenSSL EVP).
 *
 * Keys are PEM files: a private key (PKCS#8, mode 0600) and its public half
 * (SubjectPublicKeyInfo).  A key id is the first 16 hex digits of the sha256 of the raw 32-byte
 * public key.  A signature file (release.json.sig) is JSON:
 *   { "signatures": [ { "keyid": "...", "sig": "<base64 of the 64-byte signature>" }, ... ] }
 * over the exact bytes of the signed file.
 *
 * Strings returned are owned by the caller; EVP_PKEY handles are freed with qtm_key_free(). */
#ifndef QTM_SIGN_H
#define QTM_SIGN_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;

#define QTM_KEYID_LEN 17   /* 16 hex digits and a NUL */

struct qtm_key {
	void *pkey;                 /* EVP_PKEY * */
	char id[QTM_KEYID_LEN];
};

/* Writes PREFIX.key (private, 0600) and PREFIX.pub; refuses to overwrite. */
int qtm_key_generate(struct qtm_ctx *ctx, const char *prefix, char id[QTM_KEYID_LEN]);
int qtm_key_load_private(struct qtm_ctx *ctx, const char *path, struct qtm_key *key);
int qtm_key_load_public(struct qtm_ctx *ctx, const char *path, struct qtm_key *key);
/* The same from PEM text in memory; origin names it in errors. */
int qtm_key_parse_public(struct qtm_ctx *ctx, const char *pem, const char *origin, struct qtm_key *key);
void qtm_key_free(struct qtm_key *key);

/* Adds (or replaces) key's signature of data in the signature document sigs. */
int qtm_sign_add(struct qtm_ctx *ctx, const struct qtm_key *key, const void *data, size_t len,
    cJSON *sigs);
/* The number of distinct keys among trusted[0..n) with a valid signature of data in sigs. */
int qtm_sign_count_valid(const cJSON *sigs, const struct qtm_key *trusted, size_t n,
    const void *data, size_t len);

#endif
