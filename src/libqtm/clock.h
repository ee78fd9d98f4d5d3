/* clock.h - seconds as doubles: monotonic for durations and deadlines, wall-clock for times
 * that are stored or shown. */
#ifndef QTM_CLOCK_H
#define QTM_CLOCK_H

#include <time.h>

static inline double
qtm_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double qtm_mono_s(void) { return qtm_clock_s(CLOCK_MONOTONIC); }
static inline double qtm_wall_s(void) { return qtm_clock_s(CLOCK_REALTIME); }

#endif
