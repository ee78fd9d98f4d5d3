/* test-archive.c - pack/unpack round trips, determinism, and a table of hostile archives.
 *
 * The hostile archives are crafted here with libarchive's writer, so each case states exactly
 * which members it holds; every one must be refused with a message naming the cause and must
 * leave the destination directory empty. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive.h"
#include "ctx.h"
#include "hash.h"
#include "paths.h"
#include "xalloc.h"

struct fixture {
	char dir[64];
	struct qtm_ctx *ctx;
};

static char *
tpath(const struct fixture *f, const char *rel)
{
	return xasprintf("%s/%s", f->dir, rel);
}

static void
put_file(const struct fixture *f, const char *rel, const void *data, size_t len, mode_t mode)
{
	char *p = tpath(f, rel), *slash = strrchr(p, '/');
	int fd;

	*slash = '\0';
	assert_int_equal(qtm_mkdir_p(f->ctx, p, 0755), 0);
	*slash = '/';
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(p);
}

/* Deterministic incompressible bytes, so that truncating the .zst cuts into member data. */
static unsigned char *
noise(size_t len)
{
	unsigned char *b = xmalloc(len);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)x;
	}
	return b;
}

static char *
make_dest(const struct fixture *f, const char *name)
{
	char *p = tpath(f, name);

	assert_int_equal(qtm_mkdir_p(f->ctx, p, 0755), 0);
	return p;
}

static int
dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	strcpy(f->dir, "/tmp/qtm-test-archive.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->ctx = qtm_ctx_new(f->dir, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	qtm_rm_rf(f->ctx, f->dir);
	qtm_ctx_free(f->ctx);
	free(f);
	return 0;
}

#define BIG (200 * 1024)

static void
make_tree(const struct fixture *f)
{
	unsigned char *big = noise(BIG);

	put_file(f, "src/a.txt", "hello\n", 6, 0644);
	put_file(f, "src/run.sh", "#!/bin/sh\necho hi\n", 18, 0755);
	put_file(f, "src/sub/dir/big.bin", big, BIG, 0644);
	put_file(f, "src/sub/empty", "", 0, 0600);
	free(big);
}

