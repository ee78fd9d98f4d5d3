/* hive-api-artifacts.c - PUT /v1/artifact/{build_id}?lease=L: from the runner holding lease L
 * of a job of that build id (or the operator), streamed to a temporary file while hashed,
 * refused (422) when the bytes differ from X-Qtm-Sha256; the first artifact stored for a build
 * id is final (409 for other bytes); GET/HEAD /v1/artifact/{build_id}: the bytes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "hive-attest.h"
#include "hive-conf.h"
#include "hive-db.h"
#include "hive-server-internal.h"
#include "hive-durable.h"
#include "i18n.h"
#include "paths.h"
#include "xalloc.h"

/* Who uploads: the operator (trusted, up->runner NULL), or a runner under the current lease of
 * a job of this build id (up->runner, job and attempt set).  -EACCES: neither token; -EPERM:
 * a runner without that lease. */
static int
uploader(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_upload *up)
{
	if (hive_operator_ok(srv, c))
		return 0;
	if ((up->runner = hive_runner_auth(srv, c)) == NULL)
		return -EACCES;
	return qtm_hive_db_lease_job(srv->ctx, srv->db, qtm_hive_query(c, "lease"), up->runner, up->build_id,
	    &up->job, &up->attempt);
}

static bool
may_use_artifacts(struct qtm_hive_server *srv, struct MHD_Connection *c)
{
	char *runner;

	if (hive_operator_ok(srv, c))
		return true;
	runner = hive_runner_auth(srv, c);
	free(runner);
	return runner != NULL;
}

static enum MHD_Result
refuse(struct MHD_Connection *c, struct hive_req *rq, unsigned int status, const char *msg)
{
	rq->replied = true;
	return qtm_hive_reply_error(c, status, msg);
}

/* A new empty file to write an artifact to: an unnamed spare (hive-durable.h; *tmp NULL), or
 * else a temporary file made here (*tmp its path, the caller's).  -1 when neither can be had. */
