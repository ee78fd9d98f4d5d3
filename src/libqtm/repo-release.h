/* repo-release.h - writing a repository's release.json and release.json.sig so that whatever
 * moment a publisher is killed at, the release served carries a valid signature: the new
 * signatures are published beside the old ones before the new release.json is renamed in
 * (qtm-repository(5), "Publishing"). */
#ifndef QTM_REPO_RELEASE_H
#define QTM_REPO_RELEASE_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct qtm_ctx;

struct qtm_repo_release_opts {
	int format;              /* 1 or 2 */
	const char *name;
	long long version;
	int valid_days;
	char *const *keys;       /* private key files (NULL-terminated); NULL or empty: unsigned */
	const char *old_text;    /* the release served until now, NULL for none (borrowed) */
	size_t old_len;
};

/* Writes dir/release.json around index_obj (borrowed: copied in) and its signatures. */
int qtm_repo_release_write(struct qtm_ctx *ctx, const char *dir, const cJSON *index_obj,
    const struct qtm_repo_release_opts *opts);

/* Checks that text (dir's release.json) has a valid signature in dir/release.json.sig by each
 * private key file's public half; the error names the first key without one. */
int qtm_repo_release_check_keys(struct qtm_ctx *ctx, const char *dir, const char *text, size_t len,
    char *const *keys);

#endif
