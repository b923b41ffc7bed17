/*-------------------------------------------------------------------------
 *
 * db.h
 *	  Database workers: each owns one libpq connection and stores batches
 *	  of deliveries with one jimo.receive_batch call each.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_DB_H
#define RECEIVER_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

extern int	db_start(void);
extern void db_abandon(void);
extern void db_join(void);

/* cancel from a thread of its own, never waiting on the server; takes cancel over */
extern bool db_cancel_async(PGcancel *cancel);

/* a new connection with the workers' settings (after db_start) */
extern PGconn *db_open(void);

/* workers whose connection worked last time it was used */
extern int	db_connected(void);

/* ready: a connection is up and jimo.receive_batch(bytea[]) exists */
extern bool db_ready(void);

#endif							/* RECEIVER_DB_H */
