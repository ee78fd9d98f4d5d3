/* hive-enroll.c - enrolling with a hive, and the runner's configuration file (hive-enroll.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctx.h"
#include "hive-client.h"
#include "hive-enroll.h"
#include "i18n.h"
#include "json.h"
#include "number.h"
#include "paths.h"
#include "readfile.h"
#include "xalloc.h"

/* ---- the enrollment call ------------------------------------------------------------------ */

int
qtm_hive_enroll_call(struct qtm_ctx *ctx, struct qtm_hive_client *c, const char *name, const char *executor,
    const char *token, struct qtm_hive_enrollment *out)
{
	char host[256] = "localhost";
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	const char *id, *secret;
	long long hb = 5, ttl = 30;
	int rc;

	memset(out, 0, sizeof *out);
	gethostname(host, sizeof host - 1);
	qtm_hive_capability_detect(&out->cap);
	cJSON_AddStringToObject(body, "name", name != NULL ? name : host);
	cJSON_AddStringToObject(body, "host", host);
	cJSON_AddStringToObject(body, "executor", executor != NULL ? executor : "fleet");
	cJSON_AddItemToObject(body, "capability", qtm_hive_capability_json(&out->cap));
	qtm_hive_client_set_token(c, token);
	rc = qtm_hive_call(ctx, c, "POST", "/v1/runners/enroll", body, &resp);
	cJSON_Delete(body);
	if (rc < 0)
		return rc;
	if ((rc = qtm_json_str(ctx, resp, "runner_id", true, _("enrollment"), &id)) == 0 &&
	    (rc = qtm_json_str(ctx, resp, "secret", true, _("enrollment"), &secret)) == 0 &&
	    (rc = qtm_json_int(ctx, resp, "heartbeat_s", false, _("enrollment"), 1, 3600, &hb)) == 0 &&
	    (rc = qtm_json_int(ctx, resp, "lease_ttl_s", false, _("enrollment"), 1, 86400, &ttl)) == 0) {
		out->runner_id = xstrdup(id);
		out->secret = xstrdup(secret);
		out->heartbeat_s = (int)hb;
		out->lease_ttl_s = (int)ttl;
	}
	cJSON_Delete(resp);
	return rc;
}

void
qtm_hive_enrollment_clear(struct qtm_hive_enrollment *e)
{
	free(e->runner_id);
	free(e->secret);
	memset(e, 0, sizeof *e);
}

/* ---- the configuration file --------------------------------------------------------------- */

static int
conf_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin, int line)
{
	struct qtm_hive_runner_conf *conf = arg;
	static const char *const keys[] = { "hive", "token", "name", "executor", "runner_id", "secret" };
	char **slots[] = { &conf->hive, &conf->token, &conf->name, &conf->executor, &conf->runner_id, &conf->secret };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i]) != 0)
			continue;
		if (value[0] == '\0')
			return qtm_error(ctx, -EINVAL, _("%s:%d: \"%s\" needs a value"), origin, line, key);
		free(*slots[i]);
		*slots[i] = xstrdup(value);
		return 0;
	}
	if (strcmp(key, "heartbeat_s") == 0 || strcmp(key, "lease_ttl_s") == 0) {
		int *slot = key[0] == 'h' ? &conf->heartbeat_s : &conf->lease_ttl_s;

		if (qtm_parse_int(value, 1, 86400, slot) < 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: \"%s\" needs seconds (1 to 86400), not \"%s\""), origin,
			    line, key, value);
		return 0;
	}
	return qtm_error(ctx, -EINVAL, _("%s:%d: unknown setting \"%s\""), origin, line, key);
}

int
qtm_hive_runner_conf_load(struct qtm_ctx *ctx, const char *path, struct qtm_hive_runner_conf *conf)
{
	char *text;
	int rc;

	memset(conf, 0, sizeof *conf);
	if ((rc = qtm_read_text_file(ctx, path, &text)) < 0)
		return qtm_error_prefix(ctx, _("runner configuration"));
	rc = qtm_kv_parse(ctx, text, path, conf_kv, conf);
	free(text);
	if (rc == 0 && (conf->hive == NULL || conf->token == NULL))
		rc = qtm_error(ctx, -EINVAL, _("%s: \"hive\" and \"token\" must be set (qtm-runner enroll writes them)"),
		    path);
	if (rc == 0 && (conf->runner_id == NULL) != (conf->secret == NULL))
		rc = qtm_error(ctx, -EINVAL, _("%s: \"runner_id\" and \"secret\" go together"), path);
	if (rc < 0)
		qtm_hive_runner_conf_clear(conf);
	return rc;
}

