/* pin.c - pins.d/NAME.pin: which available versions of a package may be installed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "paths.h"
#include "readfile.h"
#include "pin.h"
#include "xalloc.h"

struct pin_parse {
	struct qtm_pin **v;
	size_t *n;
	size_t first;        /* the first pin of this file */
};

/* Fails for the pin just finished when it sets neither version nor source. */
static int
pin_check(struct qtm_ctx *ctx, const struct qtm_pin *pin)
{
	if (pin->version == NULL && pin->source == NULL)
		return qtm_error(ctx, -EINVAL, _("%s:%d: the pin of %s sets neither \"version\" nor \"source\""),
		    pin->origin, pin->line, pin->name);
	return 0;
}

static int
pin_start(struct qtm_ctx *ctx, struct pin_parse *pp, const char *name, const char *origin, int line)
{
	struct qtm_pin *pin;
	int rc;

	if (*pp->n > pp->first && (rc = pin_check(ctx, &(*pp->v)[*pp->n - 1])) < 0)
		return rc;
	if (!qtm_name_valid(name))
		return qtm_error(ctx, -EINVAL, _("%s:%d: invalid package name \"%s\""), origin, line, name);
	for (size_t i = 0; i < *pp->n; i++)
		if (strcmp((*pp->v)[i].name, name) == 0)
			return qtm_error(ctx, -EINVAL, _("%s:%d: %s is already pinned at %s:%d"), origin, line, name,
			    (*pp->v)[i].origin, (*pp->v)[i].line);
	*pp->v = xreallocarray(*pp->v, *pp->n + 1, sizeof **pp->v);
	pin = &(*pp->v)[(*pp->n)++];
	memset(pin, 0, sizeof *pin);
	pin->name = xstrdup(name);
	pin->origin = xstrdup(origin);
	pin->line = line;
	return 0;
}

static int
pin_kv(struct qtm_ctx *ctx, void *arg, const char *key, const char *value, const char *origin, int line)
{
	struct pin_parse *pp = arg;
	struct qtm_pin *pin = *pp->n > pp->first ? &(*pp->v)[*pp->n - 1] : NULL;

	if (strcmp(key, "package") == 0)
		return pin_start(ctx, pp, value, origin, line);
	if (strcmp(key, "version") != 0 && strcmp(key, "source") != 0)
		return qtm_error(ctx, -EINVAL, _("%s:%d: unknown key \"%s\""), origin, line, key);
	if (pin == NULL)
		return qtm_error(ctx, -EINVAL, _("%s:%d: \"%s\" before any \"package = NAME\" line"), origin, line, key);
	if (strcmp(key, "version") == 0) {
		if (*value == '\0' || strpbrk(value, " \t") != NULL)
			return qtm_error(ctx, -EINVAL, _("%s:%d: invalid version pattern \"%s\""), origin, line, value);
		free(pin->version);
		pin->version = xstrdup(value);
	} else {
		if (!qtm_name_valid(value))
			return qtm_error(ctx, -EINVAL, _("%s:%d: invalid source name \"%s\""), origin, line, value);
		free(pin->source);
		pin->source = xstrdup(value);
	}
	return 0;
}

int
qtm_pins_parse(struct qtm_ctx *ctx, const char *text, const char *origin, struct qtm_pin **v, size_t *n)
{
	struct pin_parse pp = { v, n, *n };
	int rc = qtm_kv_parse(ctx, text, origin, pin_kv, &pp);

	if (rc == 0 && *n > pp.first)
		rc = pin_check(ctx, &(*v)[*n - 1]);
	return rc;
}

static int
is_pin_file(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 4 && strcmp(de->d_name + len - 4, ".pin") == 0;
}

int
qtm_pins_load(struct qtm_ctx *ctx, struct qtm_pin **out, size_t *n)
{
	char *dir = qtm_conf_path(ctx, "pins.d");
	struct dirent **names = NULL;
	int count = scandir(dir, &names, is_pin_file, alphasort), rc = 0;

	*out = NULL;
	*n = 0;
	for (int i = 0; i < count; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name), *text;

		if (rc == 0 && (rc = qtm_read_text_file(ctx, path, &text)) == 0) {
			rc = qtm_pins_parse(ctx, text, path, out, n);
			free(text);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (count < 0 && errno != ENOENT)
		rc = qtm_error(ctx, -errno, _("cannot read %s: %s"), dir, strerror(errno));
	free(dir);
	if (rc < 0) {
		qtm_pins_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void
qtm_pins_free(struct qtm_pin *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].version);
		free(v[i].source);
		free(v[i].origin);
	}
	free(v);
}

bool
qtm_pin_allows(const struct qtm_pin *pin, const char *version, const char *source)
{
	if (pin->version != NULL && fnmatch(pin->version, version, 0) != 0)
		return false;
	return pin->source == NULL || strcmp(pin->source, source) == 0;
}

char *
qtm_pin_describe(const struct qtm_pin *pin)
{
	if (pin->version != NULL && pin->source != NULL)
		return xasprintf(_("version %s, source %s"), pin->version, pin->source);
	if (pin->version != NULL)
		return xasprintf(_("version %s"), pin->version);
	return xasprintf(_("source %s"), pin->source);
}
