/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  Deliveries waiting for a database worker (the group-commit queue).
 *
 * HTTP threads push complete request bodies and suspend their connection;
 * database workers pop them in batches.  A worker that finds the queue
 * non-empty waits up to --batch-wait-ms (counted from the arrival of the
 * oldest delivery) for the batch to fill, so deliveries that arrive while
 * another batch is committing share the next commit.  The queue is
 * bounded: when full, the HTTP thread answers 503 at once instead of
 * piling up memory and latency.
 *
 * A worker without a database connection may leave queued deliveries to
 * the others (take() in queue_pop_batch).  It then sleeps on a condition
 * of its own, declined, until it would take them, they are gone or its
 * timeout passes: waiting on nonempty again would return at once while
 * the deliveries are queued, a busy loop for as long as the connected
 * worker is busy (a batch on a hung server: up to --db-timeout).
 *
 * Every delivery is to be answered within --db-timeout of its arrival.
 * While every worker waits on a slow or locked server, deliveries would
 * otherwise wait here for batch after batch; one thread takes those whose
 * time is up from the head (the oldest) and answers them 503 without
 * trying (queue_take_late(), db.c).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>

#include <microhttpd.h>

#include "queue.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty;
static pthread_cond_t declined;	/* queued work left to others: see above */
static pthread_cond_t late;		/* the thread of queue_take_late() waits here */
static int	ndeclined;			/* workers waiting on declined */
static Delivery *head;
static Delivery *tail;
static int	count;
static int	taken;				/* popped, not yet finished */
static size_t bytes;
static int	max_count;
static bool closed;

void
queue_init(int max)
{
	pthread_condattr_t attr;

	/* timed waits use the monotonic clock, immune to clock steps */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&nonempty, &attr);
	pthread_cond_init(&declined, &attr);
	pthread_cond_init(&late, &attr);
	pthread_condattr_destroy(&attr);
	max_count = max;
}

/*
 * Queue a delivery and suspend its connection.  The suspension happens
 * under the queue lock: no worker can pop (and so resume) the connection
 * before it is suspended, which MHD would not forgive.
 */
QueuePushResult
queue_push(Delivery *d)
{
	QueuePushResult res = QUEUE_OK;

	pthread_mutex_lock(&lock);
	if (closed)
		res = QUEUE_CLOSED;
	else if (count >= max_count)
		res = QUEUE_FULL;
	else
	{
		MHD_suspend_connection(d->conn);
		d->next = NULL;
		d->enqueued_at = mono_now();
		if (tail)
			tail->next = d;
		else
		{
			head = d;
			/* a new oldest delivery: queue_take_late() waits for it now */
			pthread_cond_signal(&late);
		}
		tail = d;
		count++;
		bytes += d->len;
		pthread_cond_signal(&nonempty);
	}
	pthread_mutex_unlock(&lock);
	return res;
}

/* Unlink the oldest delivery; the caller holds the lock, and head is set. */
static Delivery *
pop_head(void)
{
	Delivery   *d = head;

	head = d->next;
	if (head == NULL)
		tail = NULL;
	count--;
	bytes -= d->len;
	d->next = NULL;
	return d;
}

/*
 * Take up to max deliveries (and about max_bytes of bodies; at least one).
 * Waits up to timeout_ms for the first one; returns 0 on timeout and -1
 * once the queue is closed and empty.  take(arg) says, once work is there,
 * whether the caller pops it or only wanted to sleep until work arrived (or
 * the timeout): asked after the wait, not before it, since what it depends
 * on (whether another worker got a connection) changes while waiting.
 * A caller that leaves the work to others sleeps until take(arg) turns
 * true (queue_recheck()), the queue empties or the timeout passes.
 */
