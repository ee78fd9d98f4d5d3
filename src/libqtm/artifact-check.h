/* artifact-check.h - an artifact holds exactly its module's declared outputs, whoever made it
 * (a local training, a repository's pre-trained artifact, a hive runner), and a declared
 * metrics.json is a JSON object.  Only reads what it is given. */
#ifndef QTM_ARTIFACT_CHECK_H
#define QTM_ARTIFACT_CHECK_H

struct qtm_ctx;
struct qtm_manifest;
struct qtm_filelist;

/* files: what was unpacked into dir (relative paths).  An undeclared file or a missing declared
 * output is -EBADMSG naming the file. */
int qtm_artifact_check(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *dir,
    const struct qtm_filelist *files);
/* dir/metrics.json, when m declares it, must parse as a JSON object (-EBADMSG otherwise). */
int qtm_artifact_check_metrics(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *dir);

#endif
