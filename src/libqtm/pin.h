/* pin.h - pins: conf_dir/pins.d/NAME.pin restrict which available versions of a package may be
 * installed, before anything is installed (like apt_preferences(5) with a priority over 1000).
 * A file holds any number of pins, "key = value" lines (see qtm.conf(5)):
 *   package = NAME       starts a pin of the package NAME (one pin per name in all files)
 *   version = PATTERN    only versions matching this shell glob (fnmatch(3)), e.g. 1.2.*
 *   source = SOURCE      only versions from this source
 * A pin needs version, source or both.  Installed versions are never excluded; `qtm install`,
 * `qtm upgrade` and what they pull in as requirements choose among the versions the pin allows.
 *
 * Arrays returned are owned by the caller (qtm_pins_free()); a pool given pins with
 * qtm_pool_set_pins() (pool.h) owns them from then on. */
#ifndef QTM_PIN_H
#define QTM_PIN_H

#include <stdbool.h>
#include <stddef.h>

struct qtm_ctx;

struct qtm_pin {
	char *name;          /* the package pinned */
	char *version;       /* glob, or NULL: any version */
	char *source;        /* source name, or NULL: any source */
	char *origin;        /* the file */
	int line;            /* of its "package = " line */
};

/* Reads every conf_dir/pins.d/NAME.pin (in name order); a missing directory means no pins.
 * Errors name the file and the line. */
int qtm_pins_load(struct qtm_ctx *ctx, struct qtm_pin **out, size_t *n);
/* Parses one file's text (origin names it in errors), appending to *v / *n. */
int qtm_pins_parse(struct qtm_ctx *ctx, const char *text, const char *origin, struct qtm_pin **v, size_t *n);
void qtm_pins_free(struct qtm_pin *v, size_t n);
/* Whether pin lets version from source be installed. */
bool qtm_pin_allows(const struct qtm_pin *pin, const char *version, const char *source);
/* "version 1.2.*, source lab" (translated): owned by the caller. */
char *qtm_pin_describe(const struct qtm_pin *pin);

#endif
