/* fetch.c - verified downloads with the libcurl multi interface: several at once, resume of
 * partial files, retries with backoff and mirror failover (the rules are in fetch.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctx.h"
#include "fetch.h"
#include "hash.h"
#include "i18n.h"
#include "progress.h"
#include "xalloc.h"

#define FETCH_ATTEMPTS 3        /* tries of one URL for transient errors */
#define FETCH_BACKOFF_MS 500    /* the pause before the second try, doubled before each next one */
#define FETCH_TICK_MS 100       /* the longest the loop sleeps (progress redraws, pauses ending) */
#define FETCH_BUFFER (512 << 10)/* libcurl's receive buffer for big files (its default: 16 KiB) */
#define FETCH_SLOT (256 << 10)  /* bytes are handed to the hasher this many at a time */
#define HASH_SLOTS 8            /* the hasher's ring: this many FETCH_SLOT buffers */
#define HASH_BG_MIN (1 << 20)   /* files bigger than this are hashed on a second thread */

enum state { X_QUEUED, X_WAITING, X_RUNNING, X_DONE };

/* What the outcome of one try calls for. */
enum verdict {
	V_OK,        /* verified: rename into place */
	V_RETRY,     /* transient: the same URL after a pause, resuming */
	V_RESTART,   /* the resumed bytes are no good: the same URL from zero, now */
	V_NEXT,      /* this URL will not do: the next one, resuming */
	V_BAD,       /* wrong bytes from zero: the next URL, from zero */
	V_FATAL,     /* a local error: give up */
};

struct batch;

/* The sha256 of a .part computed on a second thread, so that hashing overlaps receiving and
 * writing.  The receiving thread writes the bytes to the .part, copies them into a buffer of
 * FETCH_SLOT bytes and, when it is full, swaps it for a free slot of the hasher's ring; the
 * hasher hashes the slots in order.  Started once a file outgrows HASH_BG_MIN (smaller ones are
 * hashed inline); it first reads back and hashes what the .part held by then (the start of the
 * file, or what a resumed download found). */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	bool running;
	bool stop;                 /* no more slots will come: hash those queued, then end */
	int abandon;               /* end at once, the hash is not wanted (atomic) */
	unsigned char *slot[HASH_SLOTS];
	size_t len[HASH_SLOTS];
	unsigned head, tail;       /* slots handed over / hashed so far */
	uint64_t base;             /* bytes of the .part to read back before the first slot */
	int err;                   /* reading the .part back failed (positive errno) */
};

struct xfer {
	struct qtm_fetch_req *req;
	struct batch *b;
	const char *label;
	enum state state;
	char *part;
	int fd;                    /* the open .part, or -1 */
	unsigned char *buf;        /* while the hasher runs: fill bytes of the .part for its next slot */
	size_t fill;
	uint64_t have;             /* bytes in the .part */
	struct qtm_sha256 hash;    /* over the .part's first hash.bytes bytes */
	struct hasher bg;          /* while bg.running, only its thread touches hash */
	uint64_t limit;
	bool resumable;            /* a sha256 is known: a .part may be continued */
	bool resumed;              /* this try started after existing bytes */
	bool too_big, transient;
	int write_errno, err;
	size_t url_i;              /* 0: req->url, i: req->mirrors[i - 1] */
	int first_err;             /* the primary URL's failure, reported even when mirrors fail too */
	char *first_msg;
	int attempt;               /* failed tries of the current URL */
	double wake, started;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
};

