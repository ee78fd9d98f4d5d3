/* archive.c - deterministic tar.zst packing and hostile-archive-safe unpacking (libarchive).
 *
 * Packing hashes every file first (the manifest leads the archive), then streams each file again
 * and checks it still hashes the same, so the manifest always matches the bytes packed.
 *
 * Unpacking never lets libarchive touch the file system: every member name is checked, every
 * file is created by us with openat(O_EXCL | O_NOFOLLOW) under a directory fd and hashed while
 * it streams, and any refusal removes whatever was written, leaving dest_dir empty. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "archive.h"
#include "archive-sym.h"
#include "ctx.h"
#include "hash.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

#define MANIFEST_NAME "MANIFEST.sha256"
#define MANIFEST_MAX ((size_t)16 << 20)  /* a manifest is one short line per file */
#define BUF_SIZE 65536

/* ---- file lists ---- */

void
qtm_filelist_free(struct qtm_filelist *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i].path);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static struct qtm_file_entry *
list_add(struct qtm_filelist *l, const char *path)
{
	struct qtm_file_entry *e;

	/* Grow to powers of two: lists of many files stay linear. */
	if ((l->n & (l->n - 1)) == 0)
		l->v = xreallocarray(l->v, l->n ? 2 * l->n : 1, sizeof *l->v);
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(path);
	return e;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qtm_file_entry *)a)->path, ((const struct qtm_file_entry *)b)->path);
}

/* Sorts the list and returns a path that occurs twice, or NULL. */
static const char *
list_sort(struct qtm_filelist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, entry_cmp);
	for (size_t i = 1; i < l->n; i++)
		if (strcmp(l->v[i - 1].path, l->v[i].path) == 0)
			return l->v[i].path;
	return NULL;
}

static struct qtm_file_entry *
list_find(const struct qtm_filelist *l, const char *path)
{
	struct qtm_file_entry key = { .path = (char *)path };

	return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, entry_cmp) : NULL;
}

/* Returns NULL when path is a plain relative path, else an error format taking (archive, path). */
static const char *
path_problem(const char *p)
{
	if (*p == '/')
		return N_("hostile archive %s: member %s escapes the destination");
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return N_("hostile archive %s: member %s escapes the destination");
		if (n == 0 || (n == 1 && p[0] == '.'))
			return N_("hostile archive %s: member %s has an empty or \".\" path component");
		if (p[n] == '\0')
			return NULL;
		p += n + 1;
	}
}

/* Lists the names in a directory (unsorted, without "." and ".."). */
static int
list_dir(struct qtm_ctx *ctx, const char *dir, struct qtm_filelist *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return qtm_error(ctx, -errno, _("cannot open directory %s: %s"), dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			list_add(out, de->d_name);
	closedir(d);
	return 0;
}

/* ---- scanning ---- */

static int
add_file(struct qtm_ctx *ctx, const char *abs, const char *rel, const struct stat *st,
    struct qtm_filelist *out)
{
	struct qtm_file_entry *e = list_add(out, rel);

	e->mode = (st->st_mode & S_IXUSR) ? 0755 : 0644;
	return qtm_sha256_file(ctx, abs, e->sha256, &e->size);
}

/* Recurses with lstat(): a symlink is reported, never followed. */
static int
scan_dir(struct qtm_ctx *ctx, const char *root, const char *rel, struct qtm_filelist *out)
{
	char *abs = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	struct qtm_filelist names = { 0 };
	int rc = list_dir(ctx, abs, &names);

	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		char *crel = *rel ? xasprintf("%s/%s", rel, names.v[i].path) : xstrdup(names.v[i].path);
		char *cabs = xasprintf("%s/%s", abs, names.v[i].path);
		struct stat st;

		if (lstat(cabs, &st) < 0)
			rc = qtm_error(ctx, -errno, _("cannot stat %s: %s"), cabs, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = scan_dir(ctx, root, crel, out);
		else if (S_ISREG(st.st_mode))
			rc = add_file(ctx, cabs, crel, &st, out);
		else
			rc = qtm_error(ctx, -EPERM, S_ISLNK(st.st_mode)
			    ? _("%s is a symbolic link: only regular files can be packed")
			    : _("%s is a special file: only regular files can be packed"), cabs);
		free(crel);
		free(cabs);
	}
	qtm_filelist_free(&names);
	free(abs);
	return rc;
}

int
qtm_filelist_scan(struct qtm_ctx *ctx, const char *dir, struct qtm_filelist *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = scan_dir(ctx, dir, "", out);
	if (rc < 0)
		qtm_filelist_free(out);
	else
		list_sort(out);
	return rc;
}

/* ---- packing ---- */

static int
collect_named(struct qtm_ctx *ctx, const char *dir, char *const *names, struct qtm_filelist *out)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && names[i] != NULL; i++) {
		char *abs = xasprintf("%s/%s", dir, names[i]);
		struct stat st;

		if (path_problem(names[i]) != NULL)
			rc = qtm_error(ctx, -EINVAL, _("cannot pack %s: not a plain relative path"), names[i]);
		else if (lstat(abs, &st) < 0)
			rc = qtm_error(ctx, -errno, _("cannot stat %s: %s"), abs, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			rc = qtm_error(ctx, -EPERM, _("cannot pack %s: not a regular file"), abs);
		else
			rc = add_file(ctx, abs, names[i], &st, out);
		free(abs);
	}
	return rc;
}

