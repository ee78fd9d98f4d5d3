/* source.h - configured repository sources: conf_dir/sources.d/NAME.source, "key = value" lines:
 *   url = URL            (required)       mirror = URL   (any number, tried in order after url)
 *   threshold = K        (signatures needed from the source's trusted keys, default 1)
 *   insecure = yes       (no signature check: for local experiments only, warned about)
 *   priority = N         (default 500: the highest priority offering a package wins, then the
 *                         newest version; like apt's pin priorities for whole sources)
 * With none configured the bundled repository is the only source, named "bundled", trusting
 * the key installed next to it (REPO.pub).
 *
 * Arrays returned are owned by the caller and freed with qtm_sources_free(). */
#ifndef QTM_SOURCE_H
#define QTM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_ctx;

struct qtm_source {
	char *name;
	char *url;
	char **mirrors;      /* NULL-terminated, may be empty */
	int threshold;
	int priority;
	bool insecure;
	bool bundled;
};

int qtm_sources_list(struct qtm_ctx *ctx, struct qtm_source **out, size_t *n);
/* url may be file://, http://, https:// or an absolute path (made a file:// URL). */
struct qtm_source_opts {
	char *const *mirrors;    /* NULL or NULL-terminated */
	int threshold;           /* 0: default (1) */
	int priority;            /* 0: default (500) */
	bool insecure;
};
int qtm_source_add(struct qtm_ctx *ctx, const char *name, const char *url,
    const struct qtm_source_opts *opts);
int qtm_source_remove(struct qtm_ctx *ctx, const char *name);
void qtm_sources_free(struct qtm_source *v, size_t n);
/* cache_dir/sources/NAME: owned by the caller. */
char *qtm_source_cache_dir(const struct qtm_ctx *ctx, const char *name);

#define QTM_SOURCE_PRIORITY_DEFAULT 500

#endif
