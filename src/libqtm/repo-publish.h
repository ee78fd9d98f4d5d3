/* repo-publish.h - the publishing verbs of qtm-repo (qtm-repo(1)): building a repository,
 * adding and withdrawing versions, publishing trained artifacts.  Each holds the publishers'
 * lock (DIR/.qtm-repo.lock) and leaves the release served before intact when it fails. */
#ifndef QTM_REPO_PUBLISH_H
#define QTM_REPO_PUBLISH_H

struct qtm_ctx;

struct qtm_repo_build_opts {
	const char *name;        /* repository name (default "local") */
	long long version;       /* release version; 0 = previous + 1 (or 1) */
	int valid_days;          /* expiry of the release (default 365) */
	int format;              /* index format, 1 or 2 (0: 2) */
	char *const *keys;       /* private key files to sign with (NULL-terminated), or NULL */
};

/* Builds a repository in out_dir from module folders: each of srcs is a folder holding a
 * module.json, or a folder of such folders.  Holds the publishers' lock (qtm_repo_lock). */
int qtm_repo_build(struct qtm_ctx *ctx, char *const *srcs, const char *out_dir,
    const struct qtm_repo_build_opts *opts);

/* Publishes a trained artifact (from a qtm artifact cache: BUILD_ID.tar.zst and, optionally,
 * BUILD_ID.metrics.json) for package name/version (any published version) under its build id:
 * copies it to artifacts/, records it in the index and writes the next release, signed with
 * keys (NULL: unsigned, to be signed again). */
int qtm_repo_add_artifact(struct qtm_ctx *ctx, const char *dir, const char *name, const char *version,
    const char *build_id, const char *artifact, const char *metrics_path, char *const *keys);

struct qtm_repo_add_result {
	char **added;            /* NAME=VERSION of each new version (strv) */
	char **unchanged;        /* those published already with the same content */
	long long release;       /* the release written, 0 for none */
};

/* Adds the module folders of srcs (as build reads them) to the repository in dir: packs only
 * the new versions, refuses a published NAME=VERSION with other content (naming both), and
 * writes the next release signed with keys.  With keys, the release served now must carry a
 * valid signature by each.  res is filled (qtm_repo_add_result_clear). */
int qtm_repo_add(struct qtm_ctx *ctx, const char *dir, char *const *srcs, char *const *keys,
    struct qtm_repo_add_result *res);
void qtm_repo_add_result_clear(struct qtm_repo_add_result *res);

/* Withdraws each NAME=VERSION of specs from the index (their files stay until prune) and
 * writes the next release signed with keys; *release is its number. */
int qtm_repo_remove(struct qtm_ctx *ctx, const char *dir, char *const *specs, char *const *keys,
    long long *release);

struct qtm_repo_prune_result {
	char **withdrawn;        /* NAME=VERSION withdrawn by keep (strv) */
	long long release;       /* the release written for them, 0 for none */
	size_t files;            /* files deleted */
	unsigned long long bytes;
};

/* With keep > 0, first withdraws all but the keep highest versions of each name (a release
 * signed with keys); then deletes every file under index/, pool/, datasets/ and artifacts/
 * (and a format 1 index.json.gz) that the current release does not refer to. */
int qtm_repo_prune(struct qtm_ctx *ctx, const char *dir, int keep, char *const *keys,
    struct qtm_repo_prune_result *res);
void qtm_repo_prune_result_clear(struct qtm_repo_prune_result *res);

/* Hashes every file the current release refers to (pieces, sources, dataset files,
 * artifacts), warning about each one missing or different; -EBADMSG when any is. */
int qtm_repo_verify(struct qtm_ctx *ctx, const char *dir, size_t *checked);

#endif
