/* i18n.h - gettext wiring: every user-facing string is wrapped in _() or N_(). */
#ifndef QTM_I18N_H
#define QTM_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
