/* runtime.h - probing what the system offers to trainers: runtime(python3),
 * runtime(python3-numpy) and friends, with their versions and the Debian package providing each.
 *
 * A struct qtm_runtime is owned by the caller: qtm_runtime_free(). */
#ifndef QTM_RUNTIME_H
#define QTM_RUNTIME_H

#include <stddef.h>

struct qtm_ctx;

struct qtm_runtime_cap {
	const char *cap;          /* "runtime(python3-numpy)" (static) */
	const char *debian;       /* Debian package providing it (static) */
	char *version;            /* probed version, or NULL when absent */
};

struct qtm_runtime {
	struct qtm_runtime_cap *caps;
	size_t n;
};

/* Probes every known capability with one run of ctx->python. */
int qtm_runtime_probe(struct qtm_ctx *ctx, struct qtm_runtime **out);
void qtm_runtime_free(struct qtm_runtime *rt);
/* The Debian package that provides cap, or NULL when qtm does not know it. */
const char *qtm_runtime_debian_package(const char *cap);
/* The probed version of cap, or NULL. */
const char *qtm_runtime_version(const struct qtm_runtime *rt, const char *cap);

#endif
