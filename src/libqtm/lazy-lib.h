/* lazy-lib.h - optional heavy libraries loaded with dlopen() on first use, so that commands that never
 * download (libcurl) or unpack (libarchive) do not map them and their dependencies at start.
 *
 * A library is described by a static struct qtm_dl_lib naming its soname and the symbols to
 * resolve into function pointers (the caller's own globals, named sym_<symbol>).  Nothing here is
 * ever unloaded: the handle and the pointers live until the process ends.  Declare the pointers
 * with QTM_DL_DECLARE in a header and define them with QTM_DL_DEFINE in one .c file. */
#ifndef QTM_LAZY_LIB_H
#define QTM_LAZY_LIB_H

#include <stddef.h>

struct qtm_ctx;

struct qtm_dl_sym {
	const char *name;
	void **slot;             /* where the resolved address goes: &sym_<name>, cast */
};

struct qtm_dl_lib {
	const char *soname;              /* e.g. "libcurl.so.4" */
	const struct qtm_dl_sym *syms;
	size_t n_syms;
	/* Filled by qtm_dl_resolve(): 0, or a negative code with the reason in why. */
	int err;
	char why[256];
};

#define QTM_DL_DECLARE(name) extern __typeof__(name) *sym_##name;
#define QTM_DL_DEFINE(name) __typeof__(name) *sym_##name;
#define QTM_DL_ENTRY(name) { #name, (void **)&sym_##name },

/* Opens lib->soname and resolves every symbol, or none: on failure every slot is NULL again and
 * lib->err / lib->why say why.  Not thread-safe: call it under pthread_once(). */
void qtm_dl_resolve(struct qtm_dl_lib *lib);

/* 0 when lib loaded; else sets the error on ctx ("cannot load SONAME: why") and returns it. */
int qtm_dl_check(struct qtm_ctx *ctx, const struct qtm_dl_lib *lib);

#endif
