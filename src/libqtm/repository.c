/* repository.c - packing module folders into a repository, its publishers' lock, signing. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "lock.h"
#include "paths.h"
#include "repository.h"
#include "sign.h"
#include "xalloc.h"

int
qtm_index_packages(struct qtm_ctx *ctx, const cJSON *index, const char *origin,
    const cJSON **packages)
{
	long long format = 0;
	int rc;

	if ((rc = qtm_json_int(ctx, index, "format", true, origin, 1, 1, &format)) < 0)
		return rc;
	*packages = cJSON_GetObjectItemCaseSensitive(index, "packages");
	if (!cJSON_IsArray(*packages))
		return qtm_error(ctx, -EINVAL, _("%s: field \"packages\": missing or not an array"), origin);
	return 0;
}

/* Copies the dataset's files into datasets/NAME/VERSION/ and records url, sha256 and size. */
static int
add_dataset(struct qtm_ctx *ctx, const char *src, struct qtm_manifest *m, const char *out_dir,
    cJSON *entry)
{
	char *rel = xasprintf("datasets/%s/%s", m->name, m->version);
	char *dir = xasprintf("%s/%s", out_dir, rel);
	cJSON *files = cJSON_GetObjectItemCaseSensitive(entry, "files"), *f;
	int rc = qtm_mkdir_p(ctx, dir, 0755);
	size_t i = 0;

	cJSON_ArrayForEach(f, files) {
		const struct qtm_dataset_file *df = &m->files[i++];
		char *from = xasprintf("%s/%s", src, df->name), *to = xasprintf("%s/%s", dir, df->name);
		char hex[QTM_SHA256_HEX];
		uint64_t size = 0;

		if (rc == 0 && (rc = qtm_sha256_file(ctx, from, hex, &size)) == 0 &&
		    ((df->sha256[0] != '\0' && strcmp(df->sha256, hex) != 0) || (df->size != 0 && df->size != size)))
			rc = qtm_error(ctx, -EBADMSG, _("%s: sha256 or size differs from what %s/module.json declares (%s, %llu bytes)"),
			    from, src, hex, (unsigned long long)size);
		if (rc == 0)
			rc = qtm_copy_file(ctx, from, to);
		if (rc == 0) {
			char *url = xasprintf("%s/%s", rel, df->name);

			cJSON_DeleteItemFromObjectCaseSensitive(f, "url");
			cJSON_DeleteItemFromObjectCaseSensitive(f, "sha256");
			cJSON_DeleteItemFromObjectCaseSensitive(f, "size");
			cJSON_AddStringToObject(f, "url", url);
			cJSON_AddStringToObject(f, "sha256", hex);
			cJSON_AddNumberToObject(f, "size", (double)size);
			free(url);
		}
		free(from);
		free(to);
	}
	free(rel);
	free(dir);
	return rc;
}

/* Packs the module folder into pool/NAME_VERSION.tar.zst and records it as the source. */
static int
add_model(struct qtm_ctx *ctx, const char *src, struct qtm_manifest *m, const char *out_dir,
    cJSON *entry)
{
	char *rel = xasprintf("pool/%s_%s.tar.zst", m->name, m->version);
	char *path = xasprintf("%s/%s", out_dir, rel), *pool = xasprintf("%s/pool", out_dir);
	char hex[QTM_SHA256_HEX];
	struct stat st;
	int rc = qtm_mkdir_p(ctx, pool, 0755);

	if (rc == 0)
		rc = qtm_archive_pack(ctx, src, NULL, path, hex, NULL);
	if (rc == 0 && stat(path, &st) < 0)
		rc = qtm_error(ctx, -errno, _("cannot stat %s: %s"), path, strerror(errno));
	if (rc == 0) {
		cJSON *source = cJSON_CreateObject();

		cJSON_AddStringToObject(source, "path", rel);
		cJSON_AddStringToObject(source, "sha256", hex);
		cJSON_AddNumberToObject(source, "size", (double)st.st_size);
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "source");
		cJSON_AddItemToObject(entry, "source", source);
	}
	free(rel);
	free(path);
	free(pool);
	return rc;
}

/* The NAME=VERSION pairs already in the index, each with the folder that defined it: an
 * open-addressing hash map, so that checking a repository of 100,000 modules for duplicates
 * stays linear. Several versions of one name are welcome; one version twice is not. */
struct name_set {
	char **keys, **srcs;
	size_t cap, n;
};

static size_t
name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Takes key and src (both owned by the set afterwards) into a set known to have room. */
static void
name_set_put(struct name_set *set, char *key, char *src)
{
	size_t i = name_hash(key) & (set->cap - 1);

	while (set->keys[i] != NULL)
		i = (i + 1) & (set->cap - 1);
	set->keys[i] = key;
	set->srcs[i] = src;
	set->n++;
}

/* Adds key, defined in folder src; returns NULL, or the folder that defined key before. */
static const char *
name_set_add(struct name_set *set, const char *key, const char *src)
{
	size_t i;

	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		struct name_set bigger = { xcalloc(cap, sizeof (char *)), xcalloc(cap, sizeof (char *)), cap, 0 };

		for (size_t j = 0; j < set->cap; j++)
			if (set->keys[j] != NULL)
				name_set_put(&bigger, set->keys[j], set->srcs[j]);
		free(set->keys);
		free(set->srcs);
		*set = bigger;
	}
	for (i = name_hash(key) & (set->cap - 1); set->keys[i] != NULL; i = (i + 1) & (set->cap - 1))
		if (strcmp(set->keys[i], key) == 0)
			return set->srcs[i];
	name_set_put(set, xstrdup(key), xstrdup(src));
	return NULL;
}

