/* repo-index.c - the published index in memory: buckets read lazily from their pieces, changed
 * entry by entry, written back as content-addressed pieces (only those whose content changed). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "hash.h"
#include "i18n.h"
#include "json.h"
#include "paths.h"
#include "repo-index.h"
#include "repo-release.h"
#include "release.h"
#include "version.h"
#include "xalloc.h"

struct piece_ref {
	bool present;
	char sha256[QTM_SHA256_HEX];
	uint64_t size;
};

struct bucket {
	struct piece_ref newest, older;
	bool loaded, dirty;
	cJSON **v;               /* the entries, owned; in insertion order until a commit sorts them */
	size_t n, cap;
};

struct qtm_repo_index {
	char *dir;
	int format;
	unsigned int nbuckets;
	struct bucket *b;
	bool opened, changed;
	struct qtm_release rel;  /* the opened release */
	char *rel_text;
	size_t rel_len;
};

unsigned int
qtm_repo_buckets_for(size_t names)
{
	unsigned int k = 1;

	while ((size_t)k * 256 < names && k < QTM_INDEX_MAX_BUCKETS)
		k *= 2;
	return k;
}

struct qtm_repo_index *
qtm_repo_index_new(const char *dir, int format, unsigned int buckets)
{
	struct qtm_repo_index *idx = xcalloc(1, sizeof *idx);

	idx->dir = xstrdup(dir);
	idx->format = format;
	idx->nbuckets = format == 1 ? 1 : buckets;
	idx->b = xcalloc(idx->nbuckets, sizeof *idx->b);
	for (unsigned int i = 0; i < idx->nbuckets; i++)
		idx->b[i].loaded = idx->b[i].dirty = true;
	return idx;
}

void
qtm_repo_index_free(struct qtm_repo_index *idx)
{
	if (idx == NULL)
		return;
	for (unsigned int i = 0; i < idx->nbuckets; i++) {
		for (size_t j = 0; j < idx->b[i].n; j++)
			cJSON_Delete(idx->b[i].v[j]);
		free(idx->b[i].v);
	}
	free(idx->b);
	qtm_release_clear(&idx->rel);
	free(idx->rel_text);
	free(idx->dir);
	free(idx);
}

static void
bucket_push(struct bucket *b, cJSON *entry)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = entry;
}

static const char *
entry_str(const cJSON *entry, const char *field)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(entry, field);

	return cJSON_IsString(s) ? s->valuestring : "";
}

/* Moves the packages of a format 1 index, or of one piece, into bucket b. */
static int
take_packages(struct qtm_ctx *ctx, cJSON *doc, const char *origin, struct bucket *b, long long bucket,
    unsigned int nbuckets)
{
	cJSON *packages = cJSON_GetObjectItemCaseSensitive(doc, "packages"), *it;

	if (!cJSON_IsArray(packages))
		return qtm_error(ctx, -EINVAL, _("%s: field \"packages\": missing or not an array"), origin);
	while ((it = cJSON_DetachItemFromArray(packages, 0)) != NULL) {
		const char *name = entry_str(it, "name");

		if (bucket >= 0 && (*name == '\0' || qtm_release_bucket(name, nbuckets) != (unsigned int)bucket)) {
			cJSON_Delete(it);
			return qtm_error(ctx, -EBADMSG, _("%s: package \"%s\" does not belong in bucket %lld"), origin, name,
			    bucket);
		}
		bucket_push(b, it);
	}
	return 0;
}

/* Reads dir/rel and checks it is exactly the file the release declares. */
static int
load_declared(struct qtm_ctx *ctx, const char *dir, const char *rel, const char *sha, uint64_t size,
    cJSON **out)
{
	char *path = xasprintf("%s/%s", dir, rel), hex[QTM_SHA256_HEX];
	uint64_t got = 0;
	int rc = qtm_sha256_file(ctx, path, hex, &got);

	if (rc == 0 && (got != size || strcmp(hex, sha) != 0))
		rc = qtm_error(ctx, -EBADMSG, _("%s: sha256 %s and %llu bytes, but the release declares %s and %llu bytes: "
		    "it was changed since it was published (qtm-repo verify checks every file)"), path, hex,
		    (unsigned long long)got, sha, (unsigned long long)size);
	if (rc == 0)
		rc = qtm_json_load(ctx, path, out);
	free(path);
	return rc;
}

