/*-------------------------------------------------------------------------
 *
 * http.c
 *	  The HTTP side of jimo-receiver: routes, authentication, bodies.
 *
 * libmicrohttpd does all HTTP parsing and runs its own event-loop threads.
 * A webhook body is read into memory, then the connection is suspended
 * and the body queued for a database worker; the worker resumes the
 * connection once the batch holding the body has committed (or failed),
 * and the handler, called again, answers with the outcome.  No thread
 * blocks on the database, so a few event-loop threads serve thousands of
 * connections waiting for their commit.
 *
 * Order of checks: framing (400, 501: framing_error), then for the webhook
 * path route (404), method (405), secret (401), shutdown (503), declared
 * size (413) -- all before a byte of the body is read -- then body size as
 * it arrives, then the queue.
 *
 * With --tls-cert the listener speaks HTTPS only (TLS 1.2 and 1.3); the
 * certificate comes from tls.c through a per-handshake callback, so that
 * SIGHUP can replace it without touching the daemon or open connections.
 *
 * This listener serves the webhook path only; health and metrics are on
 * their own listener (ops.c), so that they need not be public.  Every
 * connection is tracked in conns.c, which bounds the time to send a
 * request head and keeps slow clients without the secret from taking the
 * room real deliveries need.
 *
 *-------------------------------------------------------------------------
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth.h"
#include "config.h"
#include "conns.h"
#include "db.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "tls.h"

typedef enum Route
{
	ROUTE_NONE,
	ROUTE_WEBHOOK
} Route;

typedef enum ReqState
{
	REQ_NEW,
	REQ_READING,
	REQ_TOO_LARGE,				/* body over the limit: discarding the rest */
	REQ_QUEUED,
	REQ_ANSWERED
} ReqState;

typedef struct Request
{
	Delivery	d;				/* shared with the database worker */
	Route		route;
	ReqState	state;
	unsigned int status;		/* answered status, for the access log */
	double		started;
	size_t		received;
	char		logpath[128];	/* redacted, filled only for the access log */
} Request;

static struct MHD_Daemon *daemon_handle;
static MHD_socket quiesced_socket = MHD_INVALID_SOCKET;
static bool shutting_down;
static int	inflight;
static char retry_after[16];

/* ---------- responses ---------- */

struct MHD_Response *
http_response(const char *content_type, char *body, size_t len, bool must_free,
			  const char *allow)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body,
										   must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
	{
		if (must_free)
			free(body);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return resp;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, Request *r, unsigned int status,
	  const char *content_type, char *body, size_t len, bool must_free,
	  const char *allow)
{
	struct MHD_Response *resp = http_response(content_type, body, len, must_free, allow);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
	/* while draining, make keep-alive clients reconnect elsewhere */
	if (__atomic_load_n(&shutting_down, __ATOMIC_RELAXED))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");

	if (status == MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_basic_auth_fail_response(conn, "jimo-receiver", resp);
	else
		ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);

	r->state = REQ_ANSWERED;
	r->status = status;
	metrics_request(status);
	return ret;
}

static enum MHD_Result
reply_json(struct MHD_Connection *conn, Request *r, unsigned int status,
		   const char *json, const char *allow)
{
	return reply(conn, r, status, "application/json", (char *) json, strlen(json),
				 false, allow);
}

/* Append s to out as the inside of a JSON string. */
static size_t
json_escape(char *out, size_t cap, const char *s)
{
	size_t		o = 0;

	for (const unsigned char *p = (const unsigned char *) s; *p && o + 7 < cap; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			out[o++] = '\\';
			out[o++] = (char) *p;
		}
		else if (*p < 0x20)
			o += (size_t) snprintf(out + o, cap - o, "\\u%04x", *p);
		else
			out[o++] = (char) *p;
	}
	out[o] = '\0';
	return o;
}

static enum MHD_Result
reply_delivery(struct MHD_Connection *conn, Request *r)
{
	Delivery   *d = &r->d;
	char	   *body;
	int			len;

	if (d->status == 200)
	{
		body = malloc(96);
		if (body == NULL)
			return MHD_NO;
		len = snprintf(body, 96, "{\"status\":\"stored\",\"event_id\":%lld%s}\n", d->event_id,
					   d->outcome == OUTCOME_DUPLICATE ? ",\"duplicate\":true" : "");
		return reply(conn, r, 200, "application/json", body, (size_t) len, true, NULL);
	}
	if (d->status == 400)
	{
		const char *err = d->error ? d->error : "rejected";
		size_t		cap = strlen(err) * 6 + 64;

		body = malloc(cap);
		if (body == NULL)
			return MHD_NO;
		len = snprintf(body, cap, "{\"status\":\"rejected\",\"error\":\"");
		len += (int) json_escape(body + len, cap - (size_t) len - 4, err);
		len += snprintf(body + len, cap - (size_t) len, "\"}\n");
		return reply(conn, r, 400, "application/json", body, (size_t) len, true, NULL);
	}
	return reply_json(conn, r, 503,
					  "{\"status\":\"unavailable\",\"error\":\"the database could not store the event; retry later\"}\n",
					  NULL);
}

