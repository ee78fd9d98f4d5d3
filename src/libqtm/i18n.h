/* i18n.h - gettext wiring: every user-facing string is wrapped in _() or N_(). */
#ifndef QTM_I18N_H
#define QTM_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#ifdef LOCALEDIR
#include <stdlib.h>

/* Where the catalogues are: QTM_LOCALEDIR overrides the configured LOCALEDIR so that the tests
 * can use the build tree's catalogues without installing them.  Returns a static string or the
 * environment's, never to be freed. */
static inline const char *qtm_localedir(void)
{
	const char *d = getenv("QTM_LOCALEDIR");

	return d != NULL && d[0] != '\0' ? d : LOCALEDIR;
}
#endif

#endif
