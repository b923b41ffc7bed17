/*-------------------------------------------------------------------------
 *
 * refresh.h
 *	  The funnel cohort cache refreshed every --refresh-cohorts seconds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_REFRESH_H
#define RECEIVER_REFRESH_H

extern void refresh_start(void);
extern void refresh_stop(void);

#endif							/* RECEIVER_REFRESH_H */
