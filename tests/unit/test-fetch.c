/* test-fetch.c - qtm_fetch_many against tests/integration/httpd.py on the loopback: parallel
 * transfers, resume of a .part (HTTP Range and file://), a server that ignores ranges, stale and
 * overlong .part files (and a file:// source shorter than the .part), retries of HTTP 500 and cut connections, mirror failover (dead host,
 * 404, wrong bytes), checksum errors and the first failure stopping the set.
 *
 * The server logs every request as a JSON line; the tests read that log to see which ranges were
 * asked for and how many transfers overlapped. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctx.h"
#include "fetch.h"
#include "hash.h"
#include "paths.h"
#include "xalloc.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static struct {
	char dir[64];
	char *srv, *dl, *log, *control;
	pid_t pid;
	int port;
	struct qtm_ctx *ctx;
} g;

static char *
srv_path(const char *name)
{
	return xasprintf("%s/%s", g.srv, name);
}

static char *
dl_path(const char *name)
{
	return xasprintf("%s/%s", g.dl, name);
}

static char *
url(const char *name)
{
	return xasprintf("http://127.0.0.1:%d/%s", g.port, name);
}

static void
put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* size pseudo-random bytes (seeded), written to the server's NAME; returns them (owned). */
static unsigned char *
serve(const char *name, size_t size, unsigned seed, char hex[QTM_SHA256_HEX])
{
	unsigned char *data = xmalloc(size + 1);
	uint32_t v = seed * 2654435761u + 1;
	char *p = srv_path(name);

	for (size_t i = 0; i < size; i++) {
		v = v * 1664525u + 1013904223u;
		data[i] = (unsigned char)(v >> 24);
	}
	put(p, data, size);
	qtm_sha256_buf(data, size, hex);
	free(p);
	return data;
}

static void
control(const char *json)
{
	put(g.control, json, strlen(json));
}

/* The server logs a request after its last byte went out: wait until the log stays put. */
static void
log_settle(void)
{
	struct stat st;
	off_t last = -1;

	for (int i = 0; i < 30; i++) {
		usleep(150000);
		if (stat(g.log, &st) == 0 && st.st_size == last)
			return;
		last = stat(g.log, &st) == 0 ? st.st_size : -1;
	}
}

static int
by_start(const void *a, const void *b)
{
	double x = cJSON_GetObjectItem(*(cJSON *const *)a, "start")->valuedouble;
	double y = cJSON_GetObjectItem(*(cJSON *const *)b, "start")->valuedouble;

	return x < y ? -1 : x > y;
}

/* The logged requests whose path ends with name, in the order they came in (the log has them in
 * the order they ended), as a cJSON array (owned). */
static cJSON *
requests(const char *name)
{
	cJSON *all = cJSON_CreateArray(), **v = NULL;
	char *text = NULL, *line, *save = NULL;
	size_t len, n = 0;

	log_settle();
	if (qtm_read_file(g.ctx, g.log, &text, &len) < 0)
		return all;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		cJSON *e = cJSON_Parse(line);
		const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));

		if (path != NULL && strlen(path) >= strlen(name) &&
		    strcmp(path + strlen(path) - strlen(name), name) == 0) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = e;
		} else {
			cJSON_Delete(e);
		}
	}
	if (n > 0)
		qsort(v, n, sizeof *v, by_start);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(all, v[i]);
	free(v);
	free(text);
	return all;
}

static const char *
range_of(const cJSON *e)
{
	const char *r = cJSON_GetStringValue(cJSON_GetObjectItem(e, "range"));

	return r != NULL ? r : "";
}

