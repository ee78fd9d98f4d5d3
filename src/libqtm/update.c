/* update.c - refreshing source metadata: release.json, the verified index, the .solv cache. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "fetch.h"
#include "i18n.h"
#include "index-cache.h"
#include "index-pieces.h"
#include "paths.h"
#include "repository.h"
#include "source.h"
#include "trust.h"
#include "update.h"
#include "xalloc.h"

struct update_paths {
	char *dir, *release, *release_new, *index, *index_new, *solv;
};

static void
paths_init(struct qtm_ctx *ctx, const char *name, struct update_paths *p)
{
	p->dir = qtm_source_cache_dir(ctx, name);
	p->release = xasprintf("%s/release.json", p->dir);
	p->release_new = xasprintf("%s/release.json.new", p->dir);
	p->index = xasprintf("%s/index.json.gz", p->dir);
	p->index_new = xasprintf("%s/index.new.json.gz", p->dir);
	p->solv = xasprintf("%s/index.solv", p->dir);
}

static void
paths_free(struct update_paths *p)
{
	free(p->dir);
	free(p->release);
	free(p->release_new);
	free(p->index);
	free(p->index_new);
	free(p->solv);
}

/* The release's signature document, or NULL (with rc 0) when the repository has none. */
static int
fetch_signature(struct qtm_ctx *ctx, const struct qtm_source *src, const char *base,
    const struct update_paths *p, char **sig_text)
{
	char *url = qtm_url_join(base, "release.json.sig"), *label = xasprintf(_("%s signature"), src->name);
	char *dest = xasprintf("%s/release.json.sig.new", p->dir);
	struct qtm_fetch_req req = { .url = url, .dest = dest, .max_size = 65536, .quiet = true, .label = label };
	int rc = qtm_fetch(ctx, &req);

	*sig_text = NULL;
	if (rc == 0)
		rc = qtm_read_file(ctx, dest, sig_text, NULL);
	else if (rc == -ENOENT)
		rc = 0;   /* judged by the trust check, which names the missing signature */
	unlink(dest);
	free(dest);
	free(url);
	free(label);
	return rc;
}

static int
fetch_release(struct qtm_ctx *ctx, const struct qtm_source *src, const char *base,
    const struct update_paths *p, struct qtm_release *rel)
{
	char *url = qtm_url_join(base, "release.json"), *text = NULL, *sig = NULL, *label;
	struct qtm_fetch_req req = { .url = url, .dest = p->release_new,
	    .max_size = QTM_RELEASE_MAX_BYTES, .quiet = true };
	size_t len;
	int rc;

	label = xasprintf(_("%s release"), src->name);
	req.label = label;
	rc = qtm_fetch(ctx, &req);
	if (rc == 0 && (rc = qtm_read_file(ctx, p->release_new, &text, &len)) == 0)
		rc = qtm_release_parse(ctx, text, len, url, rel);
	if (rc == 0 && !src->insecure)
		rc = fetch_signature(ctx, src, base, p, &sig);
	if (rc == 0)
		rc = qtm_trust_check_release(ctx, src, text, len, sig, rel);
	free(text);
	free(sig);
	free(url);
	free(label);
	return rc;
}

/* Whether files a and b hold the same bytes (false when either is unreadable). */
static bool
same_bytes(struct qtm_ctx *ctx, const char *a, const char *b)
{
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	bool same = qtm_read_file(ctx, a, &ta, &la) == 0 && qtm_read_file(ctx, b, &tb, &lb) == 0 &&
	    la == lb && memcmp(ta, tb, la) == 0;

	free(ta);
	free(tb);
	return same;
}

/* True when the cached index already is the one the release names; *same_release tells
 * whether the cached release.json has the very bytes just fetched (then nothing is replaced). */
static bool
index_current(struct qtm_ctx *ctx, const struct update_paths *p, const struct qtm_release *rel,
    bool *same_release)
{
	char *text = NULL, *new_text = NULL;
	struct qtm_release old;
	size_t len, new_len;
	bool same = false;

	*same_release = false;
	if (access(p->index, F_OK) == 0 && access(p->solv, F_OK) == 0 &&
	    qtm_read_file(ctx, p->release, &text, &len) == 0 &&
	    qtm_release_parse(ctx, text, len, p->release, &old) == 0) {
		same = strcmp(old.index_sha256, rel->index_sha256) == 0;
		qtm_release_clear(&old);
	}
	if (same && qtm_read_file(ctx, p->release_new, &new_text, &new_len) == 0)
		*same_release = new_len == len && memcmp(new_text, text, len) == 0;
	free(text);
	free(new_text);
	return same;
}