/* ---------- routes ---------- */

static Route
route_of(const char *url, const char **path_secret)
{
	size_t		plen = strlen(config.path);

	*path_secret = NULL;
	if (strncmp(url, config.path, plen) == 0 &&
		(url[plen] == '\0' || (url[plen] == '/' && strchr(url + plen + 1, '/') == NULL)))
	{
		if (url[plen] == '/')
			*path_secret = url + plen + 1;
		return ROUTE_WEBHOOK;
	}
	return ROUTE_NONE;
}

/* what framing_error() gathers from the headers of a request */
typedef struct Framing
{
	int			content_lengths;
	int			transfer_encodings;
	bool		chunked_only;	/* every Transfer-Encoding is "chunked" */
	bool		bad_name;		/* a header name with white space in it */
} Framing;

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
			const char *value)
{
	Framing    *f = cls;

	(void) kind;
	if (strpbrk(key, " \t") != NULL)
		f->bad_name = true;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_lengths++;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
	{
		f->transfer_encodings++;
		if (value == NULL || strcasecmp(value, "chunked") != 0)
			f->chunked_only = false;
	}
	return MHD_YES;
}

/*
 * Where the request's body ends must be beyond doubt, on any path, before
 * anything else is decided: libmicrohttpd reads a body by the first
 * Content-Length, or as chunked when Transfer-Encoding is there at all,
 * and the next request from what follows, where a proxy in front may have
 * framed it otherwise (request smuggling); a cut body would also be kept
 * in jimo.rejected.  RFC 9112: more than one Content-Length, both headers
 * (6.1, 6.3), white space before a header's colon (5.1) and an HTTP/1.1
 * request without Host (3.2) are answered 400, a transfer coding other
 * than chunked 501.  The answer comes before the body is read, so the
 * connection is closed.  Returns the status, or 0.
 */
static unsigned int
framing_error(struct MHD_Connection *conn, const char *version, const char **why)
{
	Framing		f = {0, 0, true, false};

	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &f);
	*why = NULL;
	if (f.bad_name)
		*why = "white space in a header name";
	else if (f.content_lengths > 1)
		*why = "more than one Content-Length header";
	else if (f.content_lengths > 0 && f.transfer_encodings > 0)
		*why = "both Content-Length and Transfer-Encoding";
	else if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
			 MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) == NULL)
		*why = "no Host header";
	else if (f.transfer_encodings > 1 || !f.chunked_only)
	{
		*why = "only Transfer-Encoding: chunked is supported";
		return 501;
	}
	return *why ? 400 : 0;
}

/* First call for a webhook request: everything decidable from headers. */
static enum MHD_Result
begin_webhook(struct MHD_Connection *conn, Request *r, const char *method,
			  const char *path_secret)
{
	const char *cl;

	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return reply_json(conn, r, 405, "{\"status\":\"error\",\"error\":\"method not allowed, use POST\"}\n",
						  "POST");
	if (!auth_check(conn, path_secret))
		return reply_json(conn, r, 401, "{\"status\":\"error\",\"error\":\"missing or wrong secret\"}\n",
						  NULL);
	/* from here on this connection is a sender's, never closed to make room */
	conns_trust(conn);
	if (__atomic_load_n(&shutting_down, __ATOMIC_RELAXED))
		return reply_json(conn, r, 503, "{\"status\":\"unavailable\",\"error\":\"shutting down\"}\n",
						  NULL);

	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl)
	{
		char	   *end;
		unsigned long long n = strtoull(cl, &end, 10);

		if (n > config.max_body)
			return reply_json(conn, r, 413, "{\"status\":\"error\",\"error\":\"body too large\"}\n", NULL);
		/* MHD has validated the header; allocate the body once */
		r->d.cap = (size_t) n;
		r->d.body = malloc(r->d.cap ? r->d.cap : 1);
		if (r->d.body == NULL)
			return MHD_NO;
	}
	r->state = REQ_READING;
	return MHD_YES;
}