void
qtm_hive_runner_conf_clear(struct qtm_hive_runner_conf *conf)
{
	free(conf->hive);
	free(conf->token);
	free(conf->name);
	free(conf->executor);
	free(conf->runner_id);
	free(conf->secret);
	memset(conf, 0, sizeof *conf);
}

/* ---- qtm-runner enroll -------------------------------------------------------------------- */

/* A value written on one line: no line breaks, no surrounding blanks (the parser trims). */
static bool
one_line(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && strpbrk(v, "\r\n") == NULL && v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' &&
	    v[n - 1] != '\t';
}

/* The directory holding path: "." without a slash, "/" for a file at the root. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

static char *
conf_text(const char *url, const char *token, const char *executor, const struct qtm_hive_enrollment *e)
{
	return xasprintf("# Written by qtm-runner enroll (qtm-runner(1), CONFIGURATION).\n"
	    "hive = %s\ntoken = %s\nname = %s\nexecutor = %s\nrunner_id = %s\nsecret = %s\n"
	    "heartbeat_s = %d\nlease_ttl_s = %d\n",
	    url, token, e->runner_id, executor != NULL ? executor : "fleet", e->runner_id, e->secret,
	    e->heartbeat_s, e->lease_ttl_s);
}

/* Enrolls and fills fd (the temporary file); 0 or a negative code. */
static int
enroll_into(struct qtm_ctx *ctx, int fd, const char *url, const char *token, const char *name,
    const char *executor, char **runner_id)
{
	struct qtm_hive_client *c = NULL;
	struct qtm_hive_enrollment e;
	char *text;
	int rc;

	if ((rc = qtm_hive_client_new(ctx, url, NULL, &c)) < 0)
		return rc;
	rc = qtm_hive_enroll_call(ctx, c, name, executor, token, &e);
	qtm_hive_client_free(c);
	if (rc < 0)
		return rc == -EACCES ? qtm_error_prefix(ctx, _("the hive %s refused the enrollment token"), url) : rc;
	if (!one_line(e.runner_id) || !one_line(e.secret)) {
		qtm_hive_enrollment_clear(&e);
		return qtm_error(ctx, -EPROTO, _("the hive %s answered an enrollment that cannot be written"), url);
	}
	text = conf_text(url, token, executor, &e);
	if ((rc = qtm_write_all(fd, text, strlen(text))) < 0 || fsync(fd) < 0)
		rc = qtm_error(ctx, rc < 0 ? rc : -errno, _("cannot write the runner configuration: %s"),
		    strerror(rc < 0 ? -rc : errno));
	if (rc == 0 && runner_id != NULL)
		*runner_id = xstrdup(e.runner_id);
	free(text);
	qtm_hive_enrollment_clear(&e);
	return rc;
}

int
qtm_hive_runner_enroll(struct qtm_ctx *ctx, const char *url, const char *token_file, const char *name,
    const char *executor, const char *config_path, char **runner_id)
{
	char *token = NULL, *tmp, *dir;
	int fd, rc;

	if ((rc = qtm_hive_read_token(ctx, token_file, &token)) < 0)
		return rc;
	if (!one_line(token) || !one_line(url)) {
		free(token);
		return qtm_error(ctx, -EINVAL, _("the hive's URL and the token must each be one line"));
	}
	/* The temporary file first: an unwritable path fails before the hive records a runner. */
	tmp = xasprintf("%s.tmp.%ld", config_path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = qtm_error(ctx, -errno, _("cannot write the runner configuration %s: %s"), config_path,
		    strerror(errno));
		free(tmp);
		free(token);
		return rc;
	}
	rc = enroll_into(ctx, fd, url, token, name, executor, runner_id);
	close(fd);
	if (rc == 0 && rename(tmp, config_path) < 0)
		rc = qtm_error(ctx, -errno, _("cannot write the runner configuration %s: %s"), config_path,
		    strerror(errno));
	if (rc < 0) {
		unlink(tmp);
	} else {
		dir = dir_of(config_path);
		rc = qtm_fsync_dir(ctx, dir);
		free(dir);
	}
	free(tmp);
	free(token);
	return rc;
}