static void
assert_same_file(const char *a, const char *b)
{
	char ha[QTM_SHA256_HEX], hb[QTM_SHA256_HEX];
	struct qtm_ctx *ctx = qtm_ctx_new("/nonexistent", NULL);

	assert_int_equal(qtm_sha256_file(ctx, a, ha, NULL), 0);
	assert_int_equal(qtm_sha256_file(ctx, b, hb, NULL), 0);
	assert_string_equal(ha, hb);
	qtm_ctx_free(ctx);
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = { "a.txt", "run.sh", "sub/dir/big.bin", "sub/empty" };
	struct qtm_filelist packed, unpacked;
	char hex[QTM_SHA256_HEX], hex2[QTM_SHA256_HEX], *src = tpath(f, "src"), *out = tpath(f, "out.tar.zst");
	char *dest, *p, *q;
	struct stat st;

	make_tree(f);
	assert_int_equal(qtm_archive_pack(f->ctx, src, NULL, out, hex, &packed), 0);
	assert_int_equal(qtm_sha256_file(f->ctx, out, hex2, NULL), 0);
	assert_string_equal(hex, hex2);
	assert_int_equal(packed.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(packed.v[i].path, want[i]);
	assert_int_equal(packed.v[1].mode, 0755);
	assert_int_equal(packed.v[3].mode, 0644);
	assert_int_equal(packed.v[2].size, BIG);

	dest = make_dest(f, "dest");
	if (qtm_archive_unpack(f->ctx, out, dest, 0, &unpacked) != 0)
		fail_msg("%s", qtm_strerror(f->ctx));
	assert_int_equal(unpacked.n, packed.n);
	for (size_t i = 0; i < packed.n; i++) {
		assert_string_equal(unpacked.v[i].path, packed.v[i].path);
		assert_string_equal(unpacked.v[i].sha256, packed.v[i].sha256);
		assert_int_equal(unpacked.v[i].size, packed.v[i].size);
		assert_int_equal(unpacked.v[i].mode, packed.v[i].mode);
		p = xasprintf("%s/%s", src, want[i]);
		q = xasprintf("%s/%s", dest, want[i]);
		assert_same_file(p, q);
		assert_int_equal(lstat(q, &st), 0);
		assert_int_equal(st.st_mode & 07777, packed.v[i].mode);
		free(p);
		free(q);
	}
	p = xasprintf("%s/MANIFEST.sha256", dest);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	qtm_filelist_free(&packed);
	qtm_filelist_free(&unpacked);
	assert_null(unpacked.v);
	assert_int_equal(unpacked.n, 0);

	/* A destination that is not empty is refused and left alone. */
	assert_true(qtm_archive_unpack(f->ctx, out, dest, 0, NULL) == -ENOTEMPTY);
	assert_int_equal(dir_entries(dest), 3);
	/* An exact size limit is enough. */
	free(dest);
	dest = make_dest(f, "dest2");
	assert_int_equal(qtm_archive_unpack(f->ctx, out, dest, 6 + 18 + BIG, NULL), 0);
	free(dest);
	free(src);
	free(out);
}

static void
test_pack_names(void **state)
{
	struct fixture *f = *state;
	char *src = tpath(f, "src"), *out = tpath(f, "names.tar.zst"), hex[QTM_SHA256_HEX];
	char *names[] = { "sub/dir/big.bin", "a.txt", NULL };
	char *bad[] = { "../escape", NULL }, *dup[] = { "a.txt", "a.txt", NULL }, *missing[] = { "nope", NULL };
	struct qtm_filelist l;

	make_tree(f);
	assert_int_equal(qtm_archive_pack(f->ctx, src, names, out, hex, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].path, "a.txt");
	assert_string_equal(l.v[1].path, "sub/dir/big.bin");
	qtm_filelist_free(&l);
	assert_true(qtm_archive_pack(f->ctx, src, bad, out, hex, NULL) < 0);
	assert_true(qtm_archive_pack(f->ctx, src, dup, out, hex, NULL) < 0);
	assert_non_null(strstr(qtm_strerror(f->ctx), "twice"));
	assert_true(qtm_archive_pack(f->ctx, src, missing, out, hex, NULL) == -ENOENT);
	free(src);
	free(out);
}

static void
test_deterministic(void **state)
{
	struct fixture *f = *state;
	char *src = tpath(f, "src"), *o1 = tpath(f, "1.tar.zst"), *o2 = tpath(f, "2.tar.zst");
	char *o3 = tpath(f, "3.tar.zst"), *p;
	char h1[QTM_SHA256_HEX], h2[QTM_SHA256_HEX], h3[QTM_SHA256_HEX];
	/* Over 100 bytes: forces a pax extended header, whose name must not depend on the pid. */
	const char *lng = "src/long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.txt";
	struct timespec ts[2] = { { 12345, 0 }, { 987654321, 0 } };
	pid_t pid;
	int status;

	make_tree(f);
	put_file(f, lng, "x", 1, 0644);
	assert_int_equal(qtm_archive_pack(f->ctx, src, NULL, o1, h1, NULL), 0);
	/* New mtimes, other permission bits (same exec bit): same bytes. */
	p = tpath(f, "src/a.txt");
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(chmod(p, 0600), 0);
	free(p);
	p = tpath(f, "src/sub/dir/big.bin");
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
	assert_int_equal(qtm_archive_pack(f->ctx, src, NULL, o2, h2, NULL), 0);
	assert_string_equal(h1, h2);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(qtm_archive_pack(f->ctx, src, NULL, o3, h3, NULL) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_same_file(o1, o3);
	free(src);
	free(o1);
	free(o2);
	free(o3);
}

static void
test_scan_rejects_symlink(void **state)
{
	struct fixture *f = *state;
	char *src = tpath(f, "src"), *link = tpath(f, "src/sub/link"), *out = tpath(f, "x.tar.zst");
	char hex[QTM_SHA256_HEX];
	struct qtm_filelist l;

	make_tree(f);
	assert_int_equal(qtm_filelist_scan(f->ctx, src, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[2].path, "sub/dir/big.bin");
	qtm_filelist_free(&l);
	assert_int_equal(symlink("../a.txt", link), 0);
	assert_true(qtm_filelist_scan(f->ctx, src, &l) < 0);
	assert_non_null(strstr(qtm_strerror(f->ctx), link));
	assert_non_null(strstr(qtm_strerror(f->ctx), "symbolic link"));
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	assert_true(qtm_archive_pack(f->ctx, src, NULL, out, hex, NULL) < 0);
	assert_int_equal(access(out, F_OK), -1);
	unlink(link);
	assert_int_equal(mkfifo(link, 0644), 0);
	assert_true(qtm_filelist_scan(f->ctx, src, &l) < 0);
	assert_non_null(strstr(qtm_strerror(f->ctx), "special file"));
	free(src);
	free(link);
	free(out);
}

/* ---- crafted archives ---- */

/* Member types: 'f' file (data = contents), 'x' executable file, 'B' BIG bytes of noise, 'd'
 * directory, 'Z' as many zero bytes as data says, 'l' symlink and 'h' hard link (data = target), 'c' char device, 'p' fifo, 'M' a
 * MANIFEST.sha256 listing the space-separated names in data with the sha256 of the first file
 * member of that name (of "" when there is none). */
struct member {
	char type;
	const char *name;
	const char *data;
};

enum { TAR_ZST, GARBAGE, TRUNCATED };

struct hostile_case {
	const char *what;
	int form;
	uint64_t max_bytes;
	const char *expect;
	struct member m[6];
};

#define GOOD_MANIFEST(extra) { 'M', "MANIFEST.sha256", "sub/good " extra }
#define GOOD_FILE { 'f', "sub/good", "good\n" }
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
#define HUNDRED "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"

static const struct hostile_case hostile_cases[] = {
	{ "absolute path", TAR_ZST, 0, "member /etc/passwd escapes the destination",
	    { GOOD_MANIFEST("etc/passwd"), GOOD_FILE, { 'f', "/etc/passwd", "root\n" } } },
	{ "dot-dot", TAR_ZST, 0, "member ../x escapes the destination",
	    { GOOD_MANIFEST("x"), GOOD_FILE, { 'f', "../x", "x" } } },
	{ "inner dot-dot", TAR_ZST, 0, "member a/../../x escapes the destination",
	    { GOOD_MANIFEST("x"), GOOD_FILE, { 'f', "a/../../x", "x" } } },
	{ "dot-dot directory", TAR_ZST, 0, "escapes the destination",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'd', "sub/../..", NULL } } },
	{ "dot component", TAR_ZST, 0, "path component",
	    { GOOD_MANIFEST("x"), GOOD_FILE, { 'f', "./x", "x" } } },
	{ "symlink", TAR_ZST, 0, "member sub/link is a symbolic link",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'l', "sub/link", "/etc/passwd" } } },
	{ "hard link", TAR_ZST, 0, "member sub/hard is a hard link",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'h', "sub/hard", "sub/good" } } },
	{ "char device", TAR_ZST, 0, "member null is a device",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'c', "null", NULL } } },
	{ "fifo", TAR_ZST, 0, "member pipe is a fifo",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'p', "pipe", NULL } } },
	{ "no manifest", TAR_ZST, 0, "MANIFEST.sha256 is missing",
	    { GOOD_FILE } },
	{ "manifest not first", TAR_ZST, 0, "MANIFEST.sha256 is missing (first member is sub/good)",
	    { GOOD_FILE, GOOD_MANIFEST("") } },
	{ "malformed manifest", TAR_ZST, 0, "malformed MANIFEST.sha256",
	    { { 'f', "MANIFEST.sha256", "not a manifest line\n" }, GOOD_FILE } },
	{ "manifest lists ..", TAR_ZST, 0, "malformed MANIFEST.sha256",
	    { { 'f', "MANIFEST.sha256", ZEROS "  ../x\n" } } },
	{ "wrong sha256", TAR_ZST, 0, "sha256 mismatch for member a",
	    { { 'f', "MANIFEST.sha256", ZEROS "  a\n" }, { 'f', "a", "a" } } },
	{ "unlisted file", TAR_ZST, 0, "member extra is not listed in MANIFEST.sha256",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'f', "extra", "x" } } },
	{ "listed file missing", TAR_ZST, 0, "absent is listed in MANIFEST.sha256 but missing",
	    { GOOD_MANIFEST("absent"), GOOD_FILE } },
	{ "escape sequence", TAR_ZST, 0, "member ?[2J is not listed",
	    { GOOD_MANIFEST(""), GOOD_FILE, { 'f', "\033[2J", "x" } } },
	{ "duplicate member", TAR_ZST, 0, "duplicate member sub/good",
	    { GOOD_MANIFEST(""), GOOD_FILE, GOOD_FILE } },
	{ "duplicate manifest", TAR_ZST, 0, "duplicate member MANIFEST.sha256",
	    { GOOD_MANIFEST(""), GOOD_FILE, GOOD_MANIFEST("") } },
	{ "duplicate directory", TAR_ZST, 0, "duplicate member d",
	    { GOOD_MANIFEST(""), { 'd', "d", NULL }, GOOD_FILE, { 'd', "d", NULL } } },
	{ "over max_bytes", TAR_ZST, 50, "member big exceeds the size limit of 50 bytes",
	    { GOOD_MANIFEST("big"), GOOD_FILE, { 'f', "big", HUNDRED } } },
	{ "file over directory", TAR_ZST, 0, "cannot create",
	    { GOOD_MANIFEST("sub/good/x"), GOOD_FILE, { 'f', "sub/good/x", "x" } } },
	{ "garbage bytes", GARBAGE, 0, "cannot read archive", { { 0, NULL, NULL } } },
	{ "truncated", TRUNCATED, 0, "cannot read archive",
	    { GOOD_MANIFEST("big"), GOOD_FILE, { 'B', "big", NULL } } },
};

