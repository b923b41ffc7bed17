/*-------------------------------------------------------------------------
 *
 * listen.c
 *	  HOST:PORT settings (--listen, --ops-listen) to socket addresses.
 *
 * Accepted forms: HOST:PORT, [V6ADDR]:PORT, and :PORT for every interface.
 * Only numeric ports: a service name in a listen address is a typo more
 * often than not.
 *
 *-------------------------------------------------------------------------
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "listen.h"
#include "log.h"

struct addrinfo *
listen_resolve(const char *setting, const char *value)
{
	char		host[256];
	const char *colon = strrchr(value, ':');
	struct addrinfo hints = {0};
	struct addrinfo *res = NULL;
	size_t		hlen;
	int			rc;

	if (colon == NULL)
	{
		log_msg(LOG_ERROR, "a listen address needs HOST:PORT", "setting=%s value=\"%s\"",
				setting, value);
		return NULL;
	}
	hlen = (size_t) (colon - value);
	if (hlen >= 2 && value[0] == '[' && value[hlen - 1] == ']')
	{
		memcpy(host, value + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	else
	{
		if (hlen >= sizeof(host))
			hlen = sizeof(host) - 1;
		memcpy(host, value, hlen);
		host[hlen] = '\0';
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
	if (rc != 0)
	{
		log_msg(LOG_ERROR, "cannot resolve a listen address", "setting=%s value=\"%s\" error=\"%s\"",
				setting, value, gai_strerror(rc));
		return NULL;
	}
	return res;
}
