/* fetch.c - verified downloads with the libcurl multi interface: several at once, resume of
 * partial files, retries with backoff and mirror failover (the rules are in fetch.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "curl-sym.h"
#include "fetch.h"
#include "fetch-xfer.h"
#include "file-url.h"
#include "hash.h"
#include "i18n.h"
#include "progress.h"
#include "xalloc.h"

#define FETCH_ATTEMPTS 3        /* tries of one URL for transient errors */
#define FETCH_BACKOFF_MS 500    /* the pause before the second try, doubled before each next one */
#define FETCH_TICK_MS 100       /* the longest the loop sleeps (progress redraws, pauses ending) */
#define FETCH_BUFFER (512 << 10)/* libcurl's receive buffer for big files (its default: 16 KiB) */

/* What the outcome of one try calls for. */
enum verdict {
	V_OK,        /* verified: rename into place */
	V_RETRY,     /* transient: the same URL after a pause, resuming */
	V_RESTART,   /* the resumed bytes are no good: the same URL from zero, now */
	V_NEXT,      /* this URL will not do: the next one, resuming */
	V_BAD,       /* wrong bytes from zero: the next URL, from zero */
	V_FATAL,     /* a local error: give up */
};

char **
qtm_url_join_all(char *const *bases, const char *path)
{
	char **v = xcalloc(1, sizeof *v);

	for (size_t i = 0; bases != NULL && bases[i] != NULL; i++) {
		char *u = qtm_url_join(bases[i], path);

		v = strv_push(v, u);
		free(u);
	}
	return v;
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

static const char *
url_of(const struct xfer *x)
{
	return x->url_i == 0 ? x->req->url : x->req->mirrors[x->url_i - 1];
}

static bool
has_next_url(const struct xfer *x)
{
	return x->req->mirrors != NULL && x->req->mirrors[x->url_i] != NULL;
}

/* ---- judging one try ---------------------------------------------------------------------- */

static bool
transient_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_GOT_NOTHING:
	case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* The bytes are all there: size and sha256. */
static enum verdict
check(struct xfer *x)
{
	const struct qtm_fetch_req *req = x->req;
	char hex[QTM_SHA256_HEX];
	int err = fetch_hash_catch_up(x);

	if (err != 0) {
		x->err = qtm_error(x->b->ctx, -err, _("%s: cannot read %s: %s"), x->label, x->part, strerror(err));
		return V_FATAL;
	}
	qtm_sha256_final(&x->hash, hex);
	if ((req->size != 0 || req->size_declared) && x->have != req->size)
		x->err = qtm_error(x->b->ctx, -EBADMSG, _("%s: %s has %llu bytes, the index says %llu: the download is corrupt or the repository is inconsistent"),
		    x->label, url_of(x), (unsigned long long)x->have, (unsigned long long)req->size);
	else if (req->sha256 != NULL && strcmp(hex, req->sha256) != 0)
		x->err = qtm_error(x->b->ctx, -EBADMSG, _("%s: sha256 mismatch for %s: expected %s, got %s"),
		    x->label, url_of(x), req->sha256, hex);
	else
		return V_OK;
	return x->resumed ? V_RESTART : V_BAD;
}

/* Sets the error message (and x->err) for a failed try and says what to do next. */
static enum verdict
classify(struct xfer *x, CURLcode cc, long status)
{
	struct qtm_ctx *ctx = x->b->ctx;
	const char *url = url_of(x);

	x->transient = false;
	if (x->write_errno != 0) {
		x->err = qtm_error(ctx, -x->write_errno, _("%s: cannot write %s.part: %s"), x->label,
		    x->req->dest, strerror(x->write_errno));
		return V_FATAL;
	}
	/* A server that ignores the range (200: curl stops before the body), refuses it (416), or a
	 * file:// file now shorter than the .part. */
	if (x->resumed && (cc == CURLE_RANGE_ERROR || cc == CURLE_BAD_DOWNLOAD_RESUME || status == 416)) {
		x->err = qtm_error(ctx, -EHOSTUNREACH, _("%s: %s cannot be resumed at byte %llu"), x->label,
		    url, (unsigned long long)x->have);
		return V_RESTART;
	}
	if (x->too_big) {
		x->err = qtm_error(ctx, -EFBIG, _("%s: %s is larger than the %llu bytes expected"),
		    x->label, url, (unsigned long long)x->limit);
		return x->resumed ? V_RESTART : V_BAD;
	}
	if (cc == CURLE_HTTP_RETURNED_ERROR || (cc == CURLE_OK && status >= 400)) {
		x->err = qtm_error(ctx, status == 404 || status == 410 ? -ENOENT : -EHOSTUNREACH,
		    _("%s: cannot fetch %s: the server answered HTTP %ld"), x->label, url, status);
		x->transient = status >= 500 || status == 408 || status == 429;
		return x->transient ? V_RETRY : V_NEXT;
	}
	if (cc != CURLE_OK) {
		/* A missing local file is "not found", like HTTP 404, not an unreachable host. */
		x->err = qtm_error(ctx, cc == CURLE_FILE_COULDNT_READ_FILE ? -ENOENT : -EHOSTUNREACH,
		    _("%s: cannot fetch %s: %s"), x->label, url,
		    x->errbuf[0] != '\0' || sym_curl_easy_strerror == NULL ? x->errbuf : sym_curl_easy_strerror(cc));
		x->transient = transient_curl(cc);
		return x->transient ? V_RETRY : V_NEXT;
	}
	return check(x);
}

/* ---- one transfer's life ------------------------------------------------------------------ */

static void
xfer_finish(struct xfer *x, int rc, bool keep_part)
{
	struct batch *b = x->b;

	if (rc == 0)
		qtm_fetch_progress_file(x->req->quiet ? NULL : b->progress, x->label, x->have,
		    qtm_mono_s() - x->started);
	else
		fetch_part_close(x, keep_part);
	x->req->result = rc;
	x->state = X_DONE;
	b->finished++;
	b->active--;
	if (rc < 0 && b->rc == 0)
		b->rc = rc;
}

/* Another try after delay seconds (the message on ctx says why). */
static void
xfer_again(struct xfer *x, double delay, const char *what)
{
	qtm_fetch_progress_clear(x->b->progress);
	qtm_verbose(x->b->ctx, "%s; %s", qtm_strerror(x->b->ctx), what);
	x->state = X_WAITING;
	x->wake = qtm_mono_s() + delay;
}

static void
xfer_end(struct xfer *x, CURLcode cc)
{
	struct batch *b = x->b;
	long status = 0;
	enum verdict v;
	char *what;

	if (x->easy != NULL) {
		sym_curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		sym_curl_multi_remove_handle(b->multi, x->easy);
		sym_curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	v = classify(x, cc, status);
	if (v == V_RETRY && ++x->attempt >= FETCH_ATTEMPTS)
		v = V_NEXT;
	if ((v == V_NEXT || v == V_BAD) && !has_next_url(x))
		v = V_FATAL;
	if ((v == V_RESTART || v == V_BAD) && fetch_part_reset(x) < 0) {
		xfer_finish(x, b->ctx->err, false);
		return;
	}
	switch (v) {
	case V_OK:
		xfer_finish(x, fetch_part_install(x), false);
		break;
	case V_FATAL:
		/* The primary's failure is the one that matters (a checksum mismatch there is an
		 * attack, a 404 on a mirror is not): report it, naming the last mirror's too. */
		if (x->first_err != 0 && x->url_i > 0) {
			char *last = xstrdup(qtm_strerror(b->ctx));

			qtm_error(b->ctx, x->first_err, _("%s (every mirror failed too; the last: %s)"), x->first_msg, last);
			free(last);
			x->err = x->first_err;
		}
		xfer_finish(x, x->err, x->transient);
		break;
	case V_RETRY: {
		double delay = FETCH_BACKOFF_MS / 1000.0 * (double)(1 << (x->attempt - 1));

		what = xasprintf(_("trying again in %.1f s"), delay);
		xfer_again(x, delay, what);
		free(what);
		break;
	}
	case V_RESTART:
		xfer_again(x, 0, _("fetching it again from the start"));
		break;
	case V_NEXT:
	case V_BAD:
		if (x->first_err == 0) {
			x->first_err = x->err != 0 ? x->err : -EIO;
			x->first_msg = xstrdup(qtm_strerror(b->ctx));
		}
		x->url_i++;
		x->attempt = 0;
		what = xasprintf(_("trying %s"), url_of(x));
		xfer_again(x, 0, what);
		free(what);
		break;
	}
}

static CURL *
easy_new(struct xfer *x)
{
	uint64_t expect = x->req->size != 0 ? x->req->size : x->req->max_size;
	CURL *c = sym_curl_easy_init();

	if (c == NULL)
		return NULL;
	sym_curl_easy_setopt(c, CURLOPT_URL, url_of(x));
	sym_curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	sym_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_sink_write);
	sym_curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	sym_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	sym_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	sym_curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	sym_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");   /* file:// is file-url.c's */
	sym_curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	sym_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	/* A stalled server (under 1 byte/s for 30 s) is a (transient) error, not a hang. */
	sym_curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	sym_curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)x->b->ctx->stall_timeout_s);
	sym_curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	sym_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* An error page is not the file: fail on HTTP >= 400 before any body is written. */
	sym_curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	if (expect == 0 || expect > HASH_BG_MIN)
		sym_curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)FETCH_BUFFER);   /* fewer, bigger reads */
	if (x->have > 0)
		sym_curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->have);
	return c;
}

