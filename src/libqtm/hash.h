/* hash.h - SHA-256 through OpenSSL's EVP interface, streamed or whole-file, as lowercase hex.
 *
 * struct qtm_sha256 is owned by whoever declares it: qtm_sha256_init() allocates the EVP state and
 * qtm_sha256_final() (or qtm_sha256_abort()) releases it. */
#ifndef QTM_HASH_H
#define QTM_HASH_H

#include <stddef.h>
#include <stdint.h>

struct qtm_ctx;

#define QTM_SHA256_HEX 65   /* 64 hex digits and a NUL */

struct qtm_sha256 {
	void *evp;       /* EVP_MD_CTX * */
	uint64_t bytes;  /* bytes fed so far */
};

void qtm_sha256_init(struct qtm_sha256 *h);
void qtm_sha256_update(struct qtm_sha256 *h, const void *data, size_t len);
void qtm_sha256_final(struct qtm_sha256 *h, char hex[QTM_SHA256_HEX]);
void qtm_sha256_abort(struct qtm_sha256 *h);

void qtm_sha256_buf(const void *data, size_t len, char hex[QTM_SHA256_HEX]);
/* Hashes a file; size may be NULL.  Returns 0 or a negative code with the error set on ctx. */
int qtm_sha256_file(struct qtm_ctx *ctx, const char *path, char hex[QTM_SHA256_HEX], uint64_t *size);
/* True when s is 64 lowercase hex digits. */
int qtm_sha256_valid(const char *s);

#endif