static enum MHD_Result
read_body(Request *r, const char *data, size_t size)
{
	Delivery   *d = &r->d;

	if (mono_now() - r->started > config.request_timeout)
	{
		/*
		 * Slow sender: libmicrohttpd cannot answer before the upload is
		 * over, so the connection is cut without an answer, and counted
		 * as a cut, not as a 408 nobody received (status 0 in the log).
		 */
		metrics_conn_cut(CUT_BODY_TIMEOUT);
		r->status = 0;
		return MHD_NO;
	}
	r->received += size;
	if (r->state == REQ_TOO_LARGE)
		return MHD_YES;
	if (d->len + size > config.max_body)
	{
		r->state = REQ_TOO_LARGE;
		free(d->body);
		d->body = NULL;
		d->len = d->cap = 0;
		return MHD_YES;
	}
	if (d->len + size > d->cap)
	{
		size_t		ncap = d->cap ? d->cap * 2 : 4096;
		char	   *nb;

		while (ncap < d->len + size)
			ncap *= 2;
		if (ncap > config.max_body)
			ncap = config.max_body;
		nb = realloc(d->body, ncap);
		if (nb == NULL)
			return MHD_NO;
		d->body = nb;
		d->cap = ncap;
	}
	memcpy(d->body + d->len, data, size);
	d->len += size;
	return MHD_YES;
}

static enum MHD_Result
finish_webhook(struct MHD_Connection *conn, Request *r)
{
	if (r->state == REQ_TOO_LARGE)
		return reply_json(conn, r, 413, "{\"status\":\"error\",\"error\":\"body too large\"}\n", NULL);

	/* nobody can reach the database: say so now instead of queueing */
	if (db_connected() == 0)
		return reply_json(conn, r, 503, "{\"status\":\"unavailable\",\"error\":\"database unavailable\"}\n",
						  NULL);

	r->d.conn = conn;
	switch (queue_push(&r->d))
	{
		case QUEUE_OK:
			r->state = REQ_QUEUED;
			return MHD_YES;
		case QUEUE_FULL:
			metrics_queue_full();
			return reply_json(conn, r, 503, "{\"status\":\"unavailable\",\"error\":\"queue full\"}\n", NULL);
		case QUEUE_CLOSED:
			break;
	}
	return reply_json(conn, r, 503, "{\"status\":\"unavailable\",\"error\":\"shutting down\"}\n", NULL);
}

/* Path for the log: the secret segment, if any, is never written out. */
static void
loggable_path(const char *url, char *buf, size_t cap)
{
	size_t		plen = strlen(config.path);

	if (strncmp(url, config.path, plen) == 0 && url[plen] == '/')
		snprintf(buf, cap, "%s/[redacted]", config.path);
	else if (config.secret && strstr(url, config.secret))
		snprintf(buf, cap, "[redacted]");
	else
		snprintf(buf, cap, "%s", url);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version, const char *upload_data,
		size_t *upload_data_size, void **con_cls)
{
	Request    *r = *con_cls;

	(void) cls;

	if (r == NULL)
	{
		const char *path_secret;
		const char *why;
		unsigned int bad;
		char		msg[128];

		r = calloc(1, sizeof(Request));
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		__atomic_add_fetch(&inflight, 1, __ATOMIC_RELAXED);
		conns_request_begins(conn);
		r->started = mono_now();
		r->route = route_of(url, &path_secret);
		if (config.access_log)
			loggable_path(url, r->logpath, sizeof(r->logpath));
		if ((bad = framing_error(conn, version, &why)) != 0)
		{
			char	   *body;

			snprintf(msg, sizeof(msg), "{\"status\":\"error\",\"error\":\"%s\"}\n", why);
			if ((body = strdup(msg)) == NULL)
				return MHD_NO;
			return reply(conn, r, bad, "application/json", body, strlen(body), true, NULL);
		}
		if (r->route == ROUTE_WEBHOOK)
			return begin_webhook(conn, r, method, path_secret);
		return reply_json(conn, r, 404, "{\"status\":\"error\",\"error\":\"not found\"}\n", NULL);
	}

	switch (r->state)
	{
		case REQ_READING:
		case REQ_TOO_LARGE:
			if (*upload_data_size > 0)
			{
				size_t		n = *upload_data_size;

				*upload_data_size = 0;
				return read_body(r, upload_data, n);
			}
			return finish_webhook(conn, r);
		case REQ_QUEUED:
			/* resumed by the worker: the outcome is in r->d */
			if (!__atomic_load_n(&r->d.done, __ATOMIC_ACQUIRE))
				return MHD_YES;
			return reply_delivery(conn, r);
		default:
			/* GET bodies and the like after an answer: ignore them */
			*upload_data_size = 0;
			return MHD_YES;
	}
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		  enum MHD_RequestTerminationCode toe)
{
	Request    *r = *con_cls;

	(void) cls;
	/* the connection now waits for its next request head, on the clock */
	conns_request_ends(conn);
	if (r == NULL)
		return;

	if (config.access_log)
	{
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char		host[64] = "-";
		char		qpath[300];

		if (ci && ci->client_addr)
			getnameinfo(ci->client_addr,
						ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
						host, sizeof(host), NULL, 0, NI_NUMERICHOST);
		log_msg(LOG_INFO, "request", "remote=%s path=%s status=%u bytes=%zu ms=%.2f end=%d",
				host, log_quote(qpath, sizeof(qpath), r->logpath), r->status,
				r->received, (mono_now() - r->started) * 1000, (int) toe);
	}

	free(r->d.body);
	free(r->d.error);
	free(r);
	*con_cls = NULL;
	__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELEASE);
}