/* Sorts the list and refuses names that the manifest cannot represent. */
static int
check_packable(struct qtm_ctx *ctx, struct qtm_filelist *l)
{
	const char *dup = list_sort(l);

	if (dup != NULL)
		return qtm_error(ctx, -EINVAL, _("cannot pack %s twice"), dup);
	for (size_t i = 0; i < l->n; i++) {
		if (strchr(l->v[i].path, '\n') != NULL)
			return qtm_error(ctx, -EINVAL, _("cannot pack %s: the name contains a newline"), l->v[i].path);
		if (strcmp(l->v[i].path, MANIFEST_NAME) == 0)
			return qtm_error(ctx, -EINVAL, _("cannot pack %s: the name is reserved"), MANIFEST_NAME);
	}
	return 0;
}

static char *
build_manifest(const struct qtm_filelist *l, size_t *len)
{
	size_t n = 0, off = 0;
	char *m;

	for (size_t i = 0; i < l->n; i++)
		n += 64 + 2 + strlen(l->v[i].path) + 1;
	m = xmalloc(n + 1);
	for (size_t i = 0; i < l->n; i++)
		off += (size_t)sprintf(m + off, "%s  %s\n", l->v[i].sha256, l->v[i].path);
	*len = off;
	return m;
}

struct pack_sink {
	int fd;
	struct qtm_sha256 h;  /* of the compressed bytes, as they reach the file */
};

static la_ssize_t
pack_write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct pack_sink *s = data;
	int rc = qtm_write_all(s->fd, buf, len);

	if (rc < 0) {
		sym_archive_set_error(a, -rc, "%s", strerror(-rc));
		return -1;
	}
	qtm_sha256_update(&s->h, buf, len);
	return (la_ssize_t)len;
}

/* Writes a normalised header: equal inputs must give equal bytes. */
static int
write_header(struct archive *a, const char *path, uint64_t size, unsigned mode)
{
	struct archive_entry *e = sym_archive_entry_new();
	int r;

	sym_archive_entry_set_pathname(e, path);
	sym_archive_entry_set_filetype(e, AE_IFREG);
	sym_archive_entry_set_perm(e, mode);
	sym_archive_entry_set_size(e, (la_int64_t)size);
	sym_archive_entry_set_mtime(e, 0, 0);
	sym_archive_entry_set_uid(e, 0);
	sym_archive_entry_set_gid(e, 0);
	r = sym_archive_write_header(a, e);
	sym_archive_entry_free(e);
	return r;
}

