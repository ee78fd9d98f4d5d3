/* train-ranks.c - the training contract of a data-parallel training (train-ranks.h): the world
 * size checked against this machine, and each rank's environment. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctx.h"
#include "i18n.h"
#include "manifest.h"
#include "sandbox-spec.h"
#include "train-ranks.h"
#include "xalloc.h"

int
qtm_train_cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int
qtm_train_check_world(struct qtm_ctx *ctx, const struct qtm_manifest *m, int world)
{
	int cores = qtm_train_cores();

	if (world <= 1)
		return 0;
	if (world > QTM_SANDBOX_MAX_RANKS)
		return qtm_error(ctx, -EINVAL, _("training %s: a world size of %d exceeds the %d ranks one "
		    "sandbox can run"), m->name, world, QTM_SANDBOX_MAX_RANKS);
	if (world > cores)
		return qtm_error(ctx, -EINVAL, _("training %s: a world size of %d exceeds the %d cores of "
		    "this machine (one rank per core at least)"), m->name, world, cores);
	return 0;
}

/* A port nothing listens on here: the ranks' rendezvous (their own network namespace has every
 * port free, but a sandbox sharing the host's network would not). */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 29500;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static char **
push_fmt(char **env, const char *name, int value)
{
	char *s = xasprintf("%s=%d", name, value);

	env = strv_push(env, s);
	free(s);
	return env;
}

char ***
qtm_train_rank_envs(char *const *base, int world)
{
	char ***envs = xcalloc((size_t)world + 1, sizeof *envs);
	int port = free_port();

	for (int r = 0; r < world; r++) {
		char **env = NULL;

		for (size_t i = 0; base[i] != NULL; i++)
			if (r == 0 || strncmp(base[i], "QTM_OUTPUT=", 11) != 0)
				env = strv_push(env, base[i]);
		if (r > 0) {
			char *out = xasprintf("QTM_OUTPUT=" QTM_SANDBOX_RANKS "/%d", r);

			env = strv_push(env, out);
			free(out);
		}
		env = push_fmt(env, "RANK", r);
		env = push_fmt(env, "LOCAL_RANK", r);
		env = push_fmt(env, "WORLD_SIZE", world);
		env = push_fmt(env, "QTM_RANK", r);
		env = push_fmt(env, "QTM_WORLD_SIZE", world);
		env = strv_push(env, "MASTER_ADDR=127.0.0.1");
		env = push_fmt(env, "MASTER_PORT", port);
		/* gloo finds its interface by name: the sandbox has no hosts file to resolve by. */
		env = strv_push(env, "GLOO_SOCKET_IFNAME=lo");
		envs[r] = env;
	}
	return envs;
}

void
qtm_train_rank_envs_free(char ***envs)
{
	for (size_t r = 0; envs != NULL && envs[r] != NULL; r++)
		strv_free(envs[r]);
	free(envs);
}
