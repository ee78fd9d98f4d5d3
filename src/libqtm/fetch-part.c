/* fetch-part.c - a transfer's dest.part: created or continued, written as the bytes arrive,
 * hashed on the way (on a second thread for big files), and renamed into place (fetch-xfer.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "fetch-xfer.h"
#include "i18n.h"

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

/* The hasher's loop: hash what the receiving thread says is written, sleep until it says more
 * is, end when told to (after the last byte, or at once when abandoned). */
static void *
hasher_main(void *arg)
{
	struct xfer *x = arg;
	struct hasher *h = &x->bg;
	uint64_t to;
	int err = 0;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->ready == x->hash.bytes && !h->stop)
			pthread_cond_wait(&h->work, &h->mu);
		to = h->ready;
		if (to == x->hash.bytes || __atomic_load_n(&h->abandon, __ATOMIC_RELAXED))
			break;
		pthread_mutex_unlock(&h->mu);
		err = hash_range(x, to);
		pthread_mutex_lock(&h->mu);
		if (err != 0)
			break;
	}
	h->err = err;
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Hands the hashing of the .part to a second thread, which reads the bytes back from the file
 * as they are written (from the page cache: the receiving thread copies nothing for it); false
 * when none can be started. */
static bool
hasher_start(struct xfer *x)
{
	struct hasher *h = &x->bg;

	memset(h, 0, sizeof *h);
	h->ready = h->told = x->have;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	if (pthread_create(&h->thread, NULL, hasher_main, x) == 0)
		return h->running = true;
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->work);
	return false;
}

/* Tells the hasher how far the .part is written: once per HASH_STEP bytes, so that the
 * receiving thread takes the lock a few thousand times per GiB, not once per 16 KiB chunk. */
static void
hasher_tell(struct xfer *x)
{
	struct hasher *h = &x->bg;

	if (x->have - h->told < HASH_STEP)
		return;
	pthread_mutex_lock(&h->mu);
	h->ready = h->told = x->have;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
}

/* Ends the hasher: after it has hashed every byte written, or at once (abandon: the hash is
 * thrown away).  Returns its read-back error (a positive errno) or 0. */
static int
hasher_end(struct xfer *x, bool abandon)
{
	struct hasher *h = &x->bg;

	if (!h->running)
		return 0;
	__atomic_store_n(&h->abandon, abandon, __ATOMIC_RELAXED);
	pthread_mutex_lock(&h->mu);
	h->ready = x->have;
	h->stop = true;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->work);
	h->running = false;
	h->abandon = 0;
	return h->err;
}

/* Brings the hash up to every byte of the .part: waits for the hasher to end, or reads the rest
 * back here.  Returns 0 or a positive errno. */
int
fetch_hash_catch_up(struct xfer *x)
{
	int err = hasher_end(x, false);

	return err != 0 ? err : hash_range(x, x->have);
}

/* Passes the len bytes just written at the end of the .part (x->have counts them) on to the
 * hash: inline while the file is small, then to the hasher's thread. */
static void
hash_feed(struct xfer *x, const char *data, size_t len)
{
	if (x->bg.running)
		hasher_tell(x);
	else if (x->hash.bytes == x->have - len && x->have <= HASH_BG_MIN)
		qtm_sha256_update(&x->hash, data, len);
	else if (x->have > HASH_BG_MIN)
		hasher_start(x);   /* it reads these bytes back; if it cannot start,
		                    * fetch_hash_catch_up() does at the end */
}

/* libcurl's write callback.  The bytes are written through as they come (at most 16 KiB at a
 * time: bigger writes were slower here, in the page cache of a VM), then hashed. */
size_t
fetch_sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb, done = 0;

	if (x->limited && x->have + len > x->limit) {
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
	if ((x->req->size != 0 || x->req->size_declared) && (uint64_t)st.st_size > x->req->size) {
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

int
fetch_part_open(struct xfer *x)
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
int
fetch_part_reset(struct xfer *x)
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
void
fetch_part_close(struct xfer *x, bool keep)
{
	hasher_end(x, true);
	if (x->fd >= 0 && close(x->fd) != 0)
		keep = false;
	x->fd = -1;
	qtm_sha256_abort(&x->hash);
	if (!keep || !x->resumable || x->have == 0)
		unlink(x->part);
}

int
fetch_part_install(struct xfer *x)
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
