/* random-token.h - secrets and leases as hex text: the hive's enrolment and runner tokens, runner
 * secrets and job leases. */
#ifndef QTM_RANDOM_TOKEN_H
#define QTM_RANDOM_TOKEN_H

#include <stddef.h>

/* The most random bytes one call turns into hex. */
#define QTM_RANDOM_HEX_MAX 128

/* Writes 2 * bytes lowercase hex digits of the kernel's generator and a NUL into out (the
 * caller's, 2 * bytes + 1 long); bytes is at most QTM_RANDOM_HEX_MAX.  Returns 0, or a negative
 * errno when the kernel gives no random bytes (out is then an empty string). */
int qtm_random_hex(char *out, size_t bytes);

#endif
