/*-------------------------------------------------------------------------
 *
 * db.c
 *	  Database workers: each owns one libpq connection and stores batches
 *	  of deliveries with one jimo.receive_batch call each.
 *
 * A batch is one prepared statement in autocommit mode, so one statement,
 * one transaction and one commit (one WAL flush) for every delivery in it.
 * Its results are read until ReadyForQuery (pgwait.c): PGRES_TUPLES_OK
 * then means the implicit transaction has committed.  Anything else,
 * including a connection lost mid-call when the commit may or may not
 * have happened, is answered 503 so that Jimo retries; the content digest
 * in the extension makes the retry harmless.
 *
 * Every round trip (batch, probe, setup) is bounded by --db-timeout on our
 * side, because a hung server or a network partition keeps the socket
 * open and answers nothing: past the deadline the batch is answered 503
 * and the connection dropped and made anew with the usual backoff.
 *
 * A delivery is answered within --db-timeout of its arrival whatever the
 * server does: one waiting in the queue that long is answered 503 by a
 * thread of its own (late_main), and one in a batch that reaches it is
 * answered 503 while its worker goes on waiting for the server's own answer
 * (statement_timeout, then the batch's deadline), which the batch's other
 * deliveries get; so a merely slow or locked server does not cost the
 * connection, nor a delivery that arrived later its full --db-timeout.  What such a batch
 * commits after all is a duplicate when Jimo sends it again.
 *
 * Bodies travel as a binary bytea[] parameter: arbitrary request bytes
 * (invalid UTF-8, NUL) reach the server unchanged, where the extension
 * rejects and keeps them.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "pgwait.h"
#include "queue.h"

#define BYTEAOID		17
#define BYTEAARRAYOID	1001

/* reconnect backoff: doubles from the first to the last */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	2000
/* an idle worker checks its connection this often, to keep readyz true */
#define PROBE_MS		1000
/* on shutdown, how long a cancelled batch may take to come back */
#define CANCEL_GRACE_S	1.0

#define STMT_NAME "jimo_receive_batch"
#define STMT_SQL  "SELECT ord, event_id, status, error FROM jimo.receive_batch($1::bytea[])"

typedef struct Worker
{
	int			id;
	pthread_t	thread;
	PGconn	   *conn;
	bool		up;
	bool		ever_up;
	int			backoff_ms;
	double		next_attempt;
	double		last_used;

	/* failed batches are logged at most once a second per worker */
	double		last_error_log;
	long		errors_unlogged;

	/* buffers reused from batch to batch */
	Delivery  **batch;
	char	   *param;
	size_t		param_cap;
} Worker;

static Worker *workers;
static int	nworkers;
static pthread_t late_thread;
static bool late_started;
static int	nconnected;
static bool abandon;			/* shutdown timed out: no more batches */

/*
 * Connection keywords put before the user's conninfo (which can therefore
 * override each of them) so that a dead peer is noticed by the kernel too:
 * keepalives on an idle connection, tcp_user_timeout for data the server
 * never acknowledges, connect_timeout for a server that accepts and says
 * nothing.  The first two are ignored on unix sockets, where the deadline
 * of each round trip (--db-timeout) does their job.
 */
#define NKEYS 9
static const char *conn_keys[NKEYS];
static const char *conn_vals[NKEYS];
static char connect_timeout[16];
static char user_timeout[16];

int
db_connected(void)
{
	return __atomic_load_n(&nconnected, __ATOMIC_RELAXED);
}

bool
db_ready(void)
{
	/* a worker counts as up only once it found receive_batch and prepared it */
	return db_connected() > 0;
}

static void
set_up(Worker *w, bool up)
{
	if (w->up == up)
		return;
	w->up = up;
	/* the last one down: workers without a connection take deliveries now */
	if (__atomic_add_fetch(&nconnected, up ? 1 : -1, __ATOMIC_RELAXED) == 0)
		queue_recheck();
}

/*
 * PQfinish never blocks here: the connection is nonblocking, so the
 * Terminate message is sent only if the socket takes it at once.
 */
static void
close_conn(Worker *w)
{
	PQfinish(w->conn);
	w->conn = NULL;
}

