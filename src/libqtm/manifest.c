/* manifest.c - parsing and validating module.json (format 1) and requirement strings. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "i18n.h"
#include "json.h"
#include "manifest.h"
#include "metric-calc.h"
#include "xalloc.h"

bool
qtm_name_valid(const char *name)
{
	if (!islower((unsigned char)name[0]) && !isdigit((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && strchr("+-._", *p) == NULL)
			return false;
	return strlen(name) <= 128;
}

/* Whether a revision sorts after no revision at all, as dpkg compares them.  The pool orders a
 * version without one before every version with one, so a revision that dpkg puts at or before
 * none (empty, only zeros, or zeros then ~) would be ordered differently and is refused. */
static bool
revision_valid(const char *rev)
{
	rev += strspn(rev, "0");
	return *rev != '\0' && *rev != '~';
}

/* [EPOCH:]UPSTREAM[-REVISION] as Debian writes it, without the colons Debian allows in UPSTREAM
 * after an epoch: one colon at most keeps a version plain in pool file names and URLs. */
bool
qtm_version_valid(const char *version)
{
	const char *upstream = version, *dash;

	while (isdigit((unsigned char)*upstream))
		upstream++;
	upstream = *upstream == ':' && upstream > version ? upstream + 1 : version;
	if (!isdigit((unsigned char)upstream[0]))
		return false;
	for (const char *p = upstream; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".+~-", *p) == NULL)
			return false;
	if ((dash = strrchr(upstream, '-')) != NULL && !revision_valid(dash + 1))
		return false;
	return strlen(version) <= 64;
}

static const struct {
	const char *text;
	enum qtm_dep_op op;
} dep_ops[] = {   /* longest first, so ">=" is not read as ">" */
	{ ">=", QTM_DEP_GE }, { "<=", QTM_DEP_LE }, { "==", QTM_DEP_EQ },
	{ ">", QTM_DEP_GT }, { "<", QTM_DEP_LT }, { "=", QTM_DEP_EQ },
};

const char *
qtm_dep_op_str(enum qtm_dep_op op)
{
	static const char *const names[] = { "", "<", "<=", "=", ">=", ">" };

	return names[op];
}

/* A capability name: a package name, or runtime(NAME). */
static bool
cap_name_valid(const char *name)
{
	size_t n = strlen(name);
	char inner[160];

	if (strncmp(name, "runtime(", 8) != 0)
		return qtm_name_valid(name);
	if (n < 10 || n - 9 >= sizeof inner || name[n - 1] != ')')
		return false;
	memcpy(inner, name + 8, n - 9);
	inner[n - 9] = '\0';
	return qtm_name_valid(inner);
}

int
qtm_dep_parse(struct qtm_ctx *ctx, const char *text, struct qtm_dep *dep)
{
	size_t name_len = strcspn(text, " <>=");
	const char *rest = text + name_len;

	memset(dep, 0, sizeof *dep);
	dep->name = xstrndup(text, name_len);
	while (*rest == ' ')
		rest++;
	if (*rest != '\0') {
		size_t i;

		for (i = 0; i < sizeof dep_ops / sizeof dep_ops[0]; i++)
			if (strncmp(rest, dep_ops[i].text, strlen(dep_ops[i].text)) == 0)
				break;
		if (i == sizeof dep_ops / sizeof dep_ops[0])
			goto bad;
		dep->op = dep_ops[i].op;
		rest += strlen(dep_ops[i].text);
		while (*rest == ' ')
			rest++;
		dep->version = xstrdup(rest);
		if (!qtm_version_valid(dep->version))
			goto bad;
	}
	if (cap_name_valid(dep->name))
		return 0;
bad:
	qtm_dep_clear(dep);
	return qtm_error(ctx, -EINVAL,
	    _("invalid requirement \"%s\": expected NAME, or NAME followed by one of < <= = >= > and a version"),
	    text);
}

void
qtm_dep_clear(struct qtm_dep *dep)
{
	free(dep->name);
	free(dep->version);
	memset(dep, 0, sizeof *dep);
}