/* fmt takes the file's name and libarchive's message. */
static int
lib_error(struct qtm_ctx *ctx, struct archive *a, const char *fmt, const char *name)
{
	int e = sym_archive_errno(a) > 0 ? sym_archive_errno(a) : EIO;
	const char *msg = sym_archive_error_string(a);

	return qtm_error(ctx, -e, fmt, name, msg != NULL ? msg : strerror(e));
}

static int
pack_file(struct qtm_ctx *ctx, struct archive *a, const char *dir, const struct qtm_file_entry *f,
    const char *out, char *buf)
{
	char *abs = xasprintf("%s/%s", dir, f->path), hex[QTM_SHA256_HEX];
	int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	struct qtm_sha256 h;
	uint64_t left = f->size;
	ssize_t n = 1;

	if (fd < 0) {
		rc = qtm_error(ctx, -errno, _("cannot open %s: %s"), abs, strerror(errno));
		free(abs);
		return rc;
	}
	if (write_header(a, f->path, f->size, f->mode) != ARCHIVE_OK)
		rc = lib_error(ctx, a, _("cannot write %s: %s"), out);
	qtm_sha256_init(&h);
	while (rc == 0 && left > 0 && (n = read(fd, buf, left < BUF_SIZE ? left : BUF_SIZE)) > 0) {
		qtm_sha256_update(&h, buf, (size_t)n);
		left -= (uint64_t)n;
		if (sym_archive_write_data(a, buf, (size_t)n) != n)
			rc = lib_error(ctx, a, _("cannot write %s: %s"), out);
	}
	if (rc == 0 && n < 0)
		rc = qtm_error(ctx, -errno, _("cannot read %s: %s"), abs, strerror(errno));
	qtm_sha256_final(&h, hex);
	if (rc == 0 && (left != 0 || read(fd, buf, 1) != 0 || strcmp(hex, f->sha256) != 0))
		rc = qtm_error(ctx, -EAGAIN, _("cannot pack %s: it changed while being packed"), abs);
	close(fd);
	free(abs);
	return rc;
}

static int
pack_stream(struct qtm_ctx *ctx, struct pack_sink *sink, const char *dir,
    const struct qtm_filelist *l, const char *out)
{
	struct archive *a = sym_archive_write_new();
	char *buf = xmalloc(BUF_SIZE), *manifest;
	size_t mlen;
	int rc = 0;

	manifest = build_manifest(l, &mlen);
	if (sym_archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    sym_archive_write_add_filter_zstd(a) < ARCHIVE_WARN ||
	    /* Otherwise the compressed stream is padded with zeros that zstd readers reject. */
	    sym_archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    sym_archive_write_open(a, sink, NULL, pack_write_cb, NULL) != ARCHIVE_OK)
		rc = lib_error(ctx, a, _("cannot write %s: %s"), out);
	if (rc == 0 && (write_header(a, MANIFEST_NAME, mlen, 0644) != ARCHIVE_OK ||
	    sym_archive_write_data(a, manifest, mlen) != (la_ssize_t)mlen))
		rc = lib_error(ctx, a, _("cannot write %s: %s"), out);
	for (size_t i = 0; rc == 0 && i < l->n; i++)
		rc = pack_file(ctx, a, dir, &l->v[i], out, buf);
	if (rc == 0 && sym_archive_write_close(a) != ARCHIVE_OK)
		rc = lib_error(ctx, a, _("cannot write %s: %s"), out);
	sym_archive_write_free(a);
	free(manifest);
	free(buf);
	return rc;
}

/* Writes the archive to tmp and renames it over out: a reader never sees a partial archive. */
static int
pack_to(struct qtm_ctx *ctx, const char *dir, const struct qtm_filelist *l, const char *out,
    char sha256_hex[QTM_SHA256_HEX])
{
	char *tmp = xasprintf("%s.tmp.%ld", out, (long)getpid()), *odir;
	struct pack_sink sink = { .fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) };
	int rc;

	if (sink.fd < 0) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	qtm_sha256_init(&sink.h);
	rc = pack_stream(ctx, &sink, dir, l, out);
	if (rc == 0 && qtm_sync_fd(ctx, sink.fd) < 0)
		rc = qtm_error(ctx, -errno, _("cannot write %s: %s"), tmp, strerror(errno));
	close(sink.fd);
	if (rc == 0 && rename(tmp, out) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s to %s: %s"), tmp, out, strerror(errno));
	if (rc < 0) {
		qtm_sha256_abort(&sink.h);
		unlink(tmp);
	} else {
		qtm_sha256_final(&sink.h, sha256_hex);
		odir = xstrdup(out);
		rc = qtm_fsync_dir(ctx, dirname(odir));
		free(odir);
	}
	free(tmp);
	return rc;
}

