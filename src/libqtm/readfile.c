/* readfile.c - capped reads of small files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "readfile.h"
#include "xalloc.h"

static int
too_big(struct qtm_ctx *ctx, const char *path, size_t max)
{
	return qtm_error(ctx, -EINVAL, _("%s is larger than the limit of %zu bytes"), path, max);
}

/* Reads to EOF but never past max + 1 bytes: a file that grows after fstat() is still caught.
 * *buf (owned by the caller, also on failure) has room for a terminating NUL. */
static int
read_capped(struct qtm_ctx *ctx, int fd, const char *path, size_t max, size_t hint, char **buf,
    size_t *used)
{
	size_t cap = (hint < max ? hint : max) + 2;
	ssize_t n;

	*buf = xmalloc(cap);
	*used = 0;
	for (;;) {
		if (*used + 1 == cap) {
			cap = cap > max / 2 ? max + 2 : 2 * cap;
			*buf = xrealloc(*buf, cap);
		}
		n = read(fd, *buf + *used, cap - 1 - *used);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qtm_error(ctx, -errno, _("cannot read %s: %s"), path, strerror(errno));
		*used += (size_t)n;
		if (*used > max)
			return too_big(ctx, path, max);
	}
}

int
qtm_read_small_file(struct qtm_ctx *ctx, const char *path, size_t max, char **buf, size_t *len)
{
	/* O_NONBLOCK: opening a fifo must not wait for a writer before it is refused. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc;
	struct stat st;
	char *data = NULL;
	size_t used = 0;

	if (fd < 0)
		return qtm_error(ctx, -errno, _("cannot open %s: %s"), path, strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = qtm_error(ctx, -errno, _("cannot stat %s: %s"), path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = qtm_error(ctx, -EINVAL, _("%s is not a regular file"), path);
	else if ((uint64_t)st.st_size > max)
		rc = too_big(ctx, path, max);
	else
		rc = read_capped(ctx, fd, path, max, (size_t)st.st_size, &data, &used);
	close(fd);
	if (rc < 0) {
		free(data);
		return rc;
	}
	data[used] = '\0';
	*buf = data;
	if (len != NULL)
		*len = used;
	return 0;
}

int
qtm_read_text_file(struct qtm_ctx *ctx, const char *path, char **buf)
{
	size_t len, line = 1;
	char *text;
	const char *nul;
	int rc = qtm_read_small_file(ctx, path, QTM_SMALL_FILE_MAX, &text, &len);

	if (rc < 0)
		return rc;
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		free(text);
		return qtm_error(ctx, -EINVAL, _("%s:%zu: a NUL byte (this is not a text file)"), path, line);
	}
	*buf = text;
	return 0;
}