static void
worker_disconnect(Worker *w, const char *why)
{
	char		q[512];

	if (w->conn)
	{
		if (why)
			log_msg(LOG_WARN, "database connection lost", "worker=%d error=%s", w->id,
					log_quote(q, sizeof(q), why));
		close_conn(w);
	}
	set_up(w, false);
	w->next_attempt = mono_now() + w->backoff_ms / 1000.0;
	w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
}

/* The deadline passed: the server's state is unknown, start over. */
static void
worker_timed_out(Worker *w, const char *what)
{
	char		why[128];

	metrics_db_timeout();
	snprintf(why, sizeof(why), "no answer to %s within --db-timeout (%d ms)", what,
			 config.db_timeout_ms);
	worker_disconnect(w, why);
}

/*
 * Wait for the command just sent, within --db-timeout.  Returns its last
 * result, or NULL when the connection was lost or timed out (then it is
 * already dropped).
 */
static PGresult *
await_result(Worker *w, bool sent, const char *what)
{
	PGresult   *res = NULL;

	if (!sent)
	{
		worker_disconnect(w, PQerrorMessage(w->conn));
		return NULL;
	}
	switch (pgwait(w->conn, mono_now() + config.db_timeout_ms / 1000.0, NULL, &res))
	{
		case PGWAIT_DONE:
			return res;
		case PGWAIT_TIMEOUT:
			worker_timed_out(w, what);
			return NULL;
		case PGWAIT_BROKEN:
		case PGWAIT_STOPPED:
			break;
	}
	worker_disconnect(w, PQerrorMessage(w->conn));
	return NULL;
}

/* One setup statement; false (connection dropped, reason logged) on failure. */
static bool
setup_step(Worker *w, const char *what, const char *sql, ExecStatusType want,
		   PGresult **out)
{
	PGresult   *res = await_result(w, PQsendQuery(w->conn, sql), what);
	char		q[512];

	if (res == NULL)
		return false;
	if (PQresultStatus(res) != want)
	{
		log_msg(LOG_ERROR, "database setup failed", "worker=%d step=%s error=%s",
				w->id, what, log_quote(q, sizeof(q), PQresultErrorMessage(res)));
		PQclear(res);
		/* a missing extension is not fixed by hammering: use the long backoff */
		w->backoff_ms = BACKOFF_MAX_MS;
		worker_disconnect(w, NULL);
		return false;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return true;
}

/*
 * Connect, check that the extension's entry point is there, prepare the
 * statement.  On failure the worker stays down until its backoff expires.
 * The connect itself is bounded by connect_timeout (libpq's own, in whole
 * seconds), everything after it by --db-timeout.
 */
static void
worker_connect(Worker *w)
{
	char		q[512];
	char		sql[320];
	PGresult   *res;
	bool		found;

	w->conn = PQconnectdbParams(conn_keys, conn_vals, 1);
	if (w->conn == NULL || PQstatus(w->conn) != CONNECTION_OK)
	{
		/* a down database is expected while it restarts: warn once per outage */
		log_msg(w->backoff_ms > BACKOFF_MIN_MS ? LOG_DEBUG : LOG_WARN,
				"could not connect to the database", "worker=%d retry_ms=%d error=%s",
				w->id, w->backoff_ms,
				log_quote(q, sizeof(q), w->conn ? PQerrorMessage(w->conn) : "out of memory"));
		close_conn(w);
		worker_disconnect(w, NULL);
		return;
	}
	if (PQsetnonblocking(w->conn, 1) != 0)
	{
		worker_disconnect(w, PQerrorMessage(w->conn));
		return;
	}

	/*
	 * The server gives up a little before we do, so that a merely slow
	 * batch fails with its own error and the connection can stay.
	 *
	 * A 200 promises that the body is committed.  With synchronous_commit
	 * off (set for the database or the role, or in --dsn), a commit returns
	 * before its WAL is flushed and a crash loses it: acknowledged events
	 * missing after recovery.  So off becomes on; any other value flushes
	 * locally at least and is left as set (remote_apply is stronger).
	 *
	 * Batches run in READ COMMITTED whatever the database or role default:
	 * ingest's locking is designed for it, and under REPEATABLE READ or
	 * SERIALIZABLE two workers storing the same jimer's events fail each
	 * other's batches with serialization errors (every body answered 503,
	 * then sent again).
	 */
	snprintf(sql, sizeof(sql),
			 "SELECT set_config('statement_timeout', '%d', false), "
			 "CASE WHEN current_setting('synchronous_commit') = 'off' "
			 "THEN set_config('synchronous_commit', 'on', false) END, "
			 "set_config('default_transaction_isolation', 'read committed', false)",
			 config.db_timeout_ms / 10 * 9);
	if (!setup_step(w, "session settings", sql, PGRES_TUPLES_OK, NULL))
		return;

	if (!setup_step(w, "extension check",
					"SELECT to_regprocedure('jimo.receive_batch(bytea[])') IS NOT NULL",
					PGRES_TUPLES_OK, &res))
		return;
	found = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!found)
	{
		log_msg(LOG_ERROR, "jimo.receive_batch(bytea[]) not found: run CREATE EXTENSION jimo_webhooks",
				"worker=%d database=%s", w->id, log_quote(q, sizeof(q), PQdb(w->conn)));
		w->backoff_ms = BACKOFF_MAX_MS;
		worker_disconnect(w, NULL);
		return;
	}

	res = await_result(w, PQsendPrepare(w->conn, STMT_NAME, STMT_SQL, 1,
										(const Oid[]) {BYTEAARRAYOID}),
					   "prepare");
	if (res == NULL)
		return;
	found = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!found)
		log_msg(LOG_ERROR, "could not prepare receive_batch", "worker=%d error=%s",
				w->id, log_quote(q, sizeof(q), PQresultErrorMessage(res)));
	PQclear(res);
	if (!found)
	{
		w->backoff_ms = BACKOFF_MAX_MS;
		worker_disconnect(w, NULL);
		return;
	}

	if (w->ever_up)
		metrics_reconnect();
	log_msg(LOG_INFO, w->ever_up ? "database connection re-established" : "database connected",
			"worker=%d database=%s server_version=%d", w->id,
			log_quote(q, sizeof(q), PQdb(w->conn)), PQserverVersion(w->conn));
	w->ever_up = true;
	w->backoff_ms = BACKOFF_MIN_MS;
	w->last_used = mono_now();
	set_up(w, true);
}

