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
	int format;              /* index format, 1 or 2 (0: 1, until clients read 2) */
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

#endif
