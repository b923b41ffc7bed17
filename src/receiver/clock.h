/*-------------------------------------------------------------------------
 * clock.h
 *	  Monotonic time for timeouts and deadlines: wall-clock jumps (NTP,
 *	  an operator's date) must neither fire nor postpone them.
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_CLOCK_H
#define RECEIVER_CLOCK_H

#include <time.h>

/* seconds on CLOCK_MONOTONIC */
static inline double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A mono_now() time as the absolute timespec pthread_cond_timedwait wants,
 * for a condition variable whose clock is CLOCK_MONOTONIC.
 */
static inline void
mono_deadline(struct timespec *ts, double at)
{
	ts->tv_sec = (time_t) at;
	ts->tv_nsec = (long) ((at - (double) ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L)
	{
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

#endif							/* RECEIVER_CLOCK_H */
