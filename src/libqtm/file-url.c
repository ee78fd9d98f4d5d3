/* file-url.c - file:// URLs read directly (file-url.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-url.h"
#include "i18n.h"
#include "xalloc.h"

#define FILE_URL_CHUNK (256 << 10)

bool
qtm_file_url_is(const char *url)
{
	return strncasecmp(url, "file://", 7) == 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
qtm_file_url_path(const char *url)
{
	const char *p = url + 7;
	char *out, *o;

	if (strncasecmp(p, "localhost/", 10) == 0)
		p += 9;
	if (*p != '/')
		return NULL;
	o = out = xmalloc(strlen(p) + 1);
	for (; *p != '\0' && *p != '?' && *p != '#'; p++) {
		int hi, lo;

		if (*p == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
			if (hi == 0 && lo == 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static CURLcode
read_from(int fd, const char *path, uint64_t offset, qtm_file_url_sink sink,
    void (*between)(void *), void *arg, char *errbuf)
{
	char *buf = xmalloc(FILE_URL_CHUNK);
	CURLcode cc = CURLE_OK;
	off_t at = (off_t)offset;

	for (;;) {
		ssize_t n = pread(fd, buf, FILE_URL_CHUNK, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, CURL_ERROR_SIZE, _("cannot read %s: %s"), path, strerror(errno));
			cc = CURLE_READ_ERROR;
			break;
		}
		if (n == 0)
			break;
		if (sink(buf, 1, (size_t)n, arg) != (size_t)n) {
			cc = CURLE_WRITE_ERROR;
			break;
		}
		at += n;
		if (between != NULL)
			between(arg);
	}
	free(buf);
	return cc;
}

CURLcode
qtm_file_url_read(const char *url, uint64_t offset, qtm_file_url_sink sink,
    void (*between)(void *), void *arg, char *errbuf)
{
	char *path = qtm_file_url_path(url);
	struct stat st;
	CURLcode cc;
	int fd;

	if (path == NULL) {
		snprintf(errbuf, CURL_ERROR_SIZE, _("only local file:// URLs can be read"));
		return CURLE_URL_MALFORMAT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))) {
		int err = errno;

		if (fstat(fd, &st) == 0)
			err = EISDIR;
		close(fd);
		fd = -1;
		errno = err;
	}
	if (fd < 0) {
		snprintf(errbuf, CURL_ERROR_SIZE, _("cannot open %s: %s"), path, strerror(errno));
		free(path);
		return CURLE_FILE_COULDNT_READ_FILE;
	}
	if ((uint64_t)st.st_size < offset) {
		snprintf(errbuf, CURL_ERROR_SIZE, _("%s is shorter than the %llu bytes already fetched"),
		    path, (unsigned long long)offset);
		cc = CURLE_BAD_DOWNLOAD_RESUME;
	} else {
		cc = read_from(fd, path, offset, sink, between, arg, errbuf);
	}
	close(fd);
	free(path);
	return cc;
}
