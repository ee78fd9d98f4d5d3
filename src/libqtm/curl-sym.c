/* curl-sym.c - libcurl's entry points, resolved on first use (curl-sym.h).  libcurl and the 32
 * libraries Debian's build pulls in (GnuTLS, Kerberos, LDAP, ...) cost about 11 ms of start-up
 * to every process that maps them; most qtm commands never download anything. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "curl-sym.h"
#include "i18n.h"

QTM_CURL_SYMS(QTM_DL_DEFINE)

static const struct qtm_dl_sym curl_syms[] = { QTM_CURL_SYMS(QTM_DL_ENTRY) };

static struct qtm_dl_lib curl_lib = {
	.soname = QTM_CURL_SONAME,
	.syms = curl_syms,
	.n_syms = sizeof curl_syms / sizeof curl_syms[0],
};

static bool curl_initialised;

static void
curl_load_once(void)
{
	qtm_dl_resolve(&curl_lib);
	if (curl_lib.err != 0)
		return;
	if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(curl_lib.why, sizeof curl_lib.why, _("curl_global_init() failed"));
		curl_lib.err = -ENOMEM;
		return;
	}
	curl_initialised = true;
}

int
qtm_curl_load(struct qtm_ctx *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, curl_load_once);
	return qtm_dl_check(ctx, &curl_lib);
}

void
qtm_curl_cleanup(void)
{
	if (curl_initialised)
		sym_curl_global_cleanup();
	curl_initialised = false;
}