/* libcurl is loaded and its multi handle made by the first transfer that is not file://. */
static int
batch_multi(struct batch *b)
{
	if (b->multi != NULL)
		return 0;
	if (qtm_curl_load(b->ctx) < 0)
		return b->ctx->err;
	if ((b->multi = sym_curl_multi_init()) == NULL)
		return qtm_error(b->ctx, -ENOMEM, _("cannot start libcurl"));
	return 0;
}

static void tick(struct batch *b);

/* Between the chunks of a file:// copy: the progress line moves on a big local file too. */
static void
file_chunk_done(void *arg)
{
	struct xfer *x = arg;
	double t = qtm_mono_s();

	if (t - x->b->ticked >= FETCH_TICK_MS / 1000.0) {
		x->b->ticked = t;
		tick(x->b);
	}
}

static void
xfer_start(struct xfer *x)
{
	struct batch *b = x->b;
	int rc = 0;

	if (x->state == X_QUEUED) {
		b->active++;
		x->started = qtm_mono_s();
		rc = fetch_part_open(x);
	} else if (!x->resumable && x->have > 0) {
		rc = fetch_part_reset(x);   /* nothing to verify a mixture against: from zero */
	}
	x->state = X_RUNNING;
	if (rc < 0) {
		xfer_finish(x, rc, false);
		return;
	}
	x->resumed = x->have > 0;
	x->too_big = false;
	x->write_errno = 0;
	x->errbuf[0] = '\0';
	if ((x->req->size != 0 || x->req->size_declared) && x->have == x->req->size) {
		xfer_end(x, CURLE_OK);   /* all there already: only verify */
		return;
	}
	if (qtm_file_url_is(url_of(x))) {
		/* Read here and now, as libcurl's own file:// handler would in its next perform. */
		xfer_end(x, qtm_file_url_read(url_of(x), x->have, fetch_sink_write, file_chunk_done, x, x->errbuf));
		return;
	}
	if (batch_multi(b) < 0) {
		xfer_finish(x, b->ctx->err, true);
		return;
	}
	if ((x->easy = easy_new(x)) == NULL) {
		xfer_finish(x, qtm_error(b->ctx, -ENOMEM, _("cannot start libcurl")), true);
		return;
	}
	sym_curl_multi_add_handle(b->multi, x->easy);
}

