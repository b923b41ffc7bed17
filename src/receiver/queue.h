/*-------------------------------------------------------------------------
 *
 * queue.h
 *	  Deliveries waiting for a database worker (the group-commit queue).
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_QUEUE_H
#define RECEIVER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "clock.h"
#include "metrics.h"

struct MHD_Connection;

/*
 * One webhook body on its way into PostgreSQL.  The HTTP thread owns it
 * until queue_push(); from then on a database worker owns it until
 * delivery_finish(), which hands it back by resuming the connection.
 */
typedef struct Delivery
{
	struct MHD_Connection *conn;
	struct Delivery *next;
	char	   *body;
	size_t		len;
	size_t		cap;
	double		enqueued_at;

	/* outcome, written by the worker before the connection is resumed */
	unsigned int status;		/* HTTP status to answer */
	EventOutcome outcome;
	long long	event_id;
	char	   *error;			/* malloc'd; rejection reason or NULL */
	volatile bool done;
} Delivery;

typedef enum QueuePushResult
{
	QUEUE_OK,
	QUEUE_FULL,
	QUEUE_CLOSED
} QueuePushResult;

extern void queue_init(int max);
extern QueuePushResult queue_push(Delivery *d);
extern int	queue_pop_batch(Delivery **batch, int max, size_t max_bytes,
							int wait_ms, int timeout_ms,
							bool (*take) (void *arg), void *arg);
extern int	queue_take_late(Delivery **out, int max, double max_age);
extern void queue_recheck(void);
extern void queue_close(void);
extern int	queue_depth(void);
extern int	queue_pending(void);
extern void delivery_finish(Delivery *d);

#endif							/* RECEIVER_QUEUE_H */
