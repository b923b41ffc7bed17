/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  Counters and histograms exported at GET /metrics.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_METRICS_H
#define RECEIVER_METRICS_H

#include <stddef.h>

typedef enum EventOutcome
{
	OUTCOME_STORED = 0,
	OUTCOME_DUPLICATE,
	OUTCOME_REJECTED,
	OUTCOME_COUNT
} EventOutcome;

extern void metrics_request(unsigned int status);
extern void metrics_event(EventOutcome outcome, long n);
extern void metrics_batch(int size, double commit_seconds, int ok);
extern void metrics_reconnect(void);
extern void metrics_queue_full(void);
extern void metrics_db_timeout(void);

/* Renders the Prometheus text format; the caller frees the result. */
extern char *metrics_render(size_t *len, int queue_depth, int db_connected,
							int db_workers);

#endif							/* RECEIVER_METRICS_H */