int
qtm_archive_pack(struct qtm_ctx *ctx, const char *dir, char *const *names,
    const char *out_path, char sha256_hex[QTM_SHA256_HEX], struct qtm_filelist *files)
{
	struct qtm_filelist l = { 0 };
	int rc;

	if ((rc = qtm_archive_load(ctx)) < 0)
		return rc;
	rc = names == NULL ? qtm_filelist_scan(ctx, dir, &l) : collect_named(ctx, dir, names, &l);
	if (rc == 0)
		rc = check_packable(ctx, &l);
	if (rc == 0)
		rc = pack_to(ctx, dir, &l, out_path, sha256_hex);
	if (rc == 0 && files != NULL)
		*files = l;
	else
		qtm_filelist_free(&l);
	return rc;
}

/* ---- unpacking ---- */

struct unpack {
	struct qtm_ctx *ctx;
	const char *name;             /* the archive, for messages */
	struct archive *a;
	int dfd;                      /* dest_dir */
	uint64_t max_bytes, total;
	struct qtm_filelist manifest; /* sorted; mode (0 until then) and size set as files arrive */
	struct qtm_filelist dirs;     /* directory members, to find duplicates at the end */
	char *buf;
};

static int
hostile(struct unpack *u, const char *fmt, const char *member)
{
	return qtm_error(u->ctx, -EPERM, _(fmt), u->name, member);
}

static int
read_fail(struct unpack *u)
{
	return lib_error(u->ctx, u->a, _("cannot read archive %s: %s"), u->name);
}

static int
parse_manifest(struct unpack *u, char *text, size_t len)
{
	char *p = text, *end = text + len;
	const char *dup;

	if (memchr(text, '\0', len) != NULL)
		return hostile(u, N_("hostile archive %s: malformed %s (NUL byte)"), MANIFEST_NAME);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL || nl - p < 67 || p[64] != ' ' || p[65] != ' ')
			return hostile(u, N_("hostile archive %s: malformed %s (bad line)"), MANIFEST_NAME);
		*nl = '\0';
		p[64] = '\0';
		if (!qtm_sha256_valid(p) || path_problem(p + 66) != NULL || strcmp(p + 66, MANIFEST_NAME) == 0)
			return hostile(u, N_("hostile archive %s: malformed MANIFEST.sha256 (bad entry %s)"), p + 66);
		memcpy(list_add(&u->manifest, p + 66)->sha256, p, QTM_SHA256_HEX);
		p = nl + 1;
	}
	if ((dup = list_sort(&u->manifest)) != NULL)
		return hostile(u, N_("hostile archive %s: malformed MANIFEST.sha256 (lists %s twice)"), dup);
	return 0;
}

