/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The webhook listener of jimo-receiver: routes, authentication, bodies.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_HTTP_H
#define RECEIVER_HTTP_H

#include <stdbool.h>

extern bool http_start(void);
extern void http_begin_shutdown(void);
extern bool http_draining(void);
extern int	http_inflight(void);
extern void http_stop(void);

#endif							/* RECEIVER_HTTP_H */
