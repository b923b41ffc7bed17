/*-------------------------------------------------------------------------
 *
 * pgwait.c
 *	  libpq round trips bounded by a deadline.
 *
 * A server that stops answering (a hung host, a backend stopped, a
 * network partition) leaves its sockets open, so PQexec would wait
 * forever and statement_timeout, which the server itself enforces, cannot
 * help.  Workers therefore send with PQsend* on a nonblocking connection
 * and collect the results here, with poll() bounded by a deadline on the
 * monotonic clock.  Whoever gets PGWAIT_TIMEOUT must treat the connection
 * as lost (PQfinish it): its state is unknown.  PQcancel is no way out,
 * since it waits for the very server that does not answer.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>

#include "pgwait.h"
#include "queue.h"

/* how often a wait looks at *stop */
#define STOP_POLL_MS 100

/*
 * Flush what PQsend* queued and read results until PQgetResult says the
 * command is over, which it does only after ReadyForQuery: a
 * PGRES_TUPLES_OK seen here is followed by the implicit commit, and an
 * error at commit would come as a later result.  Like PQexec, keeps the
 * last result in *last (NULL unless PGWAIT_DONE); the caller clears it.
 */
PgWait
pgwait(PGconn *conn, double deadline, const bool *stop, PGresult **last)
{
	*last = NULL;
	for (;;)
	{
		int			flushing = PQflush(conn);
		struct pollfd pfd;
		double		left;
		int			wait_ms;
		int			rc;

		if (flushing < 0)
			break;
		/* PQisBusy false: PQgetResult will not block */
		while (!PQisBusy(conn))
		{
			PGresult   *res = PQgetResult(conn);

			if (res == NULL)
				return PGWAIT_DONE;
			PQclear(*last);
			*last = res;
		}

		if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
		{
			PQclear(*last);
			*last = NULL;
			return PGWAIT_STOPPED;
		}
		left = deadline - mono_now();
		if (left <= 0)
		{
			PQclear(*last);
			*last = NULL;
			return PGWAIT_TIMEOUT;
		}
		wait_ms = (int) (left * 1000) + 1;
		if (stop && wait_ms > STOP_POLL_MS)
			wait_ms = STOP_POLL_MS;

		/* the server may wait for us to read before it reads on: watch both */
		pfd.fd = PQsocket(conn);
		pfd.events = POLLIN | (flushing ? POLLOUT : 0);
		pfd.revents = 0;
		if (pfd.fd < 0)
			break;
		rc = poll(&pfd, 1, wait_ms);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(conn))
			break;
	}
	PQclear(*last);
	*last = NULL;
	return PGWAIT_BROKEN;
}