struct batch {
	struct qtm_ctx *ctx;
	CURLM *multi;
	struct xfer *x;
	size_t n, finished;
	int parallel, active, rc;
	uint64_t received;         /* bytes off the network for the requests shown */
	struct qtm_fetch_progress *progress;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* ---- the hash of the .part ---------------------------------------------------------------- */

/* Hashes the .part's bytes from hash.bytes up to `to`, reading them back from the file. */
static int
hash_range(struct xfer *x, uint64_t to)
{
	unsigned char buf[1 << 16];

	while (x->hash.bytes < to && !__atomic_load_n(&x->bg.abandon, __ATOMIC_RELAXED)) {
		size_t want = to - x->hash.bytes < sizeof buf ? (size_t)(to - x->hash.bytes) : sizeof buf;
		ssize_t k = pread(x->fd, buf, want, (off_t)x->hash.bytes);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;   /* the .part is shorter than what was written */
		qtm_sha256_update(&x->hash, buf, (size_t)k);
	}
	return 0;
}

static void *
hasher_main(void *arg)
{
	struct xfer *x = arg;
	struct hasher *h = &x->bg;
	int err = hash_range(x, h->base);
	unsigned i;

	pthread_mutex_lock(&h->mu);
	h->err = err;
	for (;;) {
		while (h->head == h->tail && !h->stop)
			pthread_cond_wait(&h->work, &h->mu);
		if (h->head == h->tail || __atomic_load_n(&h->abandon, __ATOMIC_RELAXED))
			break;
		i = h->tail % HASH_SLOTS;
		pthread_mutex_unlock(&h->mu);
		if (h->err == 0)   /* after a failed read-back only the ring is kept moving */
			qtm_sha256_update(&x->hash, h->slot[i], h->len[i]);
		pthread_mutex_lock(&h->mu);
		h->tail++;
		pthread_cond_signal(&h->room);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void
hasher_free(struct hasher *h, unsigned char **buf)
{
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->work);
	pthread_cond_destroy(&h->room);
	for (unsigned i = 0; i < HASH_SLOTS; i++)
		free(h->slot[i]);
	free(*buf);
	*buf = NULL;
}

/* Hands the hashing of the .part (the bytes written so far, then the slots filled next) to a
 * second thread; false when none can be started. */
static bool
hasher_start(struct xfer *x)
{
	struct hasher *h = &x->bg;
	unsigned i;

	memset(h, 0, sizeof *h);
	h->base = x->have;
	x->fill = 0;
	x->buf = malloc(FETCH_SLOT);
	for (i = 0; i < HASH_SLOTS && (h->slot[i] = malloc(FETCH_SLOT)) != NULL; i++)
		;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->room, NULL);
	if (x->buf != NULL && i == HASH_SLOTS && pthread_create(&h->thread, NULL, hasher_main, x) == 0)
		return h->running = true;
	hasher_free(h, &x->buf);
	return false;
}

/* Queues x->buf's bytes for the hasher and takes a free slot as the next x->buf. */
static void
hasher_push(struct xfer *x)
{
	struct hasher *h = &x->bg;
	unsigned i;
	unsigned char *t;

	pthread_mutex_lock(&h->mu);
	while (h->head - h->tail == HASH_SLOTS)
		pthread_cond_wait(&h->room, &h->mu);
	i = h->head % HASH_SLOTS;
	t = h->slot[i];
	h->slot[i] = x->buf;
	h->len[i] = x->fill;
	x->buf = t;
	x->fill = 0;
	h->head++;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
}

/* Ends the hasher: after it has hashed every byte handed to it, or at once (abandon: the hash
 * is thrown away).  Returns its read-back error (a positive errno) or 0. */
static int
hasher_end(struct xfer *x, bool abandon)
{
	struct hasher *h = &x->bg;

	if (!h->running)
		return 0;
	if (!abandon && x->fill > 0)
		hasher_push(x);
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	__atomic_store_n(&h->abandon, abandon, __ATOMIC_RELAXED);
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	hasher_free(h, &x->buf);
	x->fill = 0;
	h->running = false;
	h->abandon = 0;
	return h->err;
}

/* Brings the hash up to every byte of the .part: waits for the hasher to end, or reads the rest
 * back here.  Returns 0 or a positive errno. */
static int
hash_catch_up(struct xfer *x)
{
	int err = hasher_end(x, false);

	return err != 0 ? err : hash_range(x, x->have);
}

/* Passes the len bytes just written at the end of the .part (x->have counts them) on to the
 * hash: inline while the file is small, then through x->buf to the hasher's thread. */
static void
hash_feed(struct xfer *x, const char *data, size_t len)
{
	size_t k;

	if (!x->bg.running) {
		if (x->hash.bytes == x->have - len && x->have <= HASH_BG_MIN)
			qtm_sha256_update(&x->hash, data, len);
		else if (x->have > HASH_BG_MIN)
			hasher_start(x);   /* it reads these bytes back; if it cannot start,
			                    * hash_catch_up() does at the end */
		return;
	}
	while (len > 0) {
		k = len < FETCH_SLOT - x->fill ? len : FETCH_SLOT - x->fill;
		memcpy(x->buf + x->fill, data, k);
		x->fill += k;
		data += k;
		len -= k;
		if (x->fill == FETCH_SLOT)
			hasher_push(x);
	}
}

/* libcurl's write callback.  The bytes are written through as they come (at most 16 KiB at a
 * time: bigger writes were slower here, in the page cache of a VM), then hashed. */
static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb, done = 0;