int
queue_pop_batch(Delivery **batch, int max, size_t max_bytes, int wait_ms,
				int timeout_ms, bool (*take) (void *arg), void *arg)
{
	struct timespec ts;
	int			n = 0;
	size_t		nbytes = 0;

	pthread_mutex_lock(&lock);
	mono_deadline(&ts, mono_now() + timeout_ms / 1000.0);
	while (count == 0 && !closed)
	{
		if (pthread_cond_timedwait(&nonempty, &lock, &ts) == ETIMEDOUT)
			break;
	}
	if (count > 0 && !take(arg))
	{
		/*
		 * The wakeup that brought us here may have been the only one for
		 * this delivery (pthread_cond_signal wakes one waiter): pass it on,
		 * or a connected worker would sleep until its own timeout with the
		 * delivery queued.  Another worker without a connection that gets
		 * it declines too and waits here, so no two of them wake each other
		 * in turn.
		 */
		pthread_cond_signal(&nonempty);
		ndeclined++;
		while (count > 0 && !take(arg))
		{
			if (pthread_cond_timedwait(&declined, &lock, &ts) == ETIMEDOUT)
				break;
		}
		ndeclined--;
	}
	if (count == 0 || !take(arg))
	{
		n = (count == 0 && closed) ? -1 : 0;
		pthread_mutex_unlock(&lock);
		return n;
	}

	/* let the batch fill up, bounded by the age of its oldest delivery */
	if (wait_ms > 0 && !closed)
	{
		mono_deadline(&ts, head->enqueued_at + wait_ms / 1000.0);
		while (count > 0 && count < max && bytes < max_bytes && !closed)
		{
			if (pthread_cond_timedwait(&nonempty, &lock, &ts) == ETIMEDOUT)
				break;
		}
	}

	while (head && n < max && (n == 0 || nbytes + head->len <= max_bytes))
	{
		nbytes += head->len;
		batch[n++] = pop_head();
	}
	taken += n;
	/* closed and now empty: the thread of queue_take_late() may end */
	if (closed && count == 0)
		pthread_cond_broadcast(&late);
	/* another worker may start gathering the rest right away */
	if (count > 0)
		pthread_cond_signal(&nonempty);
	/* nothing left to leave to others: back to waiting for new work */
	else if (ndeclined > 0)
		pthread_cond_broadcast(&declined);
	pthread_mutex_unlock(&lock);
	return n;
}

/*
 * What take() answers may have changed (no worker is connected any more):
 * wake the workers that left queued deliveries to others, to ask again.
 * Called after the change, and takes the lock, so that a worker that asked
 * before it is already waiting and gets the wakeup.
 */
void
queue_recheck(void)
{
	pthread_mutex_lock(&lock);
	if (ndeclined > 0)
		pthread_cond_broadcast(&declined);
	pthread_mutex_unlock(&lock);
}

void
queue_close(void)
{
	pthread_mutex_lock(&lock);
	closed = true;
	pthread_cond_broadcast(&nonempty);
	pthread_cond_broadcast(&late);
	/* those that left work to others ask again at once, not at their timeout */
	pthread_cond_broadcast(&declined);
	pthread_mutex_unlock(&lock);
}

/*
 * Wait until the oldest queued deliveries have waited max_age seconds, and
 * take those (up to max), as queue_pop_batch() does, to be finished by the
 * caller.  Returns -1 once the queue is closed and empty.  The queue is in
 * arrival order, so only its head can be late; a wait that ends because a
 * worker took the head just waits again for the new one.
 */
int
queue_take_late(Delivery **out, int max, double max_age)
{
	struct timespec ts;
	int			n = 0;

	pthread_mutex_lock(&lock);
	for (;;)
	{
		if (closed && count == 0)
		{
			n = -1;
			break;
		}
		if (head != NULL && mono_now() - head->enqueued_at >= max_age)
			break;
		if (head == NULL)
			pthread_cond_wait(&late, &lock);
		else
		{
			mono_deadline(&ts, head->enqueued_at + max_age);
			pthread_cond_timedwait(&late, &lock, &ts);
		}
	}
	while (n >= 0 && n < max && head != NULL &&
		   mono_now() - head->enqueued_at >= max_age)
		out[n++] = pop_head();
	if (n > 0)
	{
		taken += n;
		if (count == 0 && ndeclined > 0)
			pthread_cond_broadcast(&declined);
	}
	pthread_mutex_unlock(&lock);
	return n;
}

/* Deliveries queued or held by a worker: connections still suspended. */
int
queue_pending(void)
{
	int			n;

	pthread_mutex_lock(&lock);
	n = count + taken;
	pthread_mutex_unlock(&lock);
	return n;
}

int
queue_depth(void)
{
	int			n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}

/*
 * Hand a delivery with its outcome back to the HTTP side.  After the
 * resume, MHD may run the handler and free the delivery at any moment on
 * another thread, so nothing here may touch it afterwards.
 */
void
delivery_finish(Delivery *d)
{
	struct MHD_Connection *conn = d->conn;

	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
	MHD_resume_connection(conn);
	pthread_mutex_lock(&lock);
	taken--;
	pthread_mutex_unlock(&lock);
}
