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
 * libmicrohttpd's idle timeout restarts with every byte, so 32 clients that
 * each send a header byte every few seconds would hold every connection
 * and /readyz would stop answering (a liveness probe then restarts the
 * receiver).  As on the webhook listener (conns.c), the whole request head
 * must arrive within --head-timeout, from the accept or from the end of the
 * previous request on the connection; a reaper shuts down (never closes:
 * MHD does, in its thread, after the CLOSED notification that frees the
 * slot under the same lock) the connections past it.
 *
 *-------------------------------------------------------------------------
 */
#include <netdb.h>
#include <pthread.h>
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

/* an open ops connection; fd is MHD_INVALID_SOCKET for a free slot */
typedef struct OpsConn
{
	MHD_socket	fd;
	double		since;			/* accepted, or its last request answered */
	bool		busy;			/* a request head has arrived and is served */
	bool		cut;			/* shut down by the reaper */
} OpsConn;

static OpsConn slots[OPS_MAX_CONNECTIONS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reaper_wake;
static pthread_t reaper;
static bool reaper_started;
static bool reaper_stopping;

static void
ops_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		   enum MHD_ConnectionNotificationCode code)
{
	OpsConn    *c = *socket_context;

	(void) cls;
	pthread_mutex_lock(&slots_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
	{
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		for (int i = 0; i < OPS_MAX_CONNECTIONS && ci; i++)
			if (slots[i].fd == MHD_INVALID_SOCKET)
			{
				slots[i] = (OpsConn) {ci->connect_fd, mono_now(), false, false};
				*socket_context = &slots[i];
				pthread_cond_signal(&reaper_wake);
				break;
			}
	}
	else if (c != NULL)
	{
		c->fd = MHD_INVALID_SOCKET;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&slots_lock);
}

static void
set_busy(struct MHD_Connection *conn, bool busy)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	OpsConn    *c = ci ? ci->socket_context : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&slots_lock);
	c->busy = busy;
	c->since = mono_now();
	pthread_cond_signal(&reaper_wake);
	pthread_mutex_unlock(&slots_lock);
}

static void
ops_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	(void) cls;
	(void) con_cls;
	(void) toe;
	/* the connection now waits for its next request head, on the clock */
	set_busy(conn, false);
}

static void *
reaper_main(void *arg)
{
	double		timeout = config.head_timeout_ms / 1000.0;

	(void) arg;
	pthread_mutex_lock(&slots_lock);
	while (!reaper_stopping)
	{
		double		now = mono_now();
		double		next = 0;
		struct timespec ts;

		for (int i = 0; i < OPS_MAX_CONNECTIONS; i++)
		{
			OpsConn    *c = &slots[i];

			if (c->fd == MHD_INVALID_SOCKET || c->busy || c->cut)
				continue;
			if (c->since + timeout <= now)
			{
				shutdown(c->fd, SHUT_RDWR);
				c->cut = true;
			}
			else if (next == 0 || c->since + timeout < next)
				next = c->since + timeout;
		}
		if (next == 0)
			pthread_cond_wait(&reaper_wake, &slots_lock);
		else
		{
			mono_deadline(&ts, next);
			pthread_cond_timedwait(&reaper_wake, &slots_lock, &ts);
		}
	}
	pthread_mutex_unlock(&slots_lock);
	return NULL;
}

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

	/* a whole head is here: off the reaper's clock until it is answered */
	set_busy(conn, true);
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
	for (int i = 0; i < OPS_MAX_CONNECTIONS; i++)
		slots[i].fd = MHD_INVALID_SOCKET;
	{
		pthread_condattr_t attr;

		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&reaper_wake, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (pthread_create(&reaper, NULL, reaper_main, NULL) != 0)
	{
		freeaddrinfo(ai);
		log_msg(LOG_ERROR, "could not start the operations listener's reaper", NULL);
		return false;
	}
	reaper_started = true;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	ops_daemon = MHD_start_daemon(flags, 0, NULL, NULL, ops_handler, NULL,
								  MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
								  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) OPS_MAX_CONNECTIONS,
								  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) OPS_IDLE_TIMEOUT,
								  MHD_OPTION_NOTIFY_CONNECTION, ops_notify, NULL,
								  MHD_OPTION_NOTIFY_COMPLETED, ops_completed, NULL,
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
	if (reaper_started)
	{
		pthread_mutex_lock(&slots_lock);
		reaper_stopping = true;
		pthread_cond_signal(&reaper_wake);
		pthread_mutex_unlock(&slots_lock);
		pthread_join(reaper, NULL);
		reaper_started = false;
	}
}
