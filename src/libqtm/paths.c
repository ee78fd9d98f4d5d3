/* paths.c - small file-system helpers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

int
qtm_mkdir_p(struct qtm_ctx *ctx, const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = qtm_error(ctx, -errno, _("cannot create directory %s: %s"), p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
rm_rf_at(struct qtm_ctx *ctx, int parent, const char *name, dev_t dev)
{
	struct stat st;
	int rc = 0;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : qtm_error(ctx, -errno, _("cannot stat %s: %s"), name, strerror(errno));
	if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;

		if (d == NULL)
			return qtm_error(ctx, -errno, _("cannot open directory %s: %s"), name, strerror(errno));
		while (rc == 0 && (de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				rc = rm_rf_at(ctx, dirfd(d), de->d_name, dev);
		closedir(d);
		if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0)
			rc = qtm_error(ctx, -errno, _("cannot remove %s: %s"), name, strerror(errno));
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		return qtm_error(ctx, -EXDEV, _("refusing to cross into another file system at %s"), name);
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return qtm_error(ctx, -errno, _("cannot remove %s: %s"), name, strerror(errno));
	return 0;
}

int
qtm_rm_rf(struct qtm_ctx *ctx, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : qtm_error(ctx, -errno, _("cannot stat %s: %s"), path, strerror(errno));
	return rm_rf_at(ctx, AT_FDCWD, path, st.st_dev);
}

int
qtm_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
qtm_sync_fd(const struct qtm_ctx *ctx, int fd)
{
	return ctx->defer_sync ? 0 : fsync(fd);
}

int
qtm_sync_tree(struct qtm_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || syncfs(fd) < 0)
		rc = qtm_error(ctx, -errno, _("cannot sync %s: %s"), dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int
qtm_fsync_dir(struct qtm_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot open directory %s: %s"), dir, strerror(errno));
	qtm_sync_fd(ctx, fd);
	close(fd);
	return 0;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int
qtm_write_file_atomic(struct qtm_ctx *ctx, const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir;
	int fd, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	rc = qtm_write_all(fd, data, len);
	if (rc == 0 && qtm_sync_fd(ctx, fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		qtm_error(ctx, rc, _("cannot write %s: %s"), path, strerror(-rc));
		unlink(tmp);
	}
	free(tmp);
	if (rc == 0) {
		dir = dir_of(path);
		rc = qtm_fsync_dir(ctx, dir);
		free(dir);
	}
	return rc;
}

int
qtm_read_file(struct qtm_ctx *ctx, const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	size_t cap = 8192, used = 0, n;
	char *buf;

	if (f == NULL)
		return qtm_error(ctx, -errno, _("cannot open %s: %s"), path, strerror(errno));
	buf = xmalloc(cap);
	while ((n = fread(buf + used, 1, cap - used - 1, f)) > 0) {
		used += n;
		if (cap - used < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		return qtm_error(ctx, -e, _("cannot read %s: %s"), path, strerror(e));
	}
	fclose(f);
	buf[used] = '\0';
	*data = buf;
	if (len != NULL)
		*len = used;
	return 0;
}

int
qtm_copy_file(struct qtm_ctx *ctx, const char *from, const char *to)
{
	char *tmp = xasprintf("%s.tmp.%ld", to, (long)getpid()), buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
	ssize_t n;

	if (in < 0) {
		rc = qtm_error(ctx, -errno, _("cannot open %s: %s"), from, strerror(errno));
		goto done;
	}
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		rc = qtm_error(ctx, -errno, _("cannot create %s: %s"), tmp, strerror(errno));
		goto done;
	}
	while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
		if ((rc = qtm_write_all(out, buf, (size_t)n)) < 0)
			qtm_error(ctx, rc, _("cannot write %s: %s"), to, strerror(-rc));
	if (rc == 0 && n < 0)
		rc = qtm_error(ctx, -errno, _("cannot read %s: %s"), from, strerror(errno));
	if (rc == 0 && qtm_sync_fd(ctx, out) < 0)
		rc = qtm_error(ctx, -errno, _("cannot write %s: %s"), to, strerror(errno));
	if (rc == 0 && rename(tmp, to) < 0)
		rc = qtm_error(ctx, -errno, _("cannot rename %s: %s"), tmp, strerror(errno));
done:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
qtm_link_or_copy(struct qtm_ctx *ctx, const char *from, const char *to)
{
	if (link(from, to) == 0)
		return 0;
	return qtm_copy_file(ctx, from, to);
}
