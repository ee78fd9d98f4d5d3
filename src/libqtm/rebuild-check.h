/* rebuild-check.h - qtm install --check NAME: the installed model trained again here, in the
 * sandbox, and the files of that artifact compared byte for byte with the installed ones.  What
 * a hive runner (or a repository's pre-trained artifact) gave can thus be checked against a
 * training the user ran (qtm-hived(8), TRUST).
 *
 * Arguments are the caller's and only read; *differs is owned by the caller (free). */
#ifndef QTM_REBUILD_CHECK_H
#define QTM_REBUILD_CHECK_H

struct qtm_ctx;
struct qtm_db;

/* 0 when every file is identical; -EBADMSG with *differs naming the first differing file (by
 * path order) otherwise; another negative code when the training could not be done.  db must
 * be open for writing (the training is recorded). */
int qtm_rebuild_check(struct qtm_ctx *ctx, struct qtm_db *db, const char *name, char **differs);

#endif