bool
http_start(void)
{
	struct addrinfo *ai = listen_resolve("--listen", config.listen);
	/*
	 * poll(), not epoll: with libmicrohttpd 0.9.75's epoll loop, connections
	 * resumed from another thread were measured to sit unprocessed until
	 * unrelated network traffic woke the loop (one HTTP thread: 4-9k
	 * requests/s with stalls, against 28k with poll).  poll costs the same
	 * here (the /healthz ceiling is equal) for the connection counts a
	 * webhook endpoint sees.
	 */
	unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
	struct MHD_OptionItem ops[16];
	int			n = 0;

	if (ai == NULL || !conns_start())
	{
		if (ai)
			freeaddrinfo(ai);
		return false;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls_enabled())
	{
		if (MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) != MHD_YES)
		{
			log_msg(LOG_ERROR, "this libmicrohttpd has no HTTPS certificate callback (built without GnuTLS?)", NULL);
			freeaddrinfo(ai);
			conns_stop();
			return false;
		}
		flags |= MHD_USE_TLS;
		ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *) tls_cert_callback};
		ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *) TLS_PRIORITIES};
	}
	snprintf(retry_after, sizeof(retry_after), "%d", config.retry_after);

	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t) config.max_header, NULL};
	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_CONNECTION_LIMIT, config.max_connections, NULL};
	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_CONNECTION_TIMEOUT, config.idle_timeout, NULL};
	if (config.max_per_ip > 0)
		ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_PER_IP_CONNECTION_LIMIT, config.max_per_ip, NULL};
	if (config.http_threads > 1)
		ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_THREAD_POOL_SIZE, config.http_threads, NULL};
	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr};
	ops[n++] = (struct MHD_OptionItem) {MHD_OPTION_END, 0, NULL};

	/* the logger goes first so that MHD reports option errors through it */
	daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
									 MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
									 MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
									 MHD_OPTION_NOTIFY_CONNECTION, conns_notify, NULL,
									 MHD_OPTION_ARRAY, ops,
									 MHD_OPTION_END);
	freeaddrinfo(ai);
	if (daemon_handle == NULL)
	{
		log_msg(LOG_ERROR, "could not start the HTTP server", "listen=\"%s\"", config.listen);
		conns_stop();
		return false;
	}
	return true;
}

/*
 * Stop accepting connections and refuse new deliveries; requests already
 * queued are still answered by the workers.
 */
void
http_begin_shutdown(void)
{
	__atomic_store_n(&shutting_down, true, __ATOMIC_RELAXED);
	if (daemon_handle)
		quiesced_socket = MHD_quiesce_daemon(daemon_handle);

	/*
	 * A quiesced socket still listens: the kernel completes handshakes into
	 * its backlog that nobody accepts, and those clients hang until the stop
	 * resets them.  Shut it down so that new connections are refused at
	 * once (the sender retries elsewhere or later).  Not closed: MHD's
	 * threads may still hold the descriptor until MHD_stop_daemon().
	 */
	if (quiesced_socket != MHD_INVALID_SOCKET)
		shutdown(quiesced_socket, SHUT_RDWR);
}

bool
http_draining(void)
{
	return __atomic_load_n(&shutting_down, __ATOMIC_RELAXED);
}

int
http_inflight(void)
{
	return __atomic_load_n(&inflight, __ATOMIC_ACQUIRE);
}

void
http_stop(void)
{
	if (daemon_handle)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	conns_stop();
	/* MHD leaves a quiesced listen socket to us, to close after the stop */
	if (quiesced_socket != MHD_INVALID_SOCKET)
		close(quiesced_socket);
	quiesced_socket = MHD_INVALID_SOCKET;
}
