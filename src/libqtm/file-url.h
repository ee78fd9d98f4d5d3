/* file-url.h - reading a file:// URL without libcurl, so that a local repository (the bundled
 * one, or a mirror on disk) needs no network library at all.  The bytes are handed to a sink with
 * libcurl's write-callback signature, and the outcome is a CURLcode as libcurl's own file://
 * handler would give it, so that fetch.c judges both the same way.  Only the header is used:
 * nothing here calls libcurl. */
#ifndef QTM_FILE_URL_H
#define QTM_FILE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

typedef size_t (*qtm_file_url_sink)(char *data, size_t size, size_t nmemb, void *arg);

/* True for file:// URLs. */
bool qtm_file_url_is(const char *url);

/* The local path of a file:// URL, percent-decoded (the caller frees it), or NULL when the URL
 * names another host or decodes to a NUL byte. */
char *qtm_file_url_path(const char *url);

/* Reads url's file from byte offset on, in chunks, into sink (which returns what it took: less
 * stops the read).  Returns CURLE_OK when the whole rest was delivered;
 * CURLE_FILE_COULDNT_READ_FILE when the file cannot be opened (no such file, not allowed, a
 * directory), CURLE_URL_MALFORMAT for a file URL naming another host,
 * CURLE_BAD_DOWNLOAD_RESUME when the file is shorter than offset, CURLE_READ_ERROR when reading
 * fails, CURLE_WRITE_ERROR when the sink stopped it; all but the last with a message in errbuf
 * (CURL_ERROR_SIZE bytes, the caller's).  between(arg) runs after every chunk (progress). */
CURLcode qtm_file_url_read(const char *url, uint64_t offset, qtm_file_url_sink sink,
    void (*between)(void *arg), void *arg, char *errbuf);

#endif