static void
put_int32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/*
 * Build the binary array_recv format of a one-dimensional bytea[]:
 * ndim, has-nulls flag, element type, then (length, lower bound) of the
 * dimension, then each element as length + bytes.
 */
static bool
build_param(Worker *w, Delivery **batch, int n, size_t *len)
{
	size_t		need = 20;
	char	   *p;

	for (int i = 0; i < n; i++)
		need += 4 + batch[i]->len;
	if (need > w->param_cap)
	{
		char	   *np = realloc(w->param, need);

		if (np == NULL)
			return false;
		w->param = np;
		w->param_cap = need;
	}
	p = w->param;
	put_int32(p, 1);
	put_int32(p + 4, 0);
	put_int32(p + 8, BYTEAOID);
	put_int32(p + 12, (uint32_t) n);
	put_int32(p + 16, 1);
	p += 20;
	for (int i = 0; i < n; i++)
	{
		put_int32(p, (uint32_t) batch[i]->len);
		if (batch[i]->len)
			memcpy(p + 4, batch[i]->body, batch[i]->len);
		p += 4 + batch[i]->len;
	}
	*len = need;
	return true;
}

static void
fail_batch(Delivery **batch, int n)
{
	for (int i = 0; i < n; i++)
		batch[i]->status = 503;
}

/*
 * Apply one row of receive_batch's result to its delivery.  A delivery
 * without a well-formed row keeps status 503: the statement committed, but
 * we cannot tell what became of that body, and a retry is harmless.
 */
static void
apply_row(Delivery **batch, int n, PGresult *res, int row, long *counts)
{
	int			ord = atoi(PQgetvalue(res, row, 0));
	const char *status = PQgetvalue(res, row, 2);
	Delivery   *d;

	if (ord < 1 || ord > n)
		return;
	d = batch[ord - 1];
	if (d == NULL)
		return;					/* answered 503 already, past --db-timeout */
	if (strcmp(status, "stored") == 0 || strcmp(status, "duplicate") == 0)
	{
		if (PQgetisnull(res, row, 1))
			return;
		d->event_id = atoll(PQgetvalue(res, row, 1));
		d->outcome = status[0] == 's' ? OUTCOME_STORED : OUTCOME_DUPLICATE;
		d->status = 200;
	}
	else if (strcmp(status, "rejected") == 0)
	{
		free(d->error);
		d->error = strdup(PQgetisnull(res, row, 3) ? "rejected" : PQgetvalue(res, row, 3));
		d->outcome = OUTCOME_REJECTED;
		d->status = 400;
	}
	else
		return;
	counts[d->outcome]++;
}

