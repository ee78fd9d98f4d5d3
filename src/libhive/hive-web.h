/* hive-web.h - the hive's web pages: the dashboard at /, the API reference at /docs, the
 * OpenAPI document at /openapi.json and the scripts and styles they use under /assets/.
 *
 * The files live in $(pkgdatadir)/hive (or the source tree's data/hive in a build tree, or
 * QTM_HIVE_WEB_DIR); they are read once, on the first call, and kept in memory for the life of
 * the process.  Safe to call from several threads. */
#ifndef QTM_HIVE_WEB_H
#define QTM_HIVE_WEB_H

#include <stddef.h>

/* Looks url_path up (the query string already removed).  Returns 0 with *data / *len (the
 * bytes, owned by this module: never freed or changed by the caller) and *content_type
 * (static) set; -ENOENT when url_path is no page or asset; -EIO when the page's file could not
 * be read at startup (the daemon answers 500 and names the directory from
 * qtm_hive_web_dir()). */
int qtm_hive_web_asset(const char *url_path, const void **data, size_t *len,
    const char **content_type);
/* The directory the pages are read from (static). */
const char *qtm_hive_web_dir(void);

#endif
