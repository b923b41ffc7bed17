/*-------------------------------------------------------------------------
 *
 * refresh.c
 *	  Run jimo.refresh_funnel_cohorts() every --refresh-cohorts seconds.
 *
 * tour_funnel_daily, funnel_cohorts and time_to_complete read the cohorts
 * no journey change has touched since the last refresh from a cache, and
 * compute the others (extension 0.13, README "Analytics views").  The views
 * are exact either way; the refresh is what keeps them fast, and the
 * receiver is the one process every deployment runs, so it calls it unless
 * told not to (cron or pg_cron can do it instead: --refresh-cohorts 0).
 *
 * One thread with a connection of its own, opened for each refresh and
 * closed after, so that a refresh (seconds at tens of millions of events)
 * never holds a batch worker, and a database restart needs no reconnect
 * logic here.  A database whose extension has no such function (older than
 * 0.13) or refuses it (distributed on Citus: feature_not_supported) is told
 * once in the log and not asked again.  On shutdown a refresh in progress
 * is cancelled: its transaction rolls back, and the next one catches up.
 * Neither the cancel nor the wait for the thread may hold the shutdown: a
 * hung server reads no cancel request and answers no query, so the cancel
 * is sent from a thread of its own and the wait has the shutdown's
 * deadline, after which the thread is left to end with the process.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "refresh.h"

static pthread_t thread;
static bool started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static bool stopping;
static bool finished;			/* the thread has returned, under lock */
static PGcancel *running;		/* the refresh in progress, under lock */

/* Refresh once; false when this database will never take it. */
static bool
refresh_once(void)
{
	char		q[512];
	PGconn	   *conn = db_open();
	PGresult   *res;
	double		t0;
	bool		again = true;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		log_msg(LOG_WARN, "funnel cohort refresh: could not connect", "error=%s",
				log_quote(q, sizeof(q), conn ? PQerrorMessage(conn) : "out of memory"));
		PQfinish(conn);
		return true;
	}
	pthread_mutex_lock(&lock);
	if (stopping)
	{
		pthread_mutex_unlock(&lock);
		PQfinish(conn);
		return true;
	}
	running = PQgetCancel(conn);
	pthread_mutex_unlock(&lock);

	t0 = mono_now();
	res = PQexec(conn, "SELECT cohorts, marks, full_refresh FROM jimo.refresh_funnel_cohorts()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		log_msg(LOG_INFO, "funnel cohorts refreshed", "cohorts=%s marks=%s full=%s ms=%.0f",
				PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				(mono_now() - t0) * 1000.0);
	else
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		/* 42883: no such function (extension before 0.13); 0A000: Citus */
		again = !(state && (strcmp(state, "42883") == 0 || strcmp(state, "0A000") == 0));
		log_msg(again ? LOG_WARN : LOG_INFO,
				again ? "funnel cohort refresh failed" :
				"funnel cohort refresh: not available in this database; not asking again",
				"error=%s", log_quote(q, sizeof(q), PQresultErrorMessage(res)));
	}
	PQclear(res);

	pthread_mutex_lock(&lock);
	/* NULL when refresh_cancel() has handed it to its cancel thread */
	PQfreeCancel(running);
	running = NULL;
	pthread_mutex_unlock(&lock);
	PQfinish(conn);
	return again;
}

static void *
refresh_main(void *arg)
{
	(void) arg;
	for (;;)
	{
		struct timespec until;
		int			rc = 0;

		mono_deadline(&until, mono_now() + config.refresh_cohorts_s);
		pthread_mutex_lock(&lock);
		while (!stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&wake, &lock, &until);
		if (stopping)
		{
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		if (!refresh_once())
			break;
	}
	pthread_mutex_lock(&lock);
	finished = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	return NULL;
}

void
refresh_start(void)
{
	pthread_condattr_t attr;

	if (config.refresh_cohorts_s <= 0)
		return;
	/* a monotonic clock: a wall clock set back must not stall the refresh */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&thread, NULL, refresh_main, NULL) != 0)
	{
		log_msg(LOG_WARN, "funnel cohort refresh: could not start its thread; not refreshing", NULL);
		return;
	}
	started = true;
}

/* Stop refreshing, and cancel a refresh in progress; does not wait. */
void
refresh_cancel(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	if (running != NULL)
	{
		/* handed over, whatever happens: the refresh thread frees no more */
		if (!db_cancel_async(running))
			log_msg(LOG_WARN, "funnel cohort refresh: could not start a thread to cancel it", NULL);
		running = NULL;
	}
	pthread_mutex_unlock(&lock);
}

/*
 * Wait until the refresh thread has returned, or until deadline (mono_now()
 * time): a refresh on a server that hangs never returns, and is left to end
 * with the process.
 */
void
refresh_join(double deadline)
{
	struct timespec until;
	bool		done;

	if (!started)
		return;
	refresh_cancel();
	mono_deadline(&until, deadline);
	pthread_mutex_lock(&lock);
	while (!finished && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
		;
	done = finished;
	pthread_mutex_unlock(&lock);
	if (done)
		pthread_join(thread, NULL);
	else
	{
		log_msg(LOG_WARN, "funnel cohort refresh: no answer to its cancel; not waiting for it", NULL);
		pthread_detach(thread);
	}
	started = false;
}
