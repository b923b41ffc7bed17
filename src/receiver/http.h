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
#include <stddef.h>

struct MHD_Response;

/*
 * A response with its Content-Type (and Allow, when given) set, for both
 * listeners; NULL when out of memory, with body freed if it was to be.
 */
extern struct MHD_Response *http_response(const char *content_type, char *body,
										  size_t len, bool must_free,
										  const char *allow);

extern bool http_start(void);
extern void http_begin_shutdown(void);
extern bool http_draining(void);
extern int	http_inflight(void);
extern void http_stop(void);

#endif							/* RECEIVER_HTTP_H */
