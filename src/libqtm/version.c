/* version.c - comparing versions with the solver's own comparison (libsolv, Debian rules), so
 * that a repository's "newest" version of a name is the one the solver picks. */
#include "config.h"

#include <solv/evr.h>
#include <solv/pool.h>

#include "version.h"

int
qtm_version_cmp(const char *a, const char *b)
{
	/* One pool for the process: comparing needs only its disttype, not its contents. */
	static Pool *pool;

	if (pool == NULL) {
		pool = pool_create();
		pool_setdisttype(pool, DISTTYPE_DEB);
	}
	return pool_evrcmp_str(pool, a, b, EVRCMP_COMPARE);
}
