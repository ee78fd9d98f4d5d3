/* fetch.c - verified downloads with libcurl. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctx.h"
#include "fetch.h"
#include "hash.h"
#include "i18n.h"
#include "paths.h"
#include "progress.h"
#include "xalloc.h"

struct sink {
	struct qtm_ctx *ctx;
	const struct qtm_fetch_req *req;
	struct qtm_sha256 hash;
	FILE *file;
	uint64_t limit;
	bool too_big;
	int write_errno;     /* a local write failure (a full disk), reported as such */
	struct qtm_progress *progress;
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t len = size * nmemb;

	if (s->limit != 0 && s->hash.bytes + len > s->limit) {
		s->too_big = true;
		return 0;   /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (fwrite(data, 1, len, s->file) != len) {
		s->write_errno = errno != 0 ? errno : EIO;
		return 0;
	}
	qtm_sha256_update(&s->hash, data, len);
	qtm_progress_update(s->progress, s->hash.bytes);
	return len;
}

char *
qtm_url_join(const char *base, const char *path)
{
	size_t n = strlen(base);

	if (strstr(path, "://") != NULL)
		return xstrdup(path);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, base, path);
}

static int
transfer(struct qtm_ctx *ctx, const struct qtm_fetch_req *req, struct sink *s)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	CURL *curl = curl_easy_init();
	long status = 0;
	CURLcode cc;

	if (curl == NULL)
		return qtm_error(ctx, -ENOMEM, _("cannot start libcurl"));
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "file,http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
	/* A stalled server (under 1 byte/s for 30 s) is an error, not a hang. */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* An error page is not the file: fail on HTTP >= 400 before any body is written. */
	curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (s->write_errno != 0)
		return qtm_error(ctx, -s->write_errno, _("%s: cannot write %s.part: %s"), req->label, req->dest,
		    strerror(s->write_errno));
	if (cc == CURLE_HTTP_RETURNED_ERROR)
		return qtm_error(ctx, status == 404 || status == 410 ? -ENOENT : -EHOSTUNREACH,
		    _("%s: cannot fetch %s: the server answered HTTP %ld"), req->label, req->url, status);
	if (s->too_big)
		return qtm_error(ctx, -EFBIG, _("%s: %s is larger than the %llu bytes expected"),
		    req->label, req->url, (unsigned long long)s->limit);
	if (cc != CURLE_OK)
		return qtm_error(ctx, -EHOSTUNREACH, _("%s: cannot fetch %s: %s"), req->label, req->url,
		    curl_err[0] != '\0' ? curl_err : curl_easy_strerror(cc));
	if (status >= 400)
		return qtm_error(ctx, -ENOENT, _("%s: cannot fetch %s: the server answered HTTP %ld"),
		    req->label, req->url, status);
	return 0;
}

static int
verify(struct qtm_ctx *ctx, const struct qtm_fetch_req *req, struct sink *s, const char *hex)
{
	if (req->size != 0 && s->hash.bytes != req->size)
		return qtm_error(ctx, -EBADMSG, _("%s: %s has %llu bytes, the index says %llu: the download is corrupt or the repository is inconsistent"),
		    req->label, req->url, (unsigned long long)s->hash.bytes, (unsigned long long)req->size);
	if (req->sha256 != NULL && strcmp(hex, req->sha256) != 0)
		return qtm_error(ctx, -EBADMSG, _("%s: sha256 mismatch for %s: expected %s, got %s"),
		    req->label, req->url, req->sha256, hex);
	return 0;
}

int
qtm_fetch(struct qtm_ctx *ctx, const struct qtm_fetch_req *req)
{
	char *part = xasprintf("%s.part", req->dest);
	struct sink s = { .ctx = ctx, .req = req };
	char hex[QTM_SHA256_HEX];
	int rc;

	s.limit = req->size != 0 ? req->size : req->max_size;
	s.file = fopen(part, "wbe");
	if (s.file == NULL) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), part, strerror(errno));
		free(part);
		return rc;
	}
	qtm_sha256_init(&s.hash);
	s.progress = req->quiet ? NULL : qtm_progress_new(ctx, req->label, req->size, false);
	rc = transfer(ctx, req, &s);
	qtm_progress_done(s.progress, rc == 0);
	qtm_sha256_final(&s.hash, hex);
	if (fflush(s.file) != 0 || fsync(fileno(s.file)) != 0) {
		if (rc == 0)
			rc = qtm_error(ctx, -errno, _("cannot write %s: %s"), part, strerror(errno));
	}
	fclose(s.file);
	if (rc == 0)
		rc = verify(ctx, req, &s, hex);
	if (rc == 0 && rename(part, req->dest) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), part, strerror(errno));
	if (rc < 0)
		unlink(part);
	free(part);
	return rc;
}