static int
check_deps(struct qtm_ctx *ctx, char **deps, const char *origin, const char *field)
{
	struct qtm_dep dep;

	for (size_t i = 0; deps[i] != NULL; i++) {
		if (qtm_dep_parse(ctx, deps[i], &dep) < 0)
			return qtm_error_prefix(ctx, _("%s: field \"%s\""), origin, field);
		qtm_dep_clear(&dep);
	}
	return 0;
}

static int
parse_hash_size(struct qtm_ctx *ctx, const cJSON *obj, bool required, const char *origin,
    const char *what, char sha256[QTM_SHA256_HEX], uint64_t *size)
{
	const char *hex = NULL;
	long long n = -1;
	char sub[640];
	int rc;

	snprintf(sub, sizeof sub, "%s: %s", origin, what);
	if ((rc = qtm_json_str(ctx, obj, "sha256", required, sub, &hex)) < 0 ||
	    (rc = qtm_json_int(ctx, obj, "size", required, sub, 0, (1LL << 53), &n)) < 0)
		return rc;
	if (hex != NULL && !qtm_sha256_valid(hex))
		return qtm_error(ctx, -EINVAL, _("%s: %s: field \"sha256\": expected 64 lowercase hex digits"),
		    origin, what);
	snprintf(sha256, QTM_SHA256_HEX, "%s", hex != NULL ? hex : "");
	*size = n < 0 ? 0 : (uint64_t)n;
	return 0;
}

static int
parse_files(struct qtm_ctx *ctx, struct qtm_manifest *m, const char *origin, bool from_index)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(m->json, "files"), *it;
	size_t i = 0;
	int rc;

	if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0)
		return qtm_error(ctx, -EINVAL, _("%s: field \"files\": a dataset needs a non-empty array of files"),
		    origin);
	m->n_files = (size_t)cJSON_GetArraySize(files);
	m->files = xcalloc(m->n_files, sizeof *m->files);
	cJSON_ArrayForEach(it, files) {
		struct qtm_dataset_file *f = &m->files[i++];
		char what[64], sub[640];

		snprintf(what, sizeof what, "files[%zu]", i - 1);
		snprintf(sub, sizeof sub, "%s: %s", origin, what);
		if (!cJSON_IsObject(it))
			return qtm_error(ctx, -EINVAL, _("%s: expected an object"), sub);
		if ((rc = qtm_json_str(ctx, it, "name", true, sub, &f->name)) < 0 ||
		    (rc = qtm_json_str(ctx, it, "url", from_index, sub, &f->url)) < 0)
			return rc;
		if (strchr(f->name, '/') != NULL || f->name[0] == '.' || f->name[0] == '\0')
			return qtm_error(ctx, -EINVAL, _("%s: %s: field \"name\": \"%s\" must be a plain file name"),
			    origin, what, f->name);
		if ((rc = parse_hash_size(ctx, it, from_index, origin, what, f->sha256, &f->size)) < 0)
			return rc;
	}
	return 0;
}