static const struct member *
find_member(const struct member *m, const char *name)
{
	for (size_t i = 0; i < 6 && m[i].type != 0; i++)
		if (strchr("fxBZ", m[i].type) != NULL && strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

/* The bytes of a member: owned by the caller. */
static char *
member_data(const struct member *all, const struct member *m, size_t *len)
{
	char *s, *names, *tok, *save = NULL, hex[QTM_SHA256_HEX];

	if (m->type == 'B') {
		*len = BIG;
		return (char *)noise(BIG);
	}
	if (m->type == 'Z') {
		*len = strtoul(m->data, NULL, 10);
		return xcalloc(1, *len);
	}
	if (m->type != 'M') {
		*len = m->data ? strlen(m->data) : 0;
		return xstrdup(m->data ? m->data : "");
	}
	s = xstrdup("");
	names = xstrdup(m->data);
	for (tok = strtok_r(names, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		const struct member *fm = find_member(all, tok);
		size_t n = 0;
		char *d = fm ? member_data(all, fm, &n) : xstrdup(""), *t;

		qtm_sha256_buf(d, n, hex);
		t = xasprintf("%s%s  %s\n", s, hex, tok);
		free(s);
		free(d);
		s = t;
	}
	free(names);
	*len = strlen(s);
	return s;
}

static void
craft(const char *path, const struct hostile_case *c)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < 6 && c->m[i].type != 0; i++) {
		const struct member *m = &c->m[i];
		struct archive_entry *e = archive_entry_new();
		static const struct { char type; unsigned ft, perm; } types[] = {
			{ 'f', AE_IFREG, 0644 }, { 'M', AE_IFREG, 0644 }, { 'B', AE_IFREG, 0644 }, { 'Z', AE_IFREG, 0644 },
			{ 'x', AE_IFREG, 0755 }, { 'd', AE_IFDIR, 0755 }, { 'l', AE_IFLNK, 0777 },
			{ 'h', AE_IFREG, 0644 }, { 'c', AE_IFCHR, 0666 }, { 'p', AE_IFIFO, 0644 },
		};
		size_t len = 0;
		char *data = strchr("fxMBZ", m->type) ? member_data(c->m, m, &len) : NULL;

		archive_entry_set_pathname(e, m->name);
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
			if (types[t].type == m->type) {
				archive_entry_set_filetype(e, types[t].ft);
				archive_entry_set_perm(e, types[t].perm);
			}
		archive_entry_set_size(e, (la_int64_t)len);
		if (m->type == 'l')
			archive_entry_set_symlink(e, m->data);
		if (m->type == 'h')
			archive_entry_set_hardlink(e, m->data);
		if (m->type == 'c')
			archive_entry_set_rdev(e, makedev(1, 3));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len > 0)
			assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
		archive_entry_free(e);
		free(data);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void
make_case_file(const char *path, const struct hostile_case *c)
{
	struct stat st;

	if (c->form == GARBAGE) {
		unsigned char *b = noise(4096);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, b, 4096), 4096);
		close(fd);
		free(b);
		return;
	}
	craft(path, c);
	if (c->form == TRUNCATED) {
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(truncate(path, st.st_size / 2), 0);
	}
}

