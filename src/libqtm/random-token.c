/* random-token.c - hex tokens from the kernel's generator. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "random-token.h"

/* Bytes come from a pool refilled 256 at a time: the hive's claim loop takes a lease per claim,
 * and this makes one system call per 16 of them.  The pool is per thread.  Up to 256 bytes,
 * getrandom neither returns short nor is interrupted by a signal.  A byte handed out is wiped
 * from the pool.  The programs' children exec at once, so no two processes share a pool. */
int
qtm_random_hex(char *out, size_t bytes)
{
	static const char digits[] = "0123456789abcdef";
	static _Thread_local unsigned char pool[256];
	static _Thread_local size_t left;
	unsigned char *raw;

	out[0] = '\0';
	if (bytes > QTM_RANDOM_HEX_MAX)
		return -EINVAL;
	if (left < bytes) {
		if (getrandom(pool, sizeof pool, 0) != (ssize_t)sizeof pool)
			return errno != 0 ? -errno : -EIO;
		left = sizeof pool;
	}
	left -= bytes;
	raw = pool + left;
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * bytes] = '\0';
	memset(raw, 0, bytes);
	return 0;
}
