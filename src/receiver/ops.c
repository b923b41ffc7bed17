/*-------------------------------------------------------------------------
 *
 * ops.c
 *	  The operations listener: /healthz, /readyz and /metrics.
 *
 * A second libmicrohttpd daemon on --ops-listen (loopback by default), so
 * that the webhook address, which must be reachable from Jimo, does not
 * also tell the world about our database and traffic.  It is small: one
 * event-loop thread, few connections, no request bodies, and it keeps
 * answering while the webhook listener drains on shutdown, so /readyz can
 * say "shutting down".
 *
 *-------------------------------------------------------------------------
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "config.h"
#include "conns.h"
#include "db.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "ops.h"
#include "queue.h"

/* monitoring needs a handful of connections, not the webhook's thousand */
#define OPS_MAX_CONNECTIONS 32
#define OPS_IDLE_TIMEOUT	10

static struct MHD_Daemon *ops_daemon;

static enum MHD_Result
ops_reply(struct MHD_Connection *conn, unsigned int status, const char *content_type,
		  char *body, size_t len, bool must_free, const char *allow)
{
	struct MHD_Response *resp = http_response(content_type, body, len, must_free, allow);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
ops_text(struct MHD_Connection *conn, unsigned int status, const char *text)
{
	return ops_reply(conn, status, "text/plain", (char *) text, strlen(text), false, NULL);
}

static enum MHD_Result
ops_handler(void *cls, struct MHD_Connection *conn, const char *url,
			const char *method, const char *version, const char *upload_data,
			size_t *upload_data_size, void **con_cls)
{
	bool		known = strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
		strcmp(url, "/metrics") == 0;

	(void) cls;
	(void) version;
	(void) upload_data;
	(void) upload_data_size;
	(void) con_cls;

	/* answered at the first call, so no request body is ever read */
	if (!known)
		return ops_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return ops_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
						 "method not allowed\n", 19, false, "GET, HEAD");

	if (strcmp(url, "/healthz") == 0)
		return ops_text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/readyz") == 0)
	{
		if (http_draining())
			return ops_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down\n");
		if (!db_ready())
			return ops_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
							"database unreachable, not answering, or jimo_webhooks extension missing\n");
		return ops_text(conn, MHD_HTTP_OK, "ready\n");
	}
	{
		MetricsGauges g = {
			.queue_depth = queue_depth(),
			.db_connected = db_connected(),
			.db_workers = config.db_connections,
			.connections_open = conns_open(),
		};
		size_t		len;
		char	   *text = metrics_render(&len, &g);

		if (text == NULL)
			return MHD_NO;
		return ops_reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", text, len, true, NULL);
	}
}

bool
ops_start(void)
{
	struct addrinfo *ai;
	unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if (config.ops_listen == NULL)
		return true;
	ai = listen_resolve("--ops-listen", config.ops_listen);
	if (ai == NULL)
		return false;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	ops_daemon = MHD_start_daemon(flags, 0, NULL, NULL, ops_handler, NULL,
								  MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
								  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) OPS_MAX_CONNECTIONS,
								  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) OPS_IDLE_TIMEOUT,
								  MHD_OPTION_SOCK_ADDR, ai->ai_addr,
								  MHD_OPTION_END);
	freeaddrinfo(ai);
	if (ops_daemon == NULL)
	{
		log_msg(LOG_ERROR, "could not start the operations listener", "ops_listen=\"%s\"",
				config.ops_listen);
		return false;
	}
	return true;
}

void
ops_stop(void)
{
	if (ops_daemon)
		MHD_stop_daemon(ops_daemon);
	ops_daemon = NULL;
}
