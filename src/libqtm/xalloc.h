/* xalloc.h - allocation that never returns NULL (aborts on exhaustion, as tmux does).
 *
 * Every pointer returned here is owned by the caller and released with free(). */
#ifndef QTM_XALLOC_H
#define QTM_XALLOC_H

#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Resizes an array of nmemb elements of size bytes, checking for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Appends n bytes of data to the growing buffer *s (*len bytes used, *cap allocated; all three
 * start at zero), keeping it NUL-terminated.  *s is owned by the caller. */
void xbuf_append(char **s, size_t *len, size_t *cap, const void *data, size_t n);

/* A NULL-terminated list of owned strings: strv_free() frees the strings and the array. */
size_t strv_len(char *const *v);
char **strv_push(char **v, const char *s);
void strv_free(char **v);

#endif
