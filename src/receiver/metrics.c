/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Counters and histograms exported at GET /metrics.
 *
 * Everything is a relaxed atomic add: the HTTP threads and the database
 * workers update them on every request, and a scrape that sees a
 * histogram a few increments apart from its _count does no harm.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define ADD(var, n) __atomic_fetch_add(&(var), (n), __ATOMIC_RELAXED)
#define GET(var) __atomic_load_n(&(var), __ATOMIC_RELAXED)

static const unsigned int status_codes[] = {200, 400, 401, 404, 405, 408, 413, 500, 503};
#define NSTATUS (sizeof(status_codes) / sizeof(status_codes[0]))
static unsigned long requests_by_status[NSTATUS + 1];	/* last: other */

static const char *const outcome_names[] = {"stored", "duplicate", "rejected"};
static unsigned long events[OUTCOME_COUNT];

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
#define NBATCH (sizeof(batch_bounds) / sizeof(batch_bounds[0]))
static unsigned long batch_buckets[NBATCH + 1];
static unsigned long batch_sum;
static unsigned long batch_failed;

static const double commit_bounds[] = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05,
0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NCOMMIT (sizeof(commit_bounds) / sizeof(commit_bounds[0]))
static unsigned long commit_buckets[NCOMMIT + 1];
static unsigned long commit_sum_us;

static unsigned long reconnects;
static unsigned long queue_full;
static unsigned long db_timeouts;
static unsigned long late;

static const char *const cut_names[] = {"head_timeout", "crowded_out", "body_timeout"};
static unsigned long conn_cuts[CUT_COUNT];

void
metrics_request(unsigned int status)
{
	size_t		i;

	for (i = 0; i < NSTATUS; i++)
		if (status_codes[i] == status)
			break;
	ADD(requests_by_status[i], 1);
}

void
metrics_event(EventOutcome outcome, long n)
{
	ADD(events[outcome], (unsigned long) n);
}

void
metrics_batch(int size, double commit_seconds, int ok)
{
	size_t		i;

	if (!ok)
	{
		ADD(batch_failed, 1);
		return;
	}
	for (i = 0; i < NBATCH && size > batch_bounds[i]; i++)
		;
	ADD(batch_buckets[i], 1);
	ADD(batch_sum, (unsigned long) size);

	for (i = 0; i < NCOMMIT && commit_seconds > commit_bounds[i]; i++)
		;
	ADD(commit_buckets[i], 1);
	ADD(commit_sum_us, (unsigned long) (commit_seconds * 1e6));
}

void
metrics_reconnect(void)
{
	ADD(reconnects, 1);
}

void
metrics_queue_full(void)
{
	ADD(queue_full, 1);
}

void
metrics_db_timeout(void)
{
	ADD(db_timeouts, 1);
}

void
metrics_late(int n)
{
	ADD(late, (unsigned long) n);
}

void
metrics_conn_cut(ConnCut why)
{
	ADD(conn_cuts[why], 1);
}

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
bprintf(Buf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
bprintf(Buf *b, const char *fmt,...)
{
	for (;;)
	{
		va_list		ap;
		int			n;

		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t) n < b->cap - b->len)
		{
			b->len += (size_t) n;
			return;
		}
		{
			size_t		ncap = b->cap * 2 + (size_t) n;
			char	   *nd = realloc(b->data, ncap);

			if (nd == NULL)
				return;
			b->data = nd;
			b->cap = ncap;
		}
	}
}

static void
histogram(Buf *b, const char *name, const double *bounds, size_t nb,
		  const unsigned long *buckets, double sum)
{
	unsigned long cum = 0;

	for (size_t i = 0; i < nb; i++)
	{
		cum += GET(buckets[i]);
		bprintf(b, "%s_bucket{le=\"%g\"} %lu\n", name, bounds[i], cum);
	}
	cum += GET(buckets[nb]);
	bprintf(b, "%s_bucket{le=\"+Inf\"} %lu\n%s_sum %.6f\n%s_count %lu\n",
			name, cum, name, sum, name, cum);
}

