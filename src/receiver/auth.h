/*-------------------------------------------------------------------------
 *
 * auth.h
 *	  Shared-secret check for webhook requests.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_AUTH_H
#define RECEIVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

extern bool secret_equal(const char *given, size_t given_len);
extern bool auth_check(struct MHD_Connection *conn, const char *path_secret);

#endif							/* RECEIVER_AUTH_H */
