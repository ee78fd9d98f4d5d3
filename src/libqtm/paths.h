/* paths.h - small file-system helpers (where qtm keeps things: layout.h).  They return 0 or a
 * negative code with ctx's error set. */
#ifndef QTM_PATHS_H
#define QTM_PATHS_H

#include <sys/types.h>

struct qtm_ctx;

/* mkdir -p with the given mode for each created component. */
int qtm_mkdir_p(struct qtm_ctx *ctx, const char *path, mode_t mode);
/* rm -rf that never follows symlinks and stays on one file system; a missing path is success. */
int qtm_rm_rf(struct qtm_ctx *ctx, const char *path);
/* Writes all len bytes to fd (again after EINTR and short writes): 0 or -errno. */
int qtm_write_all(int fd, const void *data, size_t len);
/* Writes data to path atomically (temporary file in the same directory, fsync, rename). */
int qtm_write_file_atomic(struct qtm_ctx *ctx, const char *path, const void *data, size_t len);
/* Reads a whole file into a NUL-terminated buffer owned by the caller; len may be NULL. */
int qtm_read_file(struct qtm_ctx *ctx, const char *path, char **data, size_t *len);
/* Copies a regular file, streaming (to a temporary name, fsync, then rename). */
int qtm_copy_file(struct qtm_ctx *ctx, const char *from, const char *to);
/* Hard-links from to `to` when both are on one file system (the cache into the store: no
 * second copy of a large dataset), else copies. */
int qtm_link_or_copy(struct qtm_ctx *ctx, const char *from, const char *to);
/* fsync(fd), unless ctx->defer_sync: then the caller syncs the whole file system once. */
int qtm_sync_fd(const struct qtm_ctx *ctx, int fd);
/* syncfs() of the file system holding dir (many files made durable at once). */
int qtm_sync_tree(struct qtm_ctx *ctx, const char *dir);
/* fsyncs a directory so that a rename in it is durable. */
int qtm_fsync_dir(struct qtm_ctx *ctx, const char *dir);

#endif