/* The manifest must come first: every later file is checked against it while it streams. */
static int
read_manifest(struct unpack *u)
{
	struct archive_entry *e;
	size_t len = 0, cap;
	char *text;
	la_ssize_t n = 0;
	int r = sym_archive_read_next_header(u->a, &e), rc;

	if (r == ARCHIVE_EOF)
		return hostile(u, N_("hostile archive %s: %s is missing (the archive is empty)"), MANIFEST_NAME);
	if (r != ARCHIVE_OK)
		return read_fail(u);
	if (sym_archive_entry_pathname(e) == NULL || strcmp(sym_archive_entry_pathname(e), MANIFEST_NAME) != 0)
		return qtm_error(u->ctx, -EPERM, _("hostile archive %s: %s is missing (first member is %s)"),
		    u->name, MANIFEST_NAME, sym_archive_entry_pathname(e) ? sym_archive_entry_pathname(e) : "?");
	if (sym_archive_entry_filetype(e) != AE_IFREG || sym_archive_entry_hardlink(e) != NULL ||
	    sym_archive_entry_size(e) < 0 || (uint64_t)sym_archive_entry_size(e) > MANIFEST_MAX)
		return hostile(u, N_("hostile archive %s: %s is not a regular file of sane size"), MANIFEST_NAME);
	cap = (size_t)sym_archive_entry_size(e) + 1;
	text = xmalloc(cap);
	while (len < cap && (n = sym_archive_read_data(u->a, text + len, cap - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		rc = read_fail(u);
	else if (len == cap)
		rc = hostile(u, N_("hostile archive %s: %s is too large"), MANIFEST_NAME);
	else
		rc = parse_manifest(u, text, len);
	free(text);
	return rc;
}

/* Opens the directories of path below dest_dir, creating missing ones and never following a
 * symlink; with all set the last component is one too.  Returns an fd (u->dfd, not to be closed,
 * when there is none) or a negative code, and points *base at the last component. */
static int
open_dirs(struct unpack *u, char *path, bool all, const char **base)
{
	int fd = u->dfd, nfd;
	char *p = path, *slash;

	for (; (slash = strchr(p, '/')) != NULL || all; p = slash + 1) {
		if (slash != NULL)
			*slash = '\0';
		nfd = mkdirat(fd, p, 0755) < 0 && errno != EEXIST ? -1
		    : openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			qtm_error(u->ctx, -errno, _("cannot create directory %s in %s: %s"), path, u->name, strerror(errno));
		if (fd != u->dfd)
			close(fd);
		if (slash != NULL)
			*slash = '/';
		if ((fd = nfd) < 0)
			return u->ctx->err;
		if (slash == NULL)
			break;
	}
	*base = p;
	return fd;
}

static int
unpack_dir(struct unpack *u, const char *path)
{
	char *copy = xstrdup(path);
	size_t n = strlen(copy);
	const char *why, *base;
	int fd;

	if (n > 1 && copy[n - 1] == '/')
		copy[n - 1] = '\0';  /* tar writes directories as "name/" */
	if ((why = path_problem(copy)) != NULL) {
		fd = hostile(u, why, path);
	} else {
		list_add(&u->dirs, copy);
		fd = open_dirs(u, copy, true, &base);
	}
	free(copy);
	if (fd >= 0 && fd != u->dfd)
		close(fd);
	return fd < 0 ? fd : 0;
}

/* Streams the member's data into fd, hashing it and keeping the size limit. */
static int
copy_data(struct unpack *u, int fd, const char *path, char hex[QTM_SHA256_HEX], uint64_t *size)
{
	struct qtm_sha256 h;
	la_ssize_t n;
	int rc = 0;

	qtm_sha256_init(&h);
	while (rc == 0 && (n = sym_archive_read_data(u->a, u->buf, BUF_SIZE)) != 0) {
		if (n < 0)
			rc = read_fail(u);
		else if ((uint64_t)n > u->max_bytes - u->total)
			rc = qtm_error(u->ctx, -EFBIG, _("hostile archive %s: member %s exceeds the size limit of %llu bytes"),
			    u->name, path, (unsigned long long)u->max_bytes);
		else if ((rc = qtm_write_all(fd, u->buf, (size_t)n)) < 0)
			qtm_error(u->ctx, rc, _("cannot write %s: %s"), path, strerror(-rc));
		else {
			u->total += (uint64_t)n;
			qtm_sha256_update(&h, u->buf, (size_t)n);
		}
	}
	*size = h.bytes;
	if (rc < 0)
		qtm_sha256_abort(&h);
	else
		qtm_sha256_final(&h, hex);
	return rc;
}

static int
unpack_file(struct unpack *u, struct archive_entry *e, const char *path)
{
	struct qtm_file_entry *m = list_find(&u->manifest, path);
	unsigned mode = (sym_archive_entry_perm(e) & 0100) ? 0755 : 0644;
	int64_t declared = sym_archive_entry_size(e);
	char *copy, hex[QTM_SHA256_HEX];
	const char *base;
	int dfd, fd, rc;

	if (m == NULL)
		return hostile(u, N_("hostile archive %s: member %s is not listed in MANIFEST.sha256"), path);
	if (m->mode != 0)
		return hostile(u, N_("hostile archive %s: duplicate member %s"), path);
	m->mode = mode;
	/* Refused on its header, before a byte is written. */
	if (declared > 0 && (uint64_t)declared > u->max_bytes - u->total)
		return qtm_error(u->ctx, -EFBIG, _("hostile archive %s: member %s exceeds the size limit of %llu "
		    "bytes: its header declares %lld bytes (see max_unpack_ratio in qtm.conf(5))"),
		    u->name, path, (unsigned long long)u->max_bytes, (long long)declared);
	copy = xstrdup(path);
	dfd = open_dirs(u, copy, false, &base);
	if (dfd < 0) {
		free(copy);
		return dfd;
	}
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = qtm_error(u->ctx, -errno, _("cannot create %s from %s: %s"), path, u->name, strerror(errno));
	else if ((rc = copy_data(u, fd, path, hex, &m->size)) == 0 && strcmp(hex, m->sha256) != 0)
		rc = hostile(u, N_("hostile archive %s: sha256 mismatch for member %s"), path);
	/* fchmod rather than the umask: modes are part of what a package delivers. */
	if (fd >= 0 && rc == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		rc = qtm_error(u->ctx, -errno, _("cannot write %s: %s"), path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (dfd != u->dfd)
		close(dfd);
	free(copy);
	return rc;
}

static int
unpack_member(struct unpack *u, struct archive_entry *e)
{
	const char *path = sym_archive_entry_pathname(e), *why;

	if (path == NULL || *path == '\0')
		return hostile(u, N_("hostile archive %s: member %s has no usable name"), "?");
	if (sym_archive_entry_hardlink(e) != NULL)
		return hostile(u, N_("hostile archive %s: member %s is a hard link"), path);
	if (sym_archive_entry_symlink(e) != NULL || sym_archive_entry_filetype(e) == AE_IFLNK)
		return hostile(u, N_("hostile archive %s: member %s is a symbolic link"), path);
	switch (sym_archive_entry_filetype(e)) {
	case AE_IFDIR:
		return unpack_dir(u, path);
	case AE_IFREG:
		if ((why = path_problem(path)) != NULL)
			return hostile(u, why, path);
		if (strcmp(path, MANIFEST_NAME) == 0)
			return hostile(u, N_("hostile archive %s: duplicate member %s"), path);
		return unpack_file(u, e, path);
	case AE_IFCHR:
	case AE_IFBLK:
		return hostile(u, N_("hostile archive %s: member %s is a device"), path);
	case AE_IFIFO:
		return hostile(u, N_("hostile archive %s: member %s is a fifo"), path);
	default:
		return hostile(u, N_("hostile archive %s: member %s is a socket or of an unknown type"), path);
	}
}

/* After the last member: every listed file arrived and no directory came twice. */
static int
check_complete(struct unpack *u)
{
	const char *dup = list_sort(&u->dirs);

	for (size_t i = 0; i < u->manifest.n; i++)
		if (u->manifest.v[i].mode == 0)
			return hostile(u, N_("hostile archive %s: %s is listed in MANIFEST.sha256 but missing"),
			    u->manifest.v[i].path);
	return dup != NULL ? hostile(u, N_("hostile archive %s: duplicate member %s"), dup) : 0;
}

static int
unpack_all(struct unpack *u, const char *archive_path)
{
	struct archive_entry *e;
	int r, rc;

	/* Only in-process decompressors: filter_all could run external programs (lrzip, grzip). */
	sym_archive_read_support_filter_zstd(u->a);
	sym_archive_read_support_filter_gzip(u->a);
	sym_archive_read_support_filter_xz(u->a);
	sym_archive_read_support_format_tar(u->a);
	if (sym_archive_read_open_filename(u->a, archive_path, BUF_SIZE) != ARCHIVE_OK)
		return read_fail(u);
	if ((rc = read_manifest(u)) < 0)
		return rc;
	while ((r = sym_archive_read_next_header(u->a, &e)) == ARCHIVE_OK)
		if ((rc = unpack_member(u, e)) < 0)
			return rc;
	/* A warning here (e.g. a damaged pax header) is as fatal as an error. */
	if (r != ARCHIVE_EOF)
		return read_fail(u);
	if ((rc = check_complete(u)) < 0)
		return rc;
	return fsync(u->dfd) < 0 ? qtm_error(u->ctx, -errno, _("cannot sync %s: %s"), u->name, strerror(errno)) : 0;
}

/* Removes everything in dest (which was empty), keeping the error that made us do it. */
static void
clear_dest(struct qtm_ctx *ctx, const char *dest)
{
	char saved[sizeof ctx->errmsg];
	struct qtm_filelist names = { 0 };
	int err = ctx->err;

	memcpy(saved, ctx->errmsg, sizeof saved);
	list_dir(ctx, dest, &names);
	for (size_t i = 0; i < names.n; i++) {
		char *p = xasprintf("%s/%s", dest, names.v[i].path);

		qtm_rm_rf(ctx, p);
		free(p);
	}
	qtm_filelist_free(&names);
	memcpy(ctx->errmsg, saved, sizeof saved);
	ctx->err = err;
}

/* Member names come from the archive: keep terminal control bytes out of the message. */
static void
sanitize_message(struct qtm_ctx *ctx)
{
	for (char *c = ctx->errmsg; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

uint64_t
qtm_archive_unpack_limit(const struct qtm_ctx *ctx, uint64_t compressed)
{
	uint64_t floor = (uint64_t)64 << 20, limit;

	/* A ratio of 100 is far above what real models and data compress to, and the floor keeps
	 * small archives of sparse data (zeros compress a thousandfold) installable. */
	limit = compressed > UINT64_MAX / ctx->max_unpack_ratio ? UINT64_MAX : compressed * ctx->max_unpack_ratio;
	if (limit < floor)
		limit = floor;
	return limit < ctx->max_unpacked_size ? limit : ctx->max_unpacked_size;
}

int
qtm_archive_unpack(struct qtm_ctx *ctx, const char *archive_path, const char *dest_dir,
    uint64_t max_bytes, struct qtm_filelist *files)
{
	struct unpack u = { .ctx = ctx, .name = archive_path };
	struct stat st;
	struct qtm_filelist present = { 0 };
	int rc = qtm_archive_load(ctx);
	size_t n;

	if (rc == 0)
		rc = list_dir(ctx, dest_dir, &present);
	n = present.n;
	qtm_filelist_free(&present);
	if (rc < 0)
		return rc;
	/* Checked before anything is written: on failure we empty dest_dir, so it must be ours. */
	if (n > 0)
		return qtm_error(ctx, -ENOTEMPTY, _("cannot unpack into %s: the directory is not empty"), dest_dir);
	if (stat(archive_path, &st) < 0)
		return qtm_error(ctx, -errno, _("cannot stat %s: %s"), archive_path, strerror(errno));
	u.max_bytes = qtm_archive_unpack_limit(ctx, (uint64_t)st.st_size);
	if (max_bytes != 0 && max_bytes < u.max_bytes)
		u.max_bytes = max_bytes;
	u.dfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.dfd < 0)
		return qtm_error(ctx, -errno, _("cannot open directory %s: %s"), dest_dir, strerror(errno));
	u.a = sym_archive_read_new();
	u.buf = xmalloc(BUF_SIZE);
	rc = unpack_all(&u, archive_path);
	sym_archive_read_free(u.a);
	close(u.dfd);
	if (rc < 0) {
		clear_dest(ctx, dest_dir);
		sanitize_message(ctx);
	}
	if (rc == 0 && files != NULL)
		*files = u.manifest;
	else
		qtm_filelist_free(&u.manifest);
	free(u.buf);
	qtm_filelist_free(&u.dirs);
	return rc;
}
