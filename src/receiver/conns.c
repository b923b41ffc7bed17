/*-------------------------------------------------------------------------
 *
 * conns.c
 *	  Registry of webhook connections: the request-head deadline and
 *	  making room for real deliveries near the connection limit.
 *
 * libmicrohttpd's idle timeout restarts with every byte, and its request
 * timeout covers only bodies, so a client sending one header byte every
 * few seconds holds a connection for ever; a thousand of them hold every
 * connection there is, without knowing the secret.  Two defences, both
 * driven from this registry of every open connection:
 *
 *	 - a deadline for the whole request head (--head-timeout), counted from
 *	   the accept, or for a keep-alive connection from the end of its
 *	   previous request: a reaper thread closes connections past it;
 *	 - near the connection limit (above 90 % of --max-connections), each new
 *	   connection closes the oldest connection that has no authenticated
 *	   request in progress.  A real delivery completes its head at once and
 *	   proves the secret, so it is never the one chosen; a slow client that
 *	   does not know the secret can only ever displace another such client.
 *
 * Closing means shutdown(2) on the socket, never close(2): libmicrohttpd
 * then reads EOF and closes the connection itself in its own thread.  The
 * socket cannot have been closed and its number reused meanwhile, because
 * entries are removed in the CLOSED notification, which libmicrohttpd
 * sends before it closes the socket, and both sides hold the same mutex.
 *
 * Entries are kept in one list ordered by the time they started waiting
 * for a request head (an entry moves to the tail when a request ends), so
 * the oldest waiting connections are found from the head of the list.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "config.h"
#include "conns.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "tls.h"

typedef enum ConnState
{
	CONN_WAITING,				/* no request head yet */
	CONN_UNTRUSTED,				/* a request without the secret is being answered */
	CONN_TRUSTED				/* an authenticated request is in progress */
} ConnState;

typedef struct Conn
{
	struct Conn *prev;
	struct Conn *next;
	MHD_socket	fd;
	double		since;			/* accepted, or its last request answered */
	ConnState	state;
	bool		cut;			/* shut down by us; MHD will close it */
	void	   *tls;			/* certificate generation it may use (tls.c) */
} Conn;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static Conn *head;				/* oldest first */
static Conn *tail;
static int	nopen;
static int	nlive;				/* open and not cut */
static int	crowd_limit;		/* above this many, new connections make room */
static bool stopping;
static bool reaper_running;
static pthread_t reaper;

static void
list_append(Conn *c)
{
	c->prev = tail;
	c->next = NULL;
	if (tail)
		tail->next = c;
	else
		head = c;
	tail = c;
}

static void
list_remove(Conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		tail = c->prev;
	c->prev = c->next = NULL;
}

/* Caller holds the lock, which keeps the socket open (see the top). */
static void
cut(Conn *c, ConnCut why)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
	nlive--;
	metrics_conn_cut(why);
}

static Conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void
conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			 enum MHD_ConnectionNotificationCode code)
{
	Conn	   *c;

	(void) cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
	{
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(Conn));
		if (c == NULL || ci == NULL)
		{
			/* untracked: unprotected, but served; its certificate is kept */
			free(c);
			tls_conn_pin();
			return;
		}
		c->tls = tls_conn_hold();
		c->fd = ci->connect_fd;
		c->state = CONN_WAITING;
		pthread_mutex_lock(&lock);
		c->since = mono_now();
		list_append(c);
		nopen++;
		nlive++;
		for (Conn *o = head; nlive > crowd_limit && o != c; o = o->next)
		{
			if (!o->cut && o->state != CONN_TRUSTED)
				cut(o, CUT_CROWDED_OUT);
		}
		pthread_mutex_unlock(&lock);
		*socket_context = c;
		return;
	}

	c = *socket_context;
	if (c == NULL)
		return;
	pthread_mutex_lock(&lock);
	list_remove(c);
	nopen--;
	if (!c->cut)
		nlive--;
	pthread_mutex_unlock(&lock);
	tls_conn_release(c->tls);
	free(c);
	*socket_context = NULL;
}

static void
set_state(struct MHD_Connection *conn, ConnState state)
{
	Conn	   *c = conn_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&lock);
	c->state = state;
	if (state == CONN_WAITING)
	{
		/* waiting for the next head from now on: to the young end */
		c->since = mono_now();
		list_remove(c);
		list_append(c);
	}
	pthread_mutex_unlock(&lock);
}

void
conns_request_begins(struct MHD_Connection *conn)
{
	set_state(conn, CONN_UNTRUSTED);
}

void
conns_trust(struct MHD_Connection *conn)
{
	set_state(conn, CONN_TRUSTED);
}

void
conns_request_ends(struct MHD_Connection *conn)
{
	set_state(conn, CONN_WAITING);
}

int
conns_open(void)
{
	int			n;

	pthread_mutex_lock(&lock);
	n = nopen;
	pthread_mutex_unlock(&lock);
	return n;
}

/*
 * Close connections whose head is overdue, then sleep until the next one
 * can be.  Waiting entries are in deadline order, so the scan stops at the
 * first that still has time; a connection accepted later has a later
 * deadline than the one slept for.
 */
static void *
reaper_main(void *arg)
{
	double		timeout = config.head_timeout_ms / 1000.0;

	(void) arg;
	pthread_mutex_lock(&lock);
	while (!stopping)
	{
		double		now = mono_now();
		double		next = now + timeout;
		struct timespec ts;

		for (Conn *c = head; c; c = c->next)
		{
			if (c->cut || c->state != CONN_WAITING)
				continue;
			if (c->since + timeout > now)
			{
				next = c->since + timeout;
				break;
			}
			cut(c, CUT_HEAD_TIMEOUT);
		}
		mono_deadline(&ts, next);
		pthread_cond_timedwait(&wake, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

bool
conns_start(void)
{
	pthread_condattr_t attr;
	int			reserve = config.max_connections / 10;

	crowd_limit = config.max_connections - (reserve > 0 ? reserve : 1);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&reaper, NULL, reaper_main, NULL) != 0)
	{
		log_msg(LOG_ERROR, "could not start the connection reaper thread", NULL);
		pthread_cond_destroy(&wake);
		return false;
	}
	reaper_running = true;
	return true;
}

/* After the daemon has stopped: every connection is closed by then. */
void
conns_stop(void)
{
	if (!reaper_running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(reaper, NULL);
	pthread_cond_destroy(&wake);
	reaper_running = false;
}