static bool
file_is(const char *path, const unsigned char *data, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	bool same = qtm_read_file(g.ctx, path, &text, &n) == 0 && n == len && memcmp(text, data, len) == 0;

	free(text);
	return same;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int
group_setup(void **state)
{
	char *script = xstrdup(TOP_SRCDIR "/tests/integration/httpd.py"), *port_file, *m;

	strcpy(g.dir, "/tmp/qtm-test-fetch.XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		return -1;
	g.ctx = qtm_ctx_new(g.dir, NULL);
	g.ctx->verbosity = QTM_QUIET;
	g.srv = xasprintf("%s/srv", g.dir);
	g.dl = xasprintf("%s/dl", g.dir);
	g.log = xasprintf("%s/http.log", g.dir);
	g.control = xasprintf("%s/control.json", g.dir);
	port_file = xasprintf("%s/port", g.dir);
	mkdir(g.srv, 0755);
	m = srv_path("m");
	mkdir(m, 0755);
	free(m);
	if ((g.pid = fork()) == 0) {
		execl("/usr/bin/python3", "python3", script, "--root", g.srv, "--port-file", port_file,
		    "--log", g.log, "--control", g.control, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !exists(port_file); i++)
		usleep(100000);
	FILE *f = fopen(port_file, "r");
	if (f == NULL || fscanf(f, "%d", &g.port) != 1)
		return -1;
	fclose(f);
	free(port_file);
	free(script);
	return 0;
}

static int
group_teardown(void **state)
{
	kill(g.pid, SIGTERM);
	waitpid(g.pid, NULL, 0);
	qtm_rm_rf(g.ctx, g.dir);
	qtm_ctx_free(g.ctx);
	free(g.srv);
	free(g.dl);
	free(g.log);
	free(g.control);
	return 0;
}

/* Each test: an empty download folder, an empty log, no misbehaviour. */
static int
setup(void **state)
{
	qtm_rm_rf(g.ctx, g.dl);
	mkdir(g.dl, 0755);
	put(g.log, "", 0);
	unlink(g.control);
	return 0;
}

/* The most requests for paths containing "par-" that were in progress at one time. */
static int
max_overlap(const cJSON *reqs)
{
	int best = 0;
	const cJSON *a, *b;

	cJSON_ArrayForEach(a, reqs) {
		double t = cJSON_GetObjectItem(a, "start")->valuedouble + 0.01;
		int n = 0;

		cJSON_ArrayForEach(b, reqs)
			if (cJSON_GetObjectItem(b, "start")->valuedouble <= t && cJSON_GetObjectItem(b, "end")->valuedouble > t)
				n++;
		best = n > best ? n : best;
	}
	return best;
}

static void
test_parallel(void **state)
{
	enum { N = 6, SIZE = 96 * 1024 };
	struct qtm_fetch_req reqs[N];
	char hex[N][QTM_SHA256_HEX], name[N][16];
	unsigned char *data[N];
	cJSON *log;

	control("{\"slow\": 131072}");   /* 0.75 s a file */
	for (int i = 0; i < N; i++) {
		snprintf(name[i], sizeof name[i], "par-%d", i);
		data[i] = serve(name[i], SIZE, (unsigned)i, hex[i]);
		reqs[i] = (struct qtm_fetch_req){ .url = url(name[i]), .dest = dl_path(name[i]),
		    .sha256 = hex[i], .size = SIZE, .label = name[i] };
	}
	assert_int_equal(qtm_fetch_many(g.ctx, reqs, N, 3), 0);
	for (int i = 0; i < N; i++) {
		char *part = xasprintf("%s.part", reqs[i].dest);

		assert_int_equal(reqs[i].result, 0);
		assert_true(file_is(reqs[i].dest, data[i], SIZE));
		assert_false(exists(part));
		free(part);
		free((char *)reqs[i].url);
		free((char *)reqs[i].dest);
		free(data[i]);
	}
	log = requests("");
	assert_int_equal(cJSON_GetArraySize(log), N);
	assert_int_equal(max_overlap(log), 3);   /* three at once, never more */
	cJSON_Delete(log);
}

/* A .part holding the first bytes: only the rest is asked for. */
static void
test_resume_http(void **state)
{
	enum { SIZE = 200000, HAVE = 123456 };
	char hex[QTM_SHA256_HEX], *u = url("res"), *dest = dl_path("res"), *part = dl_path("res.part");
	unsigned char *data = serve("res", SIZE, 7, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "res" };
	cJSON *log;

	put(part, data, HAVE);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	assert_false(exists(part));
	log = requests("/res");
	assert_int_equal(cJSON_GetArraySize(log), 1);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "bytes=123456-");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "sent")->valueint, SIZE - HAVE);
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* The connection is cut at half: the next try continues from there. */
static void
test_cut_then_resume(void **state)
{
	enum { SIZE = 300000 };
	char hex[QTM_SHA256_HEX], *u = url("cut"), *dest = dl_path("cut");
	unsigned char *data = serve("cut", SIZE, 8, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "cut" };
	cJSON *log;

	control("{\"drop_at\": 150000}");
	assert_int_equal(qtm_fetch_many(g.ctx, &req, 1, 0), 0);
	assert_int_equal(req.result, 0);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/cut");
	assert_int_equal(cJSON_GetArraySize(log), 2);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "sent")->valueint, 150000);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 1)), "bytes=150000-");
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(data);
}