	if (x->limit != 0 && x->have + len > x->limit) {
		x->too_big = true;
		return 0;   /* makes curl stop with CURLE_WRITE_ERROR */
	}
	while (done < len) {
		ssize_t k = pwrite(x->fd, data + done, len - done, (off_t)(x->have + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			x->write_errno = k < 0 && errno != 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)k;
	}
	x->have += len;
	hash_feed(x, data, len);
	if (!x->req->quiet)
		x->b->received += len;
	return len;
}

/* ---- dest.part ---------------------------------------------------------------------------- */

/* Opens an existing dest.part worth continuing, leaving its bytes to be hashed (small ones at
 * once, big ones on the hasher's thread while the rest arrives); false when there is none (then
 * nothing is open and the hash is empty). */
static bool
part_resume(struct xfer *x)
{
	struct stat st;

	if (!x->resumable || stat(x->part, &st) < 0 || st.st_size == 0)
		return false;
	if (x->req->size != 0 && (uint64_t)st.st_size > x->req->size) {
		qtm_verbose(x->b->ctx, _("%s: %s is larger than the file: fetching it from the start"),
		    x->label, x->part);
		return false;
	}
	if ((x->fd = open(x->part, O_RDWR | O_CLOEXEC)) < 0)
		return false;
	x->have = (uint64_t)st.st_size;
	if ((x->have > HASH_BG_MIN && hasher_start(x)) || hash_range(x, x->have) == 0)
		return true;
	close(x->fd);
	x->fd = -1;
	x->have = 0;
	qtm_sha256_abort(&x->hash);
	qtm_sha256_init(&x->hash);
	return false;
}

static int
part_open(struct xfer *x)
{
	qtm_sha256_init(&x->hash);
	x->have = 0;
	if (part_resume(x))
		return 0;
	if ((x->fd = open(x->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return qtm_error(x->b->ctx, -errno, _("cannot create %s: %s"), x->part, strerror(errno));
	return 0;
}

/* Empties dest.part for a start from zero. */
static int
part_reset(struct xfer *x)
{
	hasher_end(x, true);
	qtm_sha256_abort(&x->hash);
	qtm_sha256_init(&x->hash);
	x->have = 0;
	if (ftruncate(x->fd, 0) < 0)
		return qtm_error(x->b->ctx, -errno, _("cannot write %s: %s"), x->part, strerror(errno));
	return 0;
}

/* Closes dest.part, keeping it for a later resume only when asked and it can be resumed. */
static void
part_close(struct xfer *x, bool keep)
{
	hasher_end(x, true);
	if (x->fd >= 0 && close(x->fd) != 0)
		keep = false;
	x->fd = -1;
	qtm_sha256_abort(&x->hash);
	if (!keep || !x->resumable || x->have == 0)
		unlink(x->part);
}

static int
part_install(struct xfer *x)
{
	struct qtm_ctx *ctx = x->b->ctx;
	int rc = 0;

	/* No fsync here: a cached download is checked against its sha256 every time before it is
	 * used, and whoever makes it part of the store syncs then (syncfs once, not per file). */
	if (close(x->fd) != 0)
		rc = qtm_error(ctx, -errno, _("cannot write %s: %s"), x->part, strerror(errno));
	x->fd = -1;
	if (rc == 0 && rename(x->part, x->req->dest) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), x->part, strerror(errno));
	return rc;
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
	int err = hash_catch_up(x);

	if (err != 0) {
		x->err = qtm_error(x->b->ctx, -err, _("%s: cannot read %s: %s"), x->label, x->part, strerror(err));
		return V_FATAL;
	}
	qtm_sha256_final(&x->hash, hex);
	if (req->size != 0 && x->have != req->size)
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
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc));
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
		    now() - x->started);
	else
		part_close(x, keep_part);
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
	x->wake = now() + delay;
}

