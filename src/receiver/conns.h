/*-------------------------------------------------------------------------
 *
 * conns.h
 *	  Registry of webhook connections: the request-head deadline and
 *	  making room for real deliveries near the connection limit.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_CONNS_H
#define RECEIVER_CONNS_H

#include <stdbool.h>

#include <microhttpd.h>

extern bool conns_start(void);
extern void conns_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION of the webhook daemon */
extern void conns_notify(void *cls, struct MHD_Connection *conn,
						 void **socket_context,
						 enum MHD_ConnectionNotificationCode code);

/* a request head is complete; the request has proved the secret; it is answered */
extern void conns_request_begins(struct MHD_Connection *conn);
extern void conns_trust(struct MHD_Connection *conn);
extern void conns_request_ends(struct MHD_Connection *conn);

extern int	conns_open(void);

#endif							/* RECEIVER_CONNS_H */
