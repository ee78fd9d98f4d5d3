/* hash.c - SHA-256 helpers over OpenSSL EVP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctx.h"
#include "hash.h"
#include "i18n.h"

static EVP_MD *sha256_fetched;

static void
sha256_fetch(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Fetched once: OpenSSL 3 otherwise looks the algorithm up at every EVP_DigestInit_ex (kept
 * for the life of the process). */
static const EVP_MD *
sha256_md(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, sha256_fetch);
	return sha256_fetched != NULL ? sha256_fetched : EVP_sha256();
}

static void
to_hex(const unsigned char *md, unsigned int len, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
}

void
qtm_sha256_init(struct qtm_sha256 *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || EVP_DigestInit_ex(md, sha256_md(), NULL) != 1) {
		fprintf(stderr, _("qtm: OpenSSL cannot initialise SHA-256\n"));
		abort();
	}
	h->evp = md;
	h->bytes = 0;
}

void
qtm_sha256_update(struct qtm_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->evp, data, len);
	h->bytes += len;
}

void
qtm_sha256_final(struct qtm_sha256 *h, char hex[QTM_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->evp, md, &len);
	to_hex(md, len, hex);
	EVP_MD_CTX_free(h->evp);
	h->evp = NULL;
}

void
qtm_sha256_abort(struct qtm_sha256 *h)
{
	EVP_MD_CTX_free(h->evp);
	h->evp = NULL;
}

void
qtm_sha256_buf(const void *data, size_t len, char hex[QTM_SHA256_HEX])
{
	struct qtm_sha256 h;

	qtm_sha256_init(&h);
	qtm_sha256_update(&h, data, len);
	qtm_sha256_final(&h, hex);
}

int
qtm_sha256_file(struct qtm_ctx *ctx, const char *path, char hex[QTM_SHA256_HEX], uint64_t *size)
{
	struct qtm_sha256 h;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot open %s: %s"), path, strerror(errno));
	qtm_sha256_init(&h);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		qtm_sha256_update(&h, buf, (size_t)n);
	if (n < 0) {
		int e = errno;

		qtm_sha256_abort(&h);
		close(fd);
		return qtm_error(ctx, -e, _("cannot read %s: %s"), path, strerror(e));
	}
	close(fd);
	if (size != NULL)
		*size = h.bytes;
	qtm_sha256_final(&h, hex);
	return 0;
}

int
qtm_sha256_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}
