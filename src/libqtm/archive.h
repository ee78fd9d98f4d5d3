/* archive.h - deterministic tar.zst packing and hostile-archive-safe unpacking (libarchive).
 *
 * An archive made here is a pax tar compressed with zstd whose first member is MANIFEST.sha256
 * ("<sha256>  <relative path>" lines, sorted by path) followed by the files in the same order,
 * with mtime 0, owner 0:0 and modes normalised to 0644/0755, so equal inputs give equal bytes.
 *
 * Ownership: a struct qtm_filelist and its entries are owned by whoever holds the struct and
 * released with qtm_filelist_free(); paths passed in are only read. */
#ifndef QTM_ARCHIVE_H
#define QTM_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

struct qtm_ctx;

struct qtm_file_entry {
	char *path;                     /* relative, '/'-separated, no "." or ".." components */
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
	unsigned mode;                  /* 0644 or 0755 */
};

struct qtm_filelist {
	struct qtm_file_entry *v;
	size_t n;
};

void qtm_filelist_free(struct qtm_filelist *list);

/* Lists every regular file under dir (recursively, sorted, relative paths) with its sha256.
 * Symlinks, devices and other special files are an error naming the path. */
int qtm_filelist_scan(struct qtm_ctx *ctx, const char *dir, struct qtm_filelist *out);

/* Packs the files of dir named in names (NULL-terminated relative paths), or every regular file
 * under dir when names is NULL, into out_path (written to a temporary name, fsynced, renamed).
 * On success fills sha256_hex (of the archive) and, when files is not NULL, the packed list. */
int qtm_archive_pack(struct qtm_ctx *ctx, const char *dir, char *const *names,
    const char *out_path, char sha256_hex[QTM_SHA256_HEX], struct qtm_filelist *files);

/* The most bytes an archive of `compressed` bytes may unpack to: ctx->max_unpack_ratio times
 * its size, at least 64 MiB, at most ctx->max_unpacked_size (qtm.conf(5)). */
uint64_t qtm_archive_unpack_limit(const struct qtm_ctx *ctx, uint64_t compressed);

/* Unpacks archive_path into dest_dir (which must exist and be empty).  Refuses absolute paths,
 * ".." components, links, devices, fifos, members past qtm_archive_unpack_limit() in total (or
 * past max_bytes when that is lower and not 0), a member whose header declares more than what
 * is left of that limit (before writing it), and
 * any file whose sha256 disagrees with MANIFEST.sha256 (which must be present and complete);
 * on any refusal nothing is left in dest_dir.  MANIFEST.sha256 itself is not written out.
 * Fills files (when not NULL) with what was unpacked. */
int qtm_archive_unpack(struct qtm_ctx *ctx, const char *archive_path, const char *dest_dir,
    uint64_t max_bytes, struct qtm_filelist *files);

#endif
