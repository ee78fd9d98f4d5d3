/* hive-inline.c - an artifact as standard base64 inside a completion (hive-inline.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hive-inline.h"
#include "xalloc.h"

char *
qtm_hive_inline_encode(const void *data, size_t len)
{
	char *text = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)text, data, (int)len);
	return text;
}

int
qtm_hive_inline_decode(const char *text, size_t max, unsigned char **out, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	int got;

	*out = NULL;
	*len = 0;
	if (n % 4 != 0)
		return -EINVAL;
	if (n / 4 * 3 > max + 2)
		return -EFBIG;
	/* EVP_DecodeBlock counts the padding as zero bytes: they are taken off again. */
	pad = n >= 1 && text[n - 1] == '=' ? (n >= 2 && text[n - 2] == '=' ? 2 : 1) : 0;
	*out = xmalloc(n / 4 * 3 + 1);
	if ((got = EVP_DecodeBlock(*out, (const unsigned char *)text, (int)n)) < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	*len = (size_t)got - pad;
	(*out)[*len] = '\0';
	if (*len > max) {
		free(*out);
		*out = NULL;
		*len = 0;
		return -EFBIG;
	}
	return 0;
}