static void
xfer_end(struct xfer *x, CURLcode cc)
{
	struct batch *b = x->b;
	long status = 0;
	enum verdict v;
	char *what;

	if (x->easy != NULL) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(b->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	v = classify(x, cc, status);
	if (v == V_RETRY && ++x->attempt >= FETCH_ATTEMPTS)
		v = V_NEXT;
	if ((v == V_NEXT || v == V_BAD) && !has_next_url(x))
		v = V_FATAL;
	if ((v == V_RESTART || v == V_BAD) && part_reset(x) < 0) {
		xfer_finish(x, b->ctx->err, false);
		return;
	}
	switch (v) {
	case V_OK:
		xfer_finish(x, part_install(x), false);
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
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url_of(x));
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "file,http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	/* A stalled server (under 1 byte/s for 30 s) is a (transient) error, not a hang. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)x->b->ctx->stall_timeout_s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* An error page is not the file: fail on HTTP >= 400 before any body is written. */
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	if (expect == 0 || expect > HASH_BG_MIN)
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)FETCH_BUFFER);   /* fewer, bigger reads */
	if (x->have > 0)
		curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->have);
	return c;
}

static void
xfer_start(struct xfer *x)
{
	struct batch *b = x->b;
	int rc = 0;

	if (x->state == X_QUEUED) {
		b->active++;
		x->started = now();
		rc = part_open(x);
	} else if (!x->resumable && x->have > 0) {
		rc = part_reset(x);   /* nothing to verify a mixture against: from zero */
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
	if (x->req->size != 0 && x->have == x->req->size) {
		xfer_end(x, CURLE_OK);   /* all there already: only verify */
		return;
	}
	if ((x->easy = easy_new(x)) == NULL) {
		xfer_finish(x, qtm_error(b->ctx, -ENOMEM, _("cannot start libcurl")), true);
		return;
	}
	curl_multi_add_handle(b->multi, x->easy);
}

/* ---- the set ------------------------------------------------------------------------------ */

static void
start_ready(struct batch *b)
{
	double t = now();

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

	while (b->rc == 0 && (msg = curl_multi_info_read(b->multi, &left)) != NULL) {
		void *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		xfer_end(x, msg->data.result);
	}
}

static int
poll_ms(const struct batch *b)
{
	double t = now(), ms = FETCH_TICK_MS;

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
			curl_multi_remove_handle(b->multi, x->easy);
			curl_easy_cleanup(x->easy);
			x->easy = NULL;
		}
		if (x->state != X_DONE) {
			part_close(x, true);
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
		x->limit = reqs[i].size != 0 ? reqs[i].size : reqs[i].max_size;
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

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);   /* a failure shows as curl_multi_init() failing */
}

/* libcurl's global state (OpenSSL's above all: about 2 ms) is set up by the first transfer, not
 * by every qtm command at start. */
static void
curl_ready(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, curl_init_once);
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
	curl_ready();
	if ((b.multi = curl_multi_init()) == NULL)
		return qtm_error(ctx, -ENOMEM, _("cannot start libcurl"));
	old_msg = xstrdup(ctx->errmsg);
	batch_init(&b, reqs);
	while (b.rc == 0 && b.finished < b.n) {
		size_t before;

		start_ready(&b);
		curl_multi_perform(b.multi, &still);
		before = b.finished;
		reap(&b);
		/* A transfer just ended: start the next at once rather than after a poll's wait. */
		if (b.rc == 0 && b.finished < b.n && b.finished == before) {
			tick(&b);
			curl_multi_poll(b.multi, NULL, 0, poll_ms(&b), NULL);
		}
	}
	stop_rest(&b);
	qtm_fetch_progress_done(b.progress);
	curl_multi_cleanup(b.multi);
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
