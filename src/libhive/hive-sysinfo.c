/* hive-sysinfo.c - the host's CPU, memory and disk use for the hive's /status. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "hive-sysinfo.h"

struct cpu_sample {
	unsigned long long busy, total;
};

/* The previous /proc/stat sample: CPU use is the delta since then. */
static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_sample cpu_prev;
static bool cpu_have_prev;

static int
read_cpu(struct cpu_sample *s)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (f == NULL)
		return -errno;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -EIO;
	s->total = 0;
	for (int i = 0; i < 8; i++)
		s->total += v[i];
	/* idle and iowait are the time the CPUs had nothing to run. */
	s->busy = s->total - v[3] - v[4];
	return 0;
}

static double
percent(double part, double whole)
{
	double p = whole > 0 ? 100.0 * part / whole : 0;

	return p < 0 ? 0 : p > 100 ? 100 : p;
}

static int
cpu_use(double *out)
{
	struct cpu_sample cur;
	int err;

	*out = 0;
	pthread_mutex_lock(&cpu_lock);
	if (!cpu_have_prev) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if ((err = read_cpu(&cpu_prev)) < 0)
			goto out;
		cpu_have_prev = true;
		nanosleep(&ts, NULL);
	}
	if ((err = read_cpu(&cur)) < 0)
		goto out;
	/* Called again within the same tick: the delta is empty, keep the older sample. */
	if (cur.total > cpu_prev.total) {
		*out = percent((double)(cur.busy - cpu_prev.busy), (double)(cur.total - cpu_prev.total));
		cpu_prev = cur;
	}
out:
	pthread_mutex_unlock(&cpu_lock);
	return err;
}

static int
mem_use(double *out)
{
	unsigned long long total = 0, avail = 0, v;
	char key[64];
	FILE *f = fopen("/proc/meminfo", "re");

	*out = 0;
	if (f == NULL)
		return -errno;
	while (fscanf(f, "%63s %llu kB\n", key, &v) == 2) {
		if (strcmp(key, "MemTotal:") == 0)
			total = v;
		else if (strcmp(key, "MemAvailable:") == 0)
			avail = v;
	}
	fclose(f);
	if (total == 0 || avail > total)
		return -EIO;
	*out = percent((double)(total - avail), (double)total);
	return 0;
}

static int
disk_use(const char *path, double *out)
{
	struct statvfs st;
	double used, usable;

	*out = 0;
	if (statvfs(path != NULL ? path : "/", &st) < 0)
		return -errno;
	/* As df counts it: the blocks reserved for root are neither used nor available. */
	used = (double)(st.f_blocks - st.f_bfree);
	usable = used + (double)st.f_bavail;
	*out = percent(used, usable);
	return 0;
}

int
qtm_hive_sysinfo(double *cpu_percent, double *mem_percent, double *disk_percent,
    const char *disk_path)
{
	int e1 = cpu_use(cpu_percent), e2 = mem_use(mem_percent), e3 = disk_use(disk_path, disk_percent);

	return e1 < 0 ? e1 : e2 < 0 ? e2 : e3;
}
