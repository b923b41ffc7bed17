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
extern void refresh_cancel(void);
extern void refresh_join(double deadline);

#endif							/* RECEIVER_REFRESH_H */