static int
fetch_index(struct qtm_ctx *ctx, const struct qtm_source *src, const char *base,
    const struct update_paths *p, const struct qtm_release *rel)
{
	char *url = qtm_url_join(base, rel->index_path), *label;
	struct qtm_fetch_req req = { .url = url, .dest = p->index_new, .sha256 = rel->index_sha256,
	    .size = rel->index_size, .quiet = rel->index_size < (1 << 20) };
	int rc;

	label = xasprintf(_("%s index"), src->name);
	req.label = label;
	rc = qtm_fetch(ctx, &req);
	/* Validate and cache before anything replaces the working copy. */
	if (rc == 0)
		rc = qtm_index_cache_write(ctx, src->name, p->index_new, url, rel->index_sha256, p->solv);
	if (rc == 0 && rename(p->index_new, p->index) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), p->index_new, strerror(errno));
	unlink(p->index_new);
	free(url);
	free(label);
	return rc;
}

/* One attempt against one base URL (the source's url or a mirror). */
static int
update_from(struct qtm_ctx *ctx, const struct qtm_source *src, const char *base,
    const struct update_paths *p, struct qtm_release *rel, struct qtm_update_result *res)
{
	int rc = fetch_release(ctx, src, base, p, rel);
	bool same_release = false;

	if (rc == 0 && rel->format == 2) {
		/* Only the pieces not held yet: a group file is replaced only once every piece it
		 * merges is in and verified. */
		rc = qtm_pieces_update(ctx, src->name, base, p->dir, rel, &res->pieces_fetched, &res->bytes_fetched);
		res->pieces = (unsigned)rel->n_pieces;
		res->changed = res->changed || res->pieces_fetched > 0;
		same_release = rc == 0 && same_bytes(ctx, p->release, p->release_new);
	} else if (rc == 0 && !index_current(ctx, p, rel, &same_release)) {
		res->changed = true;
		rc = fetch_index(ctx, src, base, p, rel);
	}
	/* An unchanged release (verified again just now) is left as it is: no rename, which on ext4
	 * would also start writing the replaced file back. */
	if (rc == 0 && !same_release && rename(p->release_new, p->release) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), p->release_new, strerror(errno));
	if (rc == 0)
		rc = qtm_trust_record_seen(ctx, src, rel->version);
	if (rc == 0 && rel->format == 2 && !same_release)
		qtm_pieces_gc(ctx, p->dir, rel);
	unlink(p->release_new);
	return rc;
}

/* The source's url, then each mirror in order, until one serves good, trusted metadata; every
 * one that failed is named, in the warning (when a later one worked) or in the error. */
int
qtm_update_source(struct qtm_ctx *ctx, const struct qtm_source *src, struct qtm_update_result *result)
{
	struct update_paths p;
	struct qtm_release rel = { 0 };
	struct qtm_update_result res = { 0 };
	size_t n_bases = 1 + strv_len(src->mirrors);
	char *failures = NULL;
	int rc, first = 0;

	paths_init(ctx, src->name, &p);
	if ((rc = qtm_mkdir_p(ctx, p.dir, 0755)) < 0)
		n_bases = 0;
	for (size_t i = 0; i < n_bases; i++) {
		const char *base = i == 0 ? src->url : src->mirrors[i - 1];
		char *more;

		qtm_release_clear(&rel);
		if ((rc = update_from(ctx, src, base, &p, &rel, &res)) == 0)
			break;
		more = xasprintf("%s\n  %s: %s", failures != NULL ? failures : "", base, qtm_strerror(ctx));
		free(failures);
		failures = more;
		first = first != 0 ? first : rc;
		if (rc == -ENOSPC)
			break;   /* a local failure: no mirror will help */
	}
	if (rc == 0 && failures != NULL)
		qtm_warn(ctx, _("source %s: used a mirror after these failed:%s"), src->name, failures);
	else if (rc < 0 && failures != NULL && strv_len(src->mirrors) > 0)
		rc = qtm_error(ctx, first, _("source %s: every location failed:%s"), src->name, failures);
	else if (rc < 0 && first != 0)
		rc = first;
	if (result != NULL) {
		*result = res;
		result->source = xstrdup(src->name);
		result->version = rc == 0 ? rel.version : 0;
		result->error = rc < 0 ? xstrdup(qtm_strerror(ctx)) : NULL;
	}
	free(failures);
	qtm_release_clear(&rel);
	paths_free(&p);
	return rc;
}

int
qtm_update_all(struct qtm_ctx *ctx, struct qtm_update_result **results, size_t *n)
{
	struct qtm_source *srcs;
	size_t count;
	int rc, first = 0;
	char first_msg[sizeof ctx->errmsg] = "";

	if ((rc = qtm_sources_list(ctx, &srcs, &count)) < 0)
		return rc;
	*results = xcalloc(count, sizeof **results);
	*n = count;
	for (size_t i = 0; i < count; i++) {
		rc = qtm_update_source(ctx, &srcs[i], &(*results)[i]);
		if (rc < 0 && first == 0) {
			first = rc;
			memcpy(first_msg, ctx->errmsg, sizeof first_msg);
		}
	}
	qtm_sources_free(srcs, count);
	if (first < 0)
		return qtm_error(ctx, first, "%s", first_msg);
	return 0;
}

void
qtm_update_results_free(struct qtm_update_result *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].error);
	}
	free(v);
}
