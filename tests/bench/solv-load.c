/* solv-load.c - diagnostic for BENCHMARKS.md: where the warm (.solv cache) load time goes.
 *
 *   cc -O2 -o solv-load tests/bench/solv-load.c -lsolv
 *   ./solv-load ROOT/var/cache/qtm/sources/NAME/index.solv [RUNS]
 *
 * Loads the cache as qtm wrote it (every package's full index entry in the incore string key
 * "qtm:manifest"), then the same repository rewritten with that key stored vertically (paged:
 * libsolv reads a page only when a lookup needs it) and without that key at all, and prints the
 * median CPU and wall time of repo_add_solv + pool_createwhatprovides for each.  The rewritten
 * files go to TMPDIR (default /tmp) and are removed.  Uses libsolv only, not libqtm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/repodata.h>

static Id manifest_key;

static double
clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
keep_vertical(Repo *repo, Repokey *key, void *data)
{
	return key->name == manifest_key ? KEY_STORAGE_VERTICAL_OFFSET
	    : repo_write_stdkeyfilter(repo, key, data);
}

static int
drop_manifest(Repo *repo, Repokey *key, void *data)
{
	return key->name == manifest_key ? 0 : repo_write_stdkeyfilter(repo, key, data);
}

static Pool *
load(const char *path, Repo **repo_out)
{
	Pool *pool = pool_create();
	Repo *repo = repo_create(pool, "bench");
	FILE *f = fopen(path, "r");

	pool_setdisttype(pool, DISTTYPE_DEB);
	pool_setarch(pool, "all");
	if (f == NULL || repo_add_solv(repo, f, 0) != 0) {
		fprintf(stderr, "solv-load: cannot load %s: %s\n", path, pool_errstr(pool));
		exit(1);
	}
	fclose(f);
	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	*repo_out = repo;
	return pool;
}

static void
rewrite(const char *in, const char *out, int (*filter)(Repo *, Repokey *, void *))
{
	Repo *repo;
	Pool *pool = load(in, &repo);
	FILE *f = fopen(out, "w");

	manifest_key = pool_str2id(pool, "qtm:manifest", 1);
	if (f == NULL || repo_write_filtered(repo, f, filter, NULL, NULL) != 0 || fclose(f) != 0) {
		fprintf(stderr, "solv-load: cannot write %s\n", out);
		exit(1);
	}
	pool_free(pool);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Times RUNS loads; also looks up one manifest, as an install does for each planned package. */
static void
measure(const char *label, const char *path, int runs)
{
	double cpu[64], wall[64];
	struct stat st;
	size_t len = 0;

	for (int i = 0; i < runs; i++) {
		double c = clock_s(CLOCK_PROCESS_CPUTIME_ID), w = clock_s(CLOCK_MONOTONIC);
		Repo *repo;
		Pool *pool = load(path, &repo);
		Id key = pool_str2id(pool, "qtm:manifest", 0);

		cpu[i] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c;
		wall[i] = clock_s(CLOCK_MONOTONIC) - w;
		if (key != 0 && repo->nsolvables > 0) {
			const char *m = solvable_lookup_str(pool_id2solvable(pool, repo->end - 1), key);

			len = m != NULL ? strlen(m) : 0;
		}
		pool_free(pool);
	}
	qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
	qsort(wall, (size_t)runs, sizeof *wall, cmp_double);
	stat(path, &st);
	printf("%-34s %8.1f MB %10.3f s %10.3f s   (manifest lookup: %zu bytes)\n", label,
	    (double)st.st_size / 1048576, cpu[runs / 2], wall[runs / 2], len);
}

int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	char vertical[4096], dropped[4096];

	if (argc < 2 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: solv-load INDEX.SOLV [RUNS<=64]\n");
		return 2;
	}
	snprintf(vertical, sizeof vertical, "%s/solv-load-%ld.vertical", tmpdir, (long)getpid());
	snprintf(dropped, sizeof dropped, "%s/solv-load-%ld.nomanifest", tmpdir, (long)getpid());
	rewrite(argv[1], vertical, keep_vertical);
	rewrite(argv[1], dropped, drop_manifest);
	printf("%-34s %11s %12s %12s   (median of %d: repo_add_solv + createwhatprovides)\n",
	    "index.solv variant", "size", "cpu", "wall", runs);
	measure("as written by qtm (incore)", argv[1], runs);
	measure("qtm:manifest vertical (paged)", vertical, runs);
	measure("without qtm:manifest", dropped, runs);
	unlink(vertical);
	unlink(dropped);
	return 0;
}
