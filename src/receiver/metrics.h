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

/* why the receiver itself closed a connection */
typedef enum ConnCut
{
	CUT_HEAD_TIMEOUT = 0,		/* no whole request head within --head-timeout */
	CUT_CROWDED_OUT,			/* made room for a new connection near the limit */
	CUT_BODY_TIMEOUT,			/* body not received within --request-timeout */
	CUT_COUNT
} ConnCut;

/* point-in-time values the caller gathers for a scrape */
typedef struct MetricsGauges
{
	int			queue_depth;
	int			db_connected;
	int			db_workers;
	int			connections_open;
} MetricsGauges;

extern void metrics_request(unsigned int status);
extern void metrics_event(EventOutcome outcome, long n);
extern void metrics_batch(int size, double commit_seconds, int ok);
extern void metrics_reconnect(void);
extern void metrics_queue_full(void);
extern void metrics_db_timeout(void);
extern void metrics_late(int n);
extern void metrics_conn_cut(ConnCut why);

/* Renders the Prometheus text format; the caller frees the result. */
extern char *metrics_render(size_t *len, const MetricsGauges *g);

#endif							/* RECEIVER_METRICS_H */
