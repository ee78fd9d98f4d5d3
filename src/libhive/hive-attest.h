/* hive-attest.h - the hive's attestations of artifacts (doc/hive-protocol.md, "Trust").
 *
 * When the hive accepts an artifact it signs, with its own Ed25519 key (STATE/hive-key.key,
 * made on first start; its public half STATE/hive-key.pub), a statement of what it received
 * and from whom: canonical JSON (keys sorted, no white space)
 *   {"attempt":N,"build_id":"...","job":N,"runner":"NAME","sha256":"...","size":N}
 * (job, attempt and runner null for an artifact the operator uploaded).  The attestation
 * document served at GET /v1/artifact/{build_id}/attestation is
 *   {"statement": "<that text>", "signatures": [{"keyid", "sig"}]}   (sign.h)
 * A client installs a hive artifact only with an attestation signed by the key it pins for
 * that hive (QTM_HIVE_KEY, qtm.conf hive_key, or the local hive's STATE/hive-key.pub).
 *
 * Strings and keys returned are the caller's (free, qtm_key_free, qtm_hive_attestation_clear). */
#ifndef QTM_HIVE_ATTEST_H
#define QTM_HIVE_ATTEST_H

#include <stdint.h>

#include "hash.h"
#include "sign.h"

struct qtm_ctx;

struct qtm_hive_attestation {
	char build_id[QTM_SHA256_HEX], sha256[QTM_SHA256_HEX];
	uint64_t size;
	int64_t job;                 /* 0 with runner NULL: the operator uploaded it */
	int attempt;
	char *runner;                /* owned; NULL: the operator */
};

void qtm_hive_attestation_clear(struct qtm_hive_attestation *a);

/* The hive's key in state_dir (hive-key.key and hive-key.pub), made when missing. */
int qtm_hive_key_open(struct qtm_ctx *ctx, const char *state_dir, struct qtm_key *key);

/* The signed attestation document of a (text, owned by the caller). */
int qtm_hive_attest_make(struct qtm_ctx *ctx, const struct qtm_key *key, const struct qtm_hive_attestation *a,
    char **doc);

/* Checks doc (len bytes) against the pinned key and what was downloaded: signed by key, for
 * build_id, with that sha256 and size.  -EKEYREJECTED naming the cause otherwise.  out (may be
 * NULL) receives the statement. */
int qtm_hive_attest_verify(struct qtm_ctx *ctx, const char *doc, size_t len, const struct qtm_key *key,
    const char *build_id, const char *sha256, uint64_t size, struct qtm_hive_attestation *out);

/* Fetches GET /v1/artifact/{build_id}/attestation from the hive c and checks it as
 * qtm_hive_attest_verify() does; -EKEYREJECTED also when the hive has none. */
struct qtm_hive_client;
int qtm_hive_attest_fetch(struct qtm_ctx *ctx, struct qtm_hive_client *c, const struct qtm_key *key,
    const char *build_id, const char *sha256, uint64_t size, struct qtm_hive_attestation *out);

/* The key this client pins for its hive: $QTM_HIVE_KEY (a path, or the PEM text itself), else
 * qtm.conf `hive_key` (a path), else the local hive's qtm_hive_state_dir()/hive-key.pub when
 * it exists.  -ENOENT (no error set) when none is pinned; *origin (owned) names where it came
 * from. */
int qtm_hive_key_pinned(struct qtm_ctx *ctx, struct qtm_key *key, char **origin);

#endif