static void
name_set_free(struct name_set *set)
{
	for (size_t i = 0; i < set->cap; i++) {
		free(set->keys[i]);
		free(set->srcs[i]);
	}
	free(set->keys);
	free(set->srcs);
}

static int
add_module(struct qtm_ctx *ctx, const char *src, const char *out_dir, cJSON *packages,
    struct name_set *names, char ***folders)
{
	char *path = xasprintf("%s/module.json", src);
	struct qtm_manifest *m;
	const char *first;
	cJSON *entry;
	char *key;
	int rc = qtm_manifest_load(ctx, path, &m);

	free(path);
	if (rc < 0)
		return rc;
	/* Versions hold no '=' nor '_', so NAME=VERSION and pool/NAME_VERSION are unambiguous. */
	key = xasprintf("%s=%s", m->name, m->version);
	first = name_set_add(names, key, src);
	if (first != NULL) {
		rc = qtm_error(ctx, -EEXIST, _("%s and %s both define %s"), first, src, key);
		free(key);
		qtm_manifest_free(m);
		return rc;
	}
	free(key);
	entry = cJSON_Duplicate(m->json, true);
	rc = m->is_dataset ? add_dataset(ctx, src, m, out_dir, entry) : add_model(ctx, src, m, out_dir, entry);
	if (rc == 0)
		cJSON_AddItemToArray(packages, entry);
	else
		cJSON_Delete(entry);
	if (rc == 0 && folders != NULL)
		*folders = strv_push(*folders, src);
	qtm_manifest_free(m);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder with module.json is a module; otherwise each sub-folder with one is (sorted). */
static int
add_source_dir(struct qtm_ctx *ctx, const char *src, const char *out_dir, cJSON *packages,
    struct name_set *names, char ***folders)
{
	char *probe = xasprintf("%s/module.json", src), **subs = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (stat(probe, &st) == 0) {
		free(probe);
		return add_module(ctx, src, out_dir, packages, names, folders);
	}
	free(probe);
	if ((d = opendir(src)) == NULL)
		return qtm_error(ctx, -errno, _("cannot open module folder %s: %s"), src, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char *sub = xasprintf("%s/%s/module.json", src, de->d_name);

		if (de->d_name[0] != '.' && stat(sub, &st) == 0) {
			free(sub);
			subs = strv_push(subs, de->d_name);
			continue;
		}
		free(sub);
	}
	closedir(d);
	if (subs == NULL)
		return qtm_error(ctx, -ENOENT, _("%s: no module.json here nor in any sub-folder"), src);
	qsort(subs, strv_len(subs), sizeof *subs, cmp_str);
	for (size_t i = 0; rc == 0 && subs[i] != NULL; i++) {
		char *sub = xasprintf("%s/%s", src, subs[i]);

		rc = add_module(ctx, sub, out_dir, packages, names, folders);
		free(sub);
	}
	strv_free(subs);
	return rc;
}

int
qtm_repo_pack_sources(struct qtm_ctx *ctx, char *const *srcs, const char *pack_dir, cJSON *packages,
    char ***folders)
{
	struct name_set names = { 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && srcs[i] != NULL; i++)
		rc = add_source_dir(ctx, srcs[i], pack_dir, packages, &names, folders);
	name_set_free(&names);
	return rc;
}

int
qtm_repo_lock(struct qtm_ctx *ctx, const char *dir, struct qtm_lock **out)
{
	char *path = xasprintf("%s/.qtm-repo.lock", dir);
	int rc = qtm_lock_acquire_file(ctx, path, out);

	free(path);
	return rc;
}

int
qtm_repo_sign(struct qtm_ctx *ctx, const char *dir, char *const *key_files)
{
	char *rel = xasprintf("%s/release.json", dir), *sig = xasprintf("%s/release.json.sig", dir), *text = NULL;
	struct qtm_lock *lock = NULL;
	cJSON *doc = NULL;
	size_t len;
	/* Under the publishers' lock: a publisher rewrites release.json.sig too. */
	int rc = qtm_repo_lock(ctx, dir, &lock);

	if (rc == 0)
		rc = qtm_read_file(ctx, rel, &text, &len);
	if (rc == 0 && access(sig, F_OK) == 0)
		rc = qtm_json_load(ctx, sig, &doc);
	if (doc == NULL)
		doc = cJSON_CreateObject();
	for (size_t i = 0; rc == 0 && key_files[i] != NULL; i++) {
		struct qtm_key key;

		if ((rc = qtm_key_load_private(ctx, key_files[i], &key)) == 0) {
			rc = qtm_sign_add(ctx, &key, text, len, doc);
			qtm_key_free(&key);
		}
	}
	if (rc == 0)
		rc = qtm_json_save(ctx, sig, doc, true);
	qtm_lock_release(lock);
	free(text);
	cJSON_Delete(doc);
	free(rel);
	free(sig);
	return rc;
}