/* A server that ignores Range (200, the whole file): the .part is emptied and filled again. */
static void
test_range_ignored(void **state)
{
	enum { SIZE = 100000 };
	char hex[QTM_SHA256_HEX], *u = url("nor"), *dest = dl_path("nor"), *part = dl_path("nor.part");
	unsigned char *data = serve("nor", SIZE, 9, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "nor" };
	cJSON *log;

	control("{\"norange\": true}");
	put(part, data, 5000);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/nor");
	assert_int_equal(cJSON_GetArraySize(log), 2);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "bytes=5000-");
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 1)), "");
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* A .part whose bytes are not the file's: resumed, found wrong at the end, fetched from zero. */
static void
test_stale_part(void **state)
{
	enum { SIZE = 100000 };
	char hex[QTM_SHA256_HEX], other[QTM_SHA256_HEX], *u = url("stale"), *dest = dl_path("stale"),
	    *part = dl_path("stale.part");
	unsigned char *wrong = serve("stale", SIZE, 99, other), *data = serve("stale", SIZE, 10, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "stale" };
	cJSON *log;

	put(part, wrong, 40000);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/stale");
	assert_int_equal(cJSON_GetArraySize(log), 2);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "bytes=40000-");
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 1)), "");
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
	free(wrong);
}

/* A .part longer than the file is thrown away before anything is asked for. */
static void
test_part_too_long(void **state)
{
	enum { SIZE = 50000 };
	char hex[QTM_SHA256_HEX], *u = url("long"), *dest = dl_path("long"), *part = dl_path("long.part");
	unsigned char *data = serve("long", SIZE, 11, hex), *more = xcalloc(1, SIZE + 10);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "long" };
	cJSON *log;

	memcpy(more, data, SIZE);
	put(part, more, SIZE + 10);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/long");
	assert_int_equal(cJSON_GetArraySize(log), 1);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "");
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
	free(more);
}

/* file:// resumes too: the source's first half is changed, the .part has the original first
 * half, so only a resumed transfer can produce the original file. */
static void
test_resume_file_url(void **state)
{
	enum { SIZE = 80000, HAVE = 40000 };
	char hex[QTM_SHA256_HEX], other[QTM_SHA256_HEX], *src = srv_path("local"), *u = xasprintf("file://%s", src),
	    *dest = dl_path("local"), *part = dl_path("local.part");
	unsigned char *data = serve("local", SIZE, 12, hex), *mixed = serve("local-other", SIZE, 13, other);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "local" };

	memcpy(mixed + HAVE, data + HAVE, SIZE - HAVE);
	put(src, mixed, SIZE);
	put(part, data, HAVE);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	free(src);
	free(u);
	free(dest);
	free(part);
	free(data);
	free(mixed);
}

/* A declared size of 0 is an empty file, not an unknown size: it is not taken from a server that
 * would send more (over HTTP or file://): the empty file is in place at once and verifies. */
static void
test_declared_empty(void **state)
{
	char hex[QTM_SHA256_HEX], empty[QTM_SHA256_HEX], *src = srv_path("notempty");
	char *urls[2] = { url("notempty"), xasprintf("file://%s", src) }, *dest = dl_path("empty");
	unsigned char *data = serve("notempty", 1 << 20, 14, hex);
	struct stat st;

	(void)state;
	qtm_sha256_buf("", 0, empty);
	for (int i = 0; i < 2; i++) {
		struct qtm_fetch_req req = { .url = urls[i], .dest = dest, .sha256 = empty, .size = 0,
		    .size_declared = true, .label = "empty" };

		assert_int_equal(qtm_fetch(g.ctx, &req), 0);
		assert_int_equal(stat(dest, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(unlink(dest), 0);
		free(urls[i]);
	}
	free(src);
	free(dest);
	free(data);
}

/* A file:// source now shorter than the .part: fetched from zero, and found short (EBADMSG). */
static void
test_file_shorter_than_part(void **state)
{
	char hex[QTM_SHA256_HEX], *src = srv_path("short"), *u = xasprintf("file://%s", src),
	    *dest = dl_path("short"), *part = dl_path("short.part");
	unsigned char *data = serve("short", 3000, 22, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = 5000, .label = "short" };

	put(part, data, 3000);
	put(src, data, 2000);
	assert_int_equal(qtm_fetch(g.ctx, &req), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(g.ctx), "has 2000 bytes, the index says 5000"));
	assert_false(exists(part));
	assert_false(exists(dest));
	free(src);
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* Two HTTP 500s, then the file: retried after pauses of 0.5 s and 1 s. */
static void
test_retry_500(void **state)
{
	enum { SIZE = 20000 };
	char hex[QTM_SHA256_HEX], *u = url("r500"), *dest = dl_path("r500");
	unsigned char *data = serve("r500", SIZE, 14, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "r500" };
	struct timespec t0, t1;
	cJSON *log;

	control("{\"fail\": 2}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/r500");
	assert_int_equal(cJSON_GetArraySize(log), 3);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 2), "status")->valueint, 200);
	assert_true((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 >= 1.4);
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(data);
}