static int
load_piece(struct qtm_ctx *ctx, struct qtm_repo_index *idx, unsigned int bucket, const struct piece_ref *ref,
    bool older)
{
	char *rel = xasprintf("index/%s.json.gz", ref->sha256);
	long long format = 0, b = -1;
	const cJSON *o;
	cJSON *doc = NULL;
	int rc = load_declared(ctx, idx->dir, rel, ref->sha256, ref->size, &doc);

	if (rc == 0 && ((rc = qtm_json_int(ctx, doc, "format", true, rel, 2, 2, &format)) < 0 ||
	    (rc = qtm_json_int(ctx, doc, "bucket", true, rel, 0, idx->nbuckets - 1, &b)) < 0))
		goto out;
	o = cJSON_GetObjectItemCaseSensitive(doc, "older");
	if (rc == 0 && ((unsigned int)b != bucket || !cJSON_IsBool(o) || cJSON_IsTrue(o) != older))
		rc = qtm_error(ctx, -EBADMSG, older ? _("%s: not the older piece of bucket %u")
		    : _("%s: not the newest piece of bucket %u"), rel, bucket);
	if (rc == 0)
		rc = take_packages(ctx, doc, rel, &idx->b[bucket], bucket, idx->nbuckets);
out:
	cJSON_Delete(doc);
	free(rel);
	return rc;
}

/* Reads bucket's pieces on first use. */
static int
load_bucket(struct qtm_ctx *ctx, struct qtm_repo_index *idx, unsigned int bucket)
{
	struct bucket *b = &idx->b[bucket];
	int rc = 0;

	if (b->loaded)
		return 0;
	if (b->newest.present)
		rc = load_piece(ctx, idx, bucket, &b->newest, false);
	if (rc == 0 && b->older.present)
		rc = load_piece(ctx, idx, bucket, &b->older, true);
	if (rc < 0) {
		for (size_t j = 0; j < b->n; j++)
			cJSON_Delete(b->v[j]);
		b->n = 0;
		return rc;
	}
	b->loaded = true;
	return 0;
}

static void
set_refs(struct qtm_repo_index *idx, const struct qtm_release *rel)
{
	for (size_t i = 0; i < rel->n_pieces; i++) {
		const struct qtm_release_piece *p = &rel->pieces[i];
		struct piece_ref *r = p->older ? &idx->b[p->bucket].older : &idx->b[p->bucket].newest;

		r->present = true;
		snprintf(r->sha256, sizeof r->sha256, "%s", p->sha256);
		r->size = p->size;
	}
}

int
qtm_repo_index_open(struct qtm_ctx *ctx, const char *dir, struct qtm_repo_index **out)
{
	char *path = xasprintf("%s/release.json", dir);
	struct qtm_repo_index *idx = xcalloc(1, sizeof *idx);
	int rc;

	idx->dir = xstrdup(dir);
	idx->opened = true;
	rc = qtm_read_file(ctx, path, &idx->rel_text, &idx->rel_len);
	if (rc == 0)
		rc = qtm_release_parse(ctx, idx->rel_text, idx->rel_len, path, &idx->rel);
	if (rc == 0) {
		idx->format = idx->rel.format;
		idx->nbuckets = idx->format == 1 ? 1 : idx->rel.buckets;
		idx->b = xcalloc(idx->nbuckets, sizeof *idx->b);
	}
	if (rc == 0 && idx->format == 1) {
		cJSON *doc = NULL;

		/* One file holds everything: read it now. */
		rc = load_declared(ctx, dir, idx->rel.index_path, idx->rel.index_sha256, idx->rel.index_size, &doc);
		if (rc == 0)
			rc = take_packages(ctx, doc, idx->rel.index_path, &idx->b[0], -1, 1);
		idx->b[0].loaded = true;
		cJSON_Delete(doc);
	} else if (rc == 0) {
		set_refs(idx, &idx->rel);
	}
	free(path);
	if (rc < 0) {
		qtm_repo_index_free(idx);
		return rc;
	}
	*out = idx;
	return 0;
}

const struct qtm_release *
qtm_repo_index_release(const struct qtm_repo_index *idx, const char **text, size_t *len)
{
	if (text != NULL)
		*text = idx->rel_text;
	if (len != NULL)
		*len = idx->rel_len;
	return idx->opened ? &idx->rel : NULL;
}

int
qtm_repo_index_check_keys(struct qtm_ctx *ctx, const struct qtm_repo_index *idx, char *const *keys)
{
	return qtm_repo_release_check_keys(ctx, idx->dir, idx->rel_text, idx->rel_len, keys);
}

static struct bucket *
bucket_for(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name, int *rc)
{
	unsigned int k = idx->format == 1 ? 0 : qtm_release_bucket(name, idx->nbuckets);

	*rc = load_bucket(ctx, idx, k);
	return *rc < 0 ? NULL : &idx->b[k];
}