static void *
cancel_main(void *arg)
{
	PGcancel   *cancel = arg;
	char		err[256];

	/* waits as long as the server does not answer: nobody joins this thread */
	if (!PQcancel(cancel, err, sizeof(err)))
		log_msg(LOG_WARN, "could not send a cancel request", "error=%s", err);
	PQfreeCancel(cancel);
	return NULL;
}

/*
 * Ask the server to cancel what a connection runs, without waiting for it:
 * PQcancel opens a connection of its own and blocks until the server has
 * read the request, which a hung server never does.  Takes cancel over (a
 * thread of its own frees it); false when no thread could be started.
 */
bool
db_cancel_async(PGcancel *cancel)
{
	pthread_attr_t attr;
	pthread_t	thread;
	bool		started;

	if (cancel == NULL)
		return false;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&thread, &attr, cancel_main, cancel) == 0;
	pthread_attr_destroy(&attr);
	if (!started)
		PQfreeCancel(cancel);
	return started;
}

/* Answer deliveries now (with the status they hold); NULL: answered already. */
static void
finish_batch(Delivery **batch, int n)
{
	for (int i = 0; i < n; i++)
		if (batch[i] != NULL)
			delivery_finish(batch[i]);
}

/* When the next delivery of the batch is due (arrival + --db-timeout), at most cap. */
static double
next_due(Delivery **batch, int n, double cap)
{
	for (int i = 0; i < n; i++)
		if (batch[i] != NULL && batch[i]->enqueued_at + config.db_timeout_ms / 1000.0 < cap)
			cap = batch[i]->enqueued_at + config.db_timeout_ms / 1000.0;
	return cap;
}

/* Answer 503 the deliveries due by now, and take them out of the batch. */
static int
answer_due(Delivery **batch, int n, double now)
{
	int			answered = 0;

	for (int i = 0; i < n; i++)
		if (batch[i] != NULL && batch[i]->enqueued_at + config.db_timeout_ms / 1000.0 <= now + 0.001)
		{
			batch[i]->status = 503;
			delivery_finish(batch[i]);
			batch[i] = NULL;
			answered++;
		}
	return answered;
}

/*
 * Store a batch and answer its deliveries.  Each is answered 503 once it
 * has waited --db-timeout since its arrival, whether or not the server has
 * answered (its slot becomes NULL); the worker itself waits for the server
 * up to --db-timeout from the call before it gives up the connection, and
 * the others get the batch's outcome.
 */
