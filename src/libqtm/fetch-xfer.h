/* fetch-xfer.h - the state of fetch.c's transfers, shared with fetch-part.c (the .part file
 * and its hash).  Internal to libqtm: nothing outside those two files includes it.
 *
 * A struct batch is one qtm_fetch_many() call, on its stack; it owns the array of struct xfer,
 * one per request.  An xfer owns its part path, its open .part descriptor, its hasher's thread, and its libcurl handle; the requests stay the caller's. */
#ifndef QTM_FETCH_XFER_H
#define QTM_FETCH_XFER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "fetch.h"
#include "hash.h"

#define HASH_STEP (256 << 10)   /* the hasher hears of new bytes this many at a time */
#define HASH_BG_MIN (1 << 20)   /* files bigger than this are hashed on a second thread */

enum state { X_QUEUED, X_WAITING, X_RUNNING, X_DONE };

struct batch;

/* The sha256 of a .part computed on a second thread, so that hashing overlaps receiving and
 * writing.  The receiving thread only says how far the .part is written (ready); the hasher
 * reads those bytes back from the file and hashes them.  Started once a file outgrows
 * HASH_BG_MIN (smaller ones are hashed inline), so it first hashes what the .part held by then
 * (the start of the file, or what a resumed download found). */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;
	bool running;
	bool stop;                 /* no more bytes will come: hash up to ready, then end */
	int abandon;               /* end at once, the hash is not wanted (atomic) */
	uint64_t ready;            /* bytes of the .part written, for the hasher (under mu) */
	uint64_t told;             /* the receiving thread's copy of ready (its own) */
	int err;                   /* reading the .part back failed (positive errno) */
};

struct xfer {
	struct qtm_fetch_req *req;
	struct batch *b;
	const char *label;
	enum state state;
	char *part;
	int fd;                    /* the open .part, or -1 */
	uint64_t have;             /* bytes in the .part */
	struct qtm_sha256 hash;    /* over the .part's first hash.bytes bytes */
	struct hasher bg;          /* while bg.running, only its thread touches hash */
	uint64_t limit;
	bool limited;              /* limit applies (it may be 0: a declared empty file) */
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
	double ticked;             /* when a file:// copy last redrew the progress */
	struct qtm_fetch_progress *progress;
};

/* fetch-part.c.  Each returns 0 or a negative code with the error set on the batch's ctx. */
int fetch_part_open(struct xfer *x);      /* continue a resumable .part, or create it empty */
int fetch_part_reset(struct xfer *x);     /* empty it for a start from zero */
void fetch_part_close(struct xfer *x, bool keep);  /* keep: leave it for a later resume */
int fetch_part_install(struct xfer *x);   /* close and rename over the destination */
/* The hash brought up to every byte of the .part: 0 or a positive errno. */
int fetch_hash_catch_up(struct xfer *x);
/* The write callback of libcurl and of file-url.c: to the .part and its hash, within the limit. */
size_t fetch_sink_write(char *data, size_t size, size_t nmemb, void *arg);

#endif
