/* hive-wal.c - the queue database's WAL written with one write per transaction (hive-wal.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hive-wal.h"
#include "xalloc.h"

/* SQLite appends a transaction to the WAL as frames of two writes each (a 24-byte header, then
 * the page): some 20 pwrite calls per job.  The "qtm-hive" VFS wraps the default one and gathers
 * the appends to a WAL file in memory; the frame header that ends a transaction (its "database
 * size after commit" field is not zero) sends them, once its page is in, with one write (one per
 * 64 KiB of a large one): when the commit returns, every byte of it is in the kernel, as before.
 * Any other use of the file (read, sync, truncate, size, close, a write elsewhere) sends what is
 * gathered first. */

#define WAL_FRAME_HEADER 24

struct wal_file {
	sqlite3_file base;            /* pMethods: wal_io */
	sqlite3_file *real;           /* the wrapped VFS's file, right after this struct */
	unsigned char *buf;           /* gathered appends: file offset off, len bytes */
	size_t len, cap;
	sqlite3_int64 off;
	bool commit;                  /* the last frame header gathered ends a transaction */
};

#define WAL_FILE_SIZE ((sizeof(struct wal_file) + 15) & ~(size_t)15)

static sqlite3_vfs *base_vfs;
static sqlite3_vfs gather_vfs;

/* The unix VFS writes at most 128 KiB - 1 per call (it masks the length, its pages being no
 * larger): a bigger gathered transaction, a large job spec for one, goes in pieces, or the
 * short write would read as SQLITE_FULL, "database or disk is full". */
#define WAL_SEND_MAX (64u << 10)

static int
wal_send(struct wal_file *w)
{
	int rc = SQLITE_OK;

	for (size_t done = 0; rc == SQLITE_OK && done < w->len; done += WAL_SEND_MAX) {
		size_t n = w->len - done < WAL_SEND_MAX ? w->len - done : WAL_SEND_MAX;

		rc = w->real->pMethods->xWrite(w->real, w->buf + done, (int)n, w->off + (sqlite3_int64)done);
	}
	w->len = 0;
	w->commit = false;
	return rc;
}

static int
wal_close(sqlite3_file *f)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc = wal_send(w), rc2 = w->real->pMethods->xClose(w->real);

	free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wal_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc = wal_send(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, p, n, off);
}

static int
wal_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	struct wal_file *w = (struct wal_file *)f;
	const unsigned char *h = p;
	int rc;

	if (w->len > 0 && (off != w->off + (sqlite3_int64)w->len || w->len + (size_t)n > (64u << 20)) &&
	    (rc = wal_send(w)) != SQLITE_OK)
		return rc;
	if (w->len == 0)
		w->off = off;
	if (w->len + (size_t)n > w->cap) {
		w->cap = (w->len + (size_t)n) * 2;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, p, (size_t)n);
	w->len += (size_t)n;
	if (n == WAL_FRAME_HEADER) {
		w->commit = (h[4] | h[5] | h[6] | h[7]) != 0;
		return SQLITE_OK;
	}
	return w->commit ? wal_send(w) : SQLITE_OK;
}

static int
wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc = wal_send(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int
wal_sync(sqlite3_file *f, int flags)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc = wal_send(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int
wal_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc = wal_send(w);

	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

/* The rest is the wrapped file's. */
#define REAL(f) (((struct wal_file *)(f))->real)
static int wal_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int wal_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int wal_reserved(sqlite3_file *f, int *out) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int wal_control(sqlite3_file *f, int op, void *arg) { return REAL(f)->pMethods->xFileControl(REAL(f), op, arg); }
static int wal_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int wal_device(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }

static const sqlite3_io_methods wal_io = {
	.iVersion = 1, .xClose = wal_close, .xRead = wal_read, .xWrite = wal_write, .xTruncate = wal_truncate,
	.xSync = wal_sync, .xFileSize = wal_size, .xLock = wal_lock, .xUnlock = wal_unlock,
	.xCheckReservedLock = wal_reserved, .xFileControl = wal_control, .xSectorSize = wal_sector,
	.xDeviceCharacteristics = wal_device,
};

static int
gather_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct wal_file *w = (struct wal_file *)f;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)((char *)w + WAL_FILE_SIZE);
	if ((rc = base_vfs->xOpen(base_vfs, name, w->real, flags, out_flags)) == SQLITE_OK)
		w->base.pMethods = &wal_io;
	return rc;
}

const char *
qtm_hive_wal_vfs(void)
{
	if (base_vfs == NULL) {
		if ((base_vfs = sqlite3_vfs_find(NULL)) == NULL)
			return NULL;
		gather_vfs = *base_vfs;
		gather_vfs.zName = "qtm-hive";
		gather_vfs.szOsFile = (int)WAL_FILE_SIZE + base_vfs->szOsFile;
		gather_vfs.xOpen = gather_open;
		gather_vfs.pNext = NULL;
		if (sqlite3_vfs_register(&gather_vfs, 0) != SQLITE_OK) {
			base_vfs = NULL;
			return NULL;
		}
	}
	return gather_vfs.zName;
}
