/* lazy-lib.c - resolving an optional library's symbols at first use (see lazy-lib.h). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "ctx.h"
#include "lazy-lib.h"
#include "i18n.h"

void
qtm_dl_resolve(struct qtm_dl_lib *lib)
{
	/* RTLD_LOCAL: the library's symbols stay out of the global scope, where they could
	 * interpose on those of libraries loaded later. */
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	lib->err = 0;
	if (h == NULL) {
		snprintf(lib->why, sizeof lib->why, "%s", dlerror());
		lib->err = -ENOENT;
		return;
	}
	for (i = 0; i < lib->n_syms; i++) {
		void *p = dlsym(h, lib->syms[i].name);

		if (p == NULL) {
			snprintf(lib->why, sizeof lib->why, _("it has no symbol %s (too old a version?)"),
			    lib->syms[i].name);
			lib->err = -ENOSYS;
			break;
		}
		*lib->syms[i].slot = p;
	}
	if (lib->err == 0)
		return;
	for (i = 0; i < lib->n_syms; i++)
		*lib->syms[i].slot = NULL;
	dlclose(h);
}

int
qtm_dl_check(struct qtm_ctx *ctx, const struct qtm_dl_lib *lib)
{
	if (lib->err == 0)
		return 0;
	return qtm_error(ctx, lib->err, _("cannot load %s: %s"), lib->soname, lib->why);
}
