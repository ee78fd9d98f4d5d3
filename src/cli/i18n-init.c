/* i18n-init.c - the locale and message catalogue, set up alike by every program. */
#include "config.h"

#include <locale.h>

#include "cli.h"
#include "i18n.h"

void
cli_i18n_init(void)
{
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
}
