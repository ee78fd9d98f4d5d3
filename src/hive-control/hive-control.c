/* hive-control.c - the hive-control program: global options, then hc-main.c's commands. */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "curl-sym.h"

#include "ctx.h"
#include "hc.h"
#include "i18n.h"

int
main(int argc, char **argv)
{
	struct hc_globals g = { 0 };
	struct hc h = { .prog = "hive-control" };
	int idx, rc;

	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, qtm_localedir());
	textdomain(PACKAGE);
	if ((idx = hc_parse_globals(argc, argv, &g, h.prog)) < 0)
		return idx == -2 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);   /* `hive-control logs -f | head`: a write error, not a death */
	h.ctx = qtm_ctx_new(g.root, g.config);
	h.ctx->json = g.json;
	h.ctx->verbosity = g.verbosity;
	if (g.no_color)
		h.ctx->color = false;
	h.hive = g.hive;
	h.token = g.token;
	rc = qtm_ctx_load_config(h.ctx);
	if (rc == 0)
		rc = hive_control_main(&h, argc - idx, argv + idx);
	if (rc < 0)
		fprintf(stderr, _("hive-control: error: %s\n"), qtm_strerror(h.ctx));
	qtm_ctx_free(h.ctx);
	qtm_curl_cleanup();
	return hc_exit_status(rc);
}