static void
test_hostile(void **state)
{
	struct fixture *f = *state;
	char *path = tpath(f, "hostile.tar.zst");
	int failures = 0;

	for (size_t i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
		const struct hostile_case *c = &hostile_cases[i];
		char *dest = make_dest(f, "hdest");
		struct qtm_filelist l = { 0 };
		int rc;

		make_case_file(path, c);
		rc = qtm_archive_unpack(f->ctx, path, dest, c->max_bytes, &l);
		if (rc >= 0 || strstr(qtm_strerror(f->ctx), c->expect) == NULL || strchr(qtm_strerror(f->ctx), '\033') ||
		    strstr(qtm_strerror(f->ctx), "hostile.tar.zst") == NULL || dir_entries(dest) != 0) {
			print_error("case \"%s\": rc %d, %d entries left, message: %s\n", c->what, rc,
			    dir_entries(dest), rc < 0 ? qtm_strerror(f->ctx) : "(none)");
			failures++;
		} else if (getenv("QTM_TEST_VERBOSE") != NULL) {
			print_message("%-20s %s\n", c->what, qtm_strerror(f->ctx));
		}
		assert_null(l.v);
		assert_int_equal(rmdir(dest), 0);
		free(dest);
	}
	free(path);
	assert_int_equal(failures, 0);
}