static int
parse_resources(struct qtm_ctx *ctx, struct qtm_manifest *m, const char *origin)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(m->json, "resources");
	struct qtm_resources *r = &m->resources;
	long long cpus = 1, mem = 2048, vram = 0, limit = 3600, world = 1, max_world = 0;
	char sub[640];
	int rc;

	snprintf(sub, sizeof sub, "%s: resources", origin);
	r->gpu = "none";
	if (res != NULL && !cJSON_IsObject(res))
		return qtm_error(ctx, -EINVAL, _("%s: field \"resources\": expected an object"), origin);
	if (res != NULL &&
	    ((rc = qtm_json_int(ctx, res, "cpus", false, sub, 1, 1024, &cpus)) < 0 ||
	     (rc = qtm_json_int(ctx, res, "memory_mb", false, sub, 16, 1 << 24, &mem)) < 0 ||
	     (rc = qtm_json_int(ctx, res, "min_vram_gib", false, sub, 0, 4096, &vram)) < 0 ||
	     (rc = qtm_json_int(ctx, res, "time_limit_s", false, sub, 1, 7 * 86400, &limit)) < 0 ||
	     (rc = qtm_json_int(ctx, res, "world_size", false, sub, 1, 4096, &world)) < 0 ||
	     (rc = qtm_json_int(ctx, res, "max_world_size", false, sub, 1, 4096, &max_world)) < 0 ||
	     (rc = qtm_json_str(ctx, res, "gpu", false, sub, &r->gpu)) < 0))
		return rc;
	if (max_world == 0)
		max_world = world;
	if (max_world < world)
		return qtm_error(ctx, -EINVAL, _("%s: field \"resources.max_world_size\": %lld is below world_size %lld"),
		    origin, max_world, world);
	if (strcmp(r->gpu, "none") != 0 && strcmp(r->gpu, "prefer") != 0 && strcmp(r->gpu, "require") != 0)
		return qtm_error(ctx, -EINVAL, _("%s: field \"resources.gpu\": \"%s\" is not one of none, prefer, require"),
		    origin, r->gpu);
	r->cpus = (int)cpus;
	r->memory_mb = (long)mem;
	r->min_vram_gib = (int)vram;
	r->time_limit_s = (int)limit;
	r->world_size = (int)world;
	r->max_world_size = (int)max_world;
	return 0;
}

bool
qtm_manifest_declares_output(const struct qtm_manifest *m, const char *path)
{
	for (size_t i = 0; m->outputs != NULL && m->outputs[i] != NULL; i++)
		if (strcmp(m->outputs[i], path) == 0)
			return true;
	return false;
}

static int
decl_field(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *origin, const char *field,
    const char *why)
{
	return qtm_error(ctx, -EINVAL, _("%s: module %s: field \"%s\": %s"), origin, m->name, field, why);
}

/* The declared metrics (qtm-module(5), METRICS): a headline naming a declared metric, each
 * metric's direction, a known formula, metrics.json among the outputs. */
static int
parse_metrics(struct qtm_ctx *ctx, const struct qtm_manifest *m, const char *origin)
{
	const cJSON *raw = cJSON_GetObjectItemCaseSensitive(m->json, "metrics"), *d, *it, *head;
	char field[320];

	if (raw == NULL)
		return 0;
	if (!cJSON_IsObject(d = raw))
		return decl_field(ctx, m, origin, "metrics", _("expected an object"));
	if (!qtm_manifest_declares_output(m, "metrics.json"))
		return decl_field(ctx, m, origin, "metrics", _("a module that declares its metrics must list metrics.json in its outputs"));
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "declared")) ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "declared")) == 0)
		return decl_field(ctx, m, origin, "metrics.declared", _("expected an object naming at least one metric"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(d, "declared")) {
		const cJSON *hib = cJSON_GetObjectItemCaseSensitive(it, "higher_is_better");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "formula");

		snprintf(field, sizeof field, "metrics.declared.%s.higher_is_better", it->string);
		if (!cJSON_IsBool(hib))
			return decl_field(ctx, m, origin, field, _("missing or not true/false: every metric needs its direction"));
		snprintf(field, sizeof field, "metrics.declared.%s.formula", it->string);
		if (f != NULL && (!cJSON_IsString(f) || qtm_metric_formula_parse(f->valuestring) == QTM_METRIC_NONE))
			return decl_field(ctx, m, origin, field, _("not one of accuracy, macro_f1, iou, abs_rel, rmse, mae, chamfer"));
	}
	head = cJSON_GetObjectItemCaseSensitive(d, "headline");
	if (!cJSON_IsString(head) ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "declared"), head->valuestring)))
		return decl_field(ctx, m, origin, "metrics.headline", _("names no metric of metrics.declared"));
	return 0;
}

