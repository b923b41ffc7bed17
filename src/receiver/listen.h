/*-------------------------------------------------------------------------
 *
 * listen.h
 *	  HOST:PORT settings (--listen, --ops-listen) to socket addresses.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_LISTEN_H
#define RECEIVER_LISTEN_H

struct addrinfo;

/* NULL after logging why; free the result with freeaddrinfo() */
extern struct addrinfo *listen_resolve(const char *setting, const char *value);

#endif							/* RECEIVER_LISTEN_H */