char *
metrics_render(size_t *len, const MetricsGauges *g)
{
	Buf			b = {malloc(4096), 0, 4096};

	if (b.data == NULL)
		return NULL;
	b.data[0] = '\0';

	bprintf(&b, "# HELP jimo_receiver_requests_total HTTP requests to the webhook listener answered, by status code.\n"
			"# TYPE jimo_receiver_requests_total counter\n");
	for (size_t i = 0; i < NSTATUS; i++)
		bprintf(&b, "jimo_receiver_requests_total{code=\"%u\"} %lu\n",
				status_codes[i], GET(requests_by_status[i]));
	bprintf(&b, "jimo_receiver_requests_total{code=\"other\"} %lu\n",
			GET(requests_by_status[NSTATUS]));

	bprintf(&b, "# HELP jimo_receiver_events_total Deliveries committed by jimo.receive_batch, by outcome.\n"
			"# TYPE jimo_receiver_events_total counter\n");
	for (int i = 0; i < OUTCOME_COUNT; i++)
		bprintf(&b, "jimo_receiver_events_total{outcome=\"%s\"} %lu\n",
				outcome_names[i], GET(events[i]));

	bprintf(&b, "# HELP jimo_receiver_batch_size Deliveries per committed receive_batch call.\n"
			"# TYPE jimo_receiver_batch_size histogram\n");
	histogram(&b, "jimo_receiver_batch_size", batch_bounds, NBATCH, batch_buckets,
			  (double) GET(batch_sum));

	bprintf(&b, "# HELP jimo_receiver_commit_seconds Duration of one receive_batch call including its commit.\n"
			"# TYPE jimo_receiver_commit_seconds histogram\n");
	histogram(&b, "jimo_receiver_commit_seconds", commit_bounds, NCOMMIT, commit_buckets,
			  GET(commit_sum_us) / 1e6);

	bprintf(&b, "# HELP jimo_receiver_batches_failed_total receive_batch calls that failed (answered 503).\n"
			"# TYPE jimo_receiver_batches_failed_total counter\n"
			"jimo_receiver_batches_failed_total %lu\n", GET(batch_failed));
	bprintf(&b, "# HELP jimo_receiver_db_reconnects_total Database connections re-established after a loss.\n"
			"# TYPE jimo_receiver_db_reconnects_total counter\n"
			"jimo_receiver_db_reconnects_total %lu\n", GET(reconnects));
	bprintf(&b, "# HELP jimo_receiver_queue_full_total Deliveries refused because the queue was full.\n"
			"# TYPE jimo_receiver_queue_full_total counter\n"
			"jimo_receiver_queue_full_total %lu\n", GET(queue_full));
	bprintf(&b, "# HELP jimo_receiver_db_timeouts_total Database round trips given up after --db-timeout (connection dropped).\n"
			"# TYPE jimo_receiver_db_timeouts_total counter\n"
			"jimo_receiver_db_timeouts_total %lu\n", GET(db_timeouts));
	bprintf(&b, "# HELP jimo_receiver_deliveries_late_total Deliveries answered 503 because nothing was committed within --db-timeout of their arrival (queued or in a batch).\n"
			"# TYPE jimo_receiver_deliveries_late_total counter\n"
			"jimo_receiver_deliveries_late_total %lu\n", GET(late));
	bprintf(&b, "# HELP jimo_receiver_connections_cut_total Connections the receiver closed, by reason.\n"
			"# TYPE jimo_receiver_connections_cut_total counter\n");
	for (int i = 0; i < CUT_COUNT; i++)
		bprintf(&b, "jimo_receiver_connections_cut_total{reason=\"%s\"} %lu\n",
				cut_names[i], GET(conn_cuts[i]));
	bprintf(&b, "# HELP jimo_receiver_connections_open Connections open on the webhook listener.\n"
			"# TYPE jimo_receiver_connections_open gauge\n"
			"jimo_receiver_connections_open %d\n", g->connections_open);
	bprintf(&b, "# HELP jimo_receiver_queue_depth Deliveries waiting for a database worker.\n"
			"# TYPE jimo_receiver_queue_depth gauge\n"
			"jimo_receiver_queue_depth %d\n", g->queue_depth);
	bprintf(&b, "# HELP jimo_receiver_db_connections_up Database workers with a working connection.\n"
			"# TYPE jimo_receiver_db_connections_up gauge\n"
			"jimo_receiver_db_connections_up %d\n", g->db_connected);
	bprintf(&b, "# HELP jimo_receiver_db_connections Database workers configured.\n"
			"# TYPE jimo_receiver_db_connections gauge\n"
			"jimo_receiver_db_connections %d\n", g->db_workers);

	*len = b.len;
	return b.data;
}
