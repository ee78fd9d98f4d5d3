/* archive-sym.c - libarchive's entry points, resolved on first use (archive-sym.h). */
#include "config.h"

#include <pthread.h>

#include "archive-sym.h"

QTM_ARCHIVE_SYMS(QTM_DL_DEFINE)

static const struct qtm_dl_sym archive_syms[] = { QTM_ARCHIVE_SYMS(QTM_DL_ENTRY) };

static struct qtm_dl_lib archive_lib = {
	.soname = QTM_ARCHIVE_SONAME,
	.syms = archive_syms,
	.n_syms = sizeof archive_syms / sizeof archive_syms[0],
};

static void
archive_load_once(void)
{
	qtm_dl_resolve(&archive_lib);
}

int
qtm_archive_load(struct qtm_ctx *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, archive_load_once);
	return qtm_dl_check(ctx, &archive_lib);
}
