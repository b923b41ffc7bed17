/*-------------------------------------------------------------------------
 *
 * pgwait.h
 *	  libpq round trips bounded by a deadline.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_PGWAIT_H
#define RECEIVER_PGWAIT_H

#include <stdbool.h>

#include <libpq-fe.h>

typedef enum PgWait
{
	PGWAIT_DONE,				/* the command is over; *last is its last result */
	PGWAIT_BROKEN,				/* the connection failed; see PQerrorMessage */
	PGWAIT_TIMEOUT,				/* the deadline came first */
	PGWAIT_STOPPED				/* *stop turned true first */
} PgWait;

extern PgWait pgwait(PGconn *conn, double deadline, const bool *stop, PGresult **last);

#endif							/* RECEIVER_PGWAIT_H */