static int
temp_file(struct qtm_hive_server *srv, const char *build_id, char **tmp)
{
	int fd = qtm_hive_spare_take(srv->flusher);

	*tmp = NULL;
	if (fd >= 0)
		return fd;
	*tmp = xasprintf("%s/.upload-%s-XXXXXX", srv->artifacts_dir, build_id);
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/* The written file (fd, and tmp unless unnamed) gets its place, path; -errno on failure. */
static int
place(int fd, const char *tmp, const char *path)
{
	if (tmp == NULL)
		return qtm_hive_spare_place(fd, path);
	return rename(tmp, path) < 0 ? -errno : 0;
}

enum MHD_Result
hive_upload_begin(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id,
    struct hive_req *rq)
{
	const char *want = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Qtm-Sha256");
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct hive_upload *up;
	char held[QTM_SHA256_HEX], *msg;
	enum MHD_Result r;
	int rc;

	/* Errors found before the body is read are answered at once: the bytes are not wanted. */
	if (!qtm_sha256_valid(build_id))
		return refuse(c, rq, MHD_HTTP_NOT_FOUND, _("PUT /v1/artifact: the build id must be 64 hex digits"));
	if (want == NULL || !qtm_sha256_valid(want))
		return refuse(c, rq, MHD_HTTP_BAD_REQUEST, _("PUT /v1/artifact: the header X-Qtm-Sha256 (64 hex digits) "
		    "is required"));
	if (cl != NULL && strtoull(cl, NULL, 10) > (uint64_t)srv->conf->max_artifact_mib << 20)
		return refuse(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, _("PUT /v1/artifact: larger than max_artifact_mib"));
	up = rq->up = xcalloc(1, sizeof *up);
	up->fd = -1;
	snprintf(up->build_id, sizeof up->build_id, "%s", build_id);
	snprintf(up->want, sizeof up->want, "%s", want);
	if ((rc = uploader(srv, c, up)) == -EACCES) {
		rq->replied = true;
		return hive_unauthorized(c, "PUT /v1/artifact");
	}
	if (rc < 0)
		return refuse(c, rq, qtm_hive_http_status(rc), qtm_strerror(srv->ctx));
	/* Already held: the first artifact is final.  The same bytes again (a retry, or the next
	 * attempt of a deterministic training) are read and dropped; other bytes are refused. */
	if ((up->held = qtm_hive_db_artifact(srv->ctx, srv->db, build_id, held, NULL) == 0)) {
		if (strcmp(held, want) == 0)
			return MHD_YES;
		msg = xasprintf(_("PUT /v1/artifact/%s: the hive already holds this build's artifact (sha256 %s), "
		    "and the first one stored is final"), build_id, held);
		r = refuse(c, rq, MHD_HTTP_CONFLICT, msg);
		free(msg);
		return r;
	}
	if ((up->fd = temp_file(srv, build_id, &up->tmp)) < 0) {
		up->io_error = true;
		return MHD_YES;
	}
	qtm_sha256_init(&up->hash);
	up->hashing = true;
	return MHD_YES;
}

void
hive_upload_data(struct hive_upload *up, const char *data, size_t len, uint64_t max)
{
	if (up->size + len > max)
		up->too_large = true;
	up->size += len;
	if (up->fd < 0 || up->too_large || up->io_error)
		return;
	qtm_sha256_update(&up->hash, data, len);
	while (len > 0) {
		ssize_t n = write(up->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			up->io_error = true;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* Renamed into place before it is recorded: a killed daemon never records a file it lacks.  The
 * flusher syncs it within a second (hive-durable.h). */
static int
store(struct qtm_hive_server *srv, struct hive_upload *up)
{
	char *path = xasprintf("%s/%s.tar.zst", srv->artifacts_dir, up->build_id), *doc = NULL;
	int rc = 0;

	if ((rc = place(up->fd, up->tmp, path)) < 0)
		rc = qtm_error(srv->ctx, -EIO, _("cannot store the artifact %s: %s"), path, strerror(-rc));
	if (rc == 0) {
		free(up->tmp);
		up->tmp = NULL;
		qtm_hive_flusher_dirty(srv->flusher);
		if ((rc = hive_attest(srv, up->build_id, up->want, up->size, up->runner, up->job, up->attempt, &doc)) == 0)
			rc = qtm_hive_db_artifact_add(srv->ctx, srv->db, up->build_id, up->want, up->size, hive_now(), doc,
			    false);
	}
	free(doc);
	free(path);
	return rc;
}

int
hive_attest(struct qtm_hive_server *srv, const char *build_id, const char *sha256, uint64_t size,
    const char *runner, int64_t job, int attempt, char **doc)
{
	struct qtm_hive_attestation a = { .size = size, .job = runner != NULL ? job : 0,
		.attempt = runner != NULL ? attempt : 0, .runner = (char *)runner };

	snprintf(a.build_id, sizeof a.build_id, "%s", build_id);
	snprintf(a.sha256, sizeof a.sha256, "%s", sha256);
	return qtm_hive_attest_make(srv->ctx, &srv->key, &a, doc);
}

enum MHD_Result
hive_attestation_get(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id)
{
	char sha[QTM_SHA256_HEX], *doc = NULL;
	enum MHD_Result ret;
	int rc;

	if (!may_use_artifacts(srv, c))
		return hive_unauthorized(c, "GET /v1/artifact/attestation");
	if (!qtm_sha256_valid(build_id))
		return qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, _("the build id must be 64 hex digits"));
	if ((rc = qtm_hive_db_artifact(srv->ctx, srv->db, build_id, sha, NULL)) < 0 ||
	    (rc = qtm_hive_db_attestation_get(srv->ctx, srv->db, build_id, &doc)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	ret = qtm_hive_reply(c, MHD_HTTP_OK, "application/json", doc, strlen(doc));
	free(doc);
	return ret;
}

int
hive_artifact_write(struct qtm_hive_server *srv, const char *build_id, const void *data, size_t len)
{
	char *tmp, *path = xasprintf("%s/%s.tar.zst", srv->artifacts_dir, build_id);
	int fd = temp_file(srv, build_id, &tmp), rc = fd < 0 ? -errno : qtm_write_all(fd, data, len);

	if (rc == 0)
		rc = place(fd, tmp, path);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		if (tmp != NULL)
			unlink(tmp);
		rc = qtm_error(srv->ctx, -EIO, _("cannot store the artifact %s: %s"), path, strerror(-rc));
	} else {
		qtm_hive_flusher_dirty(srv->flusher);
	}
	free(tmp);
	free(path);
	return rc;
}

enum MHD_Result
hive_upload_end(struct qtm_hive_server *srv, struct MHD_Connection *c, struct hive_req *rq)
{
	struct hive_upload *up = rq->up;
	char got[QTM_SHA256_HEX], *msg;
	enum MHD_Result r;
	int rc;

	rq->replied = true;
	if (up->too_large)
		return qtm_hive_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, _("PUT /v1/artifact: larger than max_artifact_mib"));
	if (up->held)
		return qtm_hive_reply(c, MHD_HTTP_OK, "application/json", "{\"stored\":false}", 16);
	if (up->io_error) {
		msg = xasprintf(_("cannot write the artifact of build %s under %s: %s"), up->build_id, srv->artifacts_dir,
		    strerror(errno));
		r = qtm_hive_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
		free(msg);
		return r;
	}
	qtm_sha256_final(&up->hash, got);
	up->hashing = false;
	if (strcmp(got, up->want) != 0) {
		msg = xasprintf(_("artifact of build %s: the %" PRIu64 " bytes received have sha256 %s, not %s "
		    "(X-Qtm-Sha256): nothing was stored"), up->build_id, up->size, got, up->want);
		r = qtm_hive_reply_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, msg);
		free(msg);
		return r;
	}
	if ((rc = store(srv, up)) < 0)
		return qtm_hive_reply_ctx(c, srv->ctx, rc);
	return qtm_hive_reply(c, MHD_HTTP_CREATED, "application/json", "{\"stored\":true}", 15);
}

void
hive_upload_free(struct hive_upload *up)
{
	if (up == NULL)
		return;
	if (up->hashing)
		qtm_sha256_abort(&up->hash);
	if (up->fd >= 0)
		close(up->fd);
	if (up->tmp != NULL)
		unlink(up->tmp);
	free(up->tmp);
	free(up->runner);
	free(up);
}

enum MHD_Result
hive_artifact_get(struct qtm_hive_server *srv, struct MHD_Connection *c, const char *build_id)
{
	char sha[QTM_SHA256_HEX], *path, *msg;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct stat st;
	int fd;

	if (!may_use_artifacts(srv, c))
		return hive_unauthorized(c, "GET /v1/artifact");
	if (!qtm_sha256_valid(build_id) || qtm_hive_db_artifact(srv->ctx, srv->db, build_id, sha, NULL) < 0) {
		msg = xasprintf(_("the hive holds no artifact of build %s"), build_id);
		ret = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, msg);
		free(msg);
		return ret;
	}
	path = xasprintf("%s/%s.tar.zst", srv->artifacts_dir, build_id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		msg = xasprintf(_("the artifact of build %s is recorded but %s is missing: requeue its job"), build_id, path);
		if (fd >= 0)
			close(fd);
		free(path);
		ret = qtm_hive_reply_error(c, MHD_HTTP_NOT_FOUND, msg);
		free(msg);
		return ret;
	}
	free(path);
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/zstd");
	MHD_add_response_header(r, "X-Qtm-Sha256", sha);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
