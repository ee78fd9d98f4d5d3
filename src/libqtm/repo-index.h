/* repo-index.h - a repository's published index in memory, as the publishing verbs of qtm-repo
 * change it: opened from DIR/release.json (of a format 2 index only the buckets asked for are
 * read, each piece checked against the sha256 and size the release declares), changed entry by
 * entry, and committed: the changed pieces first, then the signed release, in the order of
 * qtm-repository(5) ("Publishing") that keeps every moment's release valid.
 *
 * A struct qtm_repo_index is owned by the caller (qtm_repo_index_free()).  Entries it returns are
 * borrowed from it; entries given to put or append are taken by it. */
#ifndef QTM_REPO_INDEX_H
#define QTM_REPO_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;
struct qtm_release;
struct qtm_repo_index;

struct qtm_repo_commit {
	const char *name;        /* repository name; NULL: the opened release's, else "local" */
	long long version;       /* release number; 0: the opened release's + 1 (or 1) */
	int valid_days;          /* expiry of the release; 0: 365 */
	char *const *keys;       /* private key files to sign with (NULL-terminated); NULL: unsigned */
};

/* The number of buckets `qtm-repo build` chooses for names distinct names. */
unsigned int qtm_repo_buckets_for(size_t names);

/* A new, empty index for dir, in format 1 or 2 (with the given number of buckets). */
struct qtm_repo_index *qtm_repo_index_new(const char *dir, int format, unsigned int buckets);
/* Opens dir's current release.  Reads no piece yet. */
int qtm_repo_index_open(struct qtm_ctx *ctx, const char *dir, struct qtm_repo_index **out);
void qtm_repo_index_free(struct qtm_repo_index *idx);

/* The opened release (NULL for a new index), and its exact bytes. */
const struct qtm_release *qtm_repo_index_release(const struct qtm_repo_index *idx, const char **text,
    size_t *len);

/* Checks that the opened release carries a valid signature by each private key file's public
 * half; an error names the first key without one. */
int qtm_repo_index_check_keys(struct qtm_ctx *ctx, const struct qtm_repo_index *idx, char *const *keys);

/* Finds NAME=VERSION (version NULL: the highest version of name): 1 and *entry, 0 when absent,
 * or a negative code (a piece that cannot be read or does not match the release). */
int qtm_repo_index_find(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    const char *version, cJSON **entry);
/* Puts entry (taken), replacing the entry of the same NAME=VERSION. */
int qtm_repo_index_put(struct qtm_ctx *ctx, struct qtm_repo_index *idx, cJSON *entry);
/* Adds entry (taken), known to be new (a build, which checked for duplicates itself). */
void qtm_repo_index_append(struct qtm_repo_index *idx, cJSON *entry);
/* Withdraws NAME=VERSION: -ENOENT with the error set when it is not published. */
int qtm_repo_index_remove(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    const char *version);
/* Calls fn on every entry (reading every piece), stopping at a negative return.  A piece that
 * cannot be read or does not match the release stops it too, unless bad is not NULL: then it is
 * warned about, counted in *bad and skipped. */
int qtm_repo_index_each(struct qtm_ctx *ctx, struct qtm_repo_index *idx,
    int (*fn)(struct qtm_ctx *, cJSON *entry, void *arg), void *arg, size_t *bad);
/* The versions of name, highest first (borrowed; *n of them in the vector, freed by the caller). */
int qtm_repo_index_versions(struct qtm_ctx *ctx, struct qtm_repo_index *idx, const char *name,
    cJSON ***versions, size_t *n);
/* True when something was put or removed since the index was opened. */
bool qtm_repo_index_changed(const struct qtm_repo_index *idx);
/* The files (relative to dir) of the index as it stands: release.json, its signatures and the
 * pieces (or index.json.gz); NULL-terminated, owned by the caller (strv_free). */
char **qtm_repo_index_files(const struct qtm_repo_index *idx);

/* Writes the changed pieces, then the release (signed with opts->keys), and reloads nothing:
 * the index stays usable for another commit.  On failure the pieces it wrote are removed and
 * the release served before is untouched. */
int qtm_repo_index_commit(struct qtm_ctx *ctx, struct qtm_repo_index *idx,
    const struct qtm_repo_commit *opts);

#endif