/* HTTP 500 every time: three tries, then the error, with nothing left behind. */
static void
test_retry_exhausted(void **state)
{
	char hex[QTM_SHA256_HEX], *u = url("always500"), *dest = dl_path("a500"), *part = dl_path("a500.part");
	unsigned char *data = serve("always500", 1000, 15, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = 1000, .label = "a500" };
	cJSON *log;

	control("{\"fail\": 100}");
	assert_int_equal(qtm_fetch(g.ctx, &req), -EHOSTUNREACH);
	assert_non_null(strstr(qtm_strerror(g.ctx), "a500: cannot fetch"));
	assert_non_null(strstr(qtm_strerror(g.ctx), "HTTP 500"));
	assert_false(exists(dest));
	assert_false(exists(part));
	log = requests("/always500");
	assert_int_equal(cJSON_GetArraySize(log), 3);
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* Failover: a dead host, a 404, a copy with other bytes; each time the next mirror serves. */
static void
test_mirrors(void **state)
{
	enum { SIZE = 30000 };
	char hex[QTM_SHA256_HEX], other[QTM_SHA256_HEX];
	unsigned char *data = serve("m/good", SIZE, 16, hex), *bad;
	char *good = url("m/good"), *missing = url("m/missing"), *wrong = url("m/wrong");
	const char *const mirrors[] = { missing, wrong, good, NULL };
	char *dest = dl_path("mir");
	struct qtm_fetch_req req = { .url = "http://127.0.0.1:1/m/good", .mirrors = mirrors, .dest = dest,
	    .sha256 = hex, .size = SIZE, .label = "mir" };
	cJSON *log;

	bad = serve("m/wrong", SIZE, 17, other);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_int_equal(req.result, 0);
	assert_true(file_is(dest, data, SIZE));
	log = requests("/m/missing");
	assert_int_equal(cJSON_GetArraySize(log), 1);   /* a 404 is not retried */
	cJSON_Delete(log);
	log = requests("/m/wrong");
	assert_int_equal(cJSON_GetArraySize(log), 1);
	cJSON_Delete(log);
	log = requests("/m/good");
	assert_int_equal(cJSON_GetArraySize(log), 1);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "");   /* wrong bytes were dropped */
	cJSON_Delete(log);
	free(good);
	free(missing);
	free(wrong);
	free(dest);
	free(data);
	free(bad);
}

/* Every URL fails: the last one's error, here a 404 (exit 4 in qtm). */
static void
test_mirrors_all_fail(void **state)
{
	char *missing = url("m/nothing"), *dest = dl_path("none");
	const char *const mirrors[] = { missing, NULL };
	struct qtm_fetch_req req = { .url = "http://127.0.0.1:1/m/nothing", .mirrors = mirrors, .dest = dest,
	    .sha256 = "0000000000000000000000000000000000000000000000000000000000000000", .label = "none" };
	char *want = xasprintf("(every mirror failed too; the last: none: cannot fetch %s: the server answered HTTP 404)", missing);

	/* The primary's failure is reported (with its code), the last mirror's named after it. */
	assert_int_equal(qtm_fetch(g.ctx, &req), -EHOSTUNREACH);
	assert_non_null(strstr(qtm_strerror(g.ctx), "none: cannot fetch http://127.0.0.1:1/m/nothing"));
	assert_non_null(strstr(qtm_strerror(g.ctx), want));
	assert_false(exists(dest));
	free(want);
	free(missing);
	free(dest);
}

