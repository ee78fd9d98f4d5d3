/* hive-control.c - the hive-control program: its command line parsed by the table
 * (commands.c), then hc-main.c's commands. */
#include "config.h"

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
	struct hc h = { .prog = "hive-control" };
	struct cli_args a;
	int rc;

	cli_i18n_init();
	switch (cli_parse(&hc_prog, argc, argv, &a)) {
	case CLI_DONE: return CLI_EXIT_OK;
	case CLI_BAD: return CLI_EXIT_USAGE;
	case CLI_RUN: break;
	}
	signal(SIGPIPE, SIG_IGN);   /* `hive-control logs -f | head`: a write error, not a death */
	h.ctx = qtm_ctx_new(cli_global(&a, 'r'), cli_global(&a, 'c'));
	hc_apply_globals(&h, &a);
	rc = qtm_ctx_load_config(h.ctx);
	if (rc == 0)
		rc = hive_control_run(&h, &a);
	if (rc < 0)
		fprintf(stderr, _("hive-control: error: %s\n"), qtm_strerror(h.ctx));
	cli_args_free(&a);
	qtm_ctx_free(h.ctx);
	qtm_curl_cleanup();
	return cli_exit_status(rc);
}
