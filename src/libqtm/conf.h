/* conf.h - the "key = value" syntax of qtm.conf and sources.d files, and qtm.conf's settings
 * (see qtm.conf(5)).  Strings passed to callbacks live only during the call. */
#ifndef QTM_CONF_H
#define QTM_CONF_H

struct qtm_ctx;

/* Reads "key = value" lines ('#' comments, blank lines ignored) calling fn for each; fn returns
 * 0 or a negative code that stops the walk.  Errors name origin and the line. */
typedef int (*qtm_kv_fn)(struct qtm_ctx *ctx, void *arg, const char *key, const char *value,
    const char *origin, int line);
int qtm_kv_parse(struct qtm_ctx *ctx, const char *text, const char *origin, qtm_kv_fn fn, void *arg);

#endif