static void
run_batch(Worker *w, Delivery **batch, int n)
{
	const char *values[1];
	int			lengths[1];
	const int	formats[1] = {1};
	size_t		len;
	PGresult   *res = NULL;
	PgWait		wr = PGWAIT_BROKEN;
	double		t0;
	double		deadline;
	int			late = 0;
	long		counts[OUTCOME_COUNT] = {0};
	char		q[512];

	fail_batch(batch, n);
	if (!build_param(w, batch, n, &len) || len > INT32_MAX)
	{
		log_msg(LOG_ERROR, "out of memory building a batch", "worker=%d size=%d", w->id, n);
		finish_batch(batch, n);
		return;
	}
	values[0] = w->param;
	lengths[0] = (int) len;

	t0 = mono_now();
	deadline = t0 + config.db_timeout_ms / 1000.0;
	if (PQsendQueryPrepared(w->conn, STMT_NAME, 1, values, lengths, formats, 0))
	{
		for (;;)
		{
			double		due = next_due(batch, n, deadline);

			wr = pgwait(w->conn, due, &abandon, &res);
			if (wr != PGWAIT_TIMEOUT || due >= deadline)
				break;
			/* some deliveries' time is up, not yet the connection's */
			late += answer_due(batch, n, mono_now());
		}
		if (wr == PGWAIT_STOPPED)
		{
			/* shutdown timed out: the server's own error for a cancel, if it comes */
			db_cancel_async(PQgetCancel(w->conn));
			if (deadline > mono_now() + CANCEL_GRACE_S)
				deadline = mono_now() + CANCEL_GRACE_S;
			wr = pgwait(w->conn, deadline, NULL, &res);
		}
	}
	w->last_used = mono_now();
	if (late > 0)
		metrics_late(late);

	if (wr == PGWAIT_DONE && PQresultStatus(res) == PGRES_TUPLES_OK && PQnfields(res) == 4)
	{
		int			rows = PQntuples(res);

		for (int r = 0; r < rows; r++)
			apply_row(batch, n, res, r, counts);
		for (int i = 0; i < OUTCOME_COUNT; i++)
			if (counts[i])
				metrics_event((EventOutcome) i, counts[i]);
		metrics_batch(n, w->last_used - t0, 1);
		if (rows != n)
			log_msg(LOG_ERROR, "receive_batch returned a row count different from its input",
					"worker=%d sent=%d rows=%d", w->id, n, rows);
		if (late > 0)
			log_msg(LOG_WARN, "a batch committed after some of its deliveries were answered 503 "
					"past --db-timeout; Jimo's retries of those will be duplicates",
					"worker=%d size=%d late=%d ms=%.0f", w->id, n, late, (w->last_used - t0) * 1000);
		log_msg(LOG_DEBUG, "batch committed", "worker=%d size=%d stored=%ld duplicate=%ld rejected=%ld ms=%.2f",
				w->id, n, counts[OUTCOME_STORED], counts[OUTCOME_DUPLICATE],
				counts[OUTCOME_REJECTED], (w->last_used - t0) * 1000);
	}
	else
	{
		metrics_batch(n, 0, 0);
		if (wr == PGWAIT_TIMEOUT)
			worker_timed_out(w, "a batch");
		else if (wr != PGWAIT_DONE || PQstatus(w->conn) != CONNECTION_OK)
			worker_disconnect(w, PQerrorMessage(w->conn));
		else if (w->last_used - w->last_error_log >= 1.0)
		{
			log_msg(LOG_ERROR, "receive_batch failed", "worker=%d size=%d suppressed=%ld error=%s",
					w->id, n, w->errors_unlogged,
					log_quote(q, sizeof(q), PQresultErrorMessage(res)));
			w->last_error_log = w->last_used;
			w->errors_unlogged = 0;
		}
		else
			w->errors_unlogged++;
	}
	PQclear(res);
	finish_batch(batch, n);
}

/* Cheap round trip on an idle connection, so outages show in readyz. */
static void
probe(Worker *w)
{
	PGresult   *res = await_result(w, PQsendQuery(w->conn, "SELECT to_regprocedure('jimo.receive_batch(bytea[])') IS NOT NULL"),
								   "a probe");

	w->last_used = mono_now();
	if (res == NULL)
		return;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
		strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		/* error or extension dropped under us: start over, which logs why */
		worker_disconnect(w, PQstatus(w->conn) != CONNECTION_OK ? PQerrorMessage(w->conn) :
						  "jimo.receive_batch(bytea[]) is gone");
	}
	PQclear(res);
}

/*
 * A worker without a connection leaves deliveries to the others, unless
 * nobody is connected: then it answers them 503 right away rather than
 * letting them wait for a database that is not there.  Asked by the queue
 * once a delivery is there: decided before the wait (up to the time until
 * the next connection attempt), a worker still down took a delivery that
 * came after another one had connected again and answered it 503.  One that
 * leaves it to the others sleeps until its next connection attempt, or
 * until the last connected worker goes down (set_up() -> queue_recheck()).
 */
static bool
may_take(void *arg)
{
	Worker	   *w = arg;

	return w->up || db_connected() == 0;
}

