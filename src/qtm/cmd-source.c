/* cmd-source.c - qtm source add NAME URL [--key FILE]... [--mirror URL]... [--threshold K]
 * [--insecure] | list | remove NAME */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "i18n.h"
#include "number.h"
#include "source.h"
#include "trust.h"
#include "xalloc.h"

static int cmd_source_exec(struct qtm_ctx *, const struct cli_args *);

const struct qtm_cmd_entry cmd_source_entry = { &qtm_verb_source, cmd_source_exec };

static int
source_list(struct qtm_ctx *ctx)
{
	struct qtm_source *v;
	size_t n;
	int rc = qtm_sources_list(ctx, &v, &n);
	cJSON *json;

	if (rc < 0)
		return rc;
	json = cJSON_CreateArray();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *mirrors = cJSON_CreateArray(), *keys = cJSON_CreateArray();
		char **ids = NULL;

		rc = qtm_trust_key_list(ctx, v[i].name, &ids);
		for (size_t j = 0; v[i].mirrors[j] != NULL; j++)
			cJSON_AddItemToArray(mirrors, cJSON_CreateString(v[i].mirrors[j]));
		for (size_t j = 0; ids != NULL && ids[j] != NULL; j++)
			cJSON_AddItemToArray(keys, cJSON_CreateString(ids[j]));
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "url", v[i].url);
		cJSON_AddItemToObject(o, "mirrors", mirrors);
		cJSON_AddItemToObject(o, "keys", keys);
		cJSON_AddNumberToObject(o, "threshold", v[i].threshold);
		cJSON_AddNumberToObject(o, "priority", v[i].priority);
		cJSON_AddBoolToObject(o, "insecure", v[i].insecure);
		cJSON_AddBoolToObject(o, "bundled", v[i].bundled);
		cJSON_AddItemToArray(json, o);
		if (!ctx->json) {
			printf("%-16s %s%s%s\n", v[i].name, v[i].url, v[i].bundled ? _("  (bundled default)") : "",
			    v[i].insecure ? _("  (INSECURE: signatures not checked)") : "");
			printf("%-16s   %s %d\n", "", _("priority"), v[i].priority);
			for (size_t j = 0; v[i].mirrors[j] != NULL; j++)
				printf("%-16s   %s %s\n", "", _("mirror"), v[i].mirrors[j]);
			printf("%-16s   %s %d/%zu:", "", _("signatures needed"), v[i].threshold, strv_len(ids));
			for (size_t j = 0; ids != NULL && ids[j] != NULL; j++)
				printf(" %s", ids[j]);
			printf("\n");
		}
		strv_free(ids);
	}
	if (rc == 0 && ctx->json)
		cmd_print_json(json);
	else
		cJSON_Delete(json);
	qtm_sources_free(v, n);
	return rc;
}

static int
source_add(struct qtm_ctx *ctx, const struct cli_args *a)
{
	struct qtm_source_opts so = { 0 };
	char **keys = xcalloc(1, sizeof *keys), **mirrors = xcalloc(1, sizeof *mirrors);
	char id[QTM_KEYID_LEN], **argv = a->argv + 1;   /* argv[0]: "add" */
	int argc = a->argc - 1, first = 1, rc = 0;

	for (size_t i = 0; rc == 0 && i < a->noptions; i++) {
		int c = a->options[i].opt->id;
		const char *arg = a->options[i].arg;

		if (c == 'k')
			keys = strv_push(keys, arg);
		else if (c == 'm')
			mirrors = strv_push(mirrors, arg);
		else if (c == 't' && qtm_parse_int(arg, 1, 64, &so.threshold) < 0)
			rc = qtm_error(ctx, -EINVAL, _("--threshold must be an integer from 1 to 64"));
		else if (c == 'i')
			so.insecure = true;
		else if (c == 'p' && qtm_parse_int(arg, 1, 10000, &so.priority) < 0)
			rc = qtm_error(ctx, -EINVAL, _("--priority must be an integer from 1 to 10000"));
	}
	if (rc == 0 && argc - first != 2)
		rc = cmd_usage(&cmd_source_entry, _("add takes a NAME and a URL"));
	so.mirrors = mirrors;
	if (rc == 0 && (so.threshold < 0 || so.threshold > 64))
		rc = qtm_error(ctx, -EINVAL, _("--threshold must be an integer from 1 to 64"));
	if (rc == 0 && (so.priority < 0 || so.priority > 10000))
		rc = qtm_error(ctx, -EINVAL, _("--priority must be an integer from 1 to 10000"));
	if (rc == 0 && so.threshold > 1 && strv_len(keys) < (size_t)so.threshold)
		rc = qtm_error(ctx, -EINVAL, _("a threshold of %d needs at least %d keys"), so.threshold, so.threshold);
	/* The source first: keys are trusted only for a source that now exists. */
	if (rc == 0 && (rc = qtm_source_add(ctx, argv[first], argv[first + 1], &so)) == 0)
		qtm_info(ctx, _("Added source %s; run qtm update to fetch it."), argv[first]);
	for (size_t i = 0; rc == 0 && keys[i] != NULL; i++)
		if ((rc = qtm_trust_key_add(ctx, argv[first], keys[i], id)) == 0)
			qtm_info(ctx, _("Trusting key %s for source %s"), id, argv[first]);
	if (rc < 0 && rc != QTM_CMD_USAGE && argc - first == 2) {
		char msg[sizeof ctx->errmsg];

		memcpy(msg, ctx->errmsg, sizeof msg);
		qtm_source_remove(ctx, argv[first]);   /* no half-added source */
		qtm_error(ctx, rc, "%s", msg);
	}
	if (rc == 0 && keys[0] == NULL && !so.insecure)
		qtm_warn(ctx, _("source %s has no trusted key yet: add the repository's public key with "
		    "qtm key add %s FILE before qtm update"), argv[first], argv[first]);
	strv_free(keys);
	strv_free(mirrors);
	return rc;
}

static int
cmd_source_exec(struct qtm_ctx *ctx, const struct cli_args *a)
{
	int argc = a->argc;
	char **argv = a->argv;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return source_add(ctx, a);
	if (a->noptions > 0)
		return cmd_usage(&cmd_source_entry, _("only source add takes options"));
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return source_list(ctx);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return qtm_source_remove(ctx, argv[2]);
	return cmd_usage(&cmd_source_entry, _("expected add NAME URL, list, or remove NAME"));
}