/* Directory members, nested files and an executable crafted by another writer are accepted. */
static void
test_crafted_benign(void **state)
{
	static const struct hostile_case ok = { "benign", TAR_ZST, 0, NULL, {
		{ 'M', "MANIFEST.sha256", "d/e/f run" }, { 'd', "d/", NULL }, { 'd', "d/e", NULL },
		{ 'f', "d/e/f", "contents" }, { 'x', "run", "#!/bin/sh\n" } } };
	struct fixture *f = *state;
	char *path = tpath(f, "ok.tar.zst"), *dest = make_dest(f, "okdest"), *p;
	struct qtm_filelist l;
	struct stat st;

	make_case_file(path, &ok);
	assert_int_equal(qtm_archive_unpack(f->ctx, path, dest, 0, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].path, "d/e/f");
	assert_int_equal(l.v[0].size, 8);
	assert_int_equal(l.v[1].mode, 0755);
	p = xasprintf("%s/run", dest);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	qtm_filelist_free(&l);
	free(path);
	free(dest);
}

/* Unpacking is bounded without a max_bytes: past max_unpack_ratio times the archive's size (at
 * least 64 MiB) and past max_unpacked_size; a member is refused on its header, before a byte of
 * it is written, and nothing is left behind. */
static void
test_unpack_limits(void **state)
{
	static const struct hostile_case zeros = { "65 MiB of zeros", TAR_ZST, 0, NULL, {
		GOOD_MANIFEST("zeros"), GOOD_FILE, { 'Z', "zeros", "68157440" } } };
	struct fixture *f = *state;
	char *path = tpath(f, "zeros.tar.zst"), *dest = make_dest(f, "zdest");
	struct stat st;

	assert_int_equal(qtm_archive_unpack_limit(f->ctx, 1000), (uint64_t)64 << 20);
	assert_int_equal(qtm_archive_unpack_limit(f->ctx, 1 << 20), (uint64_t)100 << 20);
	assert_int_equal(qtm_archive_unpack_limit(f->ctx, (uint64_t)1 << 40), (uint64_t)16 << 30);
	make_case_file(path, &zeros);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 1 << 20);   /* compressed a thousandfold: the ratio cap applies */
	assert_int_equal(qtm_archive_unpack(f->ctx, path, dest, 0, NULL), -EFBIG);
	assert_non_null(strstr(qtm_strerror(f->ctx), "member zeros exceeds the size limit of 67108864 bytes"));
	assert_int_equal(dir_entries(dest), 0);
	/* A higher ratio lets it through; a lower max_unpacked_size stops it again. */
	f->ctx->max_unpack_ratio = 100000;
	assert_int_equal(qtm_archive_unpack(f->ctx, path, dest, 0, NULL), 0);
	assert_int_equal(qtm_rm_rf(f->ctx, dest), 0);
	free(dest);
	dest = make_dest(f, "zdest");
	f->ctx->max_unpacked_size = 1 << 20;
	assert_int_equal(qtm_archive_unpack(f->ctx, path, dest, 0, NULL), -EFBIG);
	assert_non_null(strstr(qtm_strerror(f->ctx), "exceeds the size limit of 1048576 bytes"));
	assert_int_equal(dir_entries(dest), 0);
	assert_int_equal(rmdir(dest), 0);
	free(dest);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_rejects_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crafted_benign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