/* The position of NAME=VERSION in b, or of name's highest version when version is NULL; -1. */
static long
bucket_find(const struct bucket *b, const char *name, const char *version)
{
	long best = -1;

	for (size_t i = 0; i < b->n; i++) {
		if (strcmp(entry_str(b->v[i], "name"), name) != 0)
			continue;
		if (version != NULL && strcmp(entry_str(b->v[i], "version"), version) == 0)
			return (long)i;
		if (version == NULL && (best < 0 ||
		    qtm_version_cmp(entry_str(b->v[i], "version"), entry_str(b->v[best], "version")) > 0))
			best = (long)i;
	}
	return best;
}

int
qtm_repo_index_find(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    const char *version, cJSON **entry)
{
	int rc;
	struct bucket *b = bucket_for(ctx, idx, name, &rc);
	long at;

	if (b == NULL)
		return rc;
	at = bucket_find(b, name, version);
	*entry = at >= 0 ? b->v[at] : NULL;
	return at >= 0;
}

int
qtm_repo_index_put(struct qtm_ctx *ctx, struct qtm_repo_index *idx, cJSON *entry)
{
	int rc;
	struct bucket *b = bucket_for(ctx, idx, entry_str(entry, "name"), &rc);
	long at;

	if (b == NULL) {
		cJSON_Delete(entry);
		return rc;
	}
	at = bucket_find(b, entry_str(entry, "name"), entry_str(entry, "version"));
	if (at >= 0) {
		cJSON_Delete(b->v[at]);
		b->v[at] = entry;
	} else {
		bucket_push(b, entry);
	}
	b->dirty = idx->changed = true;
	return 0;
}

void
qtm_repo_index_append(struct qtm_repo_index *idx, cJSON *entry)
{
	unsigned int k = idx->format == 1 ? 0 : qtm_release_bucket(entry_str(entry, "name"), idx->nbuckets);

	bucket_push(&idx->b[k], entry);
	idx->b[k].dirty = idx->changed = true;
}

int
qtm_repo_index_remove(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    const char *version)
{
	int rc;
	struct bucket *b = bucket_for(ctx, idx, name, &rc);
	long at;

	if (b == NULL)
		return rc;
	if ((at = bucket_find(b, name, version)) < 0)
		return qtm_error(ctx, -ENOENT, _("%s=%s is not published in %s"), name, version, idx->dir);
	cJSON_Delete(b->v[at]);
	memmove(&b->v[at], &b->v[at + 1], (b->n - (size_t)at - 1) * sizeof *b->v);
	b->n--;
	b->dirty = idx->changed = true;
	return 0;
}

int
qtm_repo_index_each(struct qtm_ctx *ctx, struct qtm_repo_index *idx,
    int (*fn)(struct qtm_ctx *, cJSON *entry, void *arg), void *arg, size_t *bad)
{
	int rc = 0;

	for (unsigned int k = 0; rc >= 0 && k < idx->nbuckets; k++) {
		if ((rc = load_bucket(ctx, idx, k)) < 0 && bad != NULL) {
			qtm_warn(ctx, "%s", qtm_strerror(ctx));
			(*bad)++;
			rc = 0;
			continue;
		}
		for (size_t i = 0; rc >= 0 && i < idx->b[k].n; i++)
			rc = fn(ctx, idx->b[k].v[i], arg);
	}
	return rc < 0 ? rc : 0;
}

static int
version_desc(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	int c = qtm_version_cmp(entry_str(y, "version"), entry_str(x, "version"));

	return c != 0 ? c : strcmp(entry_str(y, "version"), entry_str(x, "version"));
}

int
qtm_repo_index_versions(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    cJSON ***versions, size_t *n)
{
	int rc;
	struct bucket *b = bucket_for(ctx, idx, name, &rc);

	*versions = NULL;
	*n = 0;
	if (b == NULL)
		return rc;
	*versions = xcalloc(b->n + 1, sizeof **versions);
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(entry_str(b->v[i], "name"), name) == 0)
			(*versions)[(*n)++] = b->v[i];
	qsort(*versions, *n, sizeof **versions, version_desc);
	return 0;
}

bool
qtm_repo_index_changed(const struct qtm_repo_index *idx)
{
	return idx->changed;
}