static int
parse_model(struct qtm_ctx *ctx, struct qtm_manifest *m, const char *origin, bool from_index)
{
	const cJSON *train = cJSON_GetObjectItemCaseSensitive(m->json, "train");
	const cJSON *predict = cJSON_GetObjectItemCaseSensitive(m->json, "predict");
	const cJSON *source;
	char sub[640];
	int rc;

	if (!cJSON_IsObject(train))
		return qtm_error(ctx, -EINVAL, _("%s: field \"train\": a model needs an object with a command"), origin);
	snprintf(sub, sizeof sub, "%s: train", origin);
	if ((rc = qtm_json_strv(ctx, train, "command", true, sub, &m->train_command)) < 0)
		return rc;
	if (m->train_command[0] == NULL)
		return qtm_error(ctx, -EINVAL, _("%s: field \"train.command\": must not be empty"), origin);
	m->params = cJSON_GetObjectItemCaseSensitive(train, "params");
	if (m->params != NULL && !cJSON_IsObject(m->params))
		return qtm_error(ctx, -EINVAL, _("%s: field \"train.params\": expected an object"), origin);
	snprintf(sub, sizeof sub, "%s: predict", origin);
	if (predict != NULL && (rc = qtm_json_strv(ctx, predict, "command", false, sub, &m->predict_command)) < 0)
		return rc;
	if ((rc = qtm_json_strv(ctx, m->json, "outputs", true, origin, &m->outputs)) < 0)
		return rc;
	for (size_t i = 0; m->outputs[i] != NULL; i++)
		if (m->outputs[i][0] == '/' || strstr(m->outputs[i], "..") != NULL || m->outputs[i][0] == '\0')
			return qtm_error(ctx, -EINVAL, _("%s: field \"outputs\": \"%s\" must be a relative path inside the output"),
			    origin, m->outputs[i]);
	if ((rc = parse_resources(ctx, m, origin)) < 0 || (rc = parse_metrics(ctx, m, origin)) < 0)
		return rc;
	source = cJSON_GetObjectItemCaseSensitive(m->json, "source");
	if (source == NULL && !from_index)
		return 0;
	if (!cJSON_IsObject(source))
		return qtm_error(ctx, -EINVAL, _("%s: package %s: field \"source\": missing or not an object"),
		    origin, m->name);
	m->has_source = true;
	snprintf(sub, sizeof sub, "%s: source", origin);
	if ((rc = qtm_json_str(ctx, source, "path", true, sub, &m->source.path)) < 0)
		return rc;
	return parse_hash_size(ctx, source, true, origin, "source", m->source.sha256, &m->source.size);
}

