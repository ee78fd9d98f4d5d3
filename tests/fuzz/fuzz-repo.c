/* fuzz-repo.c - libFuzzer target: what a repository or the local configuration hands the
 * client.  The first byte picks the parser; the rest is the file:
 *   0 release.json   1 index.json (into a libsolv cache)   2 release.json.sig over a fixed
 *   release   3 pins   4 qtm.conf   5 a sources.d/ file   6 hive.conf   7 index.json.gz
 *   8 a piece of a split index: the next byte picks the slot, the rest is its JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <solv/pool.h>
#include <solv/repo.h>

#include "ctx.h"
#include "fuzz.h"
#include "hive-conf.h"
#include "index-cache.h"
#include "index-pieces.h"
#include "json.h"
#include "paths.h"
#include "pin.h"
#include "repository.h"
#include "sign.h"
#include "source.h"
#include "xalloc.h"

static void
index_file(struct qtm_ctx *ctx, const char *name, const uint8_t *data, size_t size)
{
	char *path = fuzz_write(fuzz_dir(), name, data, size), *solv = xasprintf("%s/fuzz.solv", fuzz_dir());

	qtm_index_cache_write(ctx, "fuzz", path, name, "cookie", solv);
	unlink(solv);
	free(solv);
	free(path);
}

/* The piece as a client gets it: gzip-compressed under its sha256, named by a release in the
 * slot the first byte picks; fetched from a file:// repository, checked, converted, loaded. */
static void
piece(struct qtm_ctx *ctx, const uint8_t *data, size_t size)
{
	struct qtm_release_piece pc = { 0 };
	struct qtm_release rel = { .format = 2, .pieces = &pc, .n_pieces = 1 };
	char *repo = xasprintf("%s/repo", fuzz_dir()), *cache = xasprintf("%s/cache", fuzz_dir());
	char *tmp = xasprintf("%s/piece.json.gz", fuzz_dir()), *dest = NULL, *base = xasprintf("file://%s/", repo);
	char *dir_index = NULL;
	cJSON *json = NULL;
	uint64_t bytes = 0;
	unsigned fetched = 0;

	if (size < 1 || qtm_json_parse(ctx, (const char *)data + 1, size - 1, "piece", &json) < 0)
		goto out;
	rel.buckets = 1u << (data[0] % 4);
	pc.bucket = (uint32_t)(data[0] >> 2) % rel.buckets;
	pc.older = (data[0] & 0x80) != 0;
	rel.n_newest = pc.older ? 0 : 1;
	if (qtm_json_save(ctx, tmp, json, false) < 0 || qtm_sha256_file(ctx, tmp, pc.sha256, &pc.size) < 0)
		goto out;
	dest = xasprintf("%s/index/%s.json.gz", repo, pc.sha256);
	dir_index = xasprintf("%s/index", repo);
	qtm_rm_rf(ctx, repo);
	qtm_rm_rf(ctx, cache);
	if (qtm_mkdir_p(ctx, dir_index, 0755) == 0 && qtm_mkdir_p(ctx, cache, 0755) == 0 &&
	    rename(tmp, dest) == 0 && qtm_pieces_update(ctx, "fuzz", base, cache, &rel, &fetched, &bytes) == 0) {
		Pool *pool = pool_create();
		Repo *r = repo_create(pool, "fuzz");

		qtm_pieces_load(ctx, r, cache, &rel, pc.older);
		pool_free(pool);
	}
out:
	cJSON_Delete(json);
	unlink(tmp);
	free(repo);
	free(cache);
	free(tmp);
	free(dest);
	free(dir_index);
	free(base);
}

static void
signatures(struct qtm_ctx *ctx, const char *text)
{
	static const char release[] = "{\"format\":1,\"name\":\"bundled\",\"version\":1}\n";
	static struct qtm_key key;
	cJSON *sigs = NULL;

	if (key.pkey == NULL) {
		const char *top = getenv("top_srcdir");
		char *pub = xasprintf("%s/tests/fuzz/fuzz-repo.pub", top != NULL ? top : ".");

		if (qtm_key_load_public(ctx, pub, &key) < 0)
			abort();
		free(pub);
	}
	if (qtm_json_parse(ctx, text, strlen(text), "release.json.sig", &sigs) == 0)
		qtm_sign_count_valid(sigs, &key, 1, release, sizeof release - 1);
	cJSON_Delete(sigs);
}

static void
config(const char *text, const char *name)
{
	struct qtm_ctx *ctx = fuzz_ctx();
	char *dir = qtm_conf_path(ctx, "sources.d");

	qtm_rm_rf(ctx, dir);
	if (strcmp(name, "qtm.conf") == 0) {
		struct qtm_ctx *c = qtm_ctx_new(ctx->root, NULL);
		char *path = fuzz_write(fuzz_dir(), name, (const uint8_t *)text, strlen(text));

		free(c->config_file);
		c->config_file = path;
		c->config_explicit = true;
		qtm_ctx_load_config(c);
		qtm_ctx_free(c);
	} else if (strcmp(name, "fuzz.source") == 0) {
		struct qtm_source *v = NULL;
		size_t n = 0;

		free(fuzz_write(dir, name, (const uint8_t *)text, strlen(text)));
		if (qtm_sources_list(ctx, &v, &n) == 0)
			qtm_sources_free(v, n);
	} else {
		struct qtm_hive_conf c;
		char *path = fuzz_write(fuzz_dir(), name, (const uint8_t *)text, strlen(text));

		qtm_hive_conf_defaults(&c);
		qtm_hive_conf_load(ctx, &c, path);
		qtm_hive_conf_clear(&c);
		free(path);
	}
	free(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qtm_ctx *ctx = fuzz_ctx();
	struct qtm_release rel = { 0 };
	struct qtm_pin *pins = NULL;
	size_t n = 0;
	char *text;

	if (size == 0)
		return 0;
	text = fuzz_str(data + 1, size - 1);
	switch (data[0] % 9) {
	case 0:
		if (qtm_release_parse(ctx, (const char *)data + 1, size - 1, "release.json", &rel) == 0)
			qtm_release_clear(&rel);
		break;
	case 1: index_file(ctx, "index.json", data + 1, size - 1); break;
	case 2: signatures(ctx, text); break;
	case 3:
		qtm_pins_parse(ctx, text, "pins", &pins, &n);
		qtm_pins_free(pins, n);   /* what was parsed before an error is the caller's too */
		break;
	case 4: config(text, "qtm.conf"); break;
	case 5: config(text, "fuzz.source"); break;
	case 6: config(text, "hive.conf"); break;
	case 7: index_file(ctx, "index.json.gz", data + 1, size - 1); break;
	default: piece(ctx, data + 1, size - 1); break;
	}
	free(text);
	return 0;
}
