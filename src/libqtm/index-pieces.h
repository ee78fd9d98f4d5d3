/* index-pieces.h - a source's format 2 index in the client's cache directory DIR:
 *
 *   DIR/pieces/SHA256-K-SLOT.solv   one verified piece (index/SHA256.json.gz of the repository)
 *                                   in libsolv's format, ending with its sha256 (its cookie); named
 *                                   for the slot it was checked against: K buckets, then n or o
 *                                   (newest or older) and the bucket
 *   DIR/groups/newest-G.solv        the newest pieces of group G merged, G = bucket mod groups
 *   DIR/groups/older-G.solv         the same for the older pieces
 *
 * A group's cookie is the sha256 over the sha256s of its pieces, so a group is used only while
 * the release that names exactly those pieces is current.  An update fetches only the pieces
 * it has no .solv of and rewrites only the groups whose pieces changed; a pool loads at most
 * 2 * QTM_PIECE_GROUPS files per source. */
#ifndef QTM_INDEX_PIECES_H
#define QTM_INDEX_PIECES_H

#include <stdbool.h>
#include <stdint.h>

#define QTM_PIECE_GROUPS 16

struct qtm_ctx;
struct qtm_release;
struct s_Repo;

/* Fetches from base (a repository URL; label names the source in progress and errors) every
 * piece of rel that dir lacks, verifies each (size, sha256, and its content against its slot),
 * converts it, and rewrites the groups whose pieces changed.  *fetched counts the pieces
 * downloaded and *bytes their size.  Files the current release needs stay until it is
 * replaced. */
int qtm_pieces_update(struct qtm_ctx *ctx, const char *label, const char *base, const char *dir,
    const struct qtm_release *rel, unsigned *fetched, uint64_t *bytes);
/* Removes from dir the pieces and groups that rel no longer names, and a format 1 index. */
void qtm_pieces_gc(struct qtm_ctx *ctx, const char *dir, const struct qtm_release *rel);
/* Adds the newest (older false) or the older packages of rel to repo (the caller's) from dir's
 * groups, rewriting a stale group from its pieces.  Returns 0, 1 when a piece is missing (the
 * repo left as it was: an update fetches it), or a negative code with ctx's error set. */
int qtm_pieces_load(struct qtm_ctx *ctx, struct s_Repo *repo, const char *dir,
    const struct qtm_release *rel, bool older);

#endif