static void *
worker_main(void *arg)
{
	Worker	   *w = arg;

	for (;;)
	{
		double		now = mono_now();
		int			timeout_ms;
		int			n;

		if (!w->up && now >= w->next_attempt)
		{
			worker_connect(w);
			now = mono_now();
		}

		if (w->up)
			timeout_ms = PROBE_MS;
		else
			timeout_ms = (int) ((w->next_attempt - now) * 1000) + 1;
		if (timeout_ms < 1)
			timeout_ms = 1;

		n = queue_pop_batch(w->batch, config.batch_max, config.batch_max_bytes,
							w->up ? config.batch_wait_ms : 0, timeout_ms,
							may_take, w);
		if (n < 0)
			break;

		if (n == 0)
		{
			if (w->up && mono_now() - w->last_used >= PROBE_MS / 1000.0)
				probe(w);
			continue;
		}

		if (w->up && !__atomic_load_n(&abandon, __ATOMIC_ACQUIRE))
			run_batch(w, w->batch, n);
		else
		{
			fail_batch(w->batch, n);
			finish_batch(w->batch, n);
		}
	}

	close_conn(w);
	set_up(w, false);
	return NULL;
}

/* Our connection defaults, then the user's conninfo, which wins. */
static void
build_conninfo(void)
{
	int			n = 0;

	snprintf(user_timeout, sizeof(user_timeout), "%d", config.db_timeout_ms);
	/* libpq counts whole seconds and takes 2 as its least */
	snprintf(connect_timeout, sizeof(connect_timeout), "%d",
			 config.db_timeout_ms < 2000 ? 2 : (config.db_timeout_ms + 999) / 1000);

	conn_keys[n] = "keepalives";
	conn_vals[n++] = "1";
	conn_keys[n] = "keepalives_idle";
	conn_vals[n++] = "10";
	conn_keys[n] = "keepalives_interval";
	conn_vals[n++] = "5";
	conn_keys[n] = "keepalives_count";
	conn_vals[n++] = "3";
	conn_keys[n] = "tcp_user_timeout";
	conn_vals[n++] = user_timeout;
	/* an explicit keyword would hide PGCONNECT_TIMEOUT, which is the user's */
	if (getenv("PGCONNECT_TIMEOUT") == NULL)
	{
		conn_keys[n] = "connect_timeout";
		conn_vals[n++] = connect_timeout;
	}
	/* with expand_dbname, a conninfo here overrides the keywords before it */
	conn_keys[n] = "dbname";
	conn_vals[n++] = config.dsn;
	conn_keys[n] = "fallback_application_name";
	conn_vals[n++] = "jimo-receiver";
	conn_keys[n] = NULL;
	conn_vals[n] = NULL;
}

/* A connection of the receiver's settings, for others than the workers. */
PGconn *
db_open(void)
{
	return PQconnectdbParams(conn_keys, conn_vals, 1);
}

/*
 * Answer 503 every delivery that has waited in the queue for --db-timeout:
 * every worker is busy with a server that is slow to answer, and the
 * sender is better told now, to retry, than later.
 */
static void *
late_main(void *arg)
{
	Delivery   *late[64];
	int			n;

	(void) arg;
	while ((n = queue_take_late(late, 64, config.db_timeout_ms / 1000.0)) >= 0)
	{
		metrics_late(n);
		fail_batch(late, n);
		finish_batch(late, n);
	}
	return NULL;
}

int
db_start(void)
{
	build_conninfo();
	if (pthread_create(&late_thread, NULL, late_main, NULL) != 0)
		return -1;
	late_started = true;
	nworkers = config.db_connections;
	workers = calloc((size_t) nworkers, sizeof(Worker));
	if (workers == NULL)
		return -1;
	for (int i = 0; i < nworkers; i++)
	{
		Worker	   *w = &workers[i];

		w->id = i + 1;
		w->backoff_ms = BACKOFF_MIN_MS;
		w->batch = calloc((size_t) config.batch_max, sizeof(Delivery *));
		if (w->batch == NULL || pthread_create(&w->thread, NULL, worker_main, w) != 0)
		{
			nworkers = i;
			return -1;
		}
	}
	return 0;
}

/*
 * Shutdown took too long: workers cancel the batches they have running
 * (waiting at most CANCEL_GRACE_S for the server to confirm, then dropping
 * the connection) and answer whatever is still queued 503 without trying.
 */
void
db_abandon(void)
{
	__atomic_store_n(&abandon, true, __ATOMIC_RELEASE);
}

void
db_join(void)
{
	for (int i = 0; i < nworkers; i++)
	{
		pthread_join(workers[i].thread, NULL);
		free(workers[i].batch);
		free(workers[i].param);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	/* ends once the queue is closed and empty, as the workers do */
	if (late_started)
		pthread_join(late_thread, NULL);
	late_started = false;
}
