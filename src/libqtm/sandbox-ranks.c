/* sandbox-ranks.c - the child's side of a data-parallel sandbox: the loopback interface brought
 * up, and pid 1 starting the ranks and ending them all when one fails.  See sandbox-setup.h.
 * Runs between clone and exec: syscalls and stack buffers only. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-setup.h"
#include "sandbox-spec.h"

int
qtm_sandbox_loopback_up(struct sandbox_child *c)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return qtm_sandbox_fail(c, ST_LOOPBACK, errno, NULL, NULL);
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = errno;
	ifr.ifr_flags |= IFF_UP;
	if (err == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = errno;
	close(fd);
	return err != 0 ? qtm_sandbox_fail(c, ST_LOOPBACK, err, NULL, NULL) : 0;
}

/* In the forked rank: its own streams on 1 and 2, then the command. */
static void __attribute__((noreturn))
start_rank(struct sandbox_child *c, int rank)
{
	if (rank > 0 && (dup2(c->rank_out[rank], 1) < 0 || dup2(c->rank_err[rank], 2) < 0))
		_exit(126);
	qtm_sandbox_exec(c, c->spec->rank_envp[rank]);
}

/* Ends the run: the first failure goes on the status pipe (which rank, which signal) and its
 * exit status becomes ours; all succeeded: 0. */
static void __attribute__((noreturn))
finish(struct sandbox_child *c, int failed, int status)
{
	if (failed < 0)
		_exit(0);
	c->err.step = ST_RANK;
	c->err.rank = failed;
	c->err.err = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (qtm_sandbox_send_report(c->status_fd, &c->err) < 0)
		_exit(125);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 0);
}

void
qtm_sandbox_run_ranks(struct sandbox_child *c)
{
	pid_t pids[QTM_SANDBOX_MAX_RANKS];
	int left = 0, failed = -1, failed_status = 0, status;

	close(STDIN_FILENO);
	for (int r = 0; r < c->n_ranks; r++) {
		if ((pids[r] = fork()) == 0)
			start_rank(c, r);
		if (pids[r] < 0) {
			kill(-1, SIGKILL);
			qtm_sandbox_fail(c, ST_FORK, errno, NULL, NULL);
			if (qtm_sandbox_send_report(c->status_fd, &c->err) < 0)
				_exit(125);
			_exit(126);
		}
		left++;
	}
	while (left > 0) {
		pid_t w = wait(&status);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		for (int r = 0; r < c->n_ranks; r++) {
			if (pids[r] != w)
				continue;
			left--;
			pids[r] = 0;
			if (failed < 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				failed = r, failed_status = status;
				kill(-1, SIGKILL);   /* every other process of the namespace */
			}
		}
	}
	finish(c, failed, failed_status);
}
