/* runtime.c - probing the trainer runtime (Python and its Debian-packaged modules). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "runtime.h"
#include "xalloc.h"

/* Capability, Python distribution whose version it reports (NULL = the interpreter), Debian
 * package.  Distribution metadata is read without importing the module, so probing is fast. */
static const struct {
	const char *cap, *dist, *debian;
} known[] = {
	{ "runtime(python3)", NULL, "python3" },
	{ "runtime(python3-numpy)", "numpy", "python3-numpy" },
	{ "runtime(python3-scipy)", "scipy", "python3-scipy" },
	{ "runtime(python3-skimage)", "scikit-image", "python3-skimage" },
	{ "runtime(python3-sklearn)", "scikit-learn", "python3-sklearn" },
	{ "runtime(python3-pil)", "Pillow", "python3-pil" },
	{ "runtime(python3-torch)", "torch", "python3-torch" },
	{ "runtime(python3-onnx)", "onnx", "python3-onnx" },
};
#define N_KNOWN (sizeof known / sizeof known[0])

static const char probe_script[] =
	"import sys, importlib.metadata as m\n"
	"print('python3', '%d.%d.%d' % sys.version_info[:3])\n"
	"for d in sys.argv[1:]:\n"
	"    try: print(d, m.version(d))\n"
	"    except Exception: print(d, '-')\n";

const char *
qtm_runtime_debian_package(const char *cap)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strcmp(known[i].cap, cap) == 0)
			return known[i].debian;
	return NULL;
}

const char *
qtm_runtime_version(const struct qtm_runtime *rt, const char *cap)
{
	for (size_t i = 0; rt != NULL && i < rt->n; i++)
		if (strcmp(rt->caps[i].cap, cap) == 0)
			return rt->caps[i].version;
	return NULL;
}

static void
record(struct qtm_runtime *rt, const char *dist, const char *version)
{
	if (strcmp(version, "-") == 0)
		return;
	for (size_t i = 0; i < N_KNOWN; i++) {
		bool match = known[i].dist == NULL ? strcmp(dist, "python3") == 0
		    : strcmp(dist, known[i].dist) == 0;

		if (match && rt->caps[i].version == NULL)
			rt->caps[i].version = xstrndup(version, strcspn(version, " \t\r\n"));
	}
}

static int
run_probe(struct qtm_ctx *ctx, FILE **out, pid_t *pid)
{
	char *argv[N_KNOWN + 4];
	int fds[2];
	size_t n = 0;

	argv[n++] = ctx->python;
	argv[n++] = "-c";
	argv[n++] = (char *)probe_script;
	for (size_t i = 0; i < N_KNOWN; i++)
		if (known[i].dist != NULL)
			argv[n++] = (char *)known[i].dist;
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return qtm_error(ctx, -errno, _("cannot create a pipe: %s"), strerror(errno));
	if ((*pid = fork()) < 0)
		return qtm_error(ctx, -errno, _("cannot fork: %s"), strerror(errno));
	if (*pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*out = fdopen(fds[0], "r");
	if (*out == NULL)
		return qtm_error(ctx, -errno, _("cannot read the runtime probe: %s"), strerror(errno));
	return 0;
}

static int probe(struct qtm_ctx *ctx, struct qtm_runtime **out, const char *cache, const char *key);

/* What the probe's answer depends on: the interpreter, and the package state (any apt or pip
 * change touches one of these).  Equal keys let a cached answer stand. */
static char *
probe_key(const struct qtm_ctx *ctx)
{
	static const char *const watched[] = {
		"/var/lib/dpkg/status", "/usr/lib/python3/dist-packages", "/usr/local/lib",
	};
	char *key = xstrdup(ctx->python), *more;
	struct stat st;

	if (stat(ctx->python, &st) == 0) {
		more = xasprintf("%s:%lld:%lld", key, (long long)st.st_mtime, (long long)st.st_size);
		free(key);
		key = more;
	}
	for (size_t i = 0; i < sizeof watched / sizeof watched[0]; i++) {
		struct timespec t = { 0 };

		if (stat(watched[i], &st) == 0)
			t = st.st_mtim;
		more = xasprintf("%s|%lld.%09ld", key, (long long)t.tv_sec, t.tv_nsec);
		free(key);
		key = more;
	}
	return key;
}

static bool
load_cached(struct qtm_ctx *ctx, const char *path, const char *key, struct qtm_runtime *rt)
{
	cJSON *json = NULL;
	const cJSON *k, *caps;
	bool ok = false;

	if (access(path, F_OK) == 0 && qtm_json_load(ctx, path, &json) == 0 &&
	    cJSON_IsString(k = cJSON_GetObjectItem(json, "key")) && strcmp(k->valuestring, key) == 0 &&
	    cJSON_IsObject(caps = cJSON_GetObjectItem(json, "caps"))) {
		for (size_t i = 0; i < rt->n; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(caps, rt->caps[i].cap);

			if (cJSON_IsString(v))
				rt->caps[i].version = xstrdup(v->valuestring);
		}
		ok = true;
	}
	cJSON_Delete(json);
	return ok;
}

static void
save_cache(struct qtm_ctx *ctx, const char *path, const char *key, const struct qtm_runtime *rt)
{
	cJSON *json = cJSON_CreateObject(), *caps = cJSON_AddObjectToObject(json, "caps");

	cJSON_AddStringToObject(json, "key", key);
	for (size_t i = 0; i < rt->n; i++)
		if (rt->caps[i].version != NULL)
			cJSON_AddStringToObject(caps, rt->caps[i].cap, rt->caps[i].version);
	/* A cache that cannot be written only costs the next run a probe. */
	if (qtm_mkdir_p(ctx, ctx->cache_dir, 0755) < 0 || qtm_json_save(ctx, path, json, false) < 0)
		qtm_verbose(ctx, "%s", qtm_strerror(ctx));
	cJSON_Delete(json);
}

int
qtm_runtime_probe(struct qtm_ctx *ctx, struct qtm_runtime **out)
{
	char *cache = qtm_cache_path(ctx, "runtime.json"), *key = probe_key(ctx);
	int rc = probe(ctx, out, cache, key);

	free(cache);
	free(key);
	return rc;
}

static int
probe(struct qtm_ctx *ctx, struct qtm_runtime **out, const char *cache, const char *key)
{
	struct qtm_runtime *rt = xcalloc(1, sizeof *rt);
	char line[512], dist[128], version[128];
	FILE *f = NULL;
	pid_t pid = -1;
	int status, rc;

	rt->n = N_KNOWN;
	rt->caps = xcalloc(N_KNOWN, sizeof *rt->caps);
	for (size_t i = 0; i < N_KNOWN; i++) {
		rt->caps[i].cap = known[i].cap;
		rt->caps[i].debian = known[i].debian;
	}
	*out = rt;
	if (load_cached(ctx, cache, key, rt))
		return 0;
	if (access(ctx->python, X_OK) < 0)
		return 0;   /* no Python at all: every capability is simply absent */
	if ((rc = run_probe(ctx, &f, &pid)) < 0)
		return rc;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%127s %127s", dist, version) == 2)
			record(rt, dist, version);
	fclose(f);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		save_cache(ctx, cache, key, rt);
	return 0;
}

void
qtm_runtime_free(struct qtm_runtime *rt)
{
	if (rt == NULL)
		return;
	for (size_t i = 0; i < rt->n; i++)
		free(rt->caps[i].version);
	free(rt->caps);
	free(rt);
}