/* The bytes are not the index's: EBADMSG naming both digests, nothing left. */
static void
test_checksum(void **state)
{
	char hex[QTM_SHA256_HEX], *u = url("sum"), *dest = dl_path("sum"), *part = dl_path("sum.part");
	unsigned char *data = serve("sum", 5000, 18, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .size = 5000, .label = "sum",
	    .sha256 = "1111111111111111111111111111111111111111111111111111111111111111" };

	assert_int_equal(qtm_fetch(g.ctx, &req), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(g.ctx), "sha256 mismatch for"));
	assert_non_null(strstr(qtm_strerror(g.ctx), hex));
	assert_false(exists(dest));
	assert_false(exists(part));
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* The first failure stops the set: its code, its message; the others are cancelled. */
static void
test_first_failure(void **state)
{
	enum { SIZE = 200000 };
	char hex[2][QTM_SHA256_HEX], *slow0 = url("slow0"), *slow1 = url("slow1"), *gone = url("gone");
	unsigned char *d0 = serve("slow0", SIZE, 19, hex[0]), *d1 = serve("slow1", SIZE, 20, hex[1]);
	struct qtm_fetch_req reqs[3] = {
		{ .url = slow0, .dest = dl_path("slow0"), .sha256 = hex[0], .size = SIZE, .label = "slow0" },
		{ .url = slow1, .dest = dl_path("slow1"), .sha256 = hex[1], .size = SIZE, .label = "slow1" },
		{ .url = gone, .dest = dl_path("gone"), .label = "gone", .quiet = true },
	};
	char *part0 = xasprintf("%s.part", reqs[0].dest);

	control("[{\"match\": \"gone\", \"status\": 404}, {\"slow\": 50000}]");
	assert_int_equal(qtm_fetch_many(g.ctx, reqs, 3, 3), -ENOENT);
	assert_non_null(strstr(qtm_strerror(g.ctx), "gone: cannot fetch"));
	assert_int_equal(reqs[2].result, -ENOENT);
	assert_int_equal(reqs[0].result, -ECANCELED);
	assert_int_equal(reqs[1].result, -ECANCELED);
	assert_false(exists(reqs[0].dest));
	/* What had arrived of the cancelled ones is kept to be resumed. */
	unlink(g.control);
	put(g.log, "", 0);
	assert_int_equal(qtm_fetch_many(g.ctx, reqs, 2, 2), 0);
	assert_true(file_is(reqs[0].dest, d0, SIZE));
	assert_true(file_is(reqs[1].dest, d1, SIZE));
	assert_false(exists(part0));
	for (int i = 0; i < 3; i++)
		free((char *)reqs[i].dest);
	free(part0);
	free(slow0);
	free(slow1);
	free(gone);
	free(d0);
	free(d1);
}

/* Without a sha256 (release.json) an old .part is never continued. */
static void
test_no_sha_no_resume(void **state)
{
	char hex[QTM_SHA256_HEX], *u = url("rel"), *dest = dl_path("rel"), *part = dl_path("rel.part");
	unsigned char *data = serve("rel", 3000, 21, hex);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .max_size = 100000, .label = "rel", .quiet = true };
	cJSON *log;

	put(part, "garbage", 7);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, 3000));
	log = requests("/rel");
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 0)), "");
	cJSON_Delete(log);
	free(u);
	free(dest);
	free(part);
	free(data);
}

/* Files over 1 MiB are hashed on a second thread that reads the .part back as it is written:
 * a fresh download, a resumed one (the hasher starts with 3 MiB already there), and one whose
 * bytes are wrong (the mismatch comes from that thread's hash). */
static void
test_big_files(void **state)
{
	enum { SIZE = 5 << 20, HAVE = 3 << 20 };
	char hex[QTM_SHA256_HEX], other[QTM_SHA256_HEX], *u = url("big"), *w = url("big-wrong"),
	    *dest = dl_path("big"), *part = dl_path("big.part"), *dest2 = dl_path("big2");
	unsigned char *data = serve("big", SIZE, 31, hex), *bad = serve("big-wrong", SIZE, 32, other);
	struct qtm_fetch_req req = { .url = u, .dest = dest, .sha256 = hex, .size = SIZE, .label = "big" };
	struct qtm_fetch_req wrong = { .url = w, .dest = dest2, .sha256 = hex, .size = SIZE, .label = "big2" };
	cJSON *log;

	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	unlink(dest);
	put(part, data, HAVE);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	log_settle();
	log = requests("/big");
	assert_int_equal(cJSON_GetArraySize(log), 2);
	assert_string_equal(range_of(cJSON_GetArrayItem(log, 1)), "bytes=3145728-");
	cJSON_Delete(log);
	assert_int_equal(qtm_fetch(g.ctx, &wrong), -EBADMSG);
	assert_non_null(strstr(qtm_strerror(g.ctx), "sha256 mismatch"));
	assert_false(exists(dest2));
	free(u);
	free(w);
	free(dest);
	free(dest2);
	free(part);
	free(data);
	free(bad);
}