char **
qtm_repo_index_files(const struct qtm_repo_index *idx)
{
	char **v = strv_push(NULL, "release.json");

	v = strv_push(v, "release.json.sig");
	if (idx->format == 1) {
		return strv_push(v, idx->opened ? idx->rel.index_path : "index.json.gz");
	}
	for (unsigned int k = 0; k < idx->nbuckets; k++) {
		const struct piece_ref *r[2] = { &idx->b[k].newest, &idx->b[k].older };

		for (int i = 0; i < 2; i++)
			if (r[i]->present) {
				char *rel = xasprintf("index/%s.json.gz", r[i]->sha256);

				v = strv_push(v, rel);
				free(rel);
			}
	}
	return v;
}

/* Name, then version in qtm's order (ties, such as 1.0 and 1.00, by their text). */
static int
entry_cmp(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	int c = strcmp(entry_str(x, "name"), entry_str(y, "name"));

	return c != 0 ? c : -version_desc(a, b);
}

/* head, then the entries v[i] with pick[i] == want (every entry when pick is NULL) separated by
 * commas, then "]}": one index document's JSON text (owned by the caller). */
static char *
join_entries(const char *head, const struct bucket *b, const bool *pick, bool want, size_t *len)
{
	size_t cap = 4096 + strlen(head), n = strlen(head);
	char *text = xmalloc(cap);
	bool first = true;

	memcpy(text, head, n);
	for (size_t i = 0; i < b->n; i++) {
		char *e;
		size_t el;

		if (pick != NULL && pick[i] != want)
			continue;
		e = cJSON_PrintUnformatted(b->v[i]);
		el = strlen(e);
		while (cap - n < el + 4)
			text = xrealloc(text, cap *= 2);
		if (!first)
			text[n++] = ',';
		memcpy(text + n, e, el);
		n += el;
		first = false;
		free(e);
	}
	memcpy(text + n, "]}", 3);
	*len = n + 2;
	return text;
}

/* Writes index/SHA256.json.gz unless it is there; *created says whether this call made it. */
static int
write_piece(struct qtm_ctx *ctx, const char *dir, const char *text, size_t len, struct piece_ref *ref,
    bool *created)
{
	char *gz = NULL, *path;
	size_t gz_len = 0;
	struct stat st;
	int rc = qtm_gzip_buffer(ctx, text, len, &gz, &gz_len);

	*created = false;
	if (rc < 0)
		return rc;
	qtm_sha256_buf(gz, gz_len, ref->sha256);
	ref->size = gz_len;
	ref->present = true;
	path = xasprintf("%s/index/%s.json.gz", dir, ref->sha256);
	/* Content-addressed: a file of that name and size already holds these bytes. */
	if (stat(path, &st) != 0 || (uint64_t)st.st_size != gz_len) {
		rc = qtm_write_file_atomic(ctx, path, gz, gz_len);
		*created = rc == 0;
	}
	free(path);
	free(gz);
	return rc;
}

/* Sorts a changed bucket and writes its newest and older pieces; created collects new files. */
static int
write_bucket(struct qtm_ctx *ctx, struct qtm_repo_index *idx, unsigned int k, char ***created)
{
	struct bucket *b = &idx->b[k];
	bool *newest = xcalloc(b->n + 1, sizeof *newest), have[2] = { false, false };
	int rc = 0;

	if (b->n > 0)   /* qsort of NULL is undefined even for 0 elements */
		qsort(b->v, b->n, sizeof *b->v, entry_cmp);
	for (size_t i = 0; i < b->n; i++) {
		newest[i] = i + 1 == b->n || strcmp(entry_str(b->v[i], "name"), entry_str(b->v[i + 1], "name")) != 0;
		have[!newest[i]] = true;
	}
	for (int older = 0; rc == 0 && older < 2; older++) {
		struct piece_ref *ref = older ? &b->older : &b->newest;
		char *text, head[96];
		size_t len;
		bool made;

		memset(ref, 0, sizeof *ref);
		if (!have[older])
			continue;
		snprintf(head, sizeof head, "{\"format\":2,\"bucket\":%u,\"older\":%s,\"packages\":[", k,
		    older ? "true" : "false");
		text = join_entries(head, b, newest, !older, &len);
		if ((rc = write_piece(ctx, idx->dir, text, len, ref, &made)) == 0 && made) {
			char *rel = xasprintf("%s/index/%s.json.gz", idx->dir, ref->sha256);

			*created = strv_push(*created, rel);
			free(rel);
		}
		free(text);
	}
	free(newest);
	return rc;
}

