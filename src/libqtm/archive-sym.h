/* archive-sym.h - libarchive, loaded on first use (lazy-lib.h): only commands that pack or unpack
 * artifacts or read a gzipped index pay for it and for libxml2 and ICU, which it pulls in.  Call
 * qtm_archive_load() before any sym_archive_* pointer: until it has returned 0 they are NULL. */
#ifndef QTM_ARCHIVE_SYM_H
#define QTM_ARCHIVE_SYM_H

#include <archive.h>
#include <archive_entry.h>

#include "lazy-lib.h"

struct qtm_ctx;

#define QTM_ARCHIVE_SYMS(X) \
	X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_hardlink) \
	X(archive_entry_new) X(archive_entry_pathname) X(archive_entry_perm) \
	X(archive_entry_set_filetype) X(archive_entry_set_gid) X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) X(archive_entry_set_perm) X(archive_entry_set_size) \
	X(archive_entry_set_uid) X(archive_entry_size) X(archive_entry_symlink) X(archive_errno) \
	X(archive_error_string) X(archive_read_data) X(archive_read_free) X(archive_read_new) \
	X(archive_read_next_header) X(archive_read_open_filename) \
	X(archive_read_support_filter_gzip) X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) X(archive_set_error) X(archive_write_add_filter_gzip) \
	X(archive_write_add_filter_zstd) X(archive_write_close) X(archive_write_data) \
	X(archive_write_free) X(archive_write_header) X(archive_write_new) X(archive_write_open) \
	X(archive_write_set_bytes_in_last_block) X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax_restricted) X(archive_write_set_format_raw)

QTM_ARCHIVE_SYMS(QTM_DL_DECLARE)

/* 0 once libarchive is loaded (thread-safe); else the error is set on ctx. */
int qtm_archive_load(struct qtm_ctx *ctx);

#endif