/* ---- the set ------------------------------------------------------------------------------ */

static void
start_ready(struct batch *b)
{
	double t = qtm_mono_s();

	for (size_t i = 0; i < b->n && b->rc == 0; i++) {
		struct xfer *x = &b->x[i];

		if ((x->state == X_WAITING && x->wake <= t) ||
		    (x->state == X_QUEUED && b->active < b->parallel))
			xfer_start(x);
	}
}

static void
reap(struct batch *b)
{
	CURLMsg *msg;
	int left;

	while (b->rc == 0 && (msg = sym_curl_multi_info_read(b->multi, &left)) != NULL) {
		void *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		sym_curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		xfer_end(x, msg->data.result);
	}
}

static int
poll_ms(const struct batch *b)
{
	double t = qtm_mono_s(), ms = FETCH_TICK_MS;

	for (size_t i = 0; i < b->n; i++)
		if (b->x[i].state == X_WAITING && (b->x[i].wake - t) * 1000 < ms)
			ms = (b->x[i].wake - t) * 1000;
	return ms > 0 ? (int)ms + 1 : 0;
}

static void
tick(struct batch *b)
{
	uint64_t done = 0;
	char *active = NULL, *more;

	if (b->progress == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		const struct xfer *x = &b->x[i];

		if (x->req->quiet)
			continue;
		done += x->have;
		if (x->state != X_RUNNING)
			continue;
		more = active != NULL ? xasprintf("%s, %s", active, x->label) : xstrdup(x->label);
		free(active);
		active = more;
	}
	qtm_fetch_progress_update(b->progress, done, b->received, active);
	free(active);
}

