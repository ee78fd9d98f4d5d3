/* exit.c - the one exit-status table of every program (man/qtm-exit-status.7). */
#include "config.h"

#include <errno.h>

#include "cli.h"

int
cli_exit_status(int rc)
{
	if (rc > CLI_EXIT(0) && rc <= CLI_EXIT(255))
		return rc - CLI_EXIT(0);
	switch (rc) {
	case 0: return CLI_EXIT_OK;
	case CLI_USAGE: return CLI_EXIT_USAGE;
	case -EBUSY: case -EAGAIN: return CLI_EXIT_AGAIN;   /* locked, or nothing to claim yet */
	case -ENOENT: case -ENOEXEC: return CLI_EXIT_NOT_FOUND;
	case -EHOSTUNREACH: return CLI_EXIT_UNREACHABLE;
	case -EBADMSG: case -EFBIG: return CLI_EXIT_BAD_DATA;
	case -ECHILD: case -ETIMEDOUT: return CLI_EXIT_TRAINING;
	case -ECANCELED: return CLI_EXIT_CANCELLED;
	case -EKEYREJECTED: return CLI_EXIT_UNTRUSTED;
	default: return CLI_EXIT_FAILURE;
	}
}
