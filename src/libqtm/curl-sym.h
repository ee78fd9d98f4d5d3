/* curl-sym.h - libcurl, loaded on first use (lazy-lib.h).  Call qtm_curl_load() before any sym_curl_*
 * pointer: until it has returned 0 they are NULL.  qtm_curl_load() also runs
 * curl_global_init(), once per process; qtm_curl_cleanup() undoes it at exit when it ran. */
#ifndef QTM_CURL_SYM_H
#define QTM_CURL_SYM_H

#include <curl/curl.h>

#include "lazy-lib.h"

struct qtm_ctx;

#define QTM_CURL_SYMS(X) \
	X(curl_global_init) X(curl_global_cleanup) \
	X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_getinfo) \
	X(curl_easy_reset) X(curl_easy_cleanup) X(curl_easy_strerror) \
	X(curl_slist_append) X(curl_slist_free_all) \
	X(curl_multi_init) X(curl_multi_add_handle) X(curl_multi_remove_handle) \
	X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_info_read) X(curl_multi_cleanup)

QTM_CURL_SYMS(QTM_DL_DECLARE)

/* 0 once libcurl is loaded and set up (thread-safe); else the error is set on ctx. */
int qtm_curl_load(struct qtm_ctx *ctx);
/* At the end of main(), after every transfer: curl_global_cleanup() if libcurl was loaded. */
void qtm_curl_cleanup(void);

#endif