/* Stops whatever has not finished (after a failure), keeping resumable .part files. */
static void
stop_rest(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct xfer *x = &b->x[i];

		if (x->easy != NULL) {
			sym_curl_multi_remove_handle(b->multi, x->easy);
			sym_curl_easy_cleanup(x->easy);
			x->easy = NULL;
		}
		if (x->state != X_DONE) {
			fetch_part_close(x, true);
			x->req->result = -ECANCELED;
		}
		free(x->part);
		free(x->first_msg);
	}
}

static void
batch_init(struct batch *b, struct qtm_fetch_req *reqs)
{
	uint64_t total = 0;
	bool shown = false, unknown = false;

	b->x = xcalloc(b->n, sizeof *b->x);
	for (size_t i = 0; i < b->n; i++) {
		struct xfer *x = &b->x[i];

		x->req = &reqs[i];
		x->b = b;
		x->fd = -1;
		x->label = reqs[i].label != NULL ? reqs[i].label : reqs[i].dest;
		x->part = xasprintf("%s.part", reqs[i].dest);
		x->limit = reqs[i].size != 0 || reqs[i].size_declared ? reqs[i].size : reqs[i].max_size;
		x->limited = reqs[i].size != 0 || reqs[i].size_declared || reqs[i].max_size != 0;
		x->resumable = reqs[i].sha256 != NULL;
		reqs[i].result = 0;
		if (!reqs[i].quiet) {
			shown = true;
			unknown |= reqs[i].size == 0;
			total += reqs[i].size;
		}
	}
	if (shown)
		b->progress = qtm_fetch_progress_new(b->ctx, unknown ? 0 : total);
}

int
qtm_fetch_many(struct qtm_ctx *ctx, struct qtm_fetch_req *reqs, size_t n, int parallel)
{
	struct batch b = { .ctx = ctx, .n = n };
	int still, old_err = ctx->err;
	char *old_msg;

	if (n == 0)
		return 0;
	if (parallel <= 0)
		parallel = ctx->parallel_downloads;
	b.parallel = parallel > 0 ? parallel : 1;
	old_msg = xstrdup(ctx->errmsg);
	batch_init(&b, reqs);
	while (b.rc == 0 && b.finished < b.n) {
		size_t before;

		before = b.finished;
		start_ready(&b);
		if (b.multi != NULL) {
			sym_curl_multi_perform(b.multi, &still);
			reap(&b);
		}
		/* A transfer just ended: start the next at once rather than after a poll's wait. */
		if (b.rc == 0 && b.finished < b.n && b.finished == before) {
			tick(&b);
			if (b.multi != NULL)
				sym_curl_multi_poll(b.multi, NULL, 0, poll_ms(&b), NULL);
			else
				poll(NULL, 0, poll_ms(&b));   /* only file:// tries waiting to retry */
		}
	}
	stop_rest(&b);
	qtm_fetch_progress_done(b.progress);
	if (b.multi != NULL)
		sym_curl_multi_cleanup(b.multi);
	free(b.x);
	if (b.rc == 0) {   /* the messages of tries that were retried are not the caller's error */
		ctx->err = old_err;
		snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s", old_msg);
	}
	free(old_msg);
	return b.rc;
}

int
qtm_fetch(struct qtm_ctx *ctx, const struct qtm_fetch_req *req)
{
	struct qtm_fetch_req one = *req;

	return qtm_fetch_many(ctx, &one, 1, 1);
}