static int
parse_common(struct qtm_ctx *ctx, struct qtm_manifest *m, const char *origin)
{
	long long format = 0, minutes = 0;
	int rc;

	if ((rc = qtm_json_int(ctx, m->json, "format", true, origin, 1, 1, &format)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "name", true, origin, &m->name)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "version", true, origin, &m->version)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "kind", true, origin, &m->kind)) < 0)
		return rc;
	if (!qtm_name_valid(m->name))
		return qtm_error(ctx, -EINVAL, _("%s: field \"name\": \"%s\" is not a valid name (lowercase letters, digits, + - . _)"),
		    origin, m->name);
	if (!qtm_version_valid(m->version))
		return qtm_error(ctx, -EINVAL, _("%s: field \"version\": \"%s\" is not a valid version "
		    "([EPOCH:]VERSION: an optional number and a colon, then a digit followed by letters, digits "
		    "and . + ~ -, at most 64 characters; a revision after the last - is not empty, only zeros, or "
		    "zeros and ~)"), origin, m->version);
	if (strcmp(m->kind, "model") != 0 && strcmp(m->kind, "dataset") != 0)
		return qtm_error(ctx, -EINVAL, _("%s: field \"kind\": \"%s\" is not one of model, dataset"), origin, m->kind);
	m->is_dataset = strcmp(m->kind, "dataset") == 0;
	m->summary = m->description = m->license = "";
	m->priority = "medium";
	if ((rc = qtm_json_str(ctx, m->json, "summary", true, origin, &m->summary)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "description", false, origin, &m->description)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "license", true, origin, &m->license)) < 0 ||
	    (rc = qtm_json_str(ctx, m->json, "priority", false, origin, &m->priority)) < 0 ||
	    (rc = qtm_json_int(ctx, m->json, "estimated_minutes", false, origin, 0, 1000000, &minutes)) < 0)
		return rc;
	m->estimated_minutes = (int)minutes;
	if (strcmp(m->priority, "high") != 0 && strcmp(m->priority, "medium") != 0 && strcmp(m->priority, "low") != 0)
		return qtm_error(ctx, -EINVAL, _("%s: field \"priority\": \"%s\" is not one of high, medium, low"),
		    origin, m->priority);
	if ((rc = qtm_json_strv(ctx, m->json, "requires", false, origin, &m->requires)) < 0 ||
	    (rc = qtm_json_strv(ctx, m->json, "provides", false, origin, &m->provides)) < 0 ||
	    (rc = qtm_json_strv(ctx, m->json, "conflicts", false, origin, &m->conflicts)) < 0 ||
	    (rc = qtm_json_strv(ctx, m->json, "replaces", false, origin, &m->replaces)) < 0)
		return rc;
	if ((rc = check_deps(ctx, m->requires, origin, "requires")) < 0 ||
	    (rc = check_deps(ctx, m->provides, origin, "provides")) < 0 ||
	    (rc = check_deps(ctx, m->conflicts, origin, "conflicts")) < 0 ||
	    (rc = check_deps(ctx, m->replaces, origin, "replaces")) < 0)
		return rc;
	for (size_t i = 0; m->replaces[i] != NULL; i++)
		if (strncmp(m->replaces[i], m->name, strlen(m->name)) == 0 && strchr(" <>=", m->replaces[i][strlen(m->name)]) != NULL)
			return qtm_error(ctx, -EINVAL, _("%s: field \"replaces\": \"%s\" is the package itself (list the names it takes the place of)"),
			    origin, m->replaces[i]);
	return 0;
}

int
qtm_manifest_from_json(struct qtm_ctx *ctx, const cJSON *obj, const char *origin,
    bool from_index, struct qtm_manifest **out)
{
	struct qtm_manifest *m;
	int rc;

	if (!cJSON_IsObject(obj))
		return qtm_error(ctx, -EINVAL, _("%s: expected a JSON object"), origin);
	m = xcalloc(1, sizeof *m);
	m->json = cJSON_Duplicate(obj, true);
	if (m->json == NULL) {
		free(m);
		return qtm_error(ctx, -ENOMEM, _("%s: out of memory"), origin);
	}
	rc = parse_common(ctx, m, origin);
	if (rc == 0)
		rc = m->is_dataset ? parse_files(ctx, m, origin, from_index)
		    : parse_model(ctx, m, origin, from_index);
	if (rc < 0) {
		qtm_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int
qtm_manifest_load(struct qtm_ctx *ctx, const char *path, struct qtm_manifest **out)
{
	cJSON *json;
	const char *bad;
	int rc = qtm_json_load(ctx, path, &json);

	if (rc < 0)
		return rc;
	/* What a repository publishes is printed by every client: no control characters in it
	 * (clients escape them anyway, for indexes from elsewhere). */
	if ((bad = qtm_json_unclean_field(json)) != NULL)
		rc = qtm_error(ctx, -EINVAL, _("%s: field \"%s\" holds a control character"), path, bad);
	else
		rc = qtm_manifest_from_json(ctx, json, path, false, out);
	cJSON_Delete(json);
	return rc;
}

void
qtm_manifest_free(struct qtm_manifest *m)
{
	if (m == NULL)
		return;
	strv_free(m->requires);
	strv_free(m->provides);
	strv_free(m->conflicts);
	strv_free(m->replaces);
	strv_free(m->train_command);
	strv_free(m->predict_command);
	strv_free(m->outputs);
	free(m->files);
	cJSON_Delete(m->json);
	free(m);
}