static cJSON *
piece_list(const struct qtm_repo_index *idx, bool older)
{
	cJSON *list = cJSON_CreateArray();

	for (unsigned int k = 0; k < idx->nbuckets; k++) {
		const struct piece_ref *r = older ? &idx->b[k].older : &idx->b[k].newest;
		cJSON *p;

		if (!r->present)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "bucket", k);
		cJSON_AddStringToObject(p, "sha256", r->sha256);
		cJSON_AddNumberToObject(p, "size", (double)r->size);
		cJSON_AddItemToArray(list, p);
	}
	return list;
}

/* Format 1: the whole index in one index.json.gz, its entries in the order they came. */
static int
write_v1(struct qtm_ctx *ctx, struct qtm_repo_index *idx, cJSON *index_obj)
{
	const char *rel = idx->opened ? idx->rel.index_path : "index.json.gz";
	char *path = xasprintf("%s/%s", idx->dir, rel), *text, *gz = NULL, hex[QTM_SHA256_HEX];
	size_t len, gz_len = 0;
	struct piece_ref *ref = &idx->b[0].newest;
	int rc;

	text = join_entries("{\"format\":1,\"packages\":[", &idx->b[0], NULL, false, &len);
	rc = qtm_gzip_buffer(ctx, text, len, &gz, &gz_len);
	free(text);
	if (rc == 0) {
		qtm_sha256_buf(gz, gz_len, hex);
		/* Replacing the one index in place is format 1's way; it is not content-addressed. */
		rc = qtm_write_file_atomic(ctx, path, gz, gz_len);
	}
	if (rc == 0) {
		ref->present = true;
		snprintf(ref->sha256, sizeof ref->sha256, "%s", hex);
		ref->size = gz_len;
		cJSON_AddStringToObject(index_obj, "path", rel);
		cJSON_AddStringToObject(index_obj, "sha256", hex);
		cJSON_AddNumberToObject(index_obj, "size", (double)gz_len);
	}
	free(gz);
	free(path);
	return rc;
}

int
qtm_repo_index_commit(struct qtm_ctx *ctx, struct qtm_repo_index *idx,
    const struct qtm_repo_commit *opts)
{
	char *index_dir = xasprintf("%s/index", idx->dir), **created = NULL;
	cJSON *index_obj = cJSON_CreateObject();
	struct qtm_repo_release_opts ro = { 0 };
	bool defer;
	int rc = 0;

	if (idx->format == 2 && (rc = qtm_mkdir_p(ctx, index_dir, 0755)) == 0) {
		for (unsigned int k = 0; rc == 0 && k < idx->nbuckets; k++)
			if (idx->b[k].dirty)
				rc = write_bucket(ctx, idx, k, &created);
		if (rc == 0)
			rc = ctx->defer_sync ? qtm_sync_tree(ctx, idx->dir) : qtm_fsync_dir(ctx, index_dir);
		cJSON_AddNumberToObject(index_obj, "buckets", idx->nbuckets);
		cJSON_AddItemToObject(index_obj, "newest", piece_list(idx, false));
		cJSON_AddItemToObject(index_obj, "older", piece_list(idx, true));
	} else if (idx->format == 1) {
		rc = write_v1(ctx, idx, index_obj);
	}
	ro.format = idx->format;
	ro.name = opts->name != NULL ? opts->name : idx->opened ? idx->rel.name : "local";
	ro.version = opts->version > 0 ? opts->version : idx->opened ? idx->rel.version + 1 : 1;
	ro.valid_days = opts->valid_days > 0 ? opts->valid_days : 365;
	ro.keys = opts->keys;
	if (idx->rel_text == NULL) {
		/* A build over a repository: the release it replaces keeps its signatures meanwhile. */
		char *path = xasprintf("%s/release.json", idx->dir);

		if (access(path, F_OK) == 0 && qtm_read_file(ctx, path, &idx->rel_text, &idx->rel_len) < 0)
			idx->rel_text = NULL;
		free(path);
	}
	ro.old_text = idx->rel_text;
	ro.old_len = idx->rel_len;
	/* The pieces are durable (synced above); the release is made durable on its own. */
	defer = ctx->defer_sync;
	ctx->defer_sync = false;
	if (rc == 0)
		rc = qtm_repo_release_write(ctx, idx->dir, index_obj, &ro);
	ctx->defer_sync = defer;
	if (rc < 0)
		for (size_t i = 0; created != NULL && created[i] != NULL; i++)
			unlink(created[i]);
	for (unsigned int k = 0; rc == 0 && k < idx->nbuckets; k++)
		idx->b[k].dirty = false;
	if (rc == 0)
		idx->changed = false;
	strv_free(created);
	cJSON_Delete(index_obj);
	free(index_dir);
	return rc;
}
