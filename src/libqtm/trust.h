/* trust.h - what makes a release believable: signatures from the source's trusted keys (at
 * least its threshold of them), an expiry in the future, and a version no older than the
 * highest already seen (nor absurdly ahead of it).  Each refusal names the attack it stops.
 *
 * Trusted keys live in conf_dir/trusted.d/SOURCE/KEYID.pub; the bundled source trusts
 * BUNDLED_REPO.pub.  The highest version seen per source is kept in
 * state_dir/sources/SOURCE.seen (state, not cache: `qtm clean` must not reset it).
 * Arrays returned are owned by the caller. */
#ifndef QTM_TRUST_H
#define QTM_TRUST_H

#include <stddef.h>

#include "sign.h"

struct qtm_ctx;
struct qtm_release;
struct qtm_source;

/* How far ahead of the last seen version a release may jump (a fast-forward attack uses a huge
 * version to lock clients out of later genuine releases). */
#define QTM_TRUST_MAX_JUMP 1000000LL

int qtm_trust_keys(struct qtm_ctx *ctx, const struct qtm_source *src, struct qtm_key **keys, size_t *n);
void qtm_trust_keys_free(struct qtm_key *keys, size_t n);

/* Checks a fetched release (its exact bytes, the parsed form, and the signature document's
 * text, or NULL when the server had none). */
int qtm_trust_check_release(struct qtm_ctx *ctx, const struct qtm_source *src, const char *text,
    size_t len, const char *sig_text, const struct qtm_release *rel);
/* Records version as seen (never lowers it). */
int qtm_trust_record_seen(struct qtm_ctx *ctx, const struct qtm_source *src, long long version);

/* qtm key add|list|remove */
int qtm_trust_key_add(struct qtm_ctx *ctx, const char *source, const char *pub_path, char id[QTM_KEYID_LEN]);
int qtm_trust_key_remove(struct qtm_ctx *ctx, const char *source, const char *keyid);
/* Key ids trusted by source (NULL-terminated, owned by the caller: strv_free). */
int qtm_trust_key_list(struct qtm_ctx *ctx, const char *source, char ***ids);

#endif