/* file:// is read without libcurl: a big file, a percent-encoded path on "localhost", another
 * host (refused), a missing file (ENOENT naming it) and a directory. */
static void
test_file_urls(void **state)
{
	enum { SIZE = 3 << 20 };
	char hex[QTM_SHA256_HEX], small[QTM_SHA256_HEX], *src = srv_path("local big"),
	    *srcdir = srv_path(""), *dest = dl_path("lbig"), *dest2 = dl_path("lsmall"), *u, *want;
	unsigned char *data = serve("local big", SIZE, 33, hex), *sdata = serve("odd %name", 100, 34, small);
	struct qtm_fetch_req req = { .dest = dest, .sha256 = hex, .size = SIZE, .label = "lbig" };

	req.url = u = xasprintf("file://%s", src);
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, SIZE));
	free(u);
	u = xasprintf("file://localhost%sodd%%20%%25name", srcdir);
	req = (struct qtm_fetch_req){ .url = u, .dest = dest2, .sha256 = small, .size = 100, .label = "s" };
	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest2, sdata, 100));
	unlink(dest2);
	free(u);
	req.url = u = xasprintf("file://elsewhere%s", src);
	assert_int_equal(qtm_fetch(g.ctx, &req), -EHOSTUNREACH);
	assert_non_null(strstr(qtm_strerror(g.ctx), "only local file:// URLs can be read"));
	free(u);
	req.url = u = xasprintf("file://%snothing-here", srcdir);
	assert_int_equal(qtm_fetch(g.ctx, &req), -ENOENT);
	want = xasprintf("cannot open %snothing-here: No such file or directory", srcdir);
	assert_non_null(strstr(qtm_strerror(g.ctx), want));
	free(want);
	free(u);
	req.url = u = xasprintf("file://%s", srcdir);
	assert_int_equal(qtm_fetch(g.ctx, &req), -ENOENT);
	assert_non_null(strstr(qtm_strerror(g.ctx), "Is a directory"));
	assert_false(exists(dest2));
	free(u);
	free(src);
	free(srcdir);
	free(dest);
	free(dest2);
	free(data);
	free(sdata);
}

/* A missing file:// primary fails over to an http:// mirror in the same batch (libcurl is
 * loaded there, halfway through). */
static void
test_file_then_http_mirror(void **state)
{
	char hex[QTM_SHA256_HEX], *src = srv_path("gone"), *u = xasprintf("file://%s", src),
	    *good = url("fm"), *dest = dl_path("fm");
	unsigned char *data = serve("fm", 4000, 35, hex);
	const char *const mirrors[] = { good, NULL };
	struct qtm_fetch_req req = { .url = u, .mirrors = mirrors, .dest = dest, .sha256 = hex,
	    .size = 4000, .label = "fm" };

	assert_int_equal(qtm_fetch(g.ctx, &req), 0);
	assert_true(file_is(dest, data, 4000));
	free(src);
	free(u);
	free(good);
	free(dest);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parallel, setup),
		cmocka_unit_test_setup(test_resume_http, setup),
		cmocka_unit_test_setup(test_cut_then_resume, setup),
		cmocka_unit_test_setup(test_range_ignored, setup),
		cmocka_unit_test_setup(test_stale_part, setup),
		cmocka_unit_test_setup(test_part_too_long, setup),
		cmocka_unit_test_setup(test_resume_file_url, setup),
		cmocka_unit_test_setup(test_declared_empty, setup),
		cmocka_unit_test_setup(test_file_shorter_than_part, setup),
		cmocka_unit_test_setup(test_retry_500, setup),
		cmocka_unit_test_setup(test_retry_exhausted, setup),
		cmocka_unit_test_setup(test_mirrors, setup),
		cmocka_unit_test_setup(test_mirrors_all_fail, setup),
		cmocka_unit_test_setup(test_checksum, setup),
		cmocka_unit_test_setup(test_first_failure, setup),
		cmocka_unit_test_setup(test_no_sha_no_resume, setup),
		cmocka_unit_test_setup(test_big_files, setup),
		cmocka_unit_test_setup(test_file_urls, setup),
		cmocka_unit_test_setup(test_file_then_http_mirror, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
