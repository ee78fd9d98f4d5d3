/* dataset.h - a dataset's files in the download cache (cache_dir/datasets/NAME/VERSION/), fetched
 * from a repository and verified by sha256; used by installs and by hive runners alike.
 *
 * Arguments are the caller's and only read; *dir is owned by the caller. */
#ifndef QTM_DATASET_H
#define QTM_DATASET_H

struct qtm_ctx;
struct qtm_manifest;

/* Downloads the files of dataset m that the cache lacks (or holds corrupt), all at once, from
 * base_url (file URLs in the index are relative to it) or its mirrors; *dir (may be NULL) gets
 * the directory holding them. */
int qtm_dataset_fetch(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *base_url,
    char *const *mirrors, char **dir);

#endif
